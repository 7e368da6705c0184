"""Every setting is declared in portal/config.py with its default; `portal doctor` names any
value it cannot use and any PORTAL_ variable the portal does not read."""

import re
from pathlib import Path

from portal import config
from portal.doctor import run_checks

ROOT = Path(__file__).resolve().parent.parent
READ = re.compile(r"""(?:config\.get\(|config\[|environ\.get\(|environ\[)"""
                  r"""["']([A-Z][A-Z0-9_]+)["']""")


def _settings_check():
    return {check.name: check for check in run_checks()}["settings"]


def test_every_setting_the_code_reads_is_declared_with_a_default():
    read = {name for path in [*ROOT.glob("portal/**/*.py"), *ROOT.glob("reports/*.py")]
            if path.name != "config.py"
            for name in READ.findall(path.read_text(encoding="utf-8"))}
    declared = {name for name in dir(config.Config) if name.isupper()} | config.ENVIRONMENT
    request_environ = {"REMOTE_ADDR", "HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO"}
    undeclared = read - declared - request_environ - {
        "ENV_NAME", "PASSWORD_HASH_METHOD", "SERVER_NAME", "TESTING", "DEBUG",
        "RATELIMIT_ENABLED"}
    assert not undeclared


def test_doctor_names_unusable_values_and_unknown_variables(app, ctx, monkeypatch):
    assert _settings_check().ok
    monkeypatch.setenv("PORTAL_WEBHOOK_TIMEOUT", "ten")
    monkeypatch.setattr(config, "PROBLEMS", {})
    assert config._env_number("PORTAL_WEBHOOK_TIMEOUT", 10.0, float, 0.1) == 10.0
    monkeypatch.setenv("PORTAL_WEBHOK_MAX_ATTEMPTS", "3")
    monkeypatch.setitem(app.config, "PORTAL_API_RATE_LIMIT", "lots")
    check = _settings_check()
    assert not check.ok
    assert "PORTAL_WEBHOOK_TIMEOUT: 'ten' is not a number" in check.detail
    assert "PORTAL_WEBHOK_MAX_ATTEMPTS: the portal reads no such setting" in check.detail
    assert "PORTAL_API_RATE_LIMIT: 'lots' is no rate" in check.detail
