"""A one-page PDF for `invoice_pdf`: enough for a person (or a test) to open and read."""

from typing import Any

from stripe_sandbox.money import format_amount


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def render_invoice_pdf(invoice: dict[str, Any], business_name: str) -> bytes:
    """A valid minimal PDF listing the invoice's number, status, lines and total."""
    currency = invoice["currency"]
    rows = [
        business_name,
        f"Invoice {invoice['number'] or invoice['id']} - {invoice['status']}",
        *(
            f"{line['description']}: {format_amount(line['amount'], currency)}"
            for line in invoice["lines"]["data"]
        ),
        f"Total: {format_amount(invoice['total'], currency)}",
        "Sandbox - no real money moves.",
    ]
    text = "BT /F1 12 Tf 50 780 Td 16 TL " + " ".join(
        f"({_escape(row.encode('latin-1', 'replace').decode('latin-1'))}) '" for row in rows
    )
    text += " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 842] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(text.encode('latin-1'))} >>\nstream\n{text}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out
