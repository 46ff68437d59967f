"""The PDF behind `invoice_pdf`, drawn with fpdf2: who bills whom, the lines, tax, total and
the invoice's status, as a person (or an accountant) would read it."""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from stripe_sandbox.money import ZERO_DECIMAL_CURRENCIES


def _line(pdf: FPDF, text: str, *, height: float = 6, align: str = "L") -> None:
    """A cell to the right margin, then the next line."""
    pdf.cell(0, height, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _money(amount: int, currency: str) -> str:
    """1234500, "usd" -> "12,345.00 USD" (codes, not symbols: the PDF's core font is Latin-1)."""
    code = currency.upper()
    if currency.lower() in ZERO_DECIMAL_CURRENCIES:
        return f"{amount:,} {code}"
    return f"{Decimal(amount) / 100:,.2f} {code}"


def _date(timestamp: int | None) -> str:
    if timestamp is None:
        return "-"
    return datetime.fromtimestamp(timestamp, tz=UTC).strftime("%B %-d, %Y")


def _latin1(text: str | None) -> str:
    return (text or "").encode("latin-1", "replace").decode("latin-1")


def render_invoice_pdf(invoice: dict[str, Any], business_name: str) -> bytes:
    currency = invoice["currency"]
    pdf = FPDF(format="A4")
    pdf.set_title(_latin1(f"Invoice {invoice['number'] or invoice['id']}"))
    pdf.set_author(_latin1(business_name))
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 20)
    _line(pdf, "Invoice", height=10)
    pdf.set_font("Helvetica", size=10)
    status = invoice["status"].upper()
    _line(pdf, _latin1(f"Number {invoice['number'] or invoice['id']}  -  {status}"))
    _line(pdf, f"Date of issue {_date(invoice['effective_at'] or invoice['created'])}")
    if invoice.get("due_date"):
        _line(pdf, f"Date due {_date(invoice['due_date'])}")
    paid_at = invoice["status_transitions"].get("paid_at")
    if paid_at:
        _line(pdf, f"Paid {_date(paid_at)}")
    pdf.ln(4)
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(95, 6, _latin1(business_name))
    _line(pdf, "Bill to")
    pdf.set_font("Helvetica", size=10)
    pdf.cell(95, 6, "")
    _line(pdf, _latin1(invoice.get("customer_name") or ""))
    pdf.cell(95, 6, "")
    _line(pdf, _latin1(invoice.get("customer_email") or ""))
    if invoice.get("description"):
        pdf.ln(3)
        pdf.multi_cell(0, 6, _latin1(invoice["description"]), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    with pdf.table(col_widths=(110, 20, 50), text_align=("LEFT", "RIGHT", "RIGHT")) as table:
        table.row(("Description", "Qty", "Amount"))
        for line in invoice["lines"]["data"]:
            table.row(
                (
                    _latin1(line["description"]),
                    str(line.get("quantity") or 1),
                    _money(line["amount"], currency),
                )
            )
    pdf.ln(4)
    tax = sum(tax["amount"] for tax in invoice.get("total_taxes") or [])
    totals = [
        ("Subtotal", invoice["subtotal"]),
        ("Tax", tax),
        ("Total", invoice["total"]),
        ("Amount paid", invoice["amount_paid"]),
        ("Amount due", invoice["amount_remaining"]),
    ]
    for label, amount in totals:
        pdf.set_font("Helvetica", "B" if label in ("Total", "Amount due") else "", 10)
        pdf.cell(130, 6, label, align="R")
        _line(pdf, _money(amount, currency), align="R")
    pdf.ln(8)
    pdf.set_font("Helvetica", "I", 8)
    _line(pdf, "Stripe sandbox - no real money moves.", height=5)
    return bytes(pdf.output())
