from tests.webhooks.fixtures import stripe_agency, stripe_customer

__all__ = ["stripe_agency", "stripe_customer"]
