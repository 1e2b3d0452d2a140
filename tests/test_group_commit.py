"""Hook-call rows of concurrent calls are written together, and none is lost or left waiting."""

import time
from functools import partial

from sqlalchemy.exc import OperationalError

from ivr_module.models import HookCall
from ivr_module.services.group_commit import GroupCommit
from tests.helpers import Hooks, all_at_once, count_rows


class SlowTable:
    """Stands in for the INSERT: records each batch, takes a while, may fail once."""

    def __init__(self, fail_first=False):
        self.batches, self.fail_first = [], fail_first

    def insert_many(self, rows):
        time.sleep(0.02)  # long enough for the other callers to queue up behind this write
        self.batches.append(list(rows))
        if self.fail_first and len(self.batches) == 1:
            raise OperationalError("INSERT", {}, Exception("database went away"))


def write_concurrently(group, count):
    def write(number):
        try:
            group.write({"n": number})
            return "written"
        except OperationalError:
            return "failed"

    return all_at_once([partial(write, number) for number in range(count)])


def test_concurrent_rows_are_written_in_fewer_inserts_and_all_of_them():
    table = SlowTable()
    outcomes = write_concurrently(GroupCommit(table.insert_many), 20)
    assert outcomes == ["written"] * 20
    written = sorted(row["n"] for batch in table.batches for row in batch)
    assert written == list(range(20))
    assert len(table.batches) < 20


def test_a_failed_write_fails_its_whole_batch_and_the_next_batch_still_goes():
    table = SlowTable(fail_first=True)
    outcomes = write_concurrently(GroupCommit(table.insert_many), 12)
    failed_rows = len(table.batches[0])
    assert outcomes.count("failed") == failed_rows
    assert outcomes.count("written") == 12 - failed_rows
    assert sum(len(batch) for batch in table.batches) == 12


def test_a_lone_caller_writes_its_own_row():
    table = SlowTable()
    GroupCommit(table.insert_many).write({"n": 1})
    assert table.batches == [[{"n": 1}]]


def test_twenty_concurrent_calls_leave_twenty_rows(app):
    answers = all_at_once([partial(Hooks(app.test_client()).pre_order, "1234567897") for _ in range(20)])
    assert [answer["result"]["errortext"] for answer in answers] == ["Order not found"] * 20
    assert count_rows(app, HookCall) == 20
