from django.contrib import admin

from hotline.integrations.models import Case, CaseUrge


class CaseUrgeInline(admin.TabularInline):
    model = CaseUrge
    extra = 0
    can_delete = False
    fields = ["urge_id", "at", "content", "received_at"]
    readonly_fields = fields


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    """As the platform sent them: read-only (work on them through their work orders)."""

    list_display = ["case_id", "title", "category", "order", "received_at", "returned_at"]
    search_fields = ["case_id", "title", "order__number"]
    date_hierarchy = "created_at"
    inlines = [CaseUrgeInline]
    exclude = ["answer", "payload_digest"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
