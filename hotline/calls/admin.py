from django.contrib import admin

from hotline.calls.models import Call


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    list_display = ["ringing_at", "caller_number", "operator", "subject", "outcome", "work_order"]
    list_filter = ["outcome", "direction"]
    search_fields = ["=caller_number"]
    show_full_result_count = False
    raw_id_fields = ["account", "work_order", "operator"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
