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
    CustomerRetrieveParams,
    CustomerUpdateParams,
    PriceCreateParams,
    PriceListParams,
    PriceRetrieveParams,
    PriceUpdateParams,
    ProductCreateParams,
    ProductListParams,
    ProductRetrieveParams,
    ProductUpdateParams,
)

from stripe_sandbox.api import accounts, customers, products
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
