"""Content-Security-Policy: the header on every page, and nothing inline it would block."""

import re
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse

from checkout.services import checkout_link_generate

TEMPLATES = Path(settings.BASE_DIR) / "templates"
# Mail clients honour only inline styles, and no Content-Security-Policy applies to a mail.
NOT_SERVED_UNDER_CSP = {"emails"}

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
STYLE_ELEMENT = re.compile(r"<style\b", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=\s*[\"']", re.IGNORECASE)


def inline_code(html: str) -> list[str]:
    found = []
    for name, pattern in [
        ("inline <script>", INLINE_SCRIPT),
        ("<style>", STYLE_ELEMENT),
        ("style= attribute", STYLE_ATTRIBUTE),
        ("on…= handler", EVENT_HANDLER),
    ]:
        found += [f"{name}: {match.group(0)!r}" for match in pattern.finditer(html)]
    return found


def served_templates() -> list[Path]:
    return [
        path
        for path in TEMPLATES.rglob("*.html")
        if path.relative_to(TEMPLATES).parts[0] not in NOT_SERVED_UNDER_CSP
    ]


def test_no_template_has_inline_scripts_or_styles():
    offenders = {
        str(path.relative_to(TEMPLATES)): found
        for path in served_templates()
        if (found := inline_code(path.read_text()))
    }

    assert len(served_templates()) > 20
    assert offenders == {}


def test_the_scan_finds_each_kind_of_inline_code():
    html = (
        '<script>alert(1)</script><script src="/static/app.js"></script>'
        '<style>p{}</style><p style="color:red" onclick="x()">'
    )

    assert len(inline_code(html)) == 4


def test_a_staff_page_carries_a_policy_without_unsafe_inline(owner_client):
    response = owner_client.get(reverse("dashboard"))

    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy
    assert inline_code(response.content.decode()) == []


def test_public_and_sandbox_pages_carry_the_policy_and_no_inline_code(client, customer):
    link = checkout_link_generate(customer=customer, price=customer.plan.prices.first())
    checkout_url = urlsplit(link.url).path
    for url in [reverse("login"), reverse("signup"), checkout_url, "/no-such-page/"]:
        response = client.get(url)
        assert "script-src 'self'" in response["Content-Security-Policy"], url
        assert inline_code(response.content.decode()) == [], url
