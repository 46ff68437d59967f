"""The staff shell and the shared form markup, as a browser or a screen reader reads them."""

from html.parser import HTMLParser

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse


class Elements(HTMLParser):
    """Every start tag with its attributes, in document order."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {name: value or "" for name, value in attrs}))

    def with_attr(self, name: str, value: str | None = None) -> list[tuple[str, dict]]:
        return [
            (tag, attrs)
            for tag, attrs in self.tags
            if name in attrs and (value is None or attrs[name] == value)
        ]

    def ids(self) -> set[str]:
        return {attrs["id"] for _, attrs in self.tags if "id" in attrs}


def page(client, url: str, data: dict | None = None) -> str:
    response = client.post(url, data) if data is not None else client.get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_the_first_tab_stop_skips_to_the_content(owner_client):
    elements = Elements(page(owner_client, reverse("customer_list")))

    first_link = next(attrs for tag, attrs in elements.tags if tag == "a")
    assert first_link["href"] == "#main"
    assert ("main", {"class": "content", "id": "main", "tabindex": "-1"}) in elements.tags


def test_the_sidebar_marks_the_current_page_and_its_section(owner_client, customer):
    customers = Elements(page(owner_client, reverse("customer_list")))
    assert customers.with_attr("aria-current") == [
        ("a", {"href": reverse("customer_list"), "aria-current": "page"})
    ]

    manage = Elements(page(owner_client, reverse("customer_manage", args=[customer.pk])))
    assert manage.with_attr("aria-current") == [
        ("a", {"href": reverse("customer_list"), "aria-current": "true"})
    ]


def test_the_sidebar_shows_who_is_signed_in_and_names_stripe_by_its_state(owner_client, owner):
    before = page(owner_client, reverse("dashboard"))
    assert owner.user.email in before
    assert "Owner · " + owner.agency.name in before
    assert ">Connect Stripe</a>" in before
    assert "Agency mode" not in before
    assert ">Log out</button>" in before


def test_once_connected_the_sidebar_says_stripe_account(owner_client, connected_agency):
    html = page(owner_client, reverse("dashboard"))

    assert ">Stripe account</a>" in html
    assert ">Connect Stripe</a>" not in html


def test_the_phone_menu_button_controls_the_sidebar(owner_client):
    elements = Elements(page(owner_client, reverse("dashboard")))

    [(_, button)] = elements.with_attr("aria-controls")
    assert button["aria-expanded"] == "false"
    assert button["aria-controls"] in elements.ids()


def test_a_field_with_an_error_is_marked_and_described_by_its_help_and_error(
    owner_client, connected_agency
):
    html = page(owner_client, reverse("plan_new"), {"name": "", "trial_days": "abc"})
    elements = Elements(html)

    [(_, trial)] = [(t, a) for t, a in elements.tags if a.get("name") == "trial_days"]
    assert trial["aria-invalid"] == "true"
    described = trial["aria-describedby"].split()
    assert described == ["id_trial_days_helptext", "id_trial_days_error"]
    assert set(described) <= elements.ids()
    assert '<div class="field has-error">' in html


def test_every_aria_describedby_points_at_an_element_that_exists(owner_client, connected_agency):
    for url in [reverse("plan_new"), reverse("customer_create"), reverse("signup")]:
        for data in [None, {}]:
            client = owner_client if url != reverse("signup") else owner_client.__class__()
            elements = Elements(page(client, url, data))
            for _, attrs in elements.with_attr("aria-describedby"):
                assert set(attrs["aria-describedby"].split()) <= elements.ids(), (url, attrs)


def test_the_already_exists_message_links_to_log_in(client, owner):
    html = page(
        client,
        reverse("signup"),
        {
            "agency_name": "Another",
            "email": owner.user.email,
            "password": "a long enough passphrase",
            "currency": "usd",
        },
    )

    assert f'already exists. <a href="{reverse("login")}">Log in</a> instead.' in html


def test_logging_out_says_so(owner_client):
    response = owner_client.post(reverse("logout"), follow=True)

    assert response.redirect_chain[-1][0] == reverse("login")
    assert "You are logged out." in response.content.decode()


@pytest.mark.parametrize("superuser", [True, False])
def test_a_person_in_no_agency_gets_a_page_that_says_so(client, user_without_agency, superuser):
    user_without_agency.is_superuser = user_without_agency.is_staff = superuser
    user_without_agency.save()
    client.force_login(user_without_agency)

    response = client.get(reverse("dashboard"))

    assert response.status_code == 403
    html = response.content.decode()
    assert "You're not a member of an agency" in html
    assert (reverse("admin:index") in html) is superuser


def test_an_unknown_page_is_a_friendly_404_in_the_staff_shell(owner_client):
    response = owner_client.get("/no-such-page/")

    assert response.status_code == 404
    html = response.content.decode()
    assert "We can't find that page" in html
    assert 'aria-label="Main"' in html


def test_an_unknown_page_for_a_visitor_is_a_friendly_404(client, db):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "We can't find that page" in response.content.decode()
    assert 'aria-label="Main"' not in response.content.decode()


def test_another_agencys_customer_is_the_friendly_404(outsider_client, customer):
    response = outsider_client.get(reverse("customer_manage", args=[customer.pk]))

    assert response.status_code == 404
    assert "We can't find that page" in response.content.decode()


def test_an_owner_only_action_by_an_admin_is_a_friendly_403_with_the_reason(admin_client_):
    response = admin_client_.post(reverse("stripe_connect_start"))

    assert response.status_code == 403
    html = response.content.decode()
    assert "Only the agency owner can do this." in html
    assert 'aria-label="Main"' in html


def test_the_500_page_is_the_products_and_needs_no_database(client):
    from django.template.loader import render_to_string

    html = render_to_string("500.html")

    assert "Something went wrong on our side" in html
    assert "app.css" in html


def test_every_page_has_a_favicon(client, db):
    html = page(client, reverse("login"))

    assert 'rel="icon"' in html
    assert finders.find("favicon.svg")


def test_a_number_field_keeps_what_was_typed_and_says_what_is_wrong(owner_client, connected_agency):
    html = page(
        owner_client,
        reverse("plan_new"),
        {"name": "Retainer", "monthly_amount": "12,5x", "trial_days": "abc"},
    )
    elements = Elements(html)

    [(_, trial)] = [(t, a) for t, a in elements.tags if a.get("name") == "trial_days"]
    assert trial["type"] == "text"
    assert trial["inputmode"] == "numeric"
    assert trial["value"] == "abc"
    assert "min" not in trial and "max" not in trial
    [(_, monthly)] = [(t, a) for t, a in elements.tags if a.get("name") == "monthly_amount"]
    assert (monthly["type"], monthly["inputmode"], monthly["value"]) == ("text", "decimal", "12,5x")
    assert "Enter a whole number." in html
    assert "Enter a number." in html


def test_a_too_long_name_is_kept_and_refused_by_the_field_not_cut(owner_client, connected_agency):
    typed = "A very long plan name " * 6
    html = page(owner_client, reverse("plan_new"), {"name": typed, "monthly_amount": "2500.00"})
    elements = Elements(html)

    [(_, name)] = [(t, a) for t, a in elements.tags if a.get("name") == "name"]
    assert "maxlength" not in name
    assert int(name["data-maxlength"]) < len(typed)
    assert name["value"] == typed
    assert 'id="id_name_error"' in html
    assert connected_agency.plans.count() == 0


def test_money_hints_follow_the_agencys_currency(owner_client, connected_agency):
    usd = page(owner_client, reverse("plan_new"))
    assert "e.g. 2500.00" in usd and "e.g. 25000.00" in usd

    connected_agency.currency = "jpy"
    connected_agency.save()
    jpy = page(owner_client, reverse("plan_new"))
    assert "Monthly price (JPY)" in jpy
    assert "e.g. 300000" in jpy and "e.g. 3000000" in jpy
    assert "2500.00" not in jpy
