from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from massline.organization.models import Member, Membership, Unit


@admin.register(Member)
class MemberAdmin(UserAdmin):
    fieldsets = (*UserAdmin.fieldsets, ("massline", {"fields": ("display_name",)}))


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "kind", "parent")
    readonly_fields = ("path",)


admin.site.register(Membership)
