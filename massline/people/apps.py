from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "massline.people"
    verbose_name = "People and places"
