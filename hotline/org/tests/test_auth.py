import pytest
from axes.models import AccessAttempt

from conftest import PASSWORD
from hotline.org.roles import ROLE_PERMS, Perm, Role, has_perm, user_perms


def login(client, username, password, ip="10.0.0.1"):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_login_and_logout(client, operator):
    response = login(client, "operator", PASSWORD)
    assert response.status_code == 302 and response.url == "/"
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
