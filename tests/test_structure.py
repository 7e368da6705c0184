"""The direction of imports between the portal's domain packages.

Domains are layered (README, "Architecture"): a domain may import the kernel modules and
the domains below it, never one above. The imports that still run upward are listed here
by file; the list may only shrink, so a new upward import fails this test and one that is
removed must be struck from the list.
"""

import ast
import re
from pathlib import Path

PORTAL = Path(__file__).resolve().parent.parent / "portal"
# Lowest first. Above them all: scheduler, api, main, web, wiring, cli and the demo.
DOMAINS = ("audit", "jobs", "orgs", "auth", "holidays", "notifications", "disputes",
           "calendar", "conferences", "minutes", "followup", "residents", "reviews",
           "statistics")
# Modules of the portal package itself that belong to no domain and import none.
KERNEL = ("bounds", "config", "csvfiles", "collation", "errors", "extensions", "labels",
          "pagination", "permissions", "proxies", "redirects", "registry", "signals", "timeutil",
          "transaction", "uploads", "upsert", "validators")
STILL_UPWARD = {
    ("calendar/events.py", "conferences"),
    ("calendar/services.py", "conferences"),
    ("calendar/views.py", "conferences"),
    ("disputes/importer.py", "statistics"),
    ("disputes/policy.py", "conferences"),
}


def _imported_packages(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "portal" and len(parts) > 1:
                found.add(parts[1])
    return found


def _upward_imports() -> set[tuple[str, str]]:
    rank = {name: index for index, name in enumerate(DOMAINS)}
    upward = set()
    for domain in DOMAINS:
        for path in sorted((PORTAL / domain).rglob("*.py")):
            for target in _imported_packages(path):
                if target in rank and rank[target] > rank[domain]:
                    upward.add((path.relative_to(PORTAL).as_posix(), target))
    return upward


def test_no_new_import_runs_upward_between_domains():
    new = _upward_imports() - STILL_UPWARD
    assert not new, f"imports of a higher domain: {sorted(new)}"


def test_the_list_of_upward_imports_is_kept_current():
    gone = STILL_UPWARD - _upward_imports()
    assert not gone, f"no longer imported upward, strike from STILL_UPWARD: {sorted(gone)}"


def test_kernel_modules_import_no_domain():
    for name in KERNEL:
        reached = _imported_packages(PORTAL / f"{name}.py") & set(DOMAINS)
        assert not reached, f"portal/{name}.py imports {sorted(reached)}"


def test_every_package_is_placed():
    packages = {p.name for p in PORTAL.iterdir() if (p / "__init__.py").exists()}
    modules = {p.stem for p in PORTAL.glob("*.py")} - {"__init__"}
    top = {"api", "main", "scheduler", "static", "translations", "cli", "demo", "doctor",
           "models", "web", "wiring"}
    unplaced = (packages | modules) - set(DOMAINS) - set(KERNEL) - top
    assert not unplaced, f"place these in DOMAINS, KERNEL or the top: {sorted(unplaced)}"


def test_a_conference_changes_state_only_through_its_transition_table():
    writes = re.compile(r"\bconference\.state\s*=[^=]")
    writers = {path.relative_to(PORTAL).as_posix() for path in PORTAL.rglob("*.py")
               if writes.search(path.read_text(encoding="utf-8"))}
    assert writers == {"conferences/states.py"}
