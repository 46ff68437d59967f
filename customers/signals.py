"""What other apps may react to without customers importing them (checkout expires the links
of a customer's old plan; invoices repairs its mirror when staff press Sync Subscription)."""

from django.dispatch import Signal

# sent with customer=, old_plan= after a customer's plan changed and the change committed
customer_plan_changed = Signal()

# sent with customer= by Sync Subscription after the subscriptions were read back; each
# receiver reads its own objects back from Stripe, repairs its mirror, and returns what
# changed as a list of short sentences. A BillingError stops the sync and is shown.
customer_sync_requested = Signal()
