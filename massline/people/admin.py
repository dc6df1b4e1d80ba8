from django.contrib import admin

from massline import access
from massline.people.models import Person, Place, RetentionRule


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    """Operators only (see admin_site); still read through the access rule, and never shows
    ciphertext or the sealed identity."""

    list_display = ("full_name", "unit", "place", "last_contact_at")
    list_select_related = ("unit", "place")
    raw_id_fields = ("place", "responsible")
    exclude = ("phone_index", "email_index")

    def get_queryset(self, request):
        return access.visible_people(request.user).select_related("unit", "place")


@admin.register(RetentionRule)
class RetentionRuleAdmin(admin.ModelAdmin):
    list_display = ("unit", "months", "updated_at")


admin.site.register(Place)
