"""A PostgreSQL trigger that keeps RevenueToDate the running totals of RevenueMonth, whatever
writes RevenueMonth, then the running totals of the rows already there.

For a change of a client's month M in one currency by some amounts: the client's run of
months holding M is split so that one starts at M (a new client, or a month before their
first, gets a run of zeros starting at M), then every run from M on gets the amounts added.
A transaction-scoped advisory lock per client serialises two transactions changing the same
client's months, which would otherwise each miss the other's new run. It is taken after the
RevenueMonth row's lock; invoices.sync.revenue_refresh takes the agency's revenue lock before
that row, so two transactions never hold these in opposite orders.
"""

from django.db import migrations

from agency_billing.migration_operations import OnPostgreSQL

FIGURES = ["payments", "gross", "refunds", "disputes_lost", "platform_fees", "stripe_fees"]
ARGUMENTS = ", ".join(f"d_{name} bigint" for name in FIGURES)
NONE_CHANGED = " AND ".join(f"d_{name} = 0" for name in FIGURES)
ADD = ", ".join(f"{name} = {name} + d_{name}" for name in FIGURES)
COLUMNS = ", ".join(FIGURES)
OF_ROW = ", ".join(f"run.{name}" for name in FIGURES)
ZEROS = ", ".join("0" for _ in FIGURES)


def _signed(row: str, sign: str) -> str:
    return ", ".join(f"{sign}{row}.{name}" for name in FIGURES)


def _difference() -> str:
    return ", ".join(f"NEW.{name} - OLD.{name}" for name in FIGURES)


LOCK_CLASS = 7301  # advisory lock class: a client's RevenueToDate rows

FORWARD = f"""
    DO $$
    DECLARE name text;
    BEGIN
        FOR name IN SELECT conname FROM pg_constraint
            WHERE conrelid = 'invoices_revenuetodate'::regclass AND contype = 'f'
        LOOP
            EXECUTE format('ALTER TABLE invoices_revenuetodate DROP CONSTRAINT %I', name);
        END LOOP;
    END $$;
    ALTER TABLE invoices_revenuetodate
        ADD FOREIGN KEY (agency_id) REFERENCES agencies_agency (id)
            ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
        ADD FOREIGN KEY (customer_id) REFERENCES customers_customer (id)
            ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED;

    CREATE FUNCTION invoices_revenue_to_date_add(
        a_agency bigint, a_customer bigint, a_currency text, a_month date, {ARGUMENTS}
    ) RETURNS void LANGUAGE plpgsql AS $$
    DECLARE
        run invoices_revenuetodate%ROWTYPE;
        following date;
    BEGIN
        IF {NONE_CHANGED} THEN
            RETURN;
        END IF;
        PERFORM pg_advisory_xact_lock({LOCK_CLASS}, (a_customer % 2147483647)::integer);
        SELECT * INTO run FROM invoices_revenuetodate
        WHERE customer_id = a_customer AND currency = a_currency AND months @> a_month;
        IF FOUND AND lower(run.months) <> a_month THEN
            UPDATE invoices_revenuetodate SET months = daterange(lower(run.months), a_month)
            WHERE id = run.id;
            INSERT INTO invoices_revenuetodate
                (agency_id, customer_id, currency, months, {COLUMNS})
            VALUES (a_agency, a_customer, a_currency, daterange(a_month, upper(run.months)),
                    {OF_ROW});
        ELSIF NOT FOUND THEN
            SELECT min(lower(months)) INTO following FROM invoices_revenuetodate
            WHERE customer_id = a_customer AND currency = a_currency
              AND months && daterange(a_month, NULL);
            INSERT INTO invoices_revenuetodate
                (agency_id, customer_id, currency, months, {COLUMNS})
            VALUES (a_agency, a_customer, a_currency, daterange(a_month, following), {ZEROS});
        END IF;
        UPDATE invoices_revenuetodate SET {ADD}
        WHERE customer_id = a_customer AND currency = a_currency
          AND months && daterange(a_month, NULL);
    END $$;

    CREATE FUNCTION invoices_revenuemonth_to_date() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE' AND (NEW.agency_id, NEW.customer_id, NEW.currency, NEW.month)
                IS NOT DISTINCT FROM (OLD.agency_id, OLD.customer_id, OLD.currency, OLD.month)
        THEN
            PERFORM invoices_revenue_to_date_add(
                NEW.agency_id, NEW.customer_id, NEW.currency, NEW.month, {_difference()});
            RETURN NULL;
        END IF;
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            PERFORM invoices_revenue_to_date_add(
                OLD.agency_id, OLD.customer_id, OLD.currency, OLD.month, {_signed("OLD", "-")});
        END IF;
        IF TG_OP IN ('UPDATE', 'INSERT') THEN
            PERFORM invoices_revenue_to_date_add(
                NEW.agency_id, NEW.customer_id, NEW.currency, NEW.month, {_signed("NEW", "")});
        END IF;
        RETURN NULL;
    END $$;

    CREATE TRIGGER invoices_revenuemonth_to_date AFTER INSERT OR UPDATE OR DELETE
    ON invoices_revenuemonth FOR EACH ROW EXECUTE FUNCTION invoices_revenuemonth_to_date();

    INSERT INTO invoices_revenuetodate (agency_id, customer_id, currency, months, {COLUMNS})
    SELECT agency_id, customer_id, currency,
           daterange(month, lead(month) OVER client),
           {", ".join(f"sum({name}) OVER client" for name in FIGURES)}
    FROM invoices_revenuemonth
    WINDOW client AS (PARTITION BY customer_id, currency ORDER BY month);
"""

BACKWARD = """
    DROP TRIGGER invoices_revenuemonth_to_date ON invoices_revenuemonth;
    DROP FUNCTION invoices_revenuemonth_to_date();
    DROP FUNCTION invoices_revenue_to_date_add(bigint, bigint, text, date, bigint, bigint,
        bigint, bigint, bigint, bigint);
    DELETE FROM invoices_revenuetodate;
"""


class Migration(migrations.Migration):
    dependencies = [("invoices", "0005_revenue_to_date")]

    # SQLite (make run) has no plpgsql: invoices.revenue sums RevenueMonth there.
    operations = [OnPostgreSQL(migrations.RunSQL(FORWARD, BACKWARD))]
