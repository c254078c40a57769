import re

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from hotline.org.models import ApiToken, Crew, Unit, UnitKind, User

# Units that receive orders, and so SMS alerts (a new emergency, urge notices) on their duty phone.
ORDER_UNIT_KINDS = {UnitKind.REPAIR_CENTRE, UnitKind.METER_READING, UnitKind.BUSINESS_HALL, UnitKind.ENGINEERING}


MOBILE = re.compile(r"^1[3-9]\d{9}$")  # a mainland mobile number (as notify.services.is_mobile)


def sms_number(unit: Unit) -> str:
    """The number that receives the unit's SMS alerts: the duty mobile, else a phone that is a mobile."""
    for number in (unit.duty_mobile.strip(), unit.phone.strip()):
        if MOBILE.match(number):
            return number
    return ""


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "parent", "phone", "duty_mobile_shown", "head", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "code"]
    raw_id_fields = ["head"]

    @admin.display(description=_("duty mobile"))
    def duty_mobile_shown(self, unit: Unit) -> str:
        if sms_number(unit) or unit.kind not in ORDER_UNIT_KINDS:
            return unit.duty_mobile
        return str(_("⚠ landline only: no SMS alerts"))

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_or_change_permission(request):
            return super().changelist_view(request, extra_context)
        landline_only = [u.name for u in Unit.objects.filter(is_active=True, kind__in=ORDER_UNIT_KINDS)
                         if not sms_number(u)]
        if landline_only and request.method == "GET":
            messages.warning(request, _("These units have no mobile number for SMS alerts (a new emergency order, "
                                        "urge notices): %(units)s. Enter their duty mobile.")
                             % {"units": ", ".join(landline_only)})
        return super().changelist_view(request, extra_context)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if obj.is_active and obj.kind in ORDER_UNIT_KINDS and not sms_number(obj):
            messages.warning(request, _("%(unit)s has no mobile number: SMS alerts (a new emergency order, urge "
                                        "notices) cannot reach its duty phone. Enter its duty mobile.")
                             % {"unit": obj.name})


@admin.register(Crew)
class CrewAdmin(admin.ModelAdmin):
    list_display = ["name", "unit", "is_active"]
    list_filter = ["unit", "is_active"]
    filter_horizontal = ["members"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "full_name", "role", "unit", "is_active", "last_login"]
    list_filter = ["role", "unit", "is_active"]
    search_fields = ["username", "full_name", "phone"]
    fieldsets = BaseUserAdmin.fieldsets + ((_("Hotline"), {"fields": ["full_name", "phone", "unit", "role"]}),)
    add_fieldsets = BaseUserAdmin.add_fieldsets + ((_("Hotline"), {"fields": ["full_name", "unit", "role"]}),)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Read-only here: tokens are created on the console's token page, which shows the secret once."""

    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["user", "name", "prefix", "created_at", "created_by", "last_used_at", "revoked_at"]
    exclude = ["digest"]

    def has_add_permission(self, request):
        return False
