import pytest
from axes.models import AccessAttempt

from conftest import PASSWORD
from hotline.org.roles import ROLE_PERMS, Perm, Role, has_perm, user_perms


def login(client, username, password, ip="10.0.0.1"):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_login_and_logout(client, operator):
    response = login(client, "operator", PASSWORD)
    assert response.status_code == 302 and response.url == "/calls/"  # the operator lands on the call panel
    assert client.get("/").status_code == 200

    assert client.get("/logout/").status_code == 405  # logging out takes a POST (CSRF-protected)
    assert client.post("/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_wrong_password_is_refused_and_recorded(client, operator):
    response = login(client, "operator", "wrong")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert AccessAttempt.objects.get(username="operator").failures_since_start == 1


def test_password_change(client, operator):
    client.force_login(operator)
    response = client.post("/password/", {"old_password": PASSWORD, "new_password1": "Water-2026-new",
                                          "new_password2": "Water-2026-new"})
    assert response.status_code == 302
    operator.refresh_from_db()
    assert operator.check_password("Water-2026-new")


def test_password_change_refuses_a_wrong_old_password(client, operator):
    client.force_login(operator)
    response = client.post("/password/", {"old_password": "nope", "new_password1": "Water-2026-new",
                                          "new_password2": "Water-2026-new"})
    assert response.status_code == 200
    operator.refresh_from_db()
    assert operator.check_password(PASSWORD)


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_every_role_has_its_permission_set(make_user, role):
    user = make_user(role)
    assert user_perms(user) == ROLE_PERMS[role]


def test_role_permissions_follow_the_spec(make_user):
    assert has_perm(make_user(Role.OPERATOR), Perm.CUSTOMER_VIEW_CONTACT)
    manager = make_user(Role.MANAGER)
    assert has_perm(manager, Perm.CUSTOMER_VIEW) and not has_perm(manager, Perm.CUSTOMER_VIEW_CONTACT)
    assert user_perms(make_user(Role.ADMIN)) == frozenset(Perm)
    assert not has_perm(make_user(Role.FIELD_WORKER), Perm.CUSTOMER_IMPORT)


def test_inactive_users_have_no_permissions(make_user):
    user = make_user(Role.ADMIN, is_active=False)
    assert user_perms(user) == frozenset()


@pytest.mark.parametrize(("role", "page"), [
    (Role.OPERATOR, "/calls/"), (Role.DISPATCHER, "/orders/queue/"), (Role.FIELD_WORKER, "/orders/queue/"),
    (Role.SHIFT_LEAD, "/reports/board/"), (Role.OUTAGE_COORDINATOR, "/outages/"), (Role.MANAGER, "/reports/"),
    (Role.ADMIN, "/")])
def test_each_role_lands_on_its_page_and_that_page_opens(client, make_user, role, page):
    make_user(role, username="someone", unit="repair" if role in (Role.DISPATCHER, Role.FIELD_WORKER) else "hotline")
    response = login(client, "someone", PASSWORD)
    assert response.status_code == 302 and response.url == page
    assert client.get(page).status_code == 200
    # A page asked for before logging in wins over the landing page.
    client.post("/logout/")
    response = client.post("/login/?next=/orders/", {"username": "someone", "password": PASSWORD},
                           REMOTE_ADDR="10.0.0.1")
    assert response.url == "/orders/"
