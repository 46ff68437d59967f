from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class WebhooksConfig(AppConfig):
    name = "webhooks"

    def ready(self) -> None:
        # Each app registers its handlers in its own `webhooks` module with @handles(...).
        autodiscover_modules("webhooks")
