"""What other apps may react to without customers importing them (checkout expires the links
of a customer's old plan)."""

from django.dispatch import Signal

# sent with customer=, old_plan= after a customer's plan changed and the change committed
customer_plan_changed = Signal()
