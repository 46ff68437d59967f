from django.apps import AppConfig


class StripeSandboxConfig(AppConfig):
    name = "stripe_sandbox"
