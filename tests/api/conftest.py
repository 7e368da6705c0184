"""Tokens and an authenticated JSON client for the API tests."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.api import tokens
from portal.api.models import SCOPES
from portal.orgs.models import Role
from portal.timeutil import utcnow
from tests.minutes.conftest import closed_session  # noqa: F401 - fixture
from tests.minutes.test_pages import issued  # noqa: F401 - fixture


class Api:
    """The test client with a bearer token and JSON bodies."""

    def __init__(self, client, raw_token: str | None, language: str | None = None):
        self.client, self.raw, self.language = client, raw_token, language

    def headers(self, extra=None) -> dict:
        headers = {}
        if self.raw:
            headers["Authorization"] = f"Bearer {self.raw}"
        if self.language:
            headers["Accept-Language"] = self.language
        headers.update(extra or {})
        return headers

    def get(self, path, **kwargs):
        return self.client.get("/api/v1" + path, headers=self.headers(kwargs.pop("headers", None)),
                               **kwargs)

    def post(self, path, json=None, **kwargs):
        return self.client.post("/api/v1" + path, json=json,
                                headers=self.headers(kwargs.pop("headers", None)), **kwargs)


@pytest.fixture
def token_for(make):
    """token_for(user, scopes=..., days=...) -> a raw personal token."""

    def issue(user, scopes=SCOPES, days: int | None = 30):
        expires = utcnow() + timedelta(days=days) if days else None
        _token, raw = tokens.create_personal_token(user, "测试", scopes, expires)
        return raw

    return issue


@pytest.fixture
def api_as(client, token_for):
    """api_as(user, scopes=..., language=...) -> an Api acting as that user."""

    def build(user, scopes=SCOPES, language=None):
        return Api(client, token_for(user, scopes), language)

    return build


@pytest.fixture
def convener(make):
    return make.user(Role.CONVENER, full_name="李建国")


@pytest.fixture
def village(make):
    return make.village()


def dispute_body(village_id: int, **changes) -> dict:
    body = {
        "title": "工资拖欠纠纷", "category": "labour_wages", "village_id": village_id,
        "description": "十二名工人被拖欠三个月工资", "amount": "86000.00",
        "external_ref": None,
        "parties": [{"name": "王五", "role": "applicant", "phone": "13812345678"},
                    {"name": "某建筑公司", "role": "respondent"}],
    }
    body.update(changes)
    return body
