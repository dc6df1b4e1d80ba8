from django.contrib import admin

from massline.ideas.models import Idea

admin.site.register(Idea, raw_id_fields=("person", "conversation"))
