"""customers.0005 made every existing customer's own email its first billing contact. Run
here on the test database: migrated back to before it, customers written as they were then,
migrated forward again."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.factories import AgencyFactory

BEFORE = [("customers", "0004_contact")]
AFTER = [("customers", "0005_customer_email_is_first_billing_contact")]


def migrate(targets):
    """Migrate to `targets`; the models as they were there."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


@pytest.fixture
def before_contacts(transactional_db):
    agency = AgencyFactory()
    apps = migrate(BEFORE)
    yield apps, agency.pk
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_each_customers_own_email_becomes_its_billing_contact(before_contacts):
    old_apps, agency_id = before_contacts
    Customer = old_apps.get_model("customers", "Customer")
    Contact = old_apps.get_model("customers", "Contact")
    ann = Customer.objects.create(agency_id=agency_id, name="Ann Co", email="ann@ann.example")
    ben = Customer.objects.create(agency_id=agency_id, name="Ben Ltd", email="ben@ben.example")
    Contact.objects.create(customer=ben, name="Bo", email="bo@ben.example", role="viewer")
    cy = Customer.objects.create(agency_id=agency_id, name="Cy Inc", email="Cy@Cy.example")
    Contact.objects.create(customer=cy, name="Cy", email="cy@cy.example", role="billing")

    new_apps = migrate(AFTER)

    contacts = new_apps.get_model("customers", "Contact").objects.order_by("customer_id", "pk")
    assert [(c.customer_id, c.name, c.email, c.role) for c in contacts] == [
        (ann.pk, "Ann Co", "ann@ann.example", "billing"),
        (ben.pk, "Bo", "bo@ben.example", "viewer"),
        (ben.pk, "Ben Ltd", "ben@ben.example", "billing"),
        (cy.pk, "Cy", "cy@cy.example", "billing"),  # one contact per email, in any case
    ]


def test_running_the_migration_again_adds_no_second_contact(before_contacts):
    old_apps, agency_id = before_contacts
    Customer = old_apps.get_model("customers", "Customer")
    Customer.objects.create(agency_id=agency_id, name="Ann Co", email="ann@ann.example")
    migrate(AFTER)

    migrate(BEFORE)  # the way back keeps the contacts
    new_apps = migrate(AFTER)

    Contact = new_apps.get_model("customers", "Contact")
    assert list(Contact.objects.values_list("email", "role")) == [("ann@ann.example", "billing")]
