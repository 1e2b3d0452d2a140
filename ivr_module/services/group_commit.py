"""Group commit: rows of concurrent calls written together, each caller back once its row is in."""

import threading

# How long a call waits for its row to be written by another before giving up (and logging).
WRITE_WAIT_SECONDS = 30


class _Pending:
    """A row waiting to be written, and how its caller learns the outcome."""

    __slots__ = ("row", "turn", "written", "error")

    def __init__(self, row: dict):
        # `turn` only for a caller who must wait: one writing its own row never waits.
        self.row, self.turn, self.written, self.error = row, None, False, None


class GroupCommit:
    """Rows of concurrent calls go to the database together, in one round trip.

    A caller who finds nobody writing writes every row waiting, its own included; the others
    wait, and when the write is done the first still waiting writes the next batch. Nothing is
    buffered past its call: each caller returns once its own row is committed, so a crash of
    the app loses no row of an answered call. Alone, a caller simply writes its row.
    """

    def __init__(self, insert_many):
        self._insert_many = insert_many
        self._lock = threading.Lock()
        self._waiting: list[_Pending] = []
        self._busy = False

    def write(self, row: dict) -> None:
        """Return once `row` is committed; raise what the write raised."""
        pending = _Pending(row)
        with self._lock:
            self._waiting.append(pending)
            leads, self._busy = not self._busy, True
            if not leads:
                pending.turn = threading.Event()
        if not leads and not pending.turn.wait(WRITE_WAIT_SECONDS):
            raise TimeoutError("the hook-call log writer did not answer")
        if not pending.written:  # our turn to write, not yet written by another
            self._write_waiting()
        if pending.error is not None:
            raise pending.error

    def _write_waiting(self) -> None:
        with self._lock:
            batch, self._waiting = self._waiting, []
        error = None
        try:
            self._insert_many([pending.row for pending in batch])
        except Exception as failure:  # noqa: BLE001 - handed to every caller of the batch
            error = failure
        finally:
            for pending in batch:
                pending.written, pending.error = True, error
                if pending.turn is not None:
                    pending.turn.set()
            with self._lock:
                if self._waiting:
                    self._waiting[0].turn.set()  # the first still waiting writes next
                else:
                    self._busy = False
