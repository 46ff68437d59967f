"""Models, services, selectors and sync code import one way: checkout, invoices and portal →
customers → plans → agencies. Only views (which compose pages such as Manage Customer from
every app's selectors) may read across."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYER = {"agencies": 0, "plans": 1, "customers": 2, "checkout": 3, "invoices": 3, "portal": 3}
COMPOSING_MODULES = {"views.py", "urls.py", "admin.py"}


def imported_apps(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
    return names & set(LAYER)


def app_modules():
    for app in LAYER:
        for path in sorted((ROOT / app).rglob("*.py")):
            if path.name not in COMPOSING_MODULES and "migrations" not in path.parts:
                yield pytest.param(app, path, id=str(path.relative_to(ROOT)))


@pytest.mark.parametrize(("app", "path"), list(app_modules()))
def test_app_code_imports_only_the_layers_below_it(app, path):
    upward = {other for other in imported_apps(path) if other != app and LAYER[other] >= LAYER[app]}

    assert upward == set(), f"{path.name} of {app} imports {sorted(upward)}"


def modules_imported(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if "." in node.module:
                found.add(node.module)
            else:  # `from checkout import selectors`
                found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


@pytest.mark.parametrize("app", [app for app in LAYER if (ROOT / app / "views.py").exists()])
def test_views_read_the_apps_above_them_only_through_selectors(app):
    views = ROOT / app / "views.py"
    upward = {
        module
        for module in modules_imported(views)
        if module.split(".")[0] in LAYER
        and LAYER[module.split(".")[0]] > LAYER[app]
        and module.split(".")[1:2] != ["selectors"]
    }

    assert upward == set(), f"{app}/views.py reaches past selectors: {sorted(upward)}"


def test_the_portal_reads_invoices_only_through_invoices_selectors():
    """The invoice mirror's reads live in invoices/selectors.py, shared with staff pages: the
    portal neither imports the invoice models nor walks `customer.invoices` itself."""
    reached = set()
    for path in sorted((ROOT / "portal").rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for module in modules_imported(path):
            if module.startswith("invoices.") and module != "invoices.selectors":
                reached.add(f"{path.name} imports {module}")
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr == "invoices":
                reached.add(f"{path.name} reads .invoices on line {node.lineno}")

    assert reached == set()
