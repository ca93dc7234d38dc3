from __future__ import annotations

import random

import pytest

from winnow.offsets import UNITS, offset_table

CODECS = {"utf16": ("utf-16-le", 2), "utf8": ("utf-8", 1)}
SAMPLES = ["", "a", "aé€😀\nz", "Café naïve résumé", "日本語のテキスト",
           "🇫🇷👩‍👩‍👧 e\u0301", "\u0000\uffff\U00010000\U0010ffff"]


def _expected(text: str, i: int, unit: str) -> int:
    codec, width = CODECS[unit]
    return len(text[:i].encode(codec)) // width


@pytest.mark.parametrize("unit", ["utf16", "utf8"])
@pytest.mark.parametrize("text", SAMPLES)
def test_offsets_match_real_encodings(unit: str, text: str) -> None:
    table = offset_table(text, unit)
    assert len(table) == len(text) + 1
    assert [int(v) for v in table] == [_expected(text, i, unit) for i in range(len(text) + 1)]


@pytest.mark.parametrize("unit", ["utf16", "utf8"])
def test_offsets_random_text_from_every_plane(unit: str) -> None:
    rng = random.Random(7)
    ranges = [(0x20, 0x7E), (0xA0, 0x7FF), (0x800, 0xD7FF), (0xE000, 0xFFFF), (0x10000, 0x10FFFF)]
    chars = [chr(rng.randint(*rng.choice(ranges))) for _ in range(5000)]
    text = "".join(chars)
    table = offset_table(text, unit)
    codec, width = CODECS[unit]
    assert int(table[-1]) == len(text.encode(codec)) // width
    for i in rng.sample(range(len(text) + 1), 300):
        assert int(table[i]) == _expected(text, i, unit)


def test_offsets_codepoint_needs_no_table() -> None:
    assert "codepoint" in UNITS
    assert offset_table("abc😀", "codepoint") is None


def test_offsets_unknown_unit_is_an_error() -> None:
    with pytest.raises(ValueError):
        offset_table("abc", "utf32")


def test_offsets_large_text_is_one_vectorised_pass() -> None:
    text = ("naïve 😀 " * 200_000)
    table = offset_table(text, "utf8")  # would take minutes with per-span prefix re-encoding
    assert int(table[-1]) == len(text.encode("utf-8"))
