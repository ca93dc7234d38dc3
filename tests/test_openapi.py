"""The OpenAPI contract (GET /openapi.json) against the real app, fuzzed by schemathesis.

Every operation gets valid and invalid requests (schemathesis's positive and negative modes
and its coverage phase); every check runs: no 5xx, status codes, content types, headers
and bodies as documented, valid data accepted, invalid data refused with a 4xx. In-process
(WSGI) for speed; the examples per operation are bounded (WINNOW_FUZZ_EXAMPLES, default 100).
"""

from __future__ import annotations

import collections
import json
import os

import pytest
import schemathesis
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from jsonschema import Draft202012Validator
from schemathesis.config import SchemathesisConfig
from schemathesis.config._checks import NEGATIVE_DATA_REJECTION_EXPECTED_STATUSES

from winnow import create_app
from winnow.config import Settings
from winnow.document import LABELS
from winnow.offsets import UNITS
from winnow.openapi import openapi_document

EXAMPLES = int(os.environ.get("WINNOW_FUZZ_EXAMPLES", "100"))
NDJSON = "application/x-ndjson"


@schemathesis.serializer(NDJSON)
def _ndjson_lines(ctx, value) -> bytes:
    """POST /v1/clean/batch: a generated list is sent one item a line, anything else as one line (its body
    schema is open: every line is judged on its own, and answered in its place)."""
    items = value if isinstance(value, list) else [value]
    return b"".join(json.dumps(item).encode() + b"\n" for item in items)


@schemathesis.deserializer(NDJSON)
def _ndjson_answers(ctx, response) -> list:
    """The streamed answer as the list of its lines' objects, checked against the 200 schema (an array)."""
    return [json.loads(line) for line in response.content.splitlines()]


CASES: collections.Counter = collections.Counter()  # (method path, status) -> answers seen


SETTINGS = Settings(max_body_bytes=1_000_000, max_text_chars=200_000)  # conftest's limits
# invalid data may also be refused as too large (413): a text over maxLength can be over the body limit too
CONFIG = SchemathesisConfig.from_dict({"checks": {"negative_data_rejection": {
    "expected-statuses": [*NEGATIVE_DATA_REJECTION_EXPECTED_STATUSES, "413"]}}})
# built at import: schemathesis's fixture-based (lazy) loader does not run under pytest 9.2. An
# app that does not start fails the fuzz test below, rather than the whole run's collection.
try:
    APP, APP_ERROR = create_app(SETTINGS), None
    schema = schemathesis.openapi.from_wsgi("/openapi.json", APP, config=CONFIG)
except Exception as exc:  # noqa: BLE001
    APP, APP_ERROR = None, exc
    schema = schemathesis.openapi.from_dict(openapi_document(SETTINGS), config=CONFIG)


@pytest.fixture(scope="module", autouse=True)
def _report_cases():
    """Tell how many cases the fuzzer ran (pytest -s or -rA shows it)."""
    yield
    if CASES:
        total = sum(CASES.values())
        statuses, operations = collections.Counter(), collections.Counter()
        for (operation, status), n in CASES.items():
            statuses[status] += n
            operations[operation] += n
        print(f"\nschemathesis: {total} cases passed every check (no 5xx, all on contract); by status "
              f"{dict(sorted(statuses.items()))}; by operation {dict(operations.most_common())}")


@schema.parametrize()
@hypothesis_settings(max_examples=EXAMPLES, deadline=None,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                            HealthCheck.data_too_large, HealthCheck.function_scoped_fixture])
def test_openapi_fuzz_every_answer_matches_the_contract(case) -> None:
    if APP is None:
        pytest.fail(f"the app does not start: {APP_ERROR!r}")
    response = case.call_and_validate()
    CASES[(f"{case.method} {case.path}", response.status_code)] += 1
    assert response.status_code < 500, response.text


def test_openapi_fuzz_ran_cases_on_every_operation() -> None:
    """Runs after the fuzz test (file order): it must have reached every documented operation.

    (Except GET /openapi.json, which schemathesis never fuzzes: it serves the schema itself.)
    """
    if not CASES:
        pytest.skip("the fuzz test did not run in this session (selected alone?)")
    documented = {f"{method.upper()} {path}" for path, item in schema.raw_schema["paths"].items()
                  for method in item} - {"GET /openapi.json"}
    reached = {op for op, _ in CASES}
    assert documented <= reached, documented - reached
    assert sum(n for (op, status), n in CASES.items() if op == "POST /v1/clean" and status == 200) >= 10
    assert sum(n for (op, status), n in CASES.items() if op == "POST /v1/clean" and 400 <= status < 500) >= 10


def test_openapi_document_is_valid_3_1(client) -> None:
    """Against the OAS 3.1 meta-schema (the copy schemathesis ships), and each schema against 2020-12."""
    from schemathesis.specs.openapi.definitions import OPENAPI_31

    resp = client.get("/openapi.json")
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    doc = resp.get_json()
    assert doc["openapi"].startswith("3.1")
    Draft202012Validator(OPENAPI_31).validate(doc)
    for schema in doc["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)


def test_openapi_enums_and_limits_are_the_servers(client, settings) -> None:
    doc = client.get("/openapi.json").get_json()
    schemas = doc["components"]["schemas"]
    assert schemas["Label"]["enum"] == list(LABELS)
    assert schemas["CleanOptions"]["properties"]["offsets"]["enum"] == list(UNITS)
    assert schemas["CleanRequest"]["properties"]["text"]["maxLength"] == settings.max_text_chars
    assert schemas["CleanResponse"]["properties"]["spans"]["maxItems"] == settings.max_spans


def test_openapi_every_route_of_the_app_is_documented(app, client) -> None:
    doc = client.get("/openapi.json").get_json()
    documented = {(path, method.upper()) for path, item in doc["paths"].items() for method in item}
    for rule in app.url_map.iter_rules():
        path = rule.rule.replace("<path:", "{").replace("<", "{").replace(">", "}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method) in documented, f"{method} {rule.rule} is served but not documented"


def _validator(doc: dict, name: str) -> Draft202012Validator:
    return Draft202012Validator({**doc["components"]["schemas"][name], "components": doc["components"]})


def test_openapi_schemas_describe_real_answers(client) -> None:
    """Hand-picked answers the fuzzer may not reach: html input, utf8 offsets, every problem kind."""
    doc = client.get("/openapi.json").get_json()
    ok = _validator(doc, "CleanResponse")
    problem = _validator(doc, "Problem")
    page = "<html><head><title>T</title></head><body><p>" + "Words of prose here. " * 20 + "</p></body></html>"
    for payload in ({"html": page}, {"text": "Advertisement\nCafé 😀 prose.", "options": {"offsets": "utf8"}},
                    {"text": "a", "options": {"spans": False, "keep": []}}):
        resp = client.post("/v1/clean", json=payload)
        assert resp.status_code == 200
        ok.validate(resp.get_json())
    for resp in (client.post("/v1/clean", data=b"{", content_type="application/json"),
                 client.post("/v1/clean", data=b"x", content_type="application/xml"),
                 client.post("/v1/clean", json={"text": 1})):
        assert str(resp.status_code) in doc["paths"]["/v1/clean"]["post"]["responses"]
        assert resp.mimetype == "application/problem+json"
        problem.validate(json.loads(resp.get_data()))
    responses = doc["components"]["responses"]
    for resp, name, status in ((client.get("/nope"), "NotFound", 404), (client.post("/v2/clean"), "NotFound", 404),
                               (client.put("/v1/clean"), "MethodNotAllowed", 405),
                               (client.delete("/v1/labels"), "MethodNotAllowed", 405)):
        assert resp.status_code == status and resp.mimetype in responses[name]["content"]
        problem.validate(json.loads(resp.get_data()))
        for header, spec in responses[name].get("headers", {}).items():
            assert resp.headers.get(header) or not spec.get("required")
