import pytest

from service.offsets import offset_table


@pytest.mark.parametrize("unit,codec,width", [("utf16", "utf-16-le", 2), ("utf8", "utf-8", 1)])
def test_offsets_match_real_encodings(unit: str, codec: str, width: int) -> None:
    text = "aé€😀\nz"
    table = offset_table(text, unit)
    for i in range(len(text) + 1):
        assert table[i] == len(text[:i].encode(codec)) // width


def test_offsets_codepoint_needs_no_table() -> None:
    assert offset_table("abc", "codepoint") is None
