"""send_email: rendered from three templates, sent after commit, in the agency's name; in
sandbox mode kept in the outbox and readable at /sandbox/outbox/."""

from pathlib import Path

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from agency_billing.emails import send_email
from stripe_sandbox.models import OutboxEmail
from tests.factories import AgencyFactory

TEST_TEMPLATES = Path(__file__).parent / "templates"


@pytest.fixture(autouse=True)
def _greeting_template(settings):
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], TEST_TEMPLATES]}
    ]


@pytest.fixture
def outbox_backend(settings):
    settings.EMAIL_BACKEND = "stripe_sandbox.outbox.OutboxBackend"


@pytest.mark.django_db
def test_it_sends_subject_text_and_html_in_the_agencys_name(
    mailoutbox, settings, django_capture_on_commit_callbacks
):
    settings.DEFAULT_FROM_EMAIL = "billing@example.com"
    agency = AgencyFactory(name="Acme Studio")

    with django_capture_on_commit_callbacks(execute=True):
        send_email(
            to="pat@client.example", template="greeting", context={"name": "Pat"}, agency=agency
        )

    [message] = mailoutbox
    assert message.subject == "Hello Pat"
    assert message.from_email == "Acme Studio <billing@example.com>"
    assert message.to == ["pat@client.example"]
    assert message.body.strip() == "Hi Pat, Acme Studio says hello."
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert "<strong>Pat</strong>" in html
    assert "Acme Studio" in html


@pytest.mark.django_db
def test_the_subject_and_text_read_as_typed_and_the_html_is_escaped(
    mailoutbox, django_capture_on_commit_callbacks
):
    agency = AgencyFactory(name="Harbour & Pine")

    with django_capture_on_commit_callbacks(execute=True):
        send_email(
            to="pat@client.example", template="greeting", context={"name": "O'Brien"}, agency=agency
        )

    [message] = mailoutbox
    assert message.subject == "Hello O'Brien"
    assert message.body.strip() == "Hi O'Brien, Harbour & Pine says hello."
    [(html, _)] = message.alternatives
    assert "<strong>O&#x27;Brien</strong>, Harbour &amp; Pine says hello." in html


@pytest.mark.django_db(transaction=True)
def test_it_waits_for_the_commit_and_sends_nothing_on_rollback(mailoutbox):
    agency = AgencyFactory()
    with transaction.atomic():
        send_email(to="a@client.example", template="greeting", context={"name": "A"}, agency=agency)
        assert mailoutbox == []
    assert [m.to for m in mailoutbox] == [["a@client.example"]]

    with pytest.raises(RuntimeError), transaction.atomic():
        send_email(to="b@client.example", template="greeting", context={"name": "B"}, agency=agency)
        raise RuntimeError("the action failed")
    assert [m.to for m in mailoutbox] == [["a@client.example"]]


@pytest.mark.django_db
def test_the_outbox_lists_sent_email_newest_first(
    outbox_backend, django_capture_on_commit_callbacks
):
    agency = AgencyFactory(name="Acme Studio")
    with django_capture_on_commit_callbacks(execute=True):
        send_email(
            to="first@client.example", template="greeting", context={"name": "One"}, agency=agency
        )
    with django_capture_on_commit_callbacks(execute=True):
        send_email(
            to="second@client.example", template="greeting", context={"name": "Two"}, agency=agency
        )

    page = Client().get(reverse("stripe_sandbox:outbox")).content.decode()

    assert page.index("Hello Two") < page.index("Hello One")
    assert "second@client.example" in page


@pytest.mark.django_db
def test_an_outbox_email_reads_as_text_and_as_html(
    outbox_backend, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        send_email(to="pat@client.example", template="greeting", context={"name": "Pat"})
    email = OutboxEmail.objects.get()

    page = Client().get(reverse("stripe_sandbox:outbox_email", args=[email.pk]))
    html = Client().get(reverse("stripe_sandbox:outbox_email_html", args=[email.pk]))

    assert "Hi Pat, " in page.content.decode()
    assert "pat@client.example" in page.content.decode()
    assert html["Content-Type"] == "text/html; charset=utf-8"
    assert "<strong>Pat</strong>" in html.content.decode()
    assert "script-src" not in html["Content-Security-Policy"]
    assert html["Content-Security-Policy"].startswith("default-src 'none'")
    assert html["X-Frame-Options"] == "SAMEORIGIN"


@pytest.mark.django_db
def test_an_unknown_outbox_email_is_404(outbox_backend):
    assert Client().get(reverse("stripe_sandbox:outbox_email", args=[999])).status_code == 404
