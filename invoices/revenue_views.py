"""Billing & Revenue → Revenue: the owner's dashboard, its CSV exports and the check against
Stripe. Owner only; admins get 403."""

import csv
from datetime import date

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_POST

from agencies.access import owner_required
from agency_billing.errors import BillingError
from agency_billing.money import format_money
from invoices import revenue
from invoices.forms import RevenueRangeForm, StripeCheckForm
from invoices.sync import month_bounds


def _period(request: HttpRequest) -> tuple[RevenueRangeForm, date, date]:
    form = RevenueRangeForm(request.GET or None, today=timezone.now().date())
    start, end = form.period()
    return form, start, end


def _agency(request: HttpRequest):
    return request.membership.agency  # type: ignore[attr-defined]


@owner_required
def revenue_dashboard(request: HttpRequest) -> HttpResponse:
    agency = _agency(request)
    form, start, end = _period(request)
    return render(request, "invoices/revenue.html", _dashboard(agency, form, start, end))


def _dashboard(agency, form: RevenueRangeForm, start: date, end: date) -> dict:
    by_month = revenue.revenue_by_month(agency, start, end)
    totals = revenue.revenue_totals(by_month)
    this_month = month_bounds(timezone.now().date().replace(day=1))[0]
    return {
        "form": form,
        "start": start,
        "end": end,
        "currencies": [
            {
                "currency": currency,
                "total": totals[currency],
                "months": rows,
                "chart": revenue.chart(rows),
            }
            for currency, rows in by_month.items()
        ],
        "by_client": revenue.revenue_by_client(agency, start, end, limit=revenue.CLIENTS_SHOWN),
        "clients_shown": revenue.CLIENTS_SHOWN,
        "recurring": revenue.recurring_revenue(agency, this_month),
        "check_form": StripeCheckForm(initial={"month": end}),
        "query": f"start={start:%Y-%m}&end={end:%Y-%m}",
    }


@owner_required
@require_POST
def revenue_check(request: HttpRequest) -> HttpResponse:
    """Check against Stripe: the month's figures against the account's balance transactions."""
    agency = _agency(request)
    form, start, end = _period(request)
    context = _dashboard(agency, form, start, end)
    check = StripeCheckForm(request.POST)
    context["check_form"] = check
    if check.is_valid():
        month = check.cleaned_data["month"].replace(day=1)
        try:
            context["comparisons"] = revenue.check_against_stripe(agency, month)
        except BillingError as error:
            check.add_error(None, error.message)
        context["checked_month"] = month
    return render(request, "invoices/revenue.html", context)


def _csv_response(filename: str, rows) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class _Echo:
    """A file-like object whose write returns the line, for streaming csv.writer rows."""

    def write(self, value: str) -> str:
        return value


def _amount(amount: int, currency: str) -> str:
    """A CSV amount in major units without the currency code (it has its own column)."""
    return format_money(amount, currency).rsplit(" ", 1)[0].replace(",", "")


@owner_required
def revenue_clients_csv(request: HttpRequest) -> StreamingHttpResponse:
    agency = _agency(request)
    _, start, end = _period(request)
    header = ["client", "currency", "payments", "gross", "refunds", "disputes_lost"]
    header += ["platform_fees", "stripe_fees", "net"]

    def rows():
        yield header
        for row in revenue.revenue_by_client(agency, start, end):
            currency = row["currency"]
            yield [row["customer__name"], currency.upper(), row["payments"]] + [
                _amount(row[name], currency) for name in (*revenue.FIGURES, "net")
            ]

    return _csv_response(f"revenue-by-client-{start:%Y-%m}-{end:%Y-%m}.csv", rows())


@owner_required
def revenue_payments_csv(request: HttpRequest) -> StreamingHttpResponse:
    """Every payment in the period: date, client, invoice number, gross, fee, refunds, net."""
    agency = _agency(request)
    _, start, end = _period(request)
    since, until = month_bounds(start)[0], month_bounds(end)[1]

    def rows():
        yield ["date", "client", "invoice", "gross", "fee", "refunds", "net", "currency"]
        for invoice in revenue.payments_in(agency, since, until).iterator(chunk_size=2000):
            fee = (invoice.platform_fee_kept or 0) + (invoice.stripe_fee or 0)
            net = invoice.amount_paid - fee - invoice.amount_refunded
            currency = invoice.currency
            yield [
                invoice.paid_at.date().isoformat() if invoice.paid_at else "",
                invoice.customer.name,
                invoice.number,
                _amount(invoice.amount_paid, currency),
                _amount(fee, currency),
                _amount(invoice.amount_refunded, currency),
                _amount(net, currency),
                currency.upper(),
            ]

    return _csv_response(f"payments-{start:%Y-%m}-{end:%Y-%m}.csv", rows())
