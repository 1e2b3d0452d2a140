"""Who may open what in the admin: login first, then the role's rights (CONTRACT.md section 7)."""

import pytest
from sqlalchemy import func, select

from ivr_module.db import db
from ivr_module.models import HookCall, IVRTransaction, PreOrder, PreOrderStatus, User
from ivr_module.services.error_texts import HookError

READ_PAGES = [
    "/admin/",
    "/admin/lookup?order_number=1234567890",
    "/admin/failed-attempts/",
    "/admin/transactions/",
    "/admin/pre-orders/",
]


def admin_get_urls(app):
    """Every GET route of the admin that needs no URL argument, static assets aside."""
    urls = []
    for rule in app.url_map.iter_rules():
        blueprint = rule.endpoint.rsplit(".", 1)[0]
        if not rule.rule.startswith("/admin") or rule.endpoint.endswith(".static"):
            continue
        if blueprint == "ivr_admin_auth" or rule.arguments or "GET" not in rule.methods:
            continue
        urls.append(rule.rule)
    return sorted(set(urls))


def test_every_admin_url_sends_a_logged_out_visitor_to_the_login_page(app, client):
    urls = admin_get_urls(app) + [f"/admin/{view}/export/csv/" for view in ("pre-orders", "transactions")]
    assert len(urls) > 15
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/admin/auth/login?next="), url


def test_admin_posts_also_send_a_logged_out_visitor_to_login(client):
    response = client.post("/admin/pre-orders/action/", data={"action": "cancel", "rowid": "1"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/auth/login")


@pytest.mark.parametrize("role", ["admin", "callcentre", "support"])
def test_every_role_reads_dashboard_lookup_and_lists(staff, client, role):
    staff.login(role)
    for url in READ_PAGES:
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("role", ["callcentre", "support"])
def test_readers_get_403_on_the_users_view(staff, client, role):
    staff.login(role)
    response = client.get("/admin/users/")
    assert response.status_code == 403
    assert "Not allowed" in response.text
    assert client.get("/admin/users/new/").status_code == 403


def test_admin_manages_users(staff, client):
    staff.login("admin")
    assert client.get("/admin/users/").status_code == 200
    assert client.get("/admin/users/new/").status_code == 200


def test_users_menu_entry_shows_for_admins_only(staff, client):
    staff.login("support")
    assert "/admin/users/" not in client.get("/admin/").text
    staff.logout()
    staff.login("admin")
    assert "/admin/users/" in client.get("/admin/").text


@pytest.mark.parametrize("view", ["pre-orders", "transactions", "failed-attempts"])
def test_records_have_no_create_edit_or_delete(staff, client, view):
    staff.login("admin")
    page = client.get(f"/admin/{view}/").text
    assert f"/admin/{view}/new/" not in page
    assert f"/admin/{view}/edit/" not in page
    assert f"/admin/{view}/delete/" not in page
    for url in (f"/admin/{view}/new/", f"/admin/{view}/edit/?id=1"):
        response = client.get(url)
        assert response.status_code == 302  # Flask-Admin sends it back to the list
        assert response.headers["Location"].startswith(f"/admin/{view}/")


def test_a_delete_posted_anyway_deletes_nothing(app, staff, client, make_pre_order, hooks):
    _, number = make_pre_order()
    hooks.complete(number, reference="REF-KEEP")
    hooks.pre_order("0000000000")
    staff.login("admin")
    with app.app_context():
        ids = {
            "pre-orders": db.session.scalar(select(PreOrder.id)),
            "transactions": db.session.scalar(select(IVRTransaction.id)),
            "failed-attempts": db.session.scalar(select(HookCall.id).where(~HookCall.success)),
        }
    for view, row_id in ids.items():
        client.post(f"/admin/{view}/delete/", data={"id": row_id, "csrf_token": staff.token()})
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PreOrder)) == 1
        assert db.session.scalar(select(func.count()).select_from(IVRTransaction)) == 1
        assert db.session.scalar(select(func.count()).select_from(HookCall)) == 2


def cancel(staff, client, *pre_order_ids, reason="customer asked by phone"):
    """Post the "cancel" action for these pre-orders, with the reason the admin gives."""
    data = {"action": "cancel", "rowid": [str(i) for i in pre_order_ids], "csrf_token": staff.token(),
            "reason": reason}
    return client.post("/admin/pre-orders/action/", data=data, follow_redirects=True)


def status_of(app, pre_order_id):
    with app.app_context():
        return db.session.get(PreOrder, pre_order_id).status


def test_admin_cancels_a_pre_order_through_the_checkout_service(app, staff, client, make_pre_order, hooks):
    pre_order_id, number = make_pre_order()
    staff.login("admin")
    assert "With selected" in client.get("/admin/pre-orders/").text
    response = cancel(staff, client, pre_order_id)
    assert "Cancelled 1 pre-order(s)." in response.text
    assert status_of(app, pre_order_id) == PreOrderStatus.CANCELLED
    # The service also replaced the hooks' cached session: the IVR hears the order is gone.
    assert hooks.pre_order(number)["result"]["errortext"] == HookError.SESSION_NOT_FOUND


def test_a_paid_pre_order_is_not_cancelled(app, staff, client, make_pre_order, hooks):
    pre_order_id, number = make_pre_order()
    hooks.complete(number)
    staff.login("admin")
    response = cancel(staff, client, pre_order_id)
    assert "Not cancelled" in response.text
    assert status_of(app, pre_order_id) == PreOrderStatus.PAID


@pytest.mark.parametrize("role", ["callcentre", "support"])
def test_readers_cannot_cancel(app, staff, client, make_pre_order, role):
    pre_order_id, _ = make_pre_order()
    staff.login(role)
    assert "With selected" not in client.get("/admin/pre-orders/").text
    cancel(staff, client, pre_order_id)
    assert status_of(app, pre_order_id) == PreOrderStatus.AWAITING_PAYMENT


def test_a_deactivated_user_is_logged_out_on_the_next_request(app, staff, client):
    staff.login("support")
    with app.app_context():
        db.session.scalar(select(User).where(User.username == "support-user")).active = False
        db.session.commit()
    # pytest-flask keeps one app context around the test, where Flask-Login caches the user
    # of the last request; a real request starts without it.
    assert client.get("/admin/").status_code == 302
