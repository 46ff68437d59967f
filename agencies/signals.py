"""Signals agencies send to apps that build on them (which agencies itself must not import)."""

from django.dispatch import Signal

# The owner changed what the agency's Billing Portal offers (Agency.portal_allow_cancel);
# sent inside the settings transaction with `agency`. A receiver that raises undoes the save.
portal_settings_changed = Signal()
