"""The users view: admins create, change and delete staff accounts; hashes are never shown."""

from tests.helpers import user_named


def save(staff, client, url, **fields):
    """Submit the create or edit form with the page's CSRF token."""
    data = {"active": "y", **fields, "csrf_token": staff.token(url)}
    return client.post(url, data=data, follow_redirects=True)


def test_admin_creates_a_user_with_a_hashed_password(app, staff, client):
    staff.login("admin")
    save(staff, client, "/admin/users/new/", username="leyla", role="support", password="leyla-password-1")
    user = user_named(app, "leyla")
    assert user.role == "support" and user.active
    assert user.check_password("leyla-password-1") and "leyla-password-1" not in user.password_hash


def test_a_new_user_needs_a_password_of_ten_characters(app, staff, client):
    staff.login("admin")
    missing = save(staff, client, "/admin/users/new/", username="leyla", role="support", password="")
    assert "A new account needs a password." in missing.text
    short = save(staff, client, "/admin/users/new/", username="leyla", role="support", password="short")
    assert "Field must be between 10 and 256 characters long." in short.text
    assert user_named(app, "leyla") is None


def test_the_password_hash_is_never_shown(app, staff, client):
    staff.login("admin")
    user = user_named(app, "admin-user")
    for url in ("/admin/users/", f"/admin/users/edit/?id={user.id}"):
        page = client.get(url).text
        assert user.password_hash not in page and "password_hash" not in page.lower().replace(" ", "_")


def test_editing_without_a_password_keeps_it(app, staff, client):
    staff.login("admin")
    save(staff, client, "/admin/users/new/", username="leyla", role="support", password="leyla-password-1")
    leyla = user_named(app, "leyla")
    save(staff, client, f"/admin/users/edit/?id={leyla.id}", username="leyla", role="callcentre", password="")
    changed = user_named(app, "leyla")
    assert changed.role == "callcentre" and changed.check_password("leyla-password-1")


def test_an_admin_cannot_lock_themselves_out(app, staff, client):
    staff.login("admin")
    me = user_named(app, "admin-user")
    page = save(staff, client, f"/admin/users/edit/?id={me.id}", username="admin-user", role="support")
    assert "You cannot remove your own admin role" in page.text
    assert user_named(app, "admin-user").role == "admin"
    client.post("/admin/users/delete/", data={"id": me.id, "csrf_token": staff.token("/admin/users/")},
                follow_redirects=True)
    assert user_named(app, "admin-user") is not None


def test_an_admin_deletes_another_account(app, staff, client):
    staff.login("admin")
    save(staff, client, "/admin/users/new/", username="leyla", role="support", password="leyla-password-1")
    leyla = user_named(app, "leyla")
    client.post("/admin/users/delete/", data={"id": leyla.id, "csrf_token": staff.token("/admin/users/")})
    assert user_named(app, "leyla") is None
