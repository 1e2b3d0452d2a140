"""`flask ivr generate-data`: a synthetic history that is consistent with the real flow."""

from datetime import timedelta

from sqlalchemy import select
from stdnum import luhn

from ivr_module.db import db, utcnow
from ivr_module.models import HookCall, IVRTransaction, PreOrder
from ivr_module.services.error_texts import HookError
from tests.helpers import count_rows


def generate(runner, *args):
    result = runner.invoke(args=["ivr", "generate-data", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_generate_data_writes_the_rows_asked_for(app, runner):
    output = generate(runner, "--hook-calls", "300", "--transactions", "40", "--days", "5", "--seed", "3")
    assert "Wrote 40 transactions and 300 hook calls." in output
    assert count_rows(app, IVRTransaction) == 40 and count_rows(app, HookCall) == 300
    # Paid pre-orders, and about one unpaid for five paid (at least one a day).
    assert 40 + 5 <= count_rows(app, PreOrder) <= 40 + 5 + 8
    assert count_rows(app, PreOrder, PreOrder.status != "paid") >= 5
    assert count_rows(app, HookCall, HookCall.created_at < utcnow() - timedelta(days=5)) == 0
    assert count_rows(app, HookCall, ~HookCall.success) > 0


def test_generated_payments_match_their_pre_orders(app, runner):
    generate(runner, "--hook-calls", "100", "--transactions", "30", "--days", "3", "--seed", "4")
    assert count_rows(app, IVRTransaction) == 30  # the loop below has every payment to check
    with app.app_context():
        for transaction in db.session.scalars(select(IVRTransaction)):
            pre_order = transaction.pre_order
            assert pre_order.status == "paid" and not pre_order.basket_changed
            assert transaction.amount == pre_order.amount and transaction.currency == pre_order.currency
            assert transaction.order_number == pre_order.order_number
            assert luhn.is_valid(pre_order.order_number)
            calls = db.session.scalars(
                select(HookCall).where(HookCall.reference_number == transaction.reference_number,
                                       HookCall.success)
            ).all()
            assert [call.endpoint for call in calls] == ["complete"]


def test_generated_failures_use_every_hook_error_text(app, runner):
    generate(runner, "--hook-calls", "3000", "--transactions", "100", "--days", "2", "--seed", "5")
    with app.app_context():
        texts = set(db.session.scalars(select(HookCall.error_text).where(~HookCall.success)))
    assert texts == {error.value for error in HookError}


def test_generated_refusals_match_the_state_of_their_pre_order(app, runner):
    generate(runner, "--hook-calls", "1500", "--transactions", "60", "--days", "2", "--seed", "8")
    checked = set()  # the cases below that the generated refusals reached
    with app.app_context():
        pre_orders = {p.order_number: p for p in db.session.scalars(select(PreOrder))}
        for call in db.session.scalars(select(HookCall).where(~HookCall.success)):
            pre_order = pre_orders.get(call.order_number)
            case = call.error_text
            if call.error_text == HookError.BASKET_CHANGED:
                assert pre_order.basket_changed
            elif call.error_text == HookError.PAYMENT_OPTION_NULL:
                assert pre_order.payment_type is None
            elif call.error_text == HookError.PAYMENT_OPTION_NOT_VALID:
                assert pre_order.payment_type == "credit_card"
            elif call.error_text == HookError.SESSION_NOT_FOUND:
                assert pre_order.status in ("paid", "cancelled")
                if pre_order.status == "paid":
                    assert call.created_at > pre_order.transaction.created_at
                case = (call.error_text, pre_order.status)
            elif call.error_text == HookError.ORDER_NOT_FOUND and pre_order is not None:
                assert call.created_at > pre_order.expires_at and pre_order.status == "awaiting_payment"
                case = (call.error_text, "expired")
            else:
                continue  # a text with no pre-order state to match
            checked.add(case)
    assert checked == {
        HookError.BASKET_CHANGED,
        HookError.PAYMENT_OPTION_NULL,
        HookError.PAYMENT_OPTION_NOT_VALID,
        (HookError.SESSION_NOT_FOUND, "paid"),
        (HookError.SESSION_NOT_FOUND, "cancelled"),
        (HookError.ORDER_NOT_FOUND, "expired"),
    }


def test_fewer_calls_than_payments_need_is_honoured(app, runner):
    generate(runner, "--hook-calls", "10", "--transactions", "40", "--days", "2")
    assert count_rows(app, HookCall) == 10 and count_rows(app, IVRTransaction) == 40


def test_if_empty_writes_only_once(app, runner):
    generate(runner, "--hook-calls", "50", "--transactions", "5", "--days", "2", "--if-empty")
    output = generate(runner, "--hook-calls", "50", "--transactions", "5", "--days", "2", "--if-empty")
    assert "nothing written" in output
    assert count_rows(app, HookCall) == 50


def test_generated_ids_leave_room_for_new_rows(app, runner, make_pre_order, hooks):
    generate(runner, "--hook-calls", "20", "--transactions", "5", "--days", "2")
    # The service keeps working after the bulk load (sequences moved past the chosen ids).
    _, number = make_pre_order()
    assert hooks.complete(number, reference="AFTER-GEN")["orderResultResponse"]["result"]["success"]


def test_the_dashboard_reads_a_generated_history(app, runner, staff, client):
    generate(runner, "--hook-calls", "200", "--transactions", "30", "--days", "20", "--seed", "6")
    staff.login("support")
    page = client.get("/admin/?period=30d").text
    assert 'data-figure="calls-30d">200<' in page
    assert 'data-figure="payments-30d">30<' in page


def test_generated_pre_orders_have_customers_the_search_finds(app, runner):
    from ivr_module.services.customer_contact import phone_search_key
    from ivr_module.services.order_search import search_orders

    generate(runner, "--hook-calls", "100", "--transactions", "30", "--days", "3", "--seed", "9")
    with app.app_context():
        pre_orders = db.session.scalars(select(PreOrder)).all()
        assert all(p.customer_name and p.customer_phone for p in pre_orders)
        assert all(p.customer_phone_key == phone_search_key(p.customer_phone, "90") for p in pre_orders)
        assert {p.customer_phone[:3] for p in pre_orders} & {"+90"} and {p.customer_phone[:2] for p in pre_orders} & {"05"}
        emails = [p.customer_email for p in pre_orders if p.customer_email]
        assert emails and all(email == email.lower() and email.isascii() for email in emails)
        some = pre_orders[7]
        found = search_orders(some.customer_phone.replace(" ", "")[-6:], "90").matches
        assert some.id in [match.pre_order.id for match in found]
