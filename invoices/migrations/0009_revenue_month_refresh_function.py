"""invoices_revenue_month_refresh(): a client's RevenueMonth row for one month and currency
recomputed from the invoices, refunds and disputes, after a transaction-scoped advisory lock
on the agency's revenue figures, in one statement from the application.

The lock comes before the RevenueMonth row's lock and the locks its triggers take (0004's
AgencyRevenueMonth rows, 0006's per-client lock and RevenueToDate rows), so two transactions
of one agency writing revenue figures (two months, two clients, in any order) queue on it
instead of deadlocking. The sums are read by a statement of their own inside the function,
which (the function being VOLATILE) starts after the lock: a refresh that waited for another
sums what the other committed, never figures older than the other's.
"""

from django.db import migrations

from agency_billing.migration_operations import OnPostgreSQL

LOCK_CLASS = 7302  # advisory lock class: an agency's revenue figures (0006 uses 7301)

FORWARD = f"""
    CREATE FUNCTION invoices_revenue_month_refresh(
        a_agency bigint, a_customer bigint, a_currency text, a_month date,
        a_start timestamptz, a_end timestamptz
    ) RETURNS void LANGUAGE plpgsql VOLATILE AS $$
    BEGIN
        PERFORM pg_advisory_xact_lock({LOCK_CLASS}, (a_agency % 2147483647)::integer);
        INSERT INTO invoices_revenuemonth AS summary (
            agency_id, customer_id, currency, month,
            payments, gross, platform_fees, stripe_fees, refunds, disputes_lost
        )
        SELECT
            a_agency, a_customer, a_currency, a_month,
            paid.payments, paid.gross, paid.platform_fees, paid.stripe_fees + disputes.fees,
            refunds.total, disputes.lost
        FROM (
            SELECT count(*) AS payments, coalesce(sum(amount_paid), 0) AS gross,
                coalesce(sum(platform_fee), 0) - coalesce(sum(platform_fee_refunded), 0)
                    AS platform_fees,
                coalesce(sum(stripe_fee), 0) AS stripe_fees
            FROM invoices_invoice
            WHERE customer_id = a_customer AND currency = a_currency AND status = 'paid'
                AND paid_at >= a_start AND paid_at < a_end
        ) AS paid, (
            SELECT coalesce(sum(amount), 0) AS total
            FROM invoices_refund
            WHERE customer_id = a_customer AND currency = a_currency AND status = 'succeeded'
                AND stripe_created >= a_start AND stripe_created < a_end
        ) AS refunds, (
            SELECT coalesce(sum(amount) FILTER (WHERE status = 'lost'), 0) AS lost,
                coalesce(sum(fee), 0) AS fees
            FROM invoices_dispute
            WHERE customer_id = a_customer AND currency = a_currency
                AND stripe_created >= a_start AND stripe_created < a_end
        ) AS disputes
        ON CONFLICT (agency_id, customer_id, currency, month) DO UPDATE SET
            payments = EXCLUDED.payments, gross = EXCLUDED.gross,
            platform_fees = EXCLUDED.platform_fees, stripe_fees = EXCLUDED.stripe_fees,
            refunds = EXCLUDED.refunds, disputes_lost = EXCLUDED.disputes_lost
        WHERE (summary.payments, summary.gross, summary.platform_fees, summary.stripe_fees,
               summary.refunds, summary.disputes_lost)
            IS DISTINCT FROM (EXCLUDED.payments, EXCLUDED.gross, EXCLUDED.platform_fees,
                              EXCLUDED.stripe_fees, EXCLUDED.refunds, EXCLUDED.disputes_lost);
    END $$;
"""

BACKWARD = """
    DROP FUNCTION invoices_revenue_month_refresh(bigint, bigint, text, date, timestamptz,
        timestamptz);
"""


class Migration(migrations.Migration):
    dependencies = [("invoices", "0008_invoice_application_fee")]

    # SQLite (make run) has no plpgsql and no concurrent writers: invoices.sync sums there.
    operations = [OnPostgreSQL(migrations.RunSQL(FORWARD, BACKWARD))]
