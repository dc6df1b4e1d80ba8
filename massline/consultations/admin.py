from django.contrib import admin

from massline.consultations.models import Consultation, Statement


class StatementInline(admin.TabularInline):
    model = Statement
    fields = ("text", "origin", "status")
    extra = 0


@admin.register(Consultation)
class ConsultationAdmin(admin.ModelAdmin):
    list_display = ("title", "round", "opens_at", "closes_at", "results_at", "analysis_status")
    list_filter = ("analysis_status",)
    search_fields = ("title",)
    raw_id_fields = ("round", "created_by")
    inlines = [StatementInline]


@admin.register(Statement)
class StatementAdmin(admin.ModelAdmin):
    list_display = ("text", "consultation", "origin", "status")
    list_filter = ("status", "origin")
    search_fields = ("text",)
    raw_id_fields = ("consultation", "theme", "entry", "line", "submitted_by", "carried_to")
