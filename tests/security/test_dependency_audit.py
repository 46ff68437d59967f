"""The dependency audit never passes a report that looked nothing up."""

from scripts.dependency_audit import verdict

SKIPPED = {"name": "django", "skip_reason": "Dependency not found on PyPI and could not be audited"}


def test_a_report_that_looked_up_no_package_is_not_a_pass():
    report = {"dependencies": [SKIPPED, {"name": "agency-billing", "skip_reason": "ours"}]}

    assert verdict("pypi", report) is None


def test_a_known_vulnerability_fails(capsys):
    vulnerable = {
        "name": "requests",
        "version": "2.0.0",
        "vulns": [{"id": "PYSEC-2014-13", "fix_versions": ["2.3.0"], "description": ""}],
    }

    assert verdict("pypi", {"dependencies": [vulnerable, SKIPPED]}) == 1
    printed = capsys.readouterr().out
    assert "requests 2.0.0: PYSEC-2014-13 (fixed in 2.3.0)" in printed
    assert "1 of 2 packages looked up, 1 with known vulnerabilities" in printed
    assert "not looked up: django" in printed


def test_clean_packages_pass():
    clean = {"name": "requests", "version": "2.32.5", "vulns": []}

    assert verdict("osv", {"dependencies": [clean]}) == 0
