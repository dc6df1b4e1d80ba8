from django.urls import path

from massline.consultations import views

urlpatterns = [
    path("round/<int:pk>/", views.consultation_list, name="consultation_list"),
    path("round/<int:pk>/new/", views.consultation_new, name="consultation_new"),
    path("<int:pk>/", views.consultation_detail, name="consultation_detail"),
    path("<int:pk>/results/", views.consultation_results, name="consultation_results"),
    path("<int:pk>/results/refresh/", views.consultation_refresh, name="consultation_refresh"),
    path("<int:pk>/moderate/", views.consultation_moderate, name="consultation_moderate"),
    path(
        "<int:pk>/statements/<int:statement_pk>/carry/",
        views.consultation_carry,
        name="consultation_carry",
    ),
]
