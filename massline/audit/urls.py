from django.urls import path

from massline.audit import views

urlpatterns = [
    path("unusual/", views.unusual, name="audit_unusual"),
]
