from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from webhooks.models import WebhookEvent


def test_the_operator_sees_and_replays_events_in_django_admin(client, db):
    operator = get_user_model().objects.create_superuser("operator", "op@example.com", "pw")
    client.force_login(operator)
    event = WebhookEvent.objects.create(
        stripe_id="evt_admin_1",
        type="product.created",
        endpoint="connect",
        account="acct_1",
        stripe_created=timezone.now(),
        payload={"id": "evt_admin_1", "type": "product.created", "data": {"object": {}}},
    )

    listing = client.get(reverse("admin:webhooks_webhookevent_changelist"))
    assert "evt_admin_1" in listing.content.decode()

    client.post(
        reverse("admin:webhooks_webhookevent_changelist"),
        {"action": "replay", "_selected_action": [event.pk]},
    )

    event.refresh_from_db()
    assert event.status == "ignored"
    assert "no handler" in event.last_error
