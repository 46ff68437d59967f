"""The owner's revenue figures: read from the aggregates the database keeps over the mirror's
monthly figures per client (`RevenueMonth`): the agency's months (`AgencyRevenueMonth`) and
each client's running totals (`RevenueToDate`). Recurring revenue from the subscription
mirror, and a check of one month against Stripe's own balance transactions.

Definitions (also written on the page):
- gross: what clients paid on invoices (by the day paid); refunds: what was refunded (by the
  day refunded); disputes lost: the amount of disputes opened in the period that the agency
  lost; platform fees: the application fees; Stripe fees: Stripe's processing fees and
  dispute fees; net = gross − refunds − disputes lost − platform fees − Stripe fees.
- MRR: the monthly value (amount × quantity) of subscriptions that are active or past due,
  and not paused (yearly prices count a twelfth; trials count nothing; a subscription
  canceled at period end counts until its period ends). ARR = 12 × MRR. How it moved this
  month (new, expansion, contraction, churn, reactivation): customers.mrr.
"""

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import connection
from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Sum, When
from django.db.models.functions import Coalesce

from agencies.models import Agency
from agency_billing.stripe_client import (
    account_options,
    stripe_client,
    stripe_errors_as_billing_errors,
)
from customers.models import MrrMovement, Subscription
from customers.mrr import COUNTING_STATUSES
from invoices.models import AgencyRevenueMonth, Invoice, RevenueMonth
from invoices.selectors import keeps_aggregates
from invoices.sync import month_bounds

FIGURES = ("gross", "refunds", "disputes_lost", "platform_fees", "stripe_fees")


def _with_net(row: dict) -> dict:
    costs = row["refunds"] + row["disputes_lost"] + row["platform_fees"] + row["stripe_fees"]
    return {**row, "net": row["gross"] - costs}


def _agency_months(agency: Agency, start: date, end: date) -> QuerySet[AgencyRevenueMonth]:
    return AgencyRevenueMonth.objects.filter(agency=agency, month__gte=start, month__lte=end)


def _summed_months(agency: Agency, start: date, end: date, by: tuple[str, ...]) -> list[dict]:
    """Where the database keeps no aggregates (SQLite, make run's demo): the figures of the
    clients' months from `start` to `end` summed per `by`, leaving out sums that are all
    zero, as the aggregates would. One query."""
    sums = {f"sum_{name}": Sum(name) for name in ("payments", *FIGURES)}
    rows = (
        RevenueMonth.objects.filter(agency=agency, month__gte=start, month__lte=end)
        .values(*by)
        .annotate(**sums)
        .order_by()
    )
    return [
        {**{name: row[name] for name in by}, **{name[4:]: row[name] for name in sums}}
        for row in rows
        if any(row[name] for name in sums)
    ]


def revenue_by_month(agency: Agency, start: date, end: date) -> dict[str, list[dict]]:
    """Per currency, one row per month from `start` to `end` (first days), empty months
    included, oldest first. One query, of at most one row per month and currency."""
    rows = (
        _agency_months(agency, start, end)
        .exclude(payments=0, **dict.fromkeys(FIGURES, 0))
        .values("currency", "month", *FIGURES)
        if keeps_aggregates()
        else _summed_months(agency, start, end, by=("currency", "month"))
    )
    found = {(row["currency"], row["month"]): row for row in rows}
    months = list(_month_range(start, end))
    empty = dict.fromkeys(FIGURES, 0)
    return {
        currency: [
            _with_net({"month": month, **empty, **found.get((currency, month), {})})
            for month in months
        ]
        for currency in sorted({currency for currency, _ in found})
    }


CLIENTS_SHOWN = 50


_CLIENTS_SQL = """
    SELECT through_end.customer_id, customer.name, through_end.currency,
        through_end.payments - coalesce(before_start.payments, 0),
        through_end.gross - coalesce(before_start.gross, 0) AS gross,
        through_end.refunds - coalesce(before_start.refunds, 0),
        through_end.disputes_lost - coalesce(before_start.disputes_lost, 0),
        through_end.platform_fees - coalesce(before_start.platform_fees, 0),
        through_end.stripe_fees - coalesce(before_start.stripe_fees, 0)
    FROM invoices_revenuetodate AS through_end
    JOIN customers_customer AS customer ON customer.id = through_end.customer_id
    LEFT JOIN invoices_revenuetodate AS before_start
        ON before_start.agency_id = through_end.agency_id
        AND before_start.customer_id = through_end.customer_id
        AND before_start.currency = through_end.currency
        AND before_start.months @> %(before_start)s
    WHERE through_end.agency_id = %(agency)s AND through_end.months @> %(end)s
        AND (through_end.payments, through_end.gross, through_end.refunds,
             through_end.disputes_lost, through_end.platform_fees, through_end.stripe_fees)
            <> (coalesce(before_start.payments, 0), coalesce(before_start.gross, 0),
                coalesce(before_start.refunds, 0), coalesce(before_start.disputes_lost, 0),
                coalesce(before_start.platform_fees, 0), coalesce(before_start.stripe_fees, 0))
    ORDER BY gross DESC, through_end.currency, customer.name
    LIMIT %(limit)s
"""


def revenue_by_client(
    agency: Agency, start: date, end: date, *, limit: int | None = None
) -> list[dict]:
    """One row per client and currency with figures in the period, largest gross first (the
    first `limit`). One query, reading two RevenueToDate rows per client (the running totals
    through `end` and through the month before `start`), whatever the period's length."""
    if not keeps_aggregates():
        rows = _summed_months(agency, start, end, by=("customer_id", "customer__name", "currency"))
        rows.sort(key=lambda row: (-row["gross"], row["currency"], row["customer__name"]))
        return [_with_net(row) for row in rows[:limit]]
    parameters = {
        "agency": agency.pk,
        "end": end,
        "before_start": _month_before(start),
        "limit": limit,  # LIMIT NULL: every row
    }
    names = ["customer_id", "customer__name", "currency", "payments", *FIGURES]
    with connection.cursor() as cursor:
        cursor.execute(_CLIENTS_SQL, parameters)
        return [_with_net(dict(zip(names, row, strict=True))) for row in cursor.fetchall()]


def _month_before(month: date) -> date:
    return date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)


def revenue_totals(by_month: dict[str, list[dict]]) -> dict[str, dict]:
    """The period's figures per currency, summed from the monthly rows."""
    return {
        currency: _with_net({name: sum(row[name] for row in rows) for name in FIGURES})
        for currency, rows in by_month.items()
    }


def _month_range(start: date, end: date) -> Iterator[date]:
    month = start
    while month <= end:
        yield month
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)


def payments_in(agency: Agency, start: datetime, end: datetime) -> QuerySet[Invoice]:
    """Every invoice paid in [start, end), oldest first, for the accountant's CSV."""
    return (
        agency.invoices.filter(status=Invoice.Status.PAID, paid_at__gte=start, paid_at__lt=end)
        .select_related("customer")
        .order_by("paid_at", "pk")
    )


MOVEMENTS = ("new", "expansion", "contraction", "churn", "reactivation")


def recurring_revenue(agency: Agency, month_start: datetime) -> dict[str, dict]:
    """MRR, ARR and active subscriptions per currency from the subscription mirror, with the
    month's MRR movements (`mrr_movements`). Two queries."""
    amount = F("unit_amount") * F("quantity")
    monthly = Case(
        When(interval="year", then=amount / 12),
        When(interval="month", then=amount),
        default=0,
        output_field=IntegerField(),
    )
    counting = Q(status__in=COUNTING_STATUSES, collection_paused=False)
    rows = (
        Subscription.objects.filter(agency=agency)
        .exclude(currency="")
        .values("currency")
        .annotate(
            mrr=Coalesce(Sum(monthly, filter=counting), 0),
            active=Count("pk", filter=counting),
        )
        .order_by("currency")
    )
    movements = mrr_movements(agency, month_start)
    empty = dict.fromkeys((*MOVEMENTS, "net_new"), 0)
    return {
        row["currency"]: {**row, "arr": row["mrr"] * 12, **movements.get(row["currency"], empty)}
        for row in rows
    }


def mrr_movements(agency: Agency, month_start: datetime) -> dict[str, dict[str, int]]:
    """The month's MRR movements per currency, from the movements the mirror records per
    subscription event (customers.mrr): new, expansion, reactivation (added), contraction
    and churn (lost, as positive amounts), and net_new (their sum with signs). One query."""
    _, month_end = month_bounds(month_start.date())
    rows = (
        MrrMovement.objects.filter(
            agency=agency, occurred_at__gte=month_start, occurred_at__lt=month_end
        )
        .values("currency", "kind")
        .annotate(amount=Sum(F("mrr_after") - F("mrr_before")))
        .order_by()
    )
    found: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(MOVEMENTS, 0))
    for row in rows:
        found[row["currency"]][row["kind"]] = abs(row["amount"])
    for figures in found.values():
        gained = figures["new"] + figures["expansion"] + figures["reactivation"]
        figures["net_new"] = gained - figures["contraction"] - figures["churn"]
    return dict(found)


@dataclass
class StripeComparison:
    """One month and currency: our figures, Stripe's, and where they differ."""

    currency: str
    ours: dict[str, int]
    stripe: dict[str, int] = field(default_factory=dict)

    @property
    def differences(self) -> list[tuple[str, int, int]]:
        return [
            (name, self.ours.get(name, 0), self.stripe.get(name, 0))
            for name in CHECKED
            if self.ours.get(name, 0) != self.stripe.get(name, 0)
        ]


CHECKED = ("gross", "refunds", "disputes", "platform_fees", "stripe_fees")


def check_against_stripe(agency: Agency, month: date) -> list[StripeComparison]:
    """Compare the month's figures with Stripe's balance transactions for the account (listed
    100 a page): charges (gross, Stripe's fee, the application fee), refunds, and dispute
    withdrawals less reinstatements (with the dispute fee)."""
    start, end = month_bounds(month)
    stripe_side: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(CHECKED, 0))
    created = {"gte": int(start.timestamp()), "lt": int(end.timestamp())}
    with stripe_errors_as_billing_errors("list the balance transactions"):
        listing = stripe_client().v1.balance_transactions.list(
            {"limit": 100, "created": created},  # type: ignore[arg-type]
            account_options(agency.stripe_account_id or ""),
        )
        for transaction in listing.auto_paging_iter():
            _add_transaction(stripe_side[transaction.currency], transaction)
    ours: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(CHECKED, 0))
    months = (
        _agency_months(agency, month, month).values("currency", *FIGURES)
        if keeps_aggregates()
        else _summed_months(agency, month, month, by=("currency",))
    )
    for row in months:
        ours[row["currency"]] = {
            "gross": row["gross"],
            "refunds": row["refunds"],
            "disputes": row["disputes_lost"],
            "platform_fees": row["platform_fees"],
            "stripe_fees": row["stripe_fees"],
        }
    currencies = sorted(set(ours) | set(stripe_side))
    return [
        StripeComparison(currency, dict(ours[currency]), dict(stripe_side[currency]))
        for currency in currencies
    ]


def _add_transaction(figures: dict[str, int], transaction) -> None:
    fees = {"stripe_fee": 0, "application_fee": 0}
    for detail in transaction.fee_details:
        fees[detail.type] = fees.get(detail.type, 0) + detail.amount
    figures["stripe_fees"] += fees["stripe_fee"]
    if transaction.type in ("charge", "payment"):
        figures["gross"] += transaction.amount
        figures["platform_fees"] += fees["application_fee"]
    elif transaction.type == "refund":
        figures["refunds"] -= transaction.amount
    elif transaction.type == "application_fee_refund":
        figures["platform_fees"] -= transaction.amount
    elif transaction.reporting_category in ("dispute", "dispute_reversal"):
        figures["disputes"] -= transaction.amount


CHART_HEIGHT = 160
BAR_WIDTH = 28
BAR_GAP = 12


def chart(rows: list[dict]) -> dict:
    """An SVG bar chart of net per month (negative months drawn below the axis), sized for
    the template to draw without any script."""
    top = max([row["net"] for row in rows] + [0])
    bottom = min([row["net"] for row in rows] + [0])
    span = (top - bottom) or 1
    axis = round(CHART_HEIGHT * top / span)
    bars = []
    for index, row in enumerate(rows):
        height = round(CHART_HEIGHT * abs(row["net"]) / span)
        bars.append(
            {
                "x": index * (BAR_WIDTH + BAR_GAP),
                "y": axis - height if row["net"] >= 0 else axis,
                "height": height,
                "row": row,
                "negative": row["net"] < 0,
            }
        )
    return {
        "bars": bars,
        "width": len(rows) * (BAR_WIDTH + BAR_GAP),
        "height": CHART_HEIGHT + 20,
        "axis": axis,
        "bar_width": BAR_WIDTH,
        "label_y": CHART_HEIGHT + 16,
    }
