"""Every page route and form survives odd input: ids beyond any column, negative and
non-numeric ids and query values, unicode, and forms filled with the wrong types. The
answer may be a refusal (400, 403, 404, 409, ...) or a page, never a server error."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import pytest
from flask_wtf import FlaskForm

from portal.orgs.models import Role

HUGE = [str(2**63), str(2**31), "99999999999999999999999999"]
ODD = ["-1", "0", "abc", "١٢", "²", "1e9", "0000-01", "0001-01-01", "%00", "\u202e", " "]
# Form values: wrong types, impossible ids, and dates at the very ends of the calendar.
WRONG = [str(2**63), str(2**31), "-1", "abc", "0000-01", "0001-01-01", "9999-12-31",
         "0001-01-01T00:00", "9999-12-31T23:59", "١٢"]
SKIPPED_POSTS = {"auth.logout", "auth.login"}  # signing out would end the fuzzing session
# Wrong passwords would lock the fuzzing account; password checks have tests of their own.
PASSWORD_FIELDS = {"password", "current"}


def _query_keys() -> set[str]:
    """Every query and form key the page code reads by name."""
    source = "\n".join(p.read_text() for p in Path("portal").rglob("*.py")
                       if "api" not in p.parts)
    return set(re.findall(r'request\.(?:args|form)(?:\.get\(|\.getlist\(|\[)"([\w-]+)"',
                          source))


def _form_fields() -> set[str]:
    import portal.models  # noqa: F401 - every form module is imported with its views

    fields, pending = set(), list(FlaskForm.__subclasses__())
    while pending:
        form = pending.pop()
        pending.extend(form.__subclasses__())
        fields.update(name for name, _field in getattr(form, "_unbound_fields", None) or [])
        fields.update(name for name in vars(form) if not name.startswith("_")
                      and hasattr(getattr(form, name), "field_class"))
    return fields


def _page_rules(app, method):
    for rule in app.url_map.iter_rules():
        if method in rule.methods and not rule.rule.startswith(("/api/", "/static",
                                                                "/bootstrap")):
            yield rule


def _fill(rule, value: str) -> str:
    """The rule's path with every variable part set to `value`."""
    return re.sub(r"<(?:\w+:)?\w+>", quote(value, safe="") or "x", rule.rule)


@pytest.fixture
def world(make, nancheng, login):
    admin = make.user(Role.ADMIN, Role.CONVENER, Role.SECRETARY)
    conference = make.conference(convener=admin, secretary=admin)
    make.dispute()
    login(admin)
    return conference


def _request(client, method, path, **kwargs):
    try:
        return client.open(path, method=method, **kwargs).status_code
    except Exception as error:  # noqa: BLE001 - the exception is the finding
        return f"{type(error).__name__}: {error}"[:200]


def test_no_page_route_fails_on_odd_ids_and_query_values(app, client, world):
    keys = _query_keys() | {"page", "village", "tier", "month", "year", "from", "to"}
    failures = []
    values = HUGE + ODD
    for number, rule in enumerate(_page_rules(app, "GET")):
        # A sample, for speed: each route gets odd ids and odd query values in turn.
        for turn in range(4):
            value = values[(number + turn * 3) % len(values)]
            path = _fill(rule, value)
            query = {key: values[(number + turn * 5) % len(values)] for key in keys}
            for variant in ({}, query) if rule.arguments and turn < 2 else (query,):
                status = _request(client, "GET", path, query_string=variant)
                if not isinstance(status, int) or status >= 500:
                    failures.append((path, variant and value, status))
    assert failures == [], "\n".join(map(str, sorted(set(
        (f[0], str(f[2])[:120]) for f in failures))))


def _words(app, rule, name: str) -> list[str]:
    """The values a <string> part of a POST route takes, read from the view's module."""
    names = vars(app.view_functions[rule.endpoint].__module__ and __import__(
        app.view_functions[rule.endpoint].__module__, fromlist=["_"]))
    if name == "action" and "ACTIONS" in names:
        return list(names["ACTIONS"])
    if name == "key" and hasattr(names.get("services"), "SECTIONS"):
        return list(names["services"].SECTIONS)
    return ["progress", "report", "x"]


def _post_paths(app, rule, real: str) -> list[str]:
    path = re.sub(r"<int:\w+>", real, rule.rule)
    words = re.findall(r"<(?:\w+:)?(\w+)>", path)
    if not words:
        return [path]
    return [re.sub(rf"<(?:\w+:)?{words[0]}>", word, path)
            for word in _words(app, rule, words[0])]


def test_no_form_fails_on_wrong_types(app, client, world):
    fields = (_form_fields() | _query_keys()) - PASSWORD_FIELDS
    real = str(world.id)
    failures = []
    for rule in _page_rules(app, "POST"):
        if rule.endpoint in SKIPPED_POSTS:
            continue
        paths = _post_paths(app, rule, real)
        for number, path in enumerate(paths, start=len(rule.rule)):
            # A sample, for speed: each route (and action) gets half the wrong values in turn,
            # the huge id always.
            sample = WRONG[number % 2::2] if len(paths) == 1 else WRONG[number % 5::5]
            for value in dict.fromkeys([WRONG[0], *sample]):
                data = {name: value for name in fields} | {"next": "/"}
                status = _request(client, "POST", path, data=data)
                if not isinstance(status, int) or status >= 500:
                    failures.append((path, value, status))
    assert failures == [], "\n".join(map(str, sorted(set(
        (f[0], str(f[2])[:120]) for f in failures))))
