from django.contrib import admin

from hotline.workorders.models import (
    AssignmentRule,
    Holiday,
    RequestType,
    SlaRule,
    Subject,
    WorkOrder,
    WorkOrderEvent,
)


@admin.register(RequestType)
class RequestTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "sort", "is_active"]
    list_editable = ["sort", "is_active"]


@admin.register(Subject)
class SubjectAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "group", "default_urgency", "sort", "is_active"]
    list_filter = ["group", "default_urgency", "is_active"]
    list_editable = ["default_urgency", "sort", "is_active"]
    search_fields = ["name", "code"]


@admin.register(SlaRule)
class SlaRuleAdmin(admin.ModelAdmin):
    """Deadlines: 30m, 4h, 2d (calendar) or 1wh, 3wd (working time); blank for none."""

    list_display = ["__str__", "dispatch_limit", "accept_limit", "onsite_limit", "onsite_limit_suburban",
                    "stop_limit", "resolve_limit"]
    list_editable = ["dispatch_limit", "accept_limit", "onsite_limit", "onsite_limit_suburban", "stop_limit",
                     "resolve_limit"]
    list_filter = ["urgency"]


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ["date", "name", "is_workday"]
    list_filter = ["is_workday"]
    date_hierarchy = "date"


@admin.register(AssignmentRule)
class AssignmentRuleAdmin(admin.ModelAdmin):
    list_display = ["__str__", "subject", "district", "community", "unit", "unit_kind"]
    list_filter = ["unit_kind", "district"]
    raw_id_fields = ["community"]


class EventInline(admin.TabularInline):
    model = WorkOrderEvent
    extra = 0
    can_delete = False
    readonly_fields = ["at", "actor", "kind", "from_status", "to_status", "unit", "note", "data"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WorkOrder)
class WorkOrderAdmin(admin.ModelAdmin):
    """Read-only: orders change only through their transitions (console or API)."""

    list_display = ["number", "title", "subject", "urgency", "status", "unit", "created_at"]
    list_filter = ["status", "urgency", "source"]
    search_fields = ["=number"]
    show_full_result_count = False
    inlines = [EventInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
