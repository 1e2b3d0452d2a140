"""The sandbox: magic numbers, isolation from live data both ways, test data kept out of live figures."""

from decimal import Decimal

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import select
from stdnum import luhn

from ivr_module.admin.dashboard import dashboard_figures, latest_failures
from ivr_module.config import ConfigError
from ivr_module.db import db, utcnow
from ivr_module.models import HookCall, IVRTransaction, PreOrder
from ivr_module.services import order_numbers
from ivr_module.services.error_texts import HookError
from ivr_module.services.sandbox import MAGIC_AMOUNT, MAGIC_BY_KEY, MAGIC_NUMBERS
from tests.helpers import (
    API_TOKEN,
    BASKET,
    IVR_PASSWORD,
    IVR_USERNAME,
    SANDBOX_API_TOKEN,
    SANDBOX_PASSWORD,
    SANDBOX_USERNAME,
    count_rows,
    issued_through_api,
    make_app,
    pre_order_answer_failed,
    transactions,
)

SUCCESS_NUMBER = MAGIC_BY_KEY["success"].number


class Vendor:
    """The hooks called with one pair of credentials."""

    def __init__(self, client, username, password):
        self.client, self.username, self.password = client, username, password

    def pre_order(self, number):
        """The pre_order answer."""
        body = {"username": self.username, "password": self.password, "orderNumber": number}
        return self.client.post("/hooks/ivr/pre_order/", json=body).get_json()

    def complete(self, number, reference="S-1", success=True):
        """The complete answer's errortext ("" on success)."""
        result = {"orderNumber": number, "referenceNumber": reference, "staffId": "7", "success": success}
        body = {"username": self.username, "password": self.password, "orderResultRequest": result}
        answer = self.client.post("/hooks/ivr/complete/", json=body).get_json()["orderResultResponse"]["result"]
        assert answer["success"] is (answer["errortext"] == "")
        return answer["errortext"]


@pytest.fixture
def sandbox(client):
    """The vendor with the sandbox credentials."""
    return Vendor(client, SANDBOX_USERNAME, SANDBOX_PASSWORD)


@pytest.fixture
def live(client):
    """The vendor with the live credentials."""
    return Vendor(client, IVR_USERNAME, IVR_PASSWORD)


def api_call(client, token, method, path, body=None):
    """A checkout-API call with this bearer token: (status, JSON)."""
    response = getattr(client, method)(f"/api{path}", json=body, headers={"Authorization": f"Bearer {token}"})
    return response.status_code, response.get_json()


def sandbox_pre_order(client) -> tuple[int, str]:
    """A sandbox pre-order, opened and issued with the sandbox token: (id, order number)."""
    return issued_through_api(client, SANDBOX_API_TOKEN)


def text_of(answer) -> str:
    """A pre_order answer's errortext."""
    return answer["result"]["errortext"]


# --- The magic numbers ------------------------------------------------------------------------------


def test_magic_numbers_are_fixed_luhn_valid_ten_digit_numbers():
    numbers = [magic.number for magic in MAGIC_NUMBERS]
    assert len(set(numbers)) == len(numbers)
    for number in numbers:
        assert len(number) == 10 and number.isdigit() and luhn.is_valid(number)
        assert number.startswith(order_numbers.SANDBOX_PREFIX)


def test_generated_numbers_never_fall_in_the_sandbox_block(monkeypatch):
    # First draw: the sandbox prefix; the generator must draw again.
    draws = iter([4, 5, 5, 0, 0, 0, 1, 2, 3] + [0, 1, 2, 3, 4, 5, 6, 7, 8])

    class Drawn:
        @staticmethod
        def randbelow(_bound):
            return next(draws)

    monkeypatch.setattr(order_numbers, "secrets", Drawn)
    assert order_numbers.generate_order_number() == order_numbers.with_check_digit("112345678")


@pytest.mark.parametrize("magic", MAGIC_NUMBERS, ids=lambda magic: magic.key)
def test_magic_number_pre_order_outcome(app, sandbox, magic):
    for _ in range(2):  # the same answer every time
        answer = sandbox.pre_order(magic.number)
        if magic.pre_order is None:
            assert text_of(answer) == "" and answer["result"]["success"] is True
            assert [line["productnumber"] for line in answer["productlist"]] == ["SANDBOX-TSHIRT", "SANDBOX-MUG"]
            assert Decimal(str(answer["orderprice"])) == MAGIC_AMOUNT
        else:
            assert pre_order_answer_failed(answer, magic.pre_order)


@pytest.mark.parametrize("magic", MAGIC_NUMBERS, ids=lambda magic: magic.key)
def test_magic_number_complete_outcome(app, sandbox, magic):
    for reference in ("S-1", "S-2"):  # payable again and again
        assert sandbox.complete(magic.number, reference) == (magic.complete or "")
    recorded = transactions(app)
    if magic.records:
        assert [(t.reference_number, t.live, t.pre_order_id) for t in recorded] == [("S-1", False, None), ("S-2", False, None)]
        assert {t.amount for t in recorded} == {MAGIC_AMOUNT}
    else:
        assert recorded == []
    with app.app_context():
        details = db.session.scalars(select(HookCall.detail).where(HookCall.order_number == magic.number)).all()
    assert details and all(magic.key in detail or "paid" in detail for detail in details)


def test_outcomes_without_a_number_are_reached_in_the_sandbox(app, sandbox, client):
    assert text_of(sandbox.pre_order("")) == HookError.ORDER_NUMBER_INVALID
    assert sandbox.complete(SUCCESS_NUMBER, success=False) == HookError.SUCCESS_MUST_BE_TRUE
    body = {"username": SANDBOX_USERNAME, "password": SANDBOX_PASSWORD}
    assert text_of(client.post("/hooks/ivr/pre_order/", json=body).get_json()) == HookError.INPUT_INVALID
    wrong = Vendor(client, SANDBOX_USERNAME, SANDBOX_PASSWORD + "x")
    assert text_of(wrong.pre_order(SUCCESS_NUMBER)) == HookError.USER_INVALID


def test_sandbox_replay_records_once_and_the_reference_is_used_elsewhere(app, sandbox):
    assert sandbox.complete(SUCCESS_NUMBER, "S-9") == ""
    assert sandbox.complete(SUCCESS_NUMBER, "S-9") == ""
    assert sandbox.complete(MAGIC_BY_KEY["replay"].number, "S-9") == HookError.REFERENCE_USED
    assert len(transactions(app)) == 1


# --- Isolation, both ways ----------------------------------------------------------------------


def test_the_sandbox_cannot_read_or_pay_a_live_number(app, sandbox, make_pre_order):
    pre_order_id, number = make_pre_order()
    assert pre_order_answer_failed(sandbox.pre_order(number), HookError.ORDER_NOT_FOUND)
    assert sandbox.complete(number, "S-1") == HookError.SESSION_NOT_FOUND
    assert transactions(app) == []
    with app.app_context():
        assert db.session.get(PreOrder, pre_order_id).status == "awaiting_payment"


def test_live_calls_cannot_read_or_pay_a_sandbox_number(app, client, live, sandbox):
    pre_order_id, number = sandbox_pre_order(client)
    assert pre_order_answer_failed(live.pre_order(number), HookError.ORDER_NOT_FOUND)
    assert live.complete(number, "R-1") == HookError.SESSION_NOT_FOUND
    # The sandbox itself walks the whole flow on it.
    assert text_of(sandbox.pre_order(number)) == ""
    assert sandbox.complete(number, "S-1") == ""
    assert sandbox.complete(number, "S-1") == ""
    [paid] = transactions(app)
    assert (paid.reference_number, paid.live, paid.pre_order_id) == ("S-1", False, pre_order_id)
    status, polled = api_call(client, SANDBOX_API_TOKEN, "get", f"/pre-orders/{pre_order_id}")
    assert status == 200 and polled["status"] == "paid" and polled["transaction"]["reference_number"] == "S-1"


def test_live_calls_see_magic_numbers_as_unknown(app, live):
    assert pre_order_answer_failed(live.pre_order(SUCCESS_NUMBER), HookError.ORDER_NOT_FOUND)
    assert live.complete(SUCCESS_NUMBER, "R-1") == HookError.SESSION_NOT_FOUND
    assert transactions(app) == []


@pytest.mark.parametrize("owner, other", [(API_TOKEN, SANDBOX_API_TOKEN), (SANDBOX_API_TOKEN, API_TOKEN)])
def test_each_checkout_token_sees_only_its_own_pre_orders(app, client, owner, other):
    _status, opened = api_call(client, owner, "post", "/pre-orders", BASKET)
    path = f"/pre-orders/{opened['id']}"
    for method, suffix, body in [("get", "", None), ("patch", "", {"shipping_amount": "1.00"}),
                                 ("post", "/order-number", {}), ("post", "/cancel", None)]:
        assert api_call(client, other, method, path + suffix, body)[0] == 404
    assert api_call(client, owner, "post", path + "/order-number", {})[0] == 201


def test_a_reference_is_unique_per_mode_and_reconciliation_sees_its_own(app, client, live, sandbox, make_pre_order):
    _, number = make_pre_order()
    assert live.complete(number, "R-1") == ""
    assert sandbox.complete(SUCCESS_NUMBER, "R-1") == ""
    assert sorted(t.live for t in transactions(app)) == [False, True]
    _, found = api_call(client, API_TOKEN, "get", "/transactions?reference_number=R-1")
    assert [t["order_number"] for t in found["transactions"]] == [number]
    _, found = api_call(client, SANDBOX_API_TOKEN, "get", "/transactions?reference_number=R-1")
    assert [t["order_number"] for t in found["transactions"]] == [SUCCESS_NUMBER]


# --- Credentials and settings ------------------------------------------------------------------


def test_sandbox_credentials_face_the_same_lockout(app_with):
    client = app_with(IVR_LOCKOUT_THRESHOLD=2).test_client()
    wrong = Vendor(client, SANDBOX_USERNAME, "wrong")
    for _ in range(2):
        assert text_of(wrong.pre_order(SUCCESS_NUMBER)) == HookError.USER_INVALID
    right = Vendor(client, SANDBOX_USERNAME, SANDBOX_PASSWORD)
    assert text_of(right.pre_order(SUCCESS_NUMBER)) == HookError.USER_INVALID


def test_sandbox_credentials_face_the_same_allow_list(app_with):
    client = app_with(IVR_ALLOWED_IPS="10.0.0.0/8").test_client()
    sandbox = Vendor(client, SANDBOX_USERNAME, SANDBOX_PASSWORD)
    assert text_of(sandbox.pre_order(SUCCESS_NUMBER)) == HookError.USER_INVALID


def test_without_sandbox_settings_there_is_no_sandbox(app_with):
    client = app_with(IVR_SANDBOX_USERNAME=None, IVR_SANDBOX_PASSWORD=None, CHECKOUT_API_SANDBOX_TOKEN=None).test_client()
    sandbox = Vendor(client, SANDBOX_USERNAME, SANDBOX_PASSWORD)
    assert text_of(sandbox.pre_order(SUCCESS_NUMBER)) == HookError.USER_INVALID
    assert api_call(client, SANDBOX_API_TOKEN, "post", "/pre-orders", BASKET)[0] == 401


@pytest.mark.parametrize("settings", [
    {"IVR_SANDBOX_USERNAME": IVR_USERNAME},
    {"CHECKOUT_API_SANDBOX_TOKEN": API_TOKEN},
    {"IVR_SANDBOX_PASSWORD": None},
], ids=["same username", "same token", "password missing"])
def test_sandbox_settings_that_blur_the_modes_refuse_to_start(backend_config, settings):
    with pytest.raises(ConfigError):
        make_app(backend_config, **settings)


def test_calls_with_the_sandbox_username_are_logged_as_test_data(app, client, live, sandbox, make_pre_order):
    _, number = make_pre_order()
    sandbox.pre_order(SUCCESS_NUMBER)
    Vendor(client, SANDBOX_USERNAME, "wrong").pre_order(SUCCESS_NUMBER)
    live.pre_order(number)
    with app.app_context():
        rows = db.session.execute(select(HookCall.username, HookCall.error_text, HookCall.live).order_by(HookCall.id)).all()
    assert [tuple(row) for row in rows] == [
        (SANDBOX_USERNAME, "", False), (SANDBOX_USERNAME, HookError.USER_INVALID, False), (IVR_USERNAME, "", True),
    ]


# --- Out of live figures, lists and metrics ---------------------------------------------------------


def sample(name, **labels) -> float:
    """A metric's current value in this process (0 when never counted)."""
    return REGISTRY.get_sample_value(name, labels) or 0.0


def sandbox_activity(client, sandbox):
    """Sandbox calls of every kind: failures, a magic payment and a sandbox pre-order paid."""
    sandbox.pre_order(MAGIC_BY_KEY["basket_changed"].number)
    sandbox.complete(SUCCESS_NUMBER, "S-MAGIC")
    _, number = sandbox_pre_order(client)
    sandbox.complete(number, "S-PAID")
    return number


def test_sandbox_activity_stays_out_of_live_figures_and_metrics(app, client, sandbox):
    hook_calls = ("ivr_hook_calls_total", {"endpoint": "pre_order", "errortext": HookError.BASKET_CHANGED.value})
    payments = ("ivr_payments_recorded_total", {"currency": "EUR"})
    before = [sample(name, **labels) for name, labels in (hook_calls, payments)]
    sandboxed = ("ivr_sandbox_hook_calls_total", {"endpoint": "pre_order", "errortext": HookError.BASKET_CHANGED.value})
    sandboxed_before = sample(sandboxed[0], **sandboxed[1])
    sandbox_activity(client, sandbox)
    assert [sample(name, **labels) for name, labels in (hook_calls, payments)] == before
    assert sample(sandboxed[0], **sandboxed[1]) == sandboxed_before + 1
    with app.test_request_context():
        periods, chart = dashboard_figures("today", utcnow())
        assert latest_failures() == []
    assert all((p.calls, p.failures, p.payments, p.sums) == (0, 0, 0, {}) for p in periods)
    assert sum(chart["counts"]) == 0


@pytest.mark.parametrize("page", ["/admin/transactions/", "/admin/pre-orders/", "/admin/failed-attempts/"])
def test_admin_lists_show_sandbox_rows_only_under_the_test_data_switch(
    app, client, staff, live, sandbox, make_pre_order, page
):
    _, live_number = make_pre_order()
    live.complete(live_number, "R-LIVE")
    Vendor(client, IVR_USERNAME, "wrong").pre_order(live_number)  # a live failure
    sandbox_number = sandbox_activity(client, sandbox)
    live_text, test_text = {
        "/admin/transactions/": ("R-LIVE", "S-PAID"),
        "/admin/pre-orders/": (live_number, sandbox_number),
        "/admin/failed-attempts/": (live_number, MAGIC_BY_KEY["basket_changed"].number),
    }[page]
    staff.login("support")
    shown = client.get(page).text
    assert live_text in shown and test_text not in shown and "Test data: off" in shown
    shown = client.get(page + "?test_data=1").text
    assert test_text in shown and live_text not in shown and 'title="Sandbox record">Test<' in shown
    assert test_text in client.get(page).text  # remembered in the session
    assert live_text in client.get(page + "?test_data=0").text


def test_the_lookup_shows_a_sandbox_story_only_under_the_switch(app, client, staff, sandbox):
    sandbox.complete(SUCCESS_NUMBER, "S-LOOK")
    staff.login("support")
    assert "S-LOOK" not in client.get(f"/admin/lookup?order_number={SUCCESS_NUMBER}").text
    assert "S-LOOK" in client.get(f"/admin/lookup?order_number={SUCCESS_NUMBER}&test_data=1").text


def test_purge_sandbox_deletes_sandbox_rows_only(app, client, runner, live, sandbox, make_pre_order):
    _, live_number = make_pre_order()
    live.complete(live_number, "R-LIVE")
    _, sandbox_number = sandbox_pre_order(client)
    assert text_of(sandbox.pre_order(sandbox_number)) == ""  # now in the cache too
    sandbox.complete(SUCCESS_NUMBER, "S-MAGIC")
    result = runner.invoke(args=["ivr", "purge-sandbox"])
    assert result.exit_code == 0, result.output
    assert "1 transactions, 1 pre-orders" in result.output
    for model in (HookCall, IVRTransaction, PreOrder):
        assert count_rows(app, model, model.live.is_(False)) == 0
    assert count_rows(app, IVRTransaction) == 1 and count_rows(app, PreOrder) == 1
    assert count_rows(app, HookCall) == 1
    assert pre_order_answer_failed(sandbox.pre_order(sandbox_number), HookError.ORDER_NOT_FOUND)


def test_a_number_retired_in_one_mode_is_unknown_to_the_other(app, client, sandbox, live, make_pre_order):
    # The sandbox retires its number after a basket change: the sandbox hears the retirement,
    # live calls hear of no such number, as for any sandbox number.
    pre_order_id, old_sandbox = sandbox_pre_order(client)
    api_call(client, SANDBOX_API_TOKEN, "patch", f"/pre-orders/{pre_order_id}", {"shipping_amount": "0"})
    api_call(client, SANDBOX_API_TOKEN, "post", f"/pre-orders/{pre_order_id}/order-number", {})
    assert text_of(sandbox.pre_order(old_sandbox)) == HookError.SESSION_NOT_FOUND
    assert text_of(live.pre_order(old_sandbox)) == HookError.ORDER_NOT_FOUND
    assert live.complete(old_sandbox) == HookError.SESSION_NOT_FOUND
    with app.app_context():
        details = [row.detail for row in db.session.scalars(select(HookCall).order_by(HookCall.id))]
    assert "replaced after a basket change" in details[0]
    assert all("replaced" not in detail for detail in details[1:])
    # And the other way round: a live retirement is unknown to the sandbox.
    live_id, old_live = make_pre_order()
    with app.app_context():
        from ivr_module.services import checkout
        checkout.change_pre_order(live_id, {"shipping_amount": "0"})
        checkout.issue_order_number(live_id)
    assert text_of(live.pre_order(old_live)) == HookError.SESSION_NOT_FOUND
    assert text_of(sandbox.pre_order(old_live)) == HookError.ORDER_NOT_FOUND


@pytest.mark.parametrize("settings", [
    {"CHECKOUT_API_TOKENS": "shop:one-token,sandbox:another-token"},
    {"CHECKOUT_API_TOKENS": f"shop:{SANDBOX_API_TOKEN}"},
])
def test_a_live_token_that_could_pass_for_the_sandbox_refuses_to_start(app_with, settings):
    with pytest.raises(ConfigError):
        app_with(**settings)
