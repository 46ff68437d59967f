"""Changing a subscription's price mid-period, as Stripe prorates it.

Same interval: the period stays; the unused time on the old price is credited and the
remaining time on the new one charged, as two proration invoice items. With
`create_prorations` (the default) they wait for the next renewal invoice; with
`always_invoice` they are invoiced and charged now; with `none` nothing is prorated.
Another interval (month → year): the billing cycle restarts now, so the new price's whole
first period is invoiced at once, less the credit for the unused old time.
During a trial nothing is charged either way: only the price changes.

Amounts are `amount × remaining seconds / period seconds`, rounded half up.
"""

import copy
from dataclasses import dataclass, field
from typing import Any

from stripe_sandbox import billing, clock, lifecycle, store
from stripe_sandbox.errors import ApiError
from stripe_sandbox.models import SandboxObject
from stripe_sandbox.periods import add_interval


@dataclass
class PlanChange:
    """What an `items` update does; `apply` changes the subscription JSON, `bill` stores
    and invoices the prorations once the subscription is saved."""

    account: str
    replacements: dict[str, dict[str, Any]]  # item id → the new item JSON
    proration_items: list[dict[str, Any]] = field(default_factory=list)
    restarts_cycle: bool = False
    invoice_now: bool = False
    start: int = 0

    def apply(self, data: dict[str, Any]) -> None:
        for item in data["items"]["data"]:
            if item["id"] in self.replacements:
                replacement = self.replacements[item["id"]]
                item.clear()
                item.update(copy.deepcopy(replacement))
        if self.restarts_cycle:
            data["billing_cycle_anchor"] = self.start

    def bill(self, row: SandboxObject) -> None:
        for fields in self.proration_items:
            billing.store_invoice_item(account=self.account, fields=fields)
        if not (self.invoice_now or self.restarts_cycle):
            return
        invoice = billing.invoice_create(
            account=self.account,
            subscription=row,
            customer=lifecycle.customer_of(row),
            billing_reason="subscription_update",
            with_items=self.restarts_cycle,
        )
        lifecycle.collect(row, invoice)


def _share(amount: int, remaining: int, length: int) -> int:
    if length <= 0 or remaining <= 0:
        return 0
    return (amount * remaining * 2 + length) // (length * 2)


def plan_change(
    account: str,
    data: dict[str, Any],
    changes: list[dict[str, Any]],
    *,
    proration_behavior: str,
    proration_date: int,
) -> PlanChange:
    """The effect of `items[…]` on the subscription `data` (which is not modified)."""
    by_id = {item["id"]: item for item in data["items"]["data"]}
    change = PlanChange(account=account, replacements={}, start=clock.now())
    trialing = data["status"] == "trialing"
    for index, given in enumerate(changes):
        item = _item(by_id, given, index)
        price = item["price"]
        if given.get("price"):
            price = _price(account, given["price"], f"items[{index}][price]")
        quantity = given.get("quantity", item["quantity"])
        if price["id"] == item["price"]["id"] and quantity == item["quantity"]:
            continue
        new_interval = (price["recurring"]["interval"], price["recurring"]["interval_count"])
        old = item["price"]["recurring"]
        restarts = not trialing and new_interval != (old["interval"], old["interval_count"])
        start, end = item["current_period_start"], item["current_period_end"]
        if restarts:
            change.restarts_cycle = True
            start, end = change.start, add_interval(change.start, *new_interval)
        replacement = billing.subscription_item(data["id"], price, quantity, start=start, end=end)
        replacement["id"] = item["id"]
        replacement["created"] = item["created"]
        change.replacements[item["id"]] = replacement
        if trialing or proration_behavior == "none":
            continue
        change.proration_items.extend(
            _prorations(data, item, replacement, proration_date, restarts=restarts)
        )
    change.invoice_now = proration_behavior == "always_invoice" and bool(change.proration_items)
    return change


def unused_time_credit(
    data: dict[str, Any], item: dict[str, Any], when: int
) -> dict[str, Any] | None:
    """The proration invoice item (not stored) crediting `item`'s time from `when` to the
    end of its period, as a cancellation with `prorate` makes; None when nothing is left."""
    start, end = item["current_period_start"], item["current_period_end"]
    credit = _share(
        item["price"]["unit_amount"] * item["quantity"], end - max(when, start), end - start
    )
    if not credit:
        return None
    return billing.proration_item(
        subscription=data,
        item=item,
        price=item["price"],
        amount=-credit,
        start=max(when, start),
        end=end,
        credit=True,
    )


def _prorations(
    data: dict[str, Any],
    item: dict[str, Any],
    replacement: dict[str, Any],
    when: int,
    *,
    restarts: bool,
) -> list[dict[str, Any]]:
    start, end = item["current_period_start"], item["current_period_end"]
    remaining, length = end - max(when, start), end - start
    old_amount = item["price"]["unit_amount"] * item["quantity"]
    credit = _share(old_amount, remaining, length)
    prorations = []
    if credit:
        prorations.append(
            billing.proration_item(
                subscription=data,
                item=item,
                price=item["price"],
                amount=-credit,
                start=max(when, start),
                end=end,
                credit=True,
            )
        )
    if not restarts:
        new_amount = replacement["price"]["unit_amount"] * replacement["quantity"]
        charge = _share(new_amount, remaining, length)
        if charge:
            prorations.append(
                billing.proration_item(
                    subscription=data,
                    item=replacement,
                    price=replacement["price"],
                    amount=charge,
                    start=max(when, start),
                    end=end,
                    credit=False,
                )
            )
    return prorations


def _item(by_id: dict[str, dict[str, Any]], given: dict[str, Any], index: int) -> dict[str, Any]:
    if "id" not in given:
        raise ApiError(
            "The sandbox can only change existing subscription items; pass items[][id].",
            param=f"items[{index}][id]",
            code="parameter_missing",
        )
    item = by_id.get(given["id"])
    if item is None:
        raise ApiError(
            f"No such subscription item: '{given['id']}'",
            status=404,
            param=f"items[{index}][id]",
            code="resource_missing",
        )
    return item


def _price(account: str, price_id: str, param: str) -> dict[str, Any]:
    price = store.load("price", price_id, account=account, param=param).data
    if not price["recurring"]:
        raise ApiError(
            "The price specified is set to `type=one_time` but this field only accepts "
            "prices with `type=recurring`.",
            param=param,
        )
    return price
