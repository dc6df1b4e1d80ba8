from django.urls import path

from massline.ideas import views

urlpatterns = [
    path("<int:pk>/language/", views.idea_language, name="idea_language"),
]
