from django.contrib import admin

from massline.api.models import ApiToken, Tag


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "member", "scope", "prefix", "expires_at", "revoked_at", "last_used_at"]
    list_filter = ["scope"]
    readonly_fields = ["prefix", "digest", "created_at", "last_used_at"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "unit"]
