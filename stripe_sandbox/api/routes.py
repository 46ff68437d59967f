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
    ApplicationFeeListParams,
    ApplicationFeeRefundCreateParams,
    ApplicationFeeRetrieveParams,
    BalanceTransactionListParams,
    BalanceTransactionRetrieveParams,
    ChargeListParams,
    ChargeRetrieveParams,
    CustomerCreateParams,
    CustomerListParams,
    CustomerPaymentMethodListParams,
    CustomerRetrieveParams,
    CustomerUpdateParams,
    DisputeListParams,
    DisputeRetrieveParams,
    EventListParams,
    EventRetrieveParams,
    InvoiceCreateParams,
    InvoiceCreatePreviewParams,
    InvoiceFinalizeInvoiceParams,
    InvoiceItemCreateParams,
    InvoiceItemListParams,
    InvoiceItemRetrieveParams,
    InvoiceListParams,
    InvoiceMarkUncollectibleParams,
    InvoicePayParams,
    InvoiceRetrieveParams,
    InvoiceSendInvoiceParams,
    InvoiceVoidInvoiceParams,
    PaymentIntentRetrieveParams,
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
    RefundCreateParams,
    RefundListParams,
    RefundRetrieveParams,
    SetupIntentRetrieveParams,
    SubscriptionCancelParams,
    SubscriptionCreateParams,
    SubscriptionListParams,
    SubscriptionResumeParams,
    SubscriptionRetrieveParams,
    SubscriptionUpdateParams,
    TaxRateRetrieveParams,
)
from stripe.params.billing_portal import (
    ConfigurationCreateParams,
    ConfigurationListParams,
    ConfigurationRetrieveParams,
    ConfigurationUpdateParams,
)
from stripe.params.billing_portal import SessionCreateParams as PortalSessionCreateParams
from stripe.params.checkout import (
    SessionCreateParams,
    SessionExpireParams,
    SessionLineItemListParams,
    SessionListParams,
    SessionRetrieveParams,
)

from stripe_sandbox.api import (
    accounts,
    application_fees,
    billing_portal,
    charges,
    checkout,
    customers,
    events,
    invoice_items,
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
    ("post", "/v1/subscriptions", subscriptions.create_subscription, SubscriptionCreateParams),
    ("get", "/v1/subscriptions", subscriptions.list_subscriptions, SubscriptionListParams),
    (
        "post",
        f"/v1/subscriptions/{_ID}/resume",
        subscriptions.resume_subscription,
        SubscriptionResumeParams,
    ),
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
    ("post", "/v1/invoices", invoices.create_invoice, InvoiceCreateParams),
    ("get", "/v1/invoices", invoices.list_invoices, InvoiceListParams),
    (
        "post",
        "/v1/invoices/create_preview",
        invoices.create_preview,
        InvoiceCreatePreviewParams,
    ),
    ("get", f"/v1/invoices/{_ID}", invoices.retrieve_invoice, InvoiceRetrieveParams),
    (
        "post",
        f"/v1/invoices/{_ID}/finalize",
        invoices.finalize_invoice,
        InvoiceFinalizeInvoiceParams,
    ),
    ("post", f"/v1/invoices/{_ID}/send", invoices.send_invoice, InvoiceSendInvoiceParams),
    ("post", f"/v1/invoices/{_ID}/pay", invoices.pay_invoice, InvoicePayParams),
    ("post", f"/v1/invoices/{_ID}/void", invoices.void_invoice, InvoiceVoidInvoiceParams),
    (
        "post",
        f"/v1/invoices/{_ID}/mark_uncollectible",
        invoices.mark_uncollectible,
        InvoiceMarkUncollectibleParams,
    ),
    ("post", "/v1/invoiceitems", invoice_items.create_invoice_item, InvoiceItemCreateParams),
    ("get", "/v1/invoiceitems", invoice_items.list_invoice_items, InvoiceItemListParams),
    (
        "get",
        f"/v1/invoiceitems/{_ID}",
        invoice_items.retrieve_invoice_item,
        InvoiceItemRetrieveParams,
    ),
    (
        "get",
        f"/v1/payment_intents/{_ID}",
        charges.retrieve_payment_intent,
        PaymentIntentRetrieveParams,
    ),
    ("get", "/v1/charges", charges.list_charges, ChargeListParams),
    ("get", f"/v1/charges/{_ID}", charges.retrieve_charge, ChargeRetrieveParams),
    ("post", "/v1/refunds", charges.create_refund, RefundCreateParams),
    ("get", "/v1/refunds", charges.list_refunds, RefundListParams),
    ("get", f"/v1/refunds/{_ID}", charges.retrieve_refund, RefundRetrieveParams),
    (
        "get",
        "/v1/balance_transactions",
        charges.list_balance_transactions,
        BalanceTransactionListParams,
    ),
    (
        "get",
        f"/v1/balance_transactions/{_ID}",
        charges.retrieve_balance_transaction,
        BalanceTransactionRetrieveParams,
    ),
    ("get", "/v1/disputes", charges.list_disputes, DisputeListParams),
    (
        "get",
        "/v1/application_fees",
        application_fees.list_application_fees,
        ApplicationFeeListParams,
    ),
    (
        "get",
        f"/v1/application_fees/{_ID}",
        application_fees.retrieve_application_fee,
        ApplicationFeeRetrieveParams,
    ),
    (
        "post",
        f"/v1/application_fees/{_ID}/refunds",
        application_fees.create_fee_refund,
        ApplicationFeeRefundCreateParams,
    ),
    ("get", f"/v1/disputes/{_ID}", charges.retrieve_dispute, DisputeRetrieveParams),
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
    ("get", f"/v1/tax_rates/{_ID}", invoices.retrieve_tax_rate, TaxRateRetrieveParams),
    (
        "post",
        "/v1/billing_portal/configurations",
        billing_portal.create_configuration,
        ConfigurationCreateParams,
    ),
    (
        "get",
        "/v1/billing_portal/configurations",
        billing_portal.list_configurations,
        ConfigurationListParams,
    ),
    (
        "get",
        f"/v1/billing_portal/configurations/{_ID}",
        billing_portal.retrieve_configuration,
        ConfigurationRetrieveParams,
    ),
    (
        "post",
        f"/v1/billing_portal/configurations/{_ID}",
        billing_portal.update_configuration,
        ConfigurationUpdateParams,
    ),
    (
        "post",
        "/v1/billing_portal/sessions",
        billing_portal.create_session,
        PortalSessionCreateParams,
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
