"""Migration operations for what only PostgreSQL has (plpgsql triggers, GiST indexes,
exclusion constraints). Production and the tests run on PostgreSQL; `make run` serves the
zero-setup demo on SQLite, where the same migrations must apply (tests/test_make_run_sqlite.py).
"""

from django.db.migrations.operations.base import Operation


class OnPostgreSQL(Operation):
    """`operation` on PostgreSQL; on any other database only its change to the models' state,
    so later migrations and the ORM see the same models everywhere. What the skipped operation
    would have kept (the aggregate tables of invoices/migrations/0004 and 0006) is then
    computed from the rows by its readers (invoices.selectors, invoices.revenue)."""

    reversible = True

    def __init__(self, operation: Operation) -> None:
        self.operation = operation

    def deconstruct(self):
        return (f"{__name__}.{type(self).__qualname__}", [self.operation], {})

    def state_forwards(self, app_label, state) -> None:
        self.operation.state_forwards(app_label, state)

    def database_forwards(self, app_label, schema_editor, from_state, to_state) -> None:
        if schema_editor.connection.vendor == "postgresql":
            self.operation.database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state) -> None:
        if schema_editor.connection.vendor == "postgresql":
            self.operation.database_backwards(app_label, schema_editor, from_state, to_state)

    def describe(self) -> str:
        return f"{self.operation.describe()} (PostgreSQL only)"

    @property
    def migration_name_fragment(self) -> str | None:
        return self.operation.migration_name_fragment
