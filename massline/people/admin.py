from django.contrib import admin

from massline.people.models import Person, Place


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ("full_name", "unit", "place", "last_contact_at")
    list_select_related = ("unit", "place")
    raw_id_fields = ("place", "responsible")


admin.site.register(Place)
