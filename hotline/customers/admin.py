from django.contrib import admin

from hotline.customers.models import Account, Building, Community, District, ImportJob, Meter, Road


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ["name", "branch", "is_suburban"]
    list_editable = ["is_suburban"]
    list_filter = ["is_suburban"]


@admin.register(Road)
class RoadAdmin(admin.ModelAdmin):
    list_display = ["name", "district"]
    list_filter = ["district"]
    search_fields = ["name"]


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    """Communities: branch assignment and property-management contacts are kept here, not in billing."""

    list_display = ["name", "district", "branch", "property_company", "property_contact", "property_phone"]
    list_filter = ["district", "branch"]
    search_fields = ["name", "property_company"]


@admin.register(Building)
class BuildingAdmin(admin.ModelAdmin):
    list_display = ["name", "community"]
    search_fields = ["community__name"]
    raw_id_fields = ["community"]


class ReadOnlyMirrorAdmin(admin.ModelAdmin):
    """Accounts and meters mirror the billing system: change them there and re-import."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Account)
class AccountAdmin(ReadOnlyMirrorAdmin):
    list_display = ["account_no", "holder_name", "status", "arrears"]
    search_fields = ["=account_no"]
    show_full_result_count = False


@admin.register(Meter)
class MeterAdmin(ReadOnlyMirrorAdmin):
    list_display = ["number", "caliber_mm", "installed_on", "removed_on"]
    search_fields = ["=number"]
    show_full_result_count = False


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyMirrorAdmin):
    list_display = ["original_name", "kind", "status", "processed_rows", "error_count", "created_at"]
