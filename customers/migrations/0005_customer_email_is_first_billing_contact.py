from django.db import migrations


def customer_email_becomes_billing_contact(apps, schema_editor):
    """Every existing customer's own email becomes its first billing contact."""
    Customer = apps.get_model("customers", "Customer")
    Contact = apps.get_model("customers", "Contact")
    Contact.objects.bulk_create(
        (
            Contact(customer_id=customer.pk, name=customer.name, email=customer.email, role="billing")
            for customer in Customer.objects.only("pk", "name", "email").iterator()
        ),
        batch_size=1000,
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [("customers", "0004_contact")]

    operations = [
        migrations.RunPython(customer_email_becomes_billing_contact, migrations.RunPython.noop)
    ]
