from django.contrib import admin

from hotline.shifts.models import Handover, ShiftAssignment, ShiftDefinition


@admin.register(ShiftDefinition)
class ShiftDefinitionAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "start", "end", "sort", "is_active"]
    readonly_fields = ["version"]


@admin.register(ShiftAssignment)
class ShiftAssignmentAdmin(admin.ModelAdmin):
    list_display = ["date", "shift", "user", "role"]
    list_filter = ["shift", "role"]
    date_hierarchy = "date"
    raw_id_fields = ["user"]


@admin.register(Handover)
class HandoverAdmin(admin.ModelAdmin):
    """Read only: a handover changes through the console or the API (services check who and when)."""

    list_display = ["shift_date", "shift_name", "status", "outgoing", "submitted_at", "incoming", "acknowledged_at"]
    list_filter = ["status", "shift"]
    date_hierarchy = "shift_date"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
