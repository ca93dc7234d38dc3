from service.document import LABELS

PROSE = ("The committee met on Tuesday to discuss the new budget, and its members said that they "
         "would vote on the proposal before the end of the month if the numbers were ready.")
DOC = "Advertisement\n" + PROSE + "\n" + PROSE + "\n© 2024 Example Inc."


def _covers(spans: list[dict], length: int) -> bool:
    pos = 0
    for span in spans:
        if span["start"] != pos or span["end"] <= span["start"]:
            return False
        pos = span["end"]
    return pos == length


def test_api_clean_json_text(client, engine) -> None:
    resp = client.post("/v1/clean", json={"text": DOC, "url": "https://example.com/a"})
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["text"] == engine.clean(DOC).text == PROSE + "\n" + PROSE
    assert _covers(body["spans"], len(DOC))
    assert set(body["spans"][0]) == {"start", "end", "label", "score", "tagger", "rule"}
    assert body["stats"]["chars_in"] == len(DOC)
    assert body["stats"]["chars_out"] == len(body["text"])
    assert body["stats"]["removed_chars_by_label"]["ad"] == len("Advertisement\n")
    assert body["paywalled"] is False
    assert body["version"]["rules"]


def test_api_clean_raw_text_plain(client) -> None:
    resp = client.post("/v1/clean", data=DOC.encode("utf-8"), content_type="text/plain; charset=utf-8")
    assert resp.status_code == 200
    assert resp.get_json()["text"] == PROSE + "\n" + PROSE


def test_api_clean_html_returns_input_text_that_spans_index(client) -> None:
    html = (f"<html><head><title>Budget vote</title></head><body><nav><a href='/'>Home</a></nav>"
            f"<article><p>{PROSE}</p><p>{PROSE}</p></article><footer>© 2024 Example</footer></body></html>")
    resp = client.post("/v1/clean", json={"html": html})
    body = resp.get_json()
    assert resp.status_code == 200
    assert PROSE in body["input_text"]
    assert _covers(body["spans"], len(body["input_text"]))
    assert PROSE in body["text"]


def test_api_clean_options_keep_spans_and_offsets(client) -> None:
    text = "😀 " + PROSE + "\n" + PROSE
    plain = client.post("/v1/clean", json={"text": text}).get_json()
    utf16 = client.post("/v1/clean", json={"text": text, "options": {"offsets": "utf16"}}).get_json()
    utf8 = client.post("/v1/clean", json={"text": text, "options": {"offsets": "utf8"}}).get_json()
    assert _covers(utf16["spans"], len(text.encode("utf-16-le")) // 2)
    assert _covers(utf8["spans"], len(text.encode("utf-8")))
    for a, b, c in zip(plain["spans"], utf16["spans"], utf8["spans"], strict=True):
        assert b["start"] == len(text[: a["start"]].encode("utf-16-le")) // 2
        assert c["end"] == len(text[: a["end"]].encode("utf-8"))
    no_spans = client.post("/v1/clean", json={"text": DOC, "options": {"spans": False}}).get_json()
    assert "spans" not in no_spans
    with_ads = client.post("/v1/clean", json={"text": DOC, "options": {"keep": ["content", "ad"]}})
    assert with_ads.get_json()["text"].startswith("Advertisement")


def test_api_health_ready_labels_rules(client) -> None:
    assert client.get("/healthz").get_json() == {"status": "ok"}
    assert client.get("/readyz").status_code == 200
    labels = client.get("/v1/labels").get_json()["labels"]
    assert [entry["label"] for entry in labels] == list(LABELS)
    assert {e["label"] for e in labels if e["kept_by_default"]} == {"content", "title"}
    rules = client.get("/v1/rules").get_json()
    assert any(r["id"] == "paywall.subscribe_to_continue" for r in rules["rules"])
