"""Audit the installed Python packages for known vulnerabilities with pip-audit, and say
plainly when that could not be done.

Exit status: 0 every package that could be looked up is free of known vulnerabilities;
1 a vulnerability was found, or pip-audit failed in a way we do not recognise;
3 no vulnerability database answered (no network, or a mirror without per-version data), so
nothing was audited. pip-audit itself reports "No known vulnerabilities found" and exits 0
when it could look up none of the packages; this script never lets that pass as audited.
"""

import json
import subprocess
import sys
from pathlib import Path

NOT_AUDITED = 3
PIP_AUDIT = Path(sys.executable).with_name("pip-audit")
# This project is installed only for its dependencies; it is not on PyPI.
OURS = {"agency-billing"}


def audit(service: str) -> tuple[dict | None, str]:
    """pip-audit's JSON report from `service` (pypi or osv), or None and the reason."""
    run = subprocess.run(  # noqa: S603 (our own venv's pip-audit, fixed arguments)
        [str(PIP_AUDIT), "--vulnerability-service", service, "--timeout", "15", "-f", "json"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    try:
        return json.loads(run.stdout), ""
    except json.JSONDecodeError:
        lines = [line for line in run.stderr.splitlines() if line.strip()]
        return None, lines[-1] if lines else f"pip-audit exited {run.returncode}"


def main() -> int:
    reasons = []
    for service in ("pypi", "osv"):
        report, reason = audit(service)
        status = verdict(service, report) if report is not None else None
        if status is not None:
            return status
        reasons.append(f"{service}: {reason or 'none of the packages could be looked up'}")
    print("dependency audit: NOT DONE - no vulnerability database answered:")
    for reason in reasons:
        print(f"  {reason}")
    return NOT_AUDITED


def verdict(service: str, report: dict) -> int | None:
    """0 or 1 for a report that looked up at least one package, printing what it found;
    None when it looked up none."""
    packages = [dep for dep in report["dependencies"] if dep["name"] not in OURS]
    audited = [dep for dep in packages if "skip_reason" not in dep]
    if not audited:
        return None
    vulnerable = [dep for dep in audited if dep["vulns"]]
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixed = ", ".join(vuln["fix_versions"]) or "no fixed version yet"
            print(f"  {dep['name']} {dep['version']}: {vuln['id']} (fixed in {fixed})")
    skipped = [dep["name"] for dep in packages if "skip_reason" in dep]
    print(
        f"dependency audit ({service}): {len(audited)} of {len(packages)} packages looked up, "
        f"{len(vulnerable)} with known vulnerabilities"
    )
    if skipped:
        print(f"  not looked up: {', '.join(skipped)}")
    return 1 if vulnerable else 0


if __name__ == "__main__":
    sys.exit(main())
