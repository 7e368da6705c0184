"""Property-based fuzzing of every operation in the OpenAPI document (schemathesis): no
server error and no response that contradicts the document, on either database."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from portal.api import tokens
from portal.api.models import SCOPES
from portal.orgs.models import Role

CHECKS = [schemathesis.checks.not_a_server_error, status_code_conformance,
          content_type_conformance, response_schema_conformance]


@pytest.fixture
def fuzz_token(make, nancheng):
    """An administrator's token over a small world: a village, disputes and a conference."""
    admin = make.user(Role.ADMIN)
    make.village()
    make.dispute()
    make.conference()
    _token, raw = tokens.create_personal_token(admin, "fuzz", SCOPES, None)
    return raw


def test_every_operation_survives_fuzzing(app, fuzz_token):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    headers = {"Authorization": f"Bearer {fuzz_token}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15

    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def fuzz(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        fuzz()
