"""Segment features: measured per segment from the whole text, identical wherever a word stands."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from winnow.document import LABELS, PageHints, Span
from winnow.model.features import (
    DENSE_NAMES,
    HASH_SIZE,
    StopWordHashes,
    context_features,
    dom_features,
    featurize,
    main_block,
    rule_matrix,
    word_hashes,
)

STOP = StopWordHashes({"en": frozenset({"the", "of", "and", "a", "is", "to", "in"}), "de": frozenset({"der", "und"})})


def _features(text: str, stop: StopWordHashes = STOP):
    starts, ends, lines = [], [], []
    pos = 0
    for line_no, line in enumerate(text.split("\n")):
        if line:
            starts.append(pos)
            ends.append(pos + len(line))
            lines.append(line_no)
        pos += len(line) + 1
    return featurize(text, np.array(starts), np.array(ends), np.array(lines), stop)


def column(feats, name):
    return feats.dense[:, DENSE_NAMES.index(name)]


def test_features_dense_shape_and_names():
    feats = _features("A title\nThe cat is in the house and the dog is in the garden.\nShare")
    assert feats.dense.shape == (3, len(DENSE_NAMES))
    assert np.isfinite(feats.dense).all()


def test_features_stop_word_density_uses_the_best_language():
    feats = _features("The cat is in the house\nder Hund und die Katze")
    density = column(feats, "stop_density")
    assert density[0] == pytest.approx(4 / 6)  # the, is, in, the
    assert density[1] == 0.0  # German words are not stop words of the document's language (English)
    assert column(feats, "known_language")[0] == 1.0


def test_features_markdown_links_count_as_link_text_and_targets_are_syntax():
    feats = _features("[Home](https://example.com/a/very/long/path) [News](https://example.com/news)")
    assert column(feats, "link_density")[0] == 1.0
    assert column(feats, "syntax_ratio")[0] > 0.5


def test_features_sentence_end_bullet_and_repetition():
    feats = _features("- Menu item\nIt ends here.\nShare\nShare")
    assert column(feats, "starts_bullet").tolist() == [1, 0, 0, 0]
    assert column(feats, "ends_sentence").tolist() == [0, 1, 0, 0]
    assert column(feats, "repeated").tolist() == [0, 0, 1, 1]


def test_word_hash_is_the_same_wherever_the_word_stands():
    feats_a = _features("alpha beta")
    feats_b = _features("gamma gamma gamma alpha beta")
    # the unigram buckets of "alpha" and "beta" occur in both
    assert set(feats_a.gram_bucket[:2]) <= set(feats_b.gram_bucket.tolist())
    h = word_hashes(["alpha", "beta", "alpha"])
    assert h[0] == h[2] and h[0] != h[1]


def test_word_hash_folds_case_and_digits():
    feats_a = _features("Price 2024")
    feats_b = _features("price 1999")
    assert feats_a.gram_bucket.tolist() == feats_b.gram_bucket.tolist()
    assert ((0 <= feats_a.gram_bucket) & (feats_a.gram_bucket < HASH_SIZE)).all()


def test_features_astral_and_non_latin_text():
    feats = _features("Emoji 😀 here and there\n日本語の文章です。")
    assert feats.dense.shape[0] == 2
    assert column(feats, "log_words")[0] == pytest.approx(np.log1p(4))


def test_features_title_overlap_stop_words_with_digits_and_astral_edges():
    stop = StopWordHashes({"ko": frozenset({"1980년에", "그"}), "en": frozenset({"the"})})
    feats = _features("Bridge plans approved\n그 1980년에 2004년에 다리\n😀 the bridge plans\n- 😀", stop)
    # the title's words, folded to lower case, wherever they recur
    assert column(feats, "first_line_overlap").tolist() == pytest.approx([1.0, 0.0, 2 / 3, 0.0])
    # a stop word that holds digits is looked up as written: "2004년에" is not on the list
    assert column(feats, "stop_density")[1] == pytest.approx(2 / 4)
    assert column(feats, "starts_bullet").tolist() == [0, 0, 0, 1]
    assert column(feats, "ends_sentence").tolist() == [0, 0, 0, 0]


def test_features_of_no_segments():
    feats = featurize("", np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), STOP)
    assert feats.dense.shape == (0, len(DENSE_NAMES))


def test_dom_features_name_chaff_by_the_markup_not_by_link_share_alone():
    text = "\n".join(["Home", "Widget Pro 3000", "Cheap Widgets Compared In Depth", "Nice post!", "Prose here."])
    feats = _features(text)
    starts = [0, 5, 21, 53, 64]
    ends = [4, 20, 52, 63, 75]
    page = PageHints(tuple(starts), tuple(ends), picked=(False, False, False, False, True),
                     evidence=(("navigation", "tag:nav"), ("navigation", "link-density"),
                               ("related", "link-density+long+class:grid"), ("comments", "class:comment"), None),
                     link_share=(1.0, 1.0, 0.9, 0.0, 0.0), structured=(0.0, 0.0, 0.0, 0.0, 0.5),
                     reviews=(0.0, 0.0, 0.0, 0.25, 0.0))
    dom_features(feats.dense, np.array(starts), page)
    assert column(feats, "html").tolist() == [1, 1, 1, 1, 1]
    # a menu its element names is chaff; a line named only for its links is not (a shop grid's
    # product names are links): the link share says that, in its own column
    assert column(feats, "dom_chaff").tolist() == [1, 0, 0, 0, 0]
    assert column(feats, "dom_comments").tolist() == [0, 0, 0, 1, 0]
    assert column(feats, "dom_link_share").tolist() == [1.0, 1.0, 0.9, 0.0, 0.0]
    assert column(feats, "dom_picked").tolist() == [0, 0, 0, 0, 1]
    assert column(feats, "dom_structured").tolist() == [0, 0, 0, 0, 0.5]
    assert column(feats, "dom_reviews").tolist() == [0, 0, 0, 0.25, 0]


def test_dom_features_place_each_line_against_the_pick_and_weigh_the_pages_comments():
    text = "\n".join(["Home", "Prose here.", "More prose.", "Nice post!", "Me too"])
    feats = _features(text)
    starts, ends = [0, 5, 17, 29, 40], [4, 16, 28, 39, 46]
    comments = (None, None, None, ("comments", "class:comment"), ("comments", "class:comment"))
    page = PageHints(tuple(starts), tuple(ends), picked=(False, True, True, False, False), evidence=comments,
                     link_share=(1.0, 0.0, 0.0, 0.0, 0.0))
    dom_features(feats.dense, np.array(starts), page)
    # an article's thread follows its pick; the menu comes before it
    assert column(feats, "dom_before_pick").tolist() == [1, 0, 0, 0, 0]
    assert column(feats, "dom_after_pick").tolist() == [0, 0, 0, 1, 1]
    # the page's characters the markup names comments, the same on every line (a forum: most of it)
    assert column(feats, "dom_comments_share").tolist() == pytest.approx([16 / 42] * 5)
    # no pick: no line is placed against it
    unpicked = PageHints(tuple(starts), tuple(ends), picked=(False,) * 5, evidence=comments,
                         link_share=(0.0,) * 5)
    feats = _features(text)
    dom_features(feats.dense, np.array(starts), unpicked)
    assert column(feats, "dom_before_pick").tolist() == column(feats, "dom_after_pick").tolist() == [0] * 5


def test_rule_matrix_takes_whole_segment_spans_only():
    starts, ends = np.array([0, 10, 20]), np.array([8, 18, 28])
    spans = [Span(10, 18, "social", 0.9, "phrases_v1", "social.x"), Span(20, 24, "ad", 0.8, "phrases_v1", "ad.x")]
    matrix = rule_matrix(starts, ends, spans, LABELS)
    assert matrix[1, LABELS.index("social")] == 0.9
    assert matrix.sum() == pytest.approx(0.9)


def test_main_block_is_the_best_run():
    assert main_block(np.array([-1.0, 2.0, -0.5, 3.0, -5.0, 1.0])) == (1, 4)
    assert main_block(np.array([-1.0, -2.0])) == (0, 0)


def test_context_features_shape_and_edges():
    feats = _features("Menu\nThe cat is in the house and the dog is in the garden.\nShare")
    rules = np.zeros((3, len(LABELS)))
    ctx = context_features(np.array([-2.0, 3.0, -2.0]), feats.dense, rules, LABELS)
    assert ctx.shape[0] == 3 and np.isfinite(ctx).all()
    one = context_features(np.array([1.0]), feats.dense[:1], rules[:1], LABELS)
    assert one.shape == (1, ctx.shape[1])



def test_context_features_neighbours_and_window_means_match_their_definition():
    """The first columns, built in a few wide steps, against a plain loop over the segments:
    the verdict, its neighbours one to three places away (edges read as chrome, -4), the length of
    the neighbours one away, and the length-weighted mean verdict within 2, 5 and 10 segments."""
    rng = np.random.default_rng(3)
    n = 23
    logit = rng.normal(size=n) * 3
    text = "\n".join("word " * int(k) for k in rng.integers(1, 40, size=n))
    feats = _features(text)
    ctx = context_features(logit, feats.dense, np.zeros((n, len(LABELS))), LABELS)
    chars = np.rint(np.expm1(feats.dense[:, 0]))
    log_chars = feats.dense[:, 0]
    expected = []
    for i in range(n):
        row = [logit[i]]
        for by in (1, 2, 3):
            row += [logit[i - by] if i - by >= 0 else -4.0, logit[i + by] if i + by < n else -4.0]
        row += [log_chars[i - 1] if i >= 1 else 0.0, log_chars[i + 1] if i + 1 < n else 0.0]
        for radius in (2, 5, 10):
            lo, hi = max(i - radius, 0), min(i + radius + 1, n)
            weight = chars[lo:hi] + 1.0
            row.append(float((logit[lo:hi] * weight).sum() / weight.sum()))
        expected.append(row)
    np.testing.assert_allclose(ctx[:, :12], np.array(expected), rtol=1e-6)  # float32 precision

_FEATURES_DIGEST = """
import hashlib, pathlib, sys
import numpy as np
from winnow.config import Settings
from winnow.document import LABELS
from winnow.model.features import StopWordHashes, context_features, featurize
from winnow.model.train import _sample_weight, Example
from winnow.rules import load_word_lists
from winnow.segment import split_segments
stop = StopWordHashes(load_word_lists(Settings().rules_dir / "stopwords"))
digest = hashlib.sha256()
for path in sys.argv[1:]:
    text = pathlib.Path(path).read_text(encoding="utf-8")
    segs = split_segments(text)
    starts, ends, lines = (np.array([getattr(s, f) for s in segs]) for f in ("start", "end", "line"))
    feats = featurize(text, starts, ends, lines, stop)
    logit = np.sin(np.arange(len(segs)) * 0.7) * 3 + feats.dense[:, 0] - 3  # any verdicts will do
    rules = np.zeros((len(segs), len(LABELS)))
    for array in (feats.dense, context_features(logit, feats.dense, rules, LABELS),
                  _sample_weight(Example("p", feats, rules, np.zeros(len(segs), dtype=int)))):
        digest.update(np.ascontiguousarray(array).tobytes())
print(digest.hexdigest())
"""


def test_features_are_the_same_bytes_whatever_simd_numpy_picks(tmp_path):
    """numpy's log and exp kernels differ by CPU (AVX-512, AVX2, baseline) in the last bit; the
    features, and so what `winnow train` writes, must not (features.portable)."""
    try:
        from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__
    except ImportError:
        pytest.skip("this numpy does not say which SIMD kernels it can dispatch to")
    found = [f for f in __cpu_dispatch__ if __cpu_features__.get(f)]
    if not found:
        pytest.skip("this CPU runs numpy's baseline kernels only: nothing to compare against")
    root = Path(__file__).resolve().parent.parent
    pages = sorted(str(p) for p in (root / "seeds").glob("*.txt"))
    script = tmp_path / "digest.py"
    script.write_text(_FEATURES_DIGEST, encoding="utf-8")
    digests = []
    for disabled in ("", " ".join(found)):
        env = {**os.environ, "NPY_DISABLE_CPU_FEATURES": disabled}
        proc = subprocess.run([sys.executable, str(script), *pages], capture_output=True, text=True,
                              timeout=120, env=env, cwd=root)
        assert proc.returncode == 0, proc.stderr
        digests.append(proc.stdout.strip())
    assert len(digests[0]) == 64 and digests[0] == digests[1]


def test_word_hash_is_the_polynomial_of_its_code_points_on_any_length_of_text():
    """Run hashes come from one prefix sum and the inverse of P; they must equal the definition,
    sum(code[k] * P^(k+1)) mod 2^64, also past the precomputed power tables (64 K characters)."""
    words = ["alpha", "Beta", "日本語", "x" * 40]
    text = "filler " * 12000 + "\n" + " ".join(words)  # a line that lies beyond 64 K characters

    def definition(word: str) -> int:
        return sum(ord(c) * pow(0x100000001B3, k + 1, 1 << 64) for k, c in enumerate(word)) % (1 << 64)

    assert word_hashes(words).tolist() == [definition(w) for w in words]
    feats = _features(text)
    alone = _features(" ".join(words))
    assert set(alone.gram_bucket.tolist()) <= set(feats.gram_bucket.tolist())


def test_stop_word_table_finds_every_word_of_every_list_and_nothing_else():
    lists = {f"l{i}": frozenset(f"w{i}x{j}" for j in range(300)) | {"shared"} for i in range(5)}
    stop = StopWordHashes(lists)
    for bit, lang in enumerate(stop.languages):
        masks = stop.lookup(word_hashes(sorted(lists[lang])))
        assert ((masks >> np.uint64(bit)) & np.uint64(1)).all()
    assert int(stop.lookup(word_hashes(["shared"]))[0]) == 0b11111
    strangers = np.random.default_rng(0).integers(0, 2**63, 20000, dtype=np.uint64)
    assert not stop.lookup(strangers).any()
    assert stop.lookup(np.zeros(0, dtype=np.uint64)).shape == (0,)


def test_stop_word_table_places_keys_that_collide_in_both_slots():
    """Keys left over from the vectorised placement are inserted one by one, displacing others."""
    from winnow.model.features import _cuckoo, _slots

    keys = np.random.default_rng(1).integers(1, 2**63, 40, dtype=np.uint64)
    values = np.arange(1, 41, dtype=np.uint64)
    bits = 6  # 2 x 64 slots for 40 keys: collisions in both arrays are certain
    assert len(np.unique(_slots(keys, bits, 0))) < len(keys)
    tables, masks = _cuckoo(keys, values, bits)
    found = np.zeros(len(keys), dtype=np.uint64)
    for table in (0, 1):
        slot = _slots(keys, bits, table)
        found |= np.where(tables[table][slot] == keys, masks[table][slot], np.uint64(0))
    assert found.tolist() == values.tolist()
