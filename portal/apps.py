from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Client portal"

    def ready(self) -> None:
        from agencies.signals import portal_settings_changed
        from portal.services import billing_portal_configuration_sync

        portal_settings_changed.connect(
            lambda sender, agency, **kwargs: billing_portal_configuration_sync(agency),
            weak=False,
            dispatch_uid="portal-configuration-sync",
        )
