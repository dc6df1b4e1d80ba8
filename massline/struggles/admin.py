from django.contrib import admin

from massline.struggles.models import Assessment, Struggle

admin.site.register(Struggle)
admin.site.register(Assessment, raw_id_fields=("person",))
