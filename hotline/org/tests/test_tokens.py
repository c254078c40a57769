import pytest

from hotline.core.errors import PermissionDeniedError
from hotline.org.models import ApiToken
from hotline.org.roles import Role
from hotline.org.services import api_token_authenticate, api_token_create, api_token_revoke


@pytest.fixture
def cti(make_user):
    return make_user(Role.INTEGRATION, username="cti-system")


def test_token_is_stored_as_a_digest_and_authenticates(admin_user, cti):
    token, raw = api_token_create(actor=admin_user, user=cti, name="PBX")

    assert raw.startswith("hl_") and raw not in {token.digest, token.prefix}
    assert ApiToken.objects.filter(digest=ApiToken.digest_of(raw)).exists()
    assert api_token_authenticate(raw) == cti
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_revoked_or_unknown_tokens_do_not_authenticate(admin_user, cti):
    token, raw = api_token_create(actor=admin_user, user=cti, name="PBX")
    api_token_revoke(actor=admin_user, token=token)

    assert api_token_authenticate(raw) is None
    assert api_token_authenticate("hl_unknown") is None
    assert api_token_authenticate("") is None


def test_token_of_an_inactive_user_does_not_authenticate(admin_user, cti):
    _token, raw = api_token_create(actor=admin_user, user=cti, name="PBX")
    cti.is_active = False
    cti.save()
    assert api_token_authenticate(raw) is None


def test_only_admins_create_tokens(operator, cti):
    with pytest.raises(PermissionDeniedError):
        api_token_create(actor=operator, user=cti, name="PBX")
    assert ApiToken.objects.count() == 0


def test_token_page_shows_the_secret_once(client, admin_user, cti):
    client.force_login(admin_user)

    response = client.post("/settings/tokens/", {"user": cti.pk, "name": "12345 platform"})

    assert response.status_code == 200
    raw = response.context["created"]["raw"]
    assert raw.encode() in response.content
    assert raw.encode() not in client.get("/settings/tokens/").content


def test_token_page_refuses_a_nameless_token(client, admin_user, cti):
    client.force_login(admin_user)
    response = client.post("/settings/tokens/", {"user": cti.pk, "name": ""})
    assert response.status_code == 200 and response.context["created"] is None
    assert ApiToken.objects.count() == 0


def test_token_page_is_for_admins_only(client, operator):
    client.force_login(operator)
    assert client.get("/settings/tokens/").status_code == 403


def test_revoking_from_the_page(client, admin_user, cti):
    token, raw = api_token_create(actor=admin_user, user=cti, name="PBX")
    client.force_login(admin_user)
    assert client.post(f"/settings/tokens/{token.pk}/revoke/").status_code == 302
    assert api_token_authenticate(raw) is None


def test_a_checked_token_is_trusted_for_a_while_but_a_revocation_counts_at_once(admin_user, cti,
                                                                                 django_assert_num_queries,
                                                                                 settings):
    token, raw = api_token_create(actor=admin_user, user=cti, name="PBX")
    assert api_token_authenticate(raw) == cti  # read and remembered
    with django_assert_num_queries(0):
        assert api_token_authenticate(raw) == cti
    api_token_revoke(actor=admin_user, token=token)  # in this process: forgotten at once
    assert api_token_authenticate(raw) is None
    settings.API_TOKEN_CACHE_SECONDS = 0  # 0: read on every request
    _token, raw = api_token_create(actor=admin_user, user=cti, name="PBX 2")
    assert api_token_authenticate(raw) == cti
    with django_assert_num_queries(1):
        assert api_token_authenticate(raw) == cti
    # Revoked in another process (a bare UPDATE, no signal): refused once the cache time has passed.
    ApiToken.objects.filter(name="PBX 2").update(revoked_at="2026-01-01T00:00:00Z")
    assert api_token_authenticate(raw) is None
