from django.urls import path

from massline.accounts import views

urlpatterns = [
    path("two-factor/", views.verify, name="two_factor_verify"),
    path("two-factor/setup/", views.setup, name="two_factor_setup"),
    path("members/<int:pk>/suspend/", views.member_suspend, name="member_suspend"),
]
