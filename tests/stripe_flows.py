"""Drive the sandbox's hosted Stripe pages through Django's test client, the way a person
fills them in: fields are found by their visible labels."""

from html.parser import HTMLParser
from urllib.parse import urlsplit

from django.test import Client
from django.urls import reverse


class _FormReader(HTMLParser):
    """Reads the first POST form: its action, its inputs, and which label names which input."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.values: dict[str, str] = {}
        self.ids: dict[str, str] = {}  # element id -> input name
        self.labels: dict[str, str] = {}  # label text -> element id
        self._in_form = False
        self._done = False
        self._label_for: str | None = None
        self._label_text = ""

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if self._done:
            return
        if tag == "form" and (attributes.get("method") or "").lower() == "post":
            self._in_form = True
            self.action = attributes.get("action") or ""
        elif self._in_form and tag in {"input", "select", "textarea"} and attributes.get("name"):
            name = attributes["name"] or ""
            if attributes.get("type") not in {"submit", "button", "checkbox"}:
                self.values[name] = attributes.get("value") or ""
            if attributes.get("id"):
                self.ids[attributes["id"] or ""] = name
        elif self._in_form and tag == "label":
            self._label_for = attributes.get("for")
            self._label_text = ""

    def handle_data(self, data):
        if self._label_for is not None:
            self._label_text += data

    def handle_endtag(self, tag):
        if tag == "label" and self._label_for is not None:
            self.labels[" ".join(self._label_text.split())] = self._label_for
            self._label_for = None
        elif tag == "form" and self._in_form:
            self._in_form = False
            self._done = True


def submit_form(client: Client, url: str, fields_by_label: dict[str, str]):
    """GET the page at `url`, fill its form by label, POST it; returns the response."""
    path = urlsplit(url).path
    page = client.get(path)
    assert page.status_code == 200, page.content.decode()[:500]
    reader = _FormReader()
    reader.feed(page.content.decode())
    assert reader.action is not None, "no form on the page"
    data = dict(reader.values)
    for label, value in fields_by_label.items():
        element_id = reader.labels.get(label)
        assert element_id, f"no field labelled {label!r}; labels: {sorted(reader.labels)}"
        data[reader.ids[element_id]] = value
    return client.post(reader.action or path, data)


def start_onboarding(owner_client: Client) -> str:
    """Press Connect Stripe; returns the sandbox onboarding URL Stripe sent us to."""
    response = owner_client.post(reverse("stripe_connect_start"))
    assert response.status_code == 302, response.content.decode()[:500]
    return response["Location"]


def complete_onboarding(owner_client: Client, onboarding_url: str) -> str:
    """Submit the hosted onboarding form and follow Stripe's redirect back; returns our page."""
    response = submit_form(owner_client, onboarding_url, {})
    assert response.status_code == 302, response.content.decode()[:500]
    back = owner_client.get(urlsplit(response["Location"]).path, follow=True)
    return back.content.decode()


def pay_checkout(client: Client, checkout_url: str, *, card: str, expiry: str = "12 / 34") -> str:
    """Pay on the hosted checkout page; returns the page the payer ends on."""
    response = submit_form(
        client,
        checkout_url,
        {
            "Card number": card,
            "Expiration (MM / YY)": expiry,
            "CVC": "123",
            "Name on card": "Dana Client",
        },
    )
    if response.status_code in {302, 303}:
        target = urlsplit(response["Location"])
        response = client.get(f"{target.path}?{target.query}", follow=True)
    return response.content.decode()
