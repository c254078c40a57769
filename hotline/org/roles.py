"""Roles and their permissions. A role is a fixed set of permissions, defined here in code so that
the rules are reviewed with the code that relies on them (SPEC.md §1, C11)."""

from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OPERATOR = "operator", _("Operator")
    SHIFT_LEAD = "shift_lead", _("Shift lead")
    DISPATCHER = "dispatcher", _("Unit dispatcher")
    FIELD_WORKER = "field_worker", _("Field worker")
    OUTAGE_COORDINATOR = "outage_coordinator", _("Outage coordinator")
    MANAGER = "manager", _("Manager (read-only)")
    ADMIN = "admin", _("Administrator")
    INTEGRATION = "integration", _("External system")


class Perm(StrEnum):
    CUSTOMER_VIEW = "customer.view"
    # Unmasked phone numbers; roles without it see 138****1234.
    CUSTOMER_VIEW_CONTACT = "customer.view_contact"
    CUSTOMER_IMPORT = "customer.import"
    AREA_MANAGE = "area.manage"
    ORG_MANAGE = "org.manage"
    TOKEN_MANAGE = "token.manage"
    AUDIT_VIEW = "audit.view"


_FRONT_LINE = {Perm.CUSTOMER_VIEW, Perm.CUSTOMER_VIEW_CONTACT}

ROLE_PERMS: dict[str, frozenset[Perm]] = {
    Role.OPERATOR: frozenset(_FRONT_LINE),
    Role.SHIFT_LEAD: frozenset(_FRONT_LINE | {Perm.AUDIT_VIEW}),
    Role.DISPATCHER: frozenset(_FRONT_LINE),
    Role.FIELD_WORKER: frozenset(_FRONT_LINE),
    Role.OUTAGE_COORDINATOR: frozenset(_FRONT_LINE),
    Role.MANAGER: frozenset({Perm.CUSTOMER_VIEW, Perm.AUDIT_VIEW}),
    Role.ADMIN: frozenset(Perm),
    Role.INTEGRATION: frozenset({Perm.CUSTOMER_VIEW, Perm.CUSTOMER_VIEW_CONTACT, Perm.CUSTOMER_IMPORT}),
}


def user_perms(user) -> frozenset[Perm]:
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    if user.is_superuser:
        return frozenset(Perm)
    return ROLE_PERMS.get(user.role, frozenset())


def has_perm(user, perm: Perm) -> bool:
    return perm in user_perms(user)


def require_perm(user, perm: Perm) -> None:
    from hotline.core.errors import PermissionDeniedError

    if not has_perm(user, perm):
        raise PermissionDeniedError()
