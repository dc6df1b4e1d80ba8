from django.urls import path

from massline.field import views

urlpatterns = [
    path("", views.devices, name="field_devices"),
    path("devices/<int:pk>/lost/", views.device_lost, name="field_device_lost"),
    path("app/", views.app, name="field_app"),
    path("sw.js", views.service_worker, name="field_sw"),
    path("manifest.webmanifest", views.web_manifest, name="field_manifest"),
    path("api/hello/", views.hello, name="field_hello"),
    path("api/register/", views.register, name="field_register"),
    path("api/list/", views.field_list, name="field_list"),
    path("api/sync/person/", views.sync_person, name="field_sync_person"),
    path("api/sync/person-change/", views.sync_person_change, name="field_sync_person_change"),
    path("api/sync/conversation/", views.sync_conversation, name="field_sync_conversation"),
    path("api/sync/reception/", views.sync_reception, name="field_sync_reception"),
]
