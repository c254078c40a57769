from datetime import datetime

from ninja import Router, Schema, Status
from pydantic import Field

from hotline.core.errors import NotFoundError, ValidationError
from hotline.org.models import ApiToken, User
from hotline.org.roles import Perm, require_perm, user_perms
from hotline.org.services import api_token_create, api_token_get, api_token_revoke

router = Router(tags=["organisation"])


class MeOut(Schema):
    username: str
    full_name: str
    role: str
    unit: str | None
    permissions: list[str]


@router.get("/me", response=MeOut, summary="The authenticated user")
def me(request):
    user = request.user
    return {
        "username": user.username,
        "full_name": user.full_name,
        "role": user.role,
        "unit": user.unit.name if user.unit else None,
        "permissions": sorted(str(p) for p in user_perms(user)),
    }


class TokenIn(Schema):
    username: str = Field(max_length=150, description="The (system) user the token acts as")
    name: str = Field(min_length=1, max_length=100)


class TokenOut(Schema):
    id: int
    name: str
    username: str = Field(alias="user.username")
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreatedOut(TokenOut):
    token: str = Field(description="The secret; shown only in this response")


@router.get("/tokens", response=list[TokenOut], summary="API tokens (administrators)")
def token_list(request):
    require_perm(request.user, Perm.TOKEN_MANAGE)
    return list(ApiToken.objects.select_related("user").order_by("-created_at"))


@router.post("/tokens", response={201: TokenCreatedOut}, summary="Create an API token (administrators)")
def token_create(request, payload: TokenIn):
    require_perm(request.user, Perm.TOKEN_MANAGE)
    user = User.objects.filter(username=payload.username, is_active=True).first()
    if user is None:
        raise ValidationError(fields={"username": "No active user with this name."})
    token, raw = api_token_create(actor=request.user, user=user, name=payload.name)
    token.token = raw  # type: ignore[attr-defined]  # TokenCreatedOut reads the raw token beside the row's fields
    return Status(201, token)


@router.delete("/tokens/{token_id}", response=TokenOut, summary="Revoke an API token (administrators)")
def token_revoke(request, token_id: int):
    token = api_token_get(actor=request.user, token_id=token_id)
    if token.revoked_at is not None:
        raise NotFoundError()
    return api_token_revoke(actor=request.user, token=token)
