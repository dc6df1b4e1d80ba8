from django.urls import path

from massline.sections import views

urlpatterns = [
    path("", views.sections_home, name="sections"),
    path("people/<int:pk>/", views.person_sections, name="person_sections"),
    path("language/", views.choose_language, name="choose_language"),
    path("lines/<int:pk>/translations/", views.line_translations, name="line_translations"),
    path("lines/<int:pk>/flyer/", views.line_flyer, name="line_translation_flyer"),
    path("rounds/<int:pk>/breadth.csv", views.round_breadth_csv, name="round_sections_csv"),
]
