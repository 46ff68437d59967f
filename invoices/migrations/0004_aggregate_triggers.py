"""PostgreSQL triggers that keep InvoiceTotal, InvoiceDueDay and AgencyRevenueMonth equal to
the sums over the rows they summarise, whatever writes those rows (the webhook mirror, a
service, the admin, a bulk insert), then fill them from the rows already there.

The triggers are per statement, over the statement's transition tables: one INSERT … ON
CONFLICT DO UPDATE SET x = x + delta per aggregate table and statement, whether it wrote one
row or a million, and none at all (no lock taken) when no summed column changed, as when the
mirror only records a charge's fees. Rows are upserted in key order, so two transactions
lock the aggregate rows they share in the same order.

The aggregate tables' foreign key to the agency cascades in the database: Django deletes an
agency's invoices before the agency, and the trigger writes here as it does.
"""

from django.db import migrations

from agency_billing.migration_operations import OnPostgreSQL

UNPAID = "('open', 'uncollectible')"


def _changes(columns: str) -> dict[str, str]:
    """The rows a statement changed, each with +1 (now there) or -1 (no longer there)."""
    new = f"SELECT {columns}, 1 AS sign FROM new_rows"
    old = f"SELECT {columns}, -1 AS sign FROM old_rows"
    return {"INSERT": new, "DELETE": old, "UPDATE": f"{new} UNION ALL {old}"}


def _upsert(table: str, keys: list[str], sums: dict[str, str], changes: str) -> str:
    """Add the signed sums of `changes` per key to `table`, skipping keys whose sums are all
    zero."""
    deltas = [f"sum(sign * {expression})" for expression in sums.values()]
    key_list = ", ".join(keys)
    return f"""
        INSERT INTO {table} AS summary ({key_list}, {", ".join(sums)})
        SELECT {key_list}, {", ".join(deltas)}
        FROM ({changes}) AS changes
        GROUP BY {key_list}
        HAVING {" OR ".join(f"{delta} <> 0" for delta in deltas)}
        ORDER BY {key_list}
        ON CONFLICT ({key_list}) DO UPDATE SET
            {", ".join(f"{name} = summary.{name} + EXCLUDED.{name}" for name in sums)};
    """


def _function(name: str, columns: str, statements) -> str:
    """A trigger function running `statements(changes)` over the statement's changed rows
    (`columns` of each), whichever operation it was."""
    branches = "\n    ELS".join(
        f"IF TG_OP = '{operation}' THEN {''.join(statements(changes))}"
        for operation, changes in _changes(columns).items()
    )
    return f"""
        CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            {branches}
            END IF;
            RETURN NULL;
        END $$;
    """


def _triggers(table: str, function: str) -> str:
    referencing = {
        "INSERT": "NEW TABLE AS new_rows",
        "DELETE": "OLD TABLE AS old_rows",
        "UPDATE": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
    }
    return "".join(
        f"""
        CREATE TRIGGER {function}_{operation.lower()} AFTER {operation} ON {table}
        REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION {function}();
        """
        for operation, tables in referencing.items()
    )


INVOICE_SUMS = {
    "invoices": "1",
    "total": "total",
    "amount_paid": "amount_paid",
    "amount_remaining": "amount_remaining",
}


def _invoice_statements(changes: str) -> list[str]:
    due = (
        "SELECT agency_id, currency, status, (due_date AT TIME ZONE 'UTC')::date AS due_day,"
        " total, amount_paid, amount_remaining, sign"
        f" FROM ({changes}) AS rows"
        f" WHERE status IN {UNPAID} AND due_date IS NOT NULL"
    )
    return [
        _upsert(
            "invoices_invoicetotal", ["agency_id", "currency", "status"], INVOICE_SUMS, changes
        ),
        _upsert(
            "invoices_invoicedueday",
            ["agency_id", "due_day", "currency", "status"],
            INVOICE_SUMS,
            due,
        ),
    ]


REVENUE_FIGURES = ["payments", "gross", "refunds", "disputes_lost", "platform_fees", "stripe_fees"]


def _revenue_statements(changes: str) -> list[str]:
    return [
        _upsert(
            "invoices_agencyrevenuemonth",
            ["agency_id", "month", "currency"],
            {name: name for name in REVENUE_FIGURES},
            changes,
        )
    ]


INVOICE_COLUMNS = "agency_id, currency, status, due_date, total, amount_paid, amount_remaining"
REVENUE_COLUMNS = f"agency_id, currency, month, {', '.join(REVENUE_FIGURES)}"


def _cascade(table: str) -> str:
    """Recreate the table's foreign key to the agency with ON DELETE CASCADE."""
    return f"""
        DO $$
        DECLARE name text;
        BEGIN
            SELECT conname INTO name FROM pg_constraint
            WHERE conrelid = '{table}'::regclass AND confrelid = 'agencies_agency'::regclass;
            EXECUTE format('ALTER TABLE {table} DROP CONSTRAINT %I', name);
            EXECUTE format(
                'ALTER TABLE {table} ADD CONSTRAINT %I FOREIGN KEY (agency_id) '
                'REFERENCES agencies_agency (id) ON DELETE CASCADE '
                'DEFERRABLE INITIALLY DEFERRED',
                name
            );
        END $$;
    """


AGGREGATES = ["invoices_invoicetotal", "invoices_invoicedueday", "invoices_agencyrevenuemonth"]

FILL = f"""
    INSERT INTO invoices_invoicetotal
        (agency_id, currency, status, invoices, total, amount_paid, amount_remaining)
    SELECT agency_id, currency, status, count(*), sum(total), sum(amount_paid),
           sum(amount_remaining)
    FROM invoices_invoice GROUP BY 1, 2, 3;
    INSERT INTO invoices_invoicedueday
        (agency_id, due_day, currency, status, invoices, total, amount_paid, amount_remaining)
    SELECT agency_id, (due_date AT TIME ZONE 'UTC')::date, currency, status, count(*),
           sum(total), sum(amount_paid), sum(amount_remaining)
    FROM invoices_invoice
    WHERE status IN {UNPAID} AND due_date IS NOT NULL
    GROUP BY 1, 2, 3, 4;
    INSERT INTO invoices_agencyrevenuemonth
        (agency_id, month, currency, {", ".join(REVENUE_FIGURES)})
    SELECT agency_id, month, currency, {", ".join(f"sum({name})" for name in REVENUE_FIGURES)}
    FROM invoices_revenuemonth GROUP BY 1, 2, 3;
"""

FORWARD = (
    "".join(_cascade(table) for table in AGGREGATES)
    + _function("invoices_invoice_aggregates", INVOICE_COLUMNS, _invoice_statements)
    + _triggers("invoices_invoice", "invoices_invoice_aggregates")
    + _function("invoices_revenuemonth_aggregates", REVENUE_COLUMNS, _revenue_statements)
    + _triggers("invoices_revenuemonth", "invoices_revenuemonth_aggregates")
    + FILL
)

BACKWARD = """
    DROP FUNCTION invoices_invoice_aggregates() CASCADE;
    DROP FUNCTION invoices_revenuemonth_aggregates() CASCADE;
""" + "".join(f"DELETE FROM {table};" for table in AGGREGATES)


class Migration(migrations.Migration):
    dependencies = [("invoices", "0003_invoice_totals_and_agency_revenue_months")]

    # SQLite (make run) has no plpgsql: the readers sum the rows there.
    operations = [OnPostgreSQL(migrations.RunSQL(FORWARD, BACKWARD))]
