from django.urls import path

from massline.exchange import views

urlpatterns = [
    path("", views.exchange_home, name="exchange_home"),
    path("import/", views.import_upload, name="exchange_import"),
    path("import/<int:pk>/", views.import_draft, name="exchange_import_draft"),
    path("import/<int:pk>/run/", views.import_run, name="exchange_import_run"),
    path("texting/", views.texting_export, name="exchange_texting"),
    path("people/<int:pk>/texts/", views.consent_record, name="exchange_consent"),
    path("webhooks/", views.webhook_list, name="exchange_webhooks"),
    path("webhooks/<int:pk>/", views.webhook_detail, name="exchange_webhook"),
    path("webhooks/<int:pk>/rotate/", views.webhook_rotate, name="exchange_webhook_rotate"),
]
