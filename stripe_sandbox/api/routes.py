"""The route table: (method, path pattern, endpoint, the SDK params TypedDict it accepts)."""

import re
from collections.abc import Callable
from typing import Any

from stripe.params import (
    AccountCreateParams,
    AccountLinkCreateParams,
    AccountRetrieveCurrentParams,
    AccountRetrieveParams,
    AccountUpdateParams,
    CustomerCreateParams,
    CustomerListParams,
    CustomerPaymentMethodListParams,
    CustomerRetrieveParams,
    CustomerUpdateParams,
    EventListParams,
    EventRetrieveParams,
    InvoiceListParams,
    InvoiceRetrieveParams,
    PaymentMethodListParams,
    PaymentMethodRetrieveParams,
    PriceCreateParams,
    PriceListParams,
    PriceRetrieveParams,
    PriceUpdateParams,
    ProductCreateParams,
    ProductListParams,
    ProductRetrieveParams,
    ProductUpdateParams,
    SetupIntentRetrieveParams,
    SubscriptionCancelParams,
    SubscriptionListParams,
    SubscriptionRetrieveParams,
    SubscriptionUpdateParams,
)
from stripe.params.checkout import (
    SessionCreateParams,
    SessionExpireParams,
    SessionLineItemListParams,
    SessionListParams,
    SessionRetrieveParams,
)

from stripe_sandbox.api import (
    accounts,
    checkout,
    customers,
    events,
    invoices,
    payment_methods,
    products,
    subscriptions,
)
from stripe_sandbox.errors import ApiError

Endpoint = Callable[..., dict[str, Any]]
_ID = r"(?P<id>[^/]+)"

ROUTES: list[tuple[str, str, Endpoint, type]] = [
    ("post", "/v1/accounts", accounts.create_account, AccountCreateParams),
    ("get", f"/v1/accounts/{_ID}", accounts.retrieve_account, AccountRetrieveParams),
    ("post", f"/v1/accounts/{_ID}", accounts.update_account, AccountUpdateParams),
    ("get", "/v1/account", accounts.retrieve_current_account, AccountRetrieveCurrentParams),
    ("post", "/v1/account_links", accounts.create_account_link, AccountLinkCreateParams),
    ("post", "/v1/products", products.create_product, ProductCreateParams),
    ("get", "/v1/products", products.list_products, ProductListParams),
    ("get", f"/v1/products/{_ID}", products.retrieve_product, ProductRetrieveParams),
    ("post", f"/v1/products/{_ID}", products.update_product, ProductUpdateParams),
    ("post", "/v1/prices", products.create_price, PriceCreateParams),
    ("get", "/v1/prices", products.list_prices, PriceListParams),
    ("get", f"/v1/prices/{_ID}", products.retrieve_price, PriceRetrieveParams),
    ("post", f"/v1/prices/{_ID}", products.update_price, PriceUpdateParams),
    ("post", "/v1/customers", customers.create_customer, CustomerCreateParams),
    ("get", "/v1/customers", customers.list_customers, CustomerListParams),
    ("get", f"/v1/customers/{_ID}", customers.retrieve_customer, CustomerRetrieveParams),
    ("post", f"/v1/customers/{_ID}", customers.update_customer, CustomerUpdateParams),
    (
        "get",
        f"/v1/customers/{_ID}/payment_methods",
        payment_methods.list_customer_payment_methods,
        CustomerPaymentMethodListParams,
    ),
    ("post", "/v1/checkout/sessions", checkout.create_session, SessionCreateParams),
    ("get", "/v1/checkout/sessions", checkout.list_sessions, SessionListParams),
    ("get", f"/v1/checkout/sessions/{_ID}", checkout.retrieve_session, SessionRetrieveParams),
    ("post", f"/v1/checkout/sessions/{_ID}/expire", checkout.expire_session, SessionExpireParams),
    (
        "get",
        f"/v1/checkout/sessions/{_ID}/line_items",
        checkout.list_line_items,
        SessionLineItemListParams,
    ),
    ("get", "/v1/subscriptions", subscriptions.list_subscriptions, SubscriptionListParams),
    (
        "get",
        f"/v1/subscriptions/{_ID}",
        subscriptions.retrieve_subscription,
        SubscriptionRetrieveParams,
    ),
    (
        "post",
        f"/v1/subscriptions/{_ID}",
        subscriptions.update_subscription,
        SubscriptionUpdateParams,
    ),
    (
        "delete",
        f"/v1/subscriptions/{_ID}",
        subscriptions.cancel_subscription,
        SubscriptionCancelParams,
    ),
    ("get", "/v1/invoices", invoices.list_invoices, InvoiceListParams),
    ("get", f"/v1/invoices/{_ID}", invoices.retrieve_invoice, InvoiceRetrieveParams),
    ("get", "/v1/payment_methods", payment_methods.list_payment_methods, PaymentMethodListParams),
    (
        "get",
        f"/v1/payment_methods/{_ID}",
        payment_methods.retrieve_payment_method,
        PaymentMethodRetrieveParams,
    ),
    (
        "get",
        f"/v1/setup_intents/{_ID}",
        payment_methods.retrieve_setup_intent,
        SetupIntentRetrieveParams,
    ),
    ("get", "/v1/events", events.list_events, EventListParams),
    ("get", f"/v1/events/{_ID}", events.retrieve_event, EventRetrieveParams),
]

_COMPILED = [
    (method, re.compile(f"^{pattern}$"), fn, schema) for method, pattern, fn, schema in ROUTES
]


def resolve(method: str, path: str) -> tuple[Endpoint, type, dict[str, str]]:
    """The endpoint for `method path`, its params schema and the ids in the path; else 404."""
    for route_method, pattern, endpoint, schema in _COMPILED:
        match = pattern.match(path)
        if match and route_method == method:
            return endpoint, schema, match.groupdict()
    raise ApiError(
        f"Unrecognized request URL ({method.upper()}: {path}). The Stripe sandbox does not "
        "emulate this endpoint.",
        status=404,
    )
