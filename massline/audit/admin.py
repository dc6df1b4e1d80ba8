from django.contrib import admin

from massline.audit.models import ExportRequest, ReadEvent, UnitNotice


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ReadEvent)
class ReadEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "member", "action", "object_kind", "object_id", "unit", "source")
    list_filter = ("action",)
    date_hierarchy = "at"


@admin.register(ExportRequest)
class ExportRequestAdmin(ReadOnlyAdmin):
    list_display = ("pk", "requested_by", "unit", "people_count", "approved_by", "used_at")


@admin.register(UnitNotice)
class UnitNoticeAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "unit", "text")
