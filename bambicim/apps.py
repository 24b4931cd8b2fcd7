from django.apps import AppConfig


class BambicimConfig(AppConfig):
    name = "bambicim"
    verbose_name = "Bambicim site"
