from django.contrib import admin

from massline.conversations.models import Conversation, FollowUp

admin.site.register(Conversation, raw_id_fields=("people",))
admin.site.register(FollowUp, raw_id_fields=("person", "conversation"))
