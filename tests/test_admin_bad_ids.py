"""Record URLs with a malformed id are a 404 in every model view, never a database error."""

import pytest
from flask_admin.model import BaseModelView

from ivr_module import create_app

MALFORMED_IDS = ["abc", "1.5", "-1", " 1", "1e3", "0x10", "١", "99999999999999999999", "1 OR 1=1"]


def _record_urls() -> list[str]:
    """The details and edit pages of every model view the admin has."""
    app = create_app({"TESTING": True, "SECRET_KEY": "k" * 32, "DATABASE_URL": "sqlite://"})
    urls = []
    for admin in app.extensions["admin"]:
        for view in admin._views:
            if not isinstance(view, BaseModelView):
                continue
            if view.can_view_details:
                urls.append(f"{view.url}/details/")
            if view.can_edit:
                urls.append(f"{view.url}/edit/")
    return urls


RECORD_URLS = _record_urls()


def test_every_model_view_is_covered():
    assert {"/admin/failed-attempts/details/", "/admin/pre-orders/details/",
            "/admin/transactions/details/", "/admin/users/edit/"} <= set(RECORD_URLS)


@pytest.mark.parametrize("url", RECORD_URLS)
@pytest.mark.parametrize("bad_id", MALFORMED_IDS)
def test_a_malformed_id_is_not_found(staff, client, url, bad_id):
    staff.login("admin")
    assert client.get(url, query_string={"id": bad_id}).status_code == 404


@pytest.mark.parametrize("url", RECORD_URLS)
def test_a_well_formed_unknown_id_is_no_error(staff, client, url):
    staff.login("admin")
    # Flask-Admin's answer to a record that is gone: back to the list, with a message.
    well_formed = "no_such_code,en" if "/caller-hints/" in url else "2147483647"  # (code, language)
    assert client.get(url, query_string={"id": well_formed}).status_code == 302


def test_cancelling_a_malformed_id_is_not_found(staff, client):
    staff.login("admin")
    data = {"action": "cancel", "rowid": "abc", "csrf_token": staff.token("/admin/pre-orders/")}
    assert client.post("/admin/pre-orders/action/", data=data).status_code == 404
