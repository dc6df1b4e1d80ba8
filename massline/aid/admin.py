"""Admin: programs and roles are editable; requests and offers are shown without their sealed
contact details, and the event logs are read-only (they are append-only)."""

from django.contrib import admin

from massline.aid.models import (
    AidOffer,
    AidRequest,
    Delivery,
    FundEvent,
    Program,
    ProgramRole,
    StockEvent,
)


class RoleInline(admin.TabularInline):
    model = ProgramRole
    extra = 0


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "unit", "is_active")
    list_filter = ("kind", "is_active")
    inlines = [RoleInline]


@admin.register(AidRequest)
class AidRequestAdmin(admin.ModelAdmin):
    list_display = ("id", "program", "area", "state", "created_at", "purged_at")
    list_filter = ("state",)
    fields = ("program", "need", "area", "household_size", "urgency", "state", "closed_at")
    readonly_fields = fields


@admin.register(AidOffer)
class AidOfferAdmin(admin.ModelAdmin):
    list_display = ("id", "program", "kind", "state", "created_at")
    fields = ("program", "kind", "description", "availability", "area", "state")
    readonly_fields = fields


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("id", "request", "due_on", "state", "volunteer")
    list_filter = ("state",)
    readonly_fields = ("request", "volunteer", "conversation")


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


admin.site.register(StockEvent, ReadOnlyAdmin)
admin.site.register(FundEvent, ReadOnlyAdmin)
