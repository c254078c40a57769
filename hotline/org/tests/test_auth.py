from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import PASSWORD
from hotline.org.models import LoginFailure
from hotline.org.roles import ROLE_PERMS, Perm, Role, has_perm, user_perms
from hotline.org.tasks import purge_login_failures


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
    assert LoginFailure.objects.filter(username="operator").count() == 1


def test_login_is_throttled_after_repeated_failures(client, operator, settings):
    settings.LOGIN_FAILURE_LIMIT = 5
    for _ in range(5):
        login(client, "operator", "wrong")

    response = login(client, "operator", PASSWORD)

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert response.context["form"].non_field_errors().as_data()[0].code == "throttled"


def test_throttling_ends_after_the_window(client, operator, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    for _ in range(3):
        login(client, "operator", "wrong")
    LoginFailure.objects.update(at=timezone.now() - timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS + 1))

    assert login(client, "operator", PASSWORD).status_code == 302


def test_one_address_trying_many_names_is_throttled(client, operator, settings):
    settings.LOGIN_FAILURE_LIMIT = 2  # address limit is four times the user limit
    for n in range(8):
        login(client, f"guess{n}", "wrong", ip="10.9.9.9")

    assert login(client, "operator", PASSWORD, ip="10.9.9.9").status_code == 200
    assert login(client, "operator", PASSWORD, ip="10.1.1.1").status_code == 302


def test_successful_login_clears_failures(client, operator):
    login(client, "operator", "wrong")
    login(client, "operator", PASSWORD)
    assert not LoginFailure.objects.filter(username="operator").exists()


def test_periodic_purge_removes_old_failures(db, settings):
    LoginFailure.objects.create(username="a")
    old = LoginFailure.objects.create(username="b")
    LoginFailure.objects.filter(pk=old.pk).update(at=timezone.now() - timedelta(days=1))

    purge_login_failures.call_local()

    assert list(LoginFailure.objects.values_list("username", flat=True)) == ["a"]


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
