"""The one place that builds a Stripe client.

Every Stripe call in the product goes through `stripe_client()`. In sandbox mode the SDK's
HTTP layer is the in-process sandbox, so the same SDK code (encoding, errors, objects) runs
with or without a network.
"""

import contextlib
import logging
from collections.abc import Iterator
from datetime import datetime, timedelta
from functools import cache

import stripe
from django.conf import settings
from django.utils import timezone
from stripe import RequestOptions

from agency_billing.errors import BillingError

logger = logging.getLogger(__name__)

# The version the installed SDK speaks; every request sends it.
STRIPE_API_VERSION = stripe.api_version


@cache
def stripe_client() -> stripe.StripeClient:
    http_client: stripe.HTTPClient | None = None
    if settings.STRIPE_MODE == "sandbox":
        from stripe_sandbox.transport import SandboxHTTPClient

        http_client = SandboxHTTPClient()
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        stripe_version=STRIPE_API_VERSION,
        max_network_retries=settings.STRIPE_MAX_NETWORK_RETRIES,
        http_client=http_client,
    )


def stripe_now() -> datetime:
    """Now as Stripe's clock has it, the `as_of` of an object read back from Stripe: in sandbox
    mode the sandbox's test clock (moved by `sandbox_advance`), so a read-back is never taken
    for older than the events the sandbox stamped with its clock."""
    if settings.STRIPE_MODE == "sandbox":
        from stripe_sandbox import clock

        return timezone.now() + timedelta(seconds=clock.offset())
    return timezone.now()


def account_options(stripe_account: str, *, idempotency_key: str | None = None) -> RequestOptions:
    """Request options for a call made on behalf of a connected account."""
    options: RequestOptions = {"stripe_account": stripe_account}
    if idempotency_key is not None:
        options["idempotency_key"] = idempotency_key
    return options


@contextlib.contextmanager
def stripe_errors_as_billing_errors(action: str) -> Iterator[None]:
    """Turn a Stripe failure into a BillingError whose message a person can act on."""
    try:
        yield
    except stripe.CardError as error:
        raise BillingError(error.user_message or "The card was declined.") from error
    except stripe.InvalidRequestError as error:
        logger.warning("Stripe rejected %s: %s (param=%s)", action, error.user_message, error.param)
        raise BillingError(
            f"Stripe could not {action}: {error.user_message or 'invalid request'}",
            field=error.param,
        ) from error
    except stripe.AuthenticationError as error:
        logger.error("Stripe refused our API key while trying to %s", action)
        raise BillingError(
            f"Stripe could not {action}: the platform's Stripe key was refused. "
            "Contact the platform operator."
        ) from error
    except stripe.PermissionError as error:
        raise BillingError(
            f"Stripe could not {action}: the connected account does not allow it."
        ) from error
    except stripe.RateLimitError as error:
        raise BillingError(
            f"Stripe is busy and could not {action}. Try again in a minute."
        ) from error
    except stripe.StripeError as error:
        logger.error("Stripe failed to %s: %s", action, error)
        raise BillingError(
            f"Stripe could not {action} right now. Nothing was changed; try again."
        ) from error
