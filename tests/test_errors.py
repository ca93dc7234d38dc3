import pytest


def _problem(resp, status: int) -> dict:
    assert resp.status_code == status
    assert resp.mimetype == "application/problem+json"
    body = resp.get_json(force=True)
    assert body["status"] == status and body["title"] and body["type"] and "detail" in body
    return body


@pytest.mark.parametrize(
    "payload",
    [{"text": 1}, {"html": ["x"]}, {"text": "a", "html": "b"}, {}, {"text": "a", "extra": 1},
     {"text": "a", "options": {"keep": ["nonsense"]}}, {"text": "a", "options": {"offsets": "bytes"}},
     {"text": "a", "options": "all"}, {"text": "a", "url": 5}, ["text"]],
)
def test_errors_bad_fields_are_422(client, payload) -> None:
    _problem(client.post("/v1/clean", json=payload), 422)


def test_errors_malformed_json_is_400(client) -> None:
    _problem(client.post("/v1/clean", data=b"{not json", content_type="application/json"), 400)


def test_errors_invalid_utf8_raw_body_is_400(client) -> None:
    _problem(client.post("/v1/clean", data=b"caf\xe9 \xff", content_type="text/plain; charset=utf-8"), 400)


def test_errors_lone_surrogate_is_422(client) -> None:
    body = _problem(client.post("/v1/clean", data=b'{"text": "a\\ud800b"}', content_type="application/json"), 422)
    assert "surrogate" in body["detail"]


def test_errors_nul_bytes_are_just_characters(client) -> None:
    assert client.post("/v1/clean", json={"text": "a\u0000b"}).status_code == 200


def test_errors_wrong_content_type_is_415(client) -> None:
    _problem(client.post("/v1/clean", data=b"x", content_type="application/xml"), 415)


def test_errors_too_large_is_413(client, settings) -> None:
    big = "a" * (settings.max_body_bytes + 10)
    _problem(client.post("/v1/clean", data=big, content_type="text/plain"), 413)


def test_errors_text_over_char_limit_is_422(client, settings) -> None:
    _problem(client.post("/v1/clean", json={"text": "a " * settings.max_text_chars}), 422)


def test_errors_unknown_route_and_method(client) -> None:
    _problem(client.get("/nope"), 404)
    _problem(client.get("/v1/clean"), 405)


def test_errors_deeply_nested_json_is_not_a_500(client) -> None:
    resp = client.post("/v1/clean", data=b"[" * 100_000 + b"]" * 100_000, content_type="application/json")
    assert resp.status_code in (400, 422)
