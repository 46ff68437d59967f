"""`manage.py sandbox_trigger <scenario> …`: make the sandbox's Stripe do what a person or a
bank would, so the product's reaction can be seen without waiting for it to happen.

Scenarios (one subcommand each):
  dispute <invoice>                 the cardholder disputes the charge that paid the invoice
  dispute <invoice> --close won|lost   the bank decides the open dispute
  card-declines <cus_…> [--times N] the customer's card declines its next N charges (1)
  card-expires <cus_…>              the customer's card expired last month
  retries-end <acct_…> --status canceled|unpaid|past_due
                                    what a subscription becomes when every retry failed
"""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from stripe_sandbox import invoicing, lifecycle, payments, scenarios
from stripe_sandbox.errors import ApiError
from stripe_sandbox.models import SandboxObject
from stripe_sandbox.operation import sandbox_operation


class Command(BaseCommand):
    help = "Trigger a Stripe scenario in the sandbox (see the subcommands)."

    def add_arguments(self, parser: CommandParser) -> None:
        scenarios = parser.add_subparsers(dest="scenario", required=True)
        dispute = scenarios.add_parser(
            "dispute", help="Dispute the charge that paid an invoice, or close its dispute."
        )
        dispute.add_argument("invoice", help="The invoice id (in_…) or number (ABCD1234-0001).")
        dispute.add_argument(
            "--close", choices=["won", "lost"], help="Close the invoice's open dispute."
        )

        declines = scenarios.add_parser(
            "card-declines", help="The customer's card declines its next charge(s)."
        )
        declines.add_argument("customer", help="The Stripe customer id (cus_…).")
        declines.add_argument("--times", type=int, default=1)
        expires = scenarios.add_parser("card-expires", help="The customer's card has expired.")
        expires.add_argument("customer", help="The Stripe customer id (cus_…).")
        retries = scenarios.add_parser(
            "retries-end", help="What subscriptions become once every payment retry failed."
        )
        retries.add_argument("account", help="The connected account id (acct_…).")
        retries.add_argument("--status", choices=lifecycle.AFTER_FAILED_RETRIES, required=True)

    def handle(self, *args, **options) -> None:
        handler = getattr(self, f"_{options['scenario'].replace('-', '_')}")
        try:
            with sandbox_operation():
                message = handler(options)
        except ApiError as error:
            raise CommandError(error.message) from error
        self.stdout.write(message)

    def _dispute(self, options: dict) -> str:
        invoice = _find_invoice(options["invoice"])
        charge = invoicing.paying_charge(invoice.data, invoice.account)
        if charge is None:
            raise CommandError(f"Invoice {invoice.id} was not paid by card; nothing to dispute.")
        if options["close"] is None:
            dispute = payments.open_dispute(account=invoice.account, charge=charge)
            return f"Opened dispute {dispute.id} on {charge.id} for invoice {invoice.id}."
        dispute = (
            SandboxObject.objects.select_for_update()
            .filter(object="dispute", account=invoice.account, data__charge=charge.id)
            .order_by("-created", "-inserted_at")
            .first()
        )
        if dispute is None:
            raise CommandError(f"Invoice {invoice.id} has no dispute to close.")
        payments.close_dispute(
            account=invoice.account, dispute=dispute, won=options["close"] == "won"
        )
        return f"Dispute {dispute.id} closed: {options['close']}."

    def _card_declines(self, options: dict) -> str:
        return scenarios.card_declines(options["customer"], times=options["times"])

    def _card_expires(self, options: dict) -> str:
        return scenarios.card_expires(options["customer"])

    def _retries_end(self, options: dict) -> str:
        return scenarios.retries_end(options["account"], status=options["status"])


def _find_invoice(reference: str) -> SandboxObject:
    invoice = (
        SandboxObject.objects.filter(object="invoice", id=reference).first()
        or SandboxObject.objects.filter(object="invoice", data__number=reference).first()
    )
    if invoice is None:
        raise CommandError(f"No such invoice: {reference}")
    return invoice
