"""Segment features, shared by training and serving: one function, one version.

Everything is measured over the whole document at once with numpy (character
classes, word runs, hashed word n-grams), then summed per segment, so the cost
grows with the text, not with a Python loop per segment or per word.

Nothing here is tied to English: words are Unicode ``\\w`` runs, stop words come
from the per-language lists in rules/stopwords, n-grams are hashed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ..blocks import block_gain, main_block
from ..budget import checked
from ..document import LINKS_ONLY
from ..segment import segment_of_each_char
from ..text import (
    BULLET_TABLE,
    SENTENCE_END_TABLE,
    blank_at,
    codepoints,
    in_code_table,
    markdown_images,
    markdown_links,
)

FEATURE_VERSION = 8
HASH_BITS = 18
# standardised features are clipped to this many deviations: a page unlike the training pages
# (one paragraph alone, a 5 MB line) must not push a linear model far outside what it learned
Z_CLIP = 4.0
HASH_SIZE = 1 << HASH_BITS

_NOT_WORD = re.compile(r"\W")

_P = np.uint64(0x100000001B3)  # FNV prime: odd, so the hash keeps every bit of every code point
_MIX = np.uint64(0x9E3779B97F4A7C15)
_SALT_BIGRAM = np.uint64(0xA24BAED4963EE407)
_SALT_FIRST = np.uint64(0x9FB21C651E98DF25)
_SALT_LAST = np.uint64(0xC13FA9A902A6328F)
# \w, per code point of the Basic Multilingual Plane: one table lookup instead of a regex pass
_WORD_TABLE = np.frombuffer(
    _NOT_WORD.sub("\0", "".join(map(chr, range(0xD800))) + "\0" * 0x800 + "".join(map(chr, range(0xE000, 0x10000))))
    .encode("utf-32-le"), dtype=np.uint32) != 0


def portable(x: np.ndarray) -> np.ndarray:
    """``x`` rounded to float32 precision (kept as float64).

    numpy picks its log and exp kernels by CPU (AVX-512 or AVX2): the same page gives features
    one unit in the last place apart on two machines, and `winnow train`, fitting to a tolerance,
    then writes different weights. Rounded, an ulp of difference is gone (unless a value lies within
    an ulp of a float32 boundary, about once in 10^8), so features and the artifact's bytes are the
    same on any CPU."""
    return np.asarray(x, dtype=np.float64).astype(np.float32).astype(np.float64)


def count_of(log_counts: np.ndarray) -> np.ndarray:
    """The exact counts back from a ``log(1 + count)`` column (rounded by ``portable``, so exp alone
    would miss them by a little, and by a different little on another CPU)."""
    return np.rint(np.expm1(log_counts))


def _member(values: np.ndarray, sorted_set: np.ndarray) -> np.ndarray:
    """Which ``values`` occur in ``sorted_set`` (a binary search each: the set is a title's words)."""
    if not len(sorted_set):
        return np.zeros(len(values), dtype=bool)
    at = np.minimum(np.searchsorted(sorted_set, values), len(sorted_set) - 1)
    return sorted_set[at] == values

DENSE_NAMES: tuple[str, ...] = (
    "log_chars", "log_words", "stop_density", "link_density", "syntax_ratio", "has_image", "ends_sentence",
    "ends_colon", "digit_ratio", "upper_ratio", "punct_ratio", "log_mean_word", "capitalised_words",
    "position", "char_position", "starts_bullet", "starts_heading", "is_cell", "repeated", "log_doc_chars",
    "doc_share", "known_language", "one_word", "starts_lower", "first_line_overlap", "starts_digit",
    # HTML input only (0 for raw text): what the page's markup says of the segment's line
    "html", "dom_picked", "dom_chaff", "dom_comments", "dom_link_share", "dom_structured",
    "dom_reviews", "dom_comments_share", "dom_before_pick", "dom_after_pick",
)
DOM_COLUMNS = slice(DENSE_NAMES.index("html"), len(DENSE_NAMES))


def _hash_mix(h: np.ndarray) -> np.ndarray:
    """Bucket of each 64-bit hash (multiplicative hashing: the top bits are the well-mixed ones)."""
    return ((h * _MIX) >> np.uint64(64 - HASH_BITS)).astype(np.int64)


def word_hashes(words: list[str]) -> np.ndarray:
    """The hash features.py gives each word (for word lists: stop words)."""
    if not words:
        return np.zeros(0, dtype=np.uint64)
    text = " ".join(words)
    codes = codepoints(text).astype(np.uint64)
    lengths = np.fromiter((len(w) for w in words), dtype=np.int64, count=len(words))
    starts = np.concatenate(([0], np.cumsum(lengths + 1)[:-1]))
    return _run_hashes_of((codes,), starts, lengths)[0]


def _powers(size: int) -> tuple[np.ndarray, np.ndarray]:
    """``P^(j+1)`` and ``P^-j`` (mod 2^64) for j < size: P is odd, so it has an inverse mod 2^64."""
    if size <= len(_POWERS[0]):
        return _POWERS[0][:size], _POWERS[1][:size]
    return _power_tables(size)


def _power_tables(size: int) -> tuple[np.ndarray, np.ndarray]:
    up = np.full(size, _P, dtype=np.uint64)
    down = np.full(size, _P_INVERSE, dtype=np.uint64)
    down[0] = 1
    with np.errstate(over="ignore"):
        return np.cumprod(up), np.cumprod(down)


def _run_hashes_of(code_arrays: tuple[np.ndarray, ...], starts: np.ndarray, lengths: np.ndarray) -> list[np.ndarray]:
    """Polynomial hash ``sum(codes[start + k] * P^(k+1))`` of each run ``codes[start:start+length]`` in
    each of ``code_arrays``, independent of where the run lies.

    One prefix sum of ``codes[j] * P^(j+1)`` over the whole array serves every run: the difference
    at a run's bounds is its hash times ``P^start``, undone by multiplying with ``P^-start``
    (arithmetic mod 2^64 is exact, whatever the order of the sums)."""
    if not len(starts):
        return [np.zeros(0, dtype=np.uint64) for _ in code_arrays]
    size = len(code_arrays[0])
    up, down = _powers(size)
    ends = starts + lengths
    out = []
    with np.errstate(over="ignore"):
        for codes in code_arrays:
            prefix = np.zeros(size + 1, dtype=np.uint64)
            np.cumsum(codes.astype(np.uint64) * up, out=prefix[1:])
            out.append((prefix[ends] - prefix[starts]) * down[starts])
    return out


_P_INVERSE = np.uint64(pow(int(_P), -1, 1 << 64))
_POWERS = _power_tables(1 << 16)  # texts up to 64 K characters (most pages) share these tables


@dataclass(frozen=True)
class SegmentFeatures:
    """Dense measurements per segment and the hashed n-grams found in each."""

    dense: np.ndarray  # (segments, len(DENSE_NAMES)) float64
    gram_segment: np.ndarray  # segment of each hashed n-gram occurrence
    gram_bucket: np.ndarray  # its bucket in [0, HASH_SIZE)
    gram_weight: np.ndarray  # its value: 1/sqrt(n-grams in the segment), first/last word 1


# the two slot functions of the stop-word table: multiplicative hashing with two odd constants
_SLOT_MIX = (np.uint64(0xD6E8FEB86659FD93), np.uint64(0xC2B2AE3D27D4EB4F))


def _slots(hashes: np.ndarray, bits: int, table: int) -> np.ndarray:
    with np.errstate(over="ignore"):
        return ((hashes * _SLOT_MIX[table]) >> np.uint64(64 - bits)).astype(np.intp)


class StopWordHashes:
    """Stop words of many languages: word hash -> bit mask of the languages listing the word.

    Held in a cuckoo table (two arrays, each key in one of its two slots), so a page's words are
    looked up in two vectorised probes, where a binary search over tens of thousands of hashes
    costs a dozen dependent steps per word."""

    def __init__(self, lists: dict[str, frozenset[str]]) -> None:
        self.languages = tuple(sorted(lists))
        if len(self.languages) > 64:
            raise ValueError("at most 64 stop-word lists")
        masks: dict[int, int] = {}
        for bit, lang in enumerate(self.languages):
            words = sorted(w.lower() for w in lists[lang] if _NOT_WORD.search(w) is None)
            for h in word_hashes(words).tolist():
                masks[h] = masks.get(h, 0) | (1 << bit)
        keys = np.array(sorted(masks), dtype=np.uint64)
        values = np.array([masks[k] for k in keys.tolist()], dtype=np.uint64)
        bits = max(4, (2 * len(keys)).bit_length())  # each array at least twice the keys: insertion ends fast
        while (tables := _cuckoo(keys, values, bits)) is None:
            bits += 1
        self.bits = bits
        self.keys, self.masks = tables
        # each slot's key and mask side by side: a probe reads one cache line, not two
        self._entries = tuple(np.stack((self.keys[t], self.masks[t]), axis=1) for t in (0, 1))

    def lookup(self, hashes: np.ndarray) -> np.ndarray:
        """Language mask of each word hash (0 for a word on no list: an empty slot holds mask 0)."""
        out = np.zeros(len(hashes), dtype=np.uint64)
        for table in (0, 1):
            entry = np.take(self._entries[table], _slots(hashes, self.bits, table), axis=0)
            out |= np.where(entry[:, 0] == hashes, entry[:, 1], np.uint64(0))
        return out


def _cuckoo(keys: np.ndarray, values: np.ndarray, bits: int):
    """Two arrays of ``2^bits`` slots holding every key in one of its two slots, or None when
    insertion runs in a cycle (the caller then doubles the arrays). Every value is non-zero, so a
    slot is free while its mask is 0. Most keys are placed at once, vectorised; the few left over
    displace others, one by one."""
    size = 1 << bits
    tables = [np.zeros(size, dtype=np.uint64), np.zeros(size, dtype=np.uint64)]
    masks = [np.zeros(size, dtype=np.uint64), np.zeros(size, dtype=np.uint64)]
    left = np.arange(len(keys))
    for table in (0, 1):
        slot = _slots(keys[left], bits, table)
        _, first = np.unique(slot, return_index=True)
        tables[table][slot[first]] = keys[left[first]]
        masks[table][slot[first]] = values[left[first]]
        left = np.delete(left, first)
    for i in left.tolist():
        key, value, table = keys[i:i + 1], values[i:i + 1], 0
        for _ in range(64):
            slot = int(_slots(key, bits, table)[0])
            evicted = tables[table][slot:slot + 1].copy(), masks[table][slot:slot + 1].copy()
            tables[table][slot], masks[table][slot] = key[0], value[0]
            if not evicted[1][0]:
                break
            (key, value), table = evicted, 1 - table
        else:
            return None
    return tables, masks


def _best_language(masks: np.ndarray, languages: int) -> int:
    """The bit of the language whose list holds most of the words (distinct masks are few: count
    each once, then unpack its bits)."""
    hit = masks[masks != 0]
    if not len(hit):
        return 0
    # every word's mask unpacked to one byte per language, summed per language (no sort)
    bits = np.unpackbits(hit.view(np.uint8).reshape(-1, 8), axis=1, bitorder="little")[:, :languages]
    return 1 << int(np.argmax(bits.sum(axis=0, dtype=np.int64)))


def featurize(text: str, starts: np.ndarray, ends: np.ndarray, lines: np.ndarray,
              stop: StopWordHashes) -> SegmentFeatures:
    """Features of the segments ``[starts[i], ends[i])`` of ``text`` (sorted, not overlapping)."""
    n, size = len(starts), len(text)
    if n == 0:
        return SegmentFeatures(np.zeros((0, len(DENSE_NAMES))), *(np.zeros(0, dtype=t) for t in (np.int64, np.int64,
                                                                                                   np.float64)))
    codes = codepoints(text)
    lower = text.lower()
    lcodes = codepoints(lower) if len(lower) == size else codes
    char_segment = segment_of_each_char(size, starts, ends)

    inside = char_segment >= 0
    is_space = blank_at(codes)
    if codes.max(initial=0) < 0x10000:
        word_char = np.take(_WORD_TABLE, codes)  # take: a third faster than indexing with the array
    else:  # astral code points (emoji, rare scripts): the regex decides
        word_char = codepoints(_NOT_WORD.sub("\0", text)) != 0
    word_char &= inside
    # visible characters: Markdown link targets and images are syntax, anchors are link text
    syntax = np.zeros(size, dtype=bool)
    link_text = np.zeros(size, dtype=bool)
    image_at = []
    if "](" in text:
        for m in checked(markdown_images(text), "tagging"):
            syntax[m.start():m.end()] = True
            image_at.append(m.start())
        for m in checked(markdown_links(text), "tagging"):
            syntax[m.start():m.end()] = True
            syntax[m.start(1):m.end(1)] = False
            link_text[m.start(1):m.end(1)] = True
    word_char &= ~syntax

    digits = (codes >= 48) & (codes <= 57)
    upper = codes != lcodes
    letters = word_char & ~digits
    # characters of each kind per segment: one sum over each segment's range for all kinds at once
    # (reduceat sums from each bound to the next, so every other sum is a segment; a padding column
    # lets a segment end at the text's end; an empty range would read one character, and is zeroed)
    kinds = np.zeros((7, size + 1), dtype=np.uint8)
    np.stack((~syntax & ~is_space, link_text, syntax, digits, upper & letters, letters,
              inside & ~syntax & ~word_char & ~is_space), out=kinds[:, :size].view(bool))
    bounds = np.empty(2 * n, dtype=np.intp)
    bounds[0::2], bounds[1::2] = starts, ends
    sums = np.add.reduceat(kinds, bounds, axis=1, dtype=np.float64)[:, 0::2]
    if not (ends > starts).all():
        sums[:, ends <= starts] = 0.0
    visible, link_chars, syntax_chars, digit_chars, upper_letters, letter_chars, punct_chars = sums

    # words: runs of word characters
    prev = np.concatenate(([False], word_char[:-1]))
    nxt = np.concatenate((word_char[1:], [False]))
    w_start = np.flatnonzero(word_char & ~prev)
    w_end = np.flatnonzero(word_char & ~nxt) + 1
    w_seg = char_segment[w_start]
    hash_codes = np.where((lcodes >= 48) & (lcodes <= 57), np.uint32(48), lcodes)  # numbers hash alike
    w_hash, w_exact = _run_hashes_of((hash_codes, lcodes), w_start, w_end - w_start)
    words = np.bincount(w_seg, minlength=n)[:n].astype(np.float64)

    masks = stop.lookup(w_exact)  # stop lists hold some words with digits: looked up unfolded
    language = _best_language(masks, len(stop.languages)) if len(masks) else 0
    is_stop = (masks & np.uint64(language)) != 0 if language else np.zeros(len(w_start), dtype=bool)
    stopwords = np.bincount(w_seg, weights=is_stop.astype(np.float64), minlength=n)[:n]
    capitalised = np.bincount(w_seg, weights=upper[w_start].astype(np.float64), minlength=n)[:n]
    word_chars = np.bincount(w_seg, weights=(w_end - w_start).astype(np.float64), minlength=n)[:n]

    first_line = w_seg == 0
    overlap = _member(w_hash, np.unique(w_hash[first_line]))
    overlap_count = np.bincount(w_seg, weights=overlap.astype(np.float64), minlength=n)[:n]

    # repeated segments: same sequence of word hashes
    if len(w_hash):
        first_word = np.searchsorted(w_seg, np.arange(n))
        pos_in_seg = np.arange(len(w_hash)) - first_word[w_seg]
        with np.errstate(over="ignore"):
            seg_hash = np.bincount(w_seg, minlength=n)[:n].astype(np.uint64)  # words count as a start
            contrib = w_hash * (np.uint64(2) * pos_in_seg.astype(np.uint64) + np.uint64(1)) * _P
            np.add.at(seg_hash, w_seg, contrib)
    else:
        seg_hash = np.zeros(n, dtype=np.uint64)
    _, inverse, counts = np.unique(seg_hash, return_inverse=True, return_counts=True)
    repeated = (counts[inverse] > 1) & (words > 0)

    safe_words = np.maximum(words, 1)
    safe_vis = np.maximum(visible, 1)
    line_counts = np.bincount(lines - lines.min(), minlength=1)
    last = codes[ends - 1]
    first = codes[starts]
    image_count = np.zeros(n)
    if image_at:
        np.add.at(image_count, char_segment[np.array(image_at)], 1)
    total = float(np.maximum(visible.sum(), 1))
    columns = (
        np.log1p(visible),
        np.log1p(words),
        stopwords / safe_words,
        link_chars / safe_vis,
        syntax_chars / np.maximum(ends - starts, 1),
        image_count > 0,
        in_code_table(last, SENTENCE_END_TABLE),
        last == ord(":"),
        digit_chars / safe_vis,
        upper_letters / np.maximum(letter_chars, 1),
        punct_chars / safe_vis,
        np.log1p(word_chars / safe_words),
        capitalised / safe_words,
        np.arange(n) / max(n - 1, 1),
        starts / max(size, 1),
        in_code_table(first, BULLET_TABLE),
        first == ord("#"),
        line_counts[lines - lines.min()] > 1,
        repeated,
        np.full(n, np.log1p(total)),
        visible / total,
        np.full(n, float(bool(language))),
        words == 1,
        letters[starts] & ~upper[starts],
        overlap_count / safe_words,
        (first >= 48) & (first <= 57),
    )
    assert len(columns) == DOM_COLUMNS.start  # the markup's columns come last
    # rows of a (features, segments) array, then its transpose: faster than np.column_stack
    dense = np.zeros((len(DENSE_NAMES), n))  # the markup's rows stay 0: dom_features fills them
    for row, values in enumerate(columns):
        dense[row] = values
    dense = np.ascontiguousarray(portable(dense).T)

    # hashed n-grams: words, word pairs inside a segment, and the first and last word of the segment
    same = w_seg[1:] == w_seg[:-1]
    with np.errstate(over="ignore"):
        bigram = (w_hash[:-1] * _P + w_hash[1:]) ^ _SALT_BIGRAM
    gram_seg = np.concatenate((w_seg, w_seg[:-1][same]))
    gram_hash = np.concatenate((w_hash, bigram[same]))
    per_seg = np.bincount(gram_seg, minlength=n)[:n]
    weight = 1.0 / np.sqrt(np.maximum(per_seg[gram_seg], 1))
    if len(w_hash):
        has_words = np.flatnonzero(words > 0)
        first_idx = first_word[has_words]
        last_idx = first_idx + words[has_words].astype(np.int64) - 1
        gram_seg = np.concatenate((gram_seg, has_words, has_words))
        gram_hash = np.concatenate((gram_hash, w_hash[first_idx] ^ _SALT_FIRST, w_hash[last_idx] ^ _SALT_LAST))
        weight = np.concatenate((weight, np.ones(2 * len(has_words))))
    return SegmentFeatures(dense, gram_seg.astype(np.int64), _hash_mix(gram_hash), weight)




def dom_features(dense: np.ndarray, starts: np.ndarray, page) -> None:
    """Fill the markup's columns of ``dense`` (in place) from ``page`` (document.PageHints): each
    segment takes its line's values: in readability's pick, named chaff, named comments (a forum's
    posts are content: apart), the share of its characters inside links, and the shares of its word
    4-grams the page's JSON-LD holds as its main text and as reviews of what it describes; then
    three that place the line in its page: the share of the page's characters the markup names
    comments (a forum thread is mostly comments, an article has a thread below it), and whether
    the line stands before readability's pick or after it (an article's comments and lists follow
    its body; cross-validated on train, feature version 8: HTML input gains on the three corpora).

    Named chaff is what the line's elements name (a nav, a footer, a "share" class), not a line
    named only for being mostly link text: the link share is a column of its own, and a listing's
    or a shop grid's content is links (cross-validated on train: HTML input gains on every corpus)."""
    if page is None or not len(starts):
        return
    line = page.lines_of(starts)
    inside = line >= 0
    line = np.maximum(line, 0)
    picked = np.asarray(page.picked, dtype=np.float64)
    comments = np.array([e is not None and e[0] == "comments" for e in page.evidence], dtype=np.float64)
    chaff = np.array([e is not None and e[0] != "comments" and not e[1].startswith(LINKS_ONLY)
                      for e in page.evidence], dtype=np.float64)
    share = np.asarray(page.link_share, dtype=np.float64)
    structured = np.asarray(page.structured or (0.0,) * len(page.starts), dtype=np.float64)
    reviews = np.asarray(page.reviews or (0.0,) * len(page.starts), dtype=np.float64)
    # the page as a whole: how much of it the markup names comments (a forum's posts, or an article's
    # thread below it), and where readability's pick lies (an article's comments and lists follow it)
    sizes = np.asarray(page.ends, dtype=np.float64) - np.asarray(page.starts, dtype=np.float64)
    comments_share = np.full(len(sizes), float((sizes * comments).sum() / max(sizes.sum(), 1.0)))
    chosen = np.flatnonzero(picked)
    order = np.arange(len(sizes))
    before = (order < chosen[0]) if len(chosen) else np.zeros(len(sizes), dtype=bool)
    after = (order > chosen[-1]) if len(chosen) else np.zeros(len(sizes), dtype=bool)
    col = DOM_COLUMNS.start
    dense[:, col] = 1.0
    for k, values in enumerate((picked, chaff, comments, share, structured, reviews, comments_share,
                                before.astype(np.float64), after.astype(np.float64)), start=1):
        dense[:, col + k] = np.where(inside, values[line], 0.0)


# --------------------------------------------------------------------------- context (second stage)
_EDGE = -4.0  # what lies beyond the document's edges looks like chrome, not prose
_SECTION_LABELS = ("comments", "related")


def _shifted(x: np.ndarray, steps: tuple[int, ...], pad: float) -> np.ndarray:
    """(len(steps), n): ``x`` moved ``step`` places later (earlier if negative) for each step, padded
    at the edges: one gather from a padded copy."""
    n, reach = len(x), max(abs(k) for k in steps)
    padded = np.concatenate((np.full(reach, pad), x, np.full(reach, pad)))
    return padded[(reach - np.array(steps))[:, None] + np.arange(n)]


def _window_means(x: np.ndarray, weight: np.ndarray, radii: tuple[int, ...]) -> np.ndarray:
    """(len(radii), n): weighted mean of ``x`` over the ``radius`` segments on either side, for each
    radius (one prefix sum serves them all)."""
    n = len(x)
    cx = np.concatenate(([0.0], np.cumsum(x * weight)))
    cw = np.concatenate(([0.0], np.cumsum(weight)))
    idx = np.arange(n)
    reach = np.array(radii)[:, None]
    lo = np.maximum(idx - reach, 0)
    hi = np.minimum(idx + reach + 1, n)
    return (cx[hi] - cx[lo]) / np.maximum(cw[hi] - cw[lo], 1e-9)


def context_features(logit: np.ndarray, dense: np.ndarray, rules: np.ndarray,
                     rule_labels: tuple[str, ...]) -> np.ndarray:
    """Second-stage features: the first stage's verdict on the neighbours, where the article's main
    block lies, and what rules found around; ``rules`` is (segments, labels) of rule scores.

    Built feature by feature into one (features, segments) array, each group of columns in a few
    whole-array steps: pages have a couple of hundred segments, so the cost is the number of numpy
    calls, not their size. Returned as its (segments, features) transpose."""
    n = len(logit)
    log_chars = dense[:, 0]
    chars = count_of(log_chars)
    weight = chars + 1.0
    idx = np.arange(n)
    near = _window_means(logit, weight, _RADII)  # rows: radius 2, 5, 10, 20, 40
    prose = np.where(logit > 0, weight, 0.0)
    before = np.cumsum(prose) - prose
    total = max(float(prose.sum()), 1.0)
    probability = portable(1.0 / (1.0 + np.exp(-logit)))
    ruled = rules.max(axis=1) if rules.shape[1] else np.zeros(n)
    section = np.zeros(n, dtype=bool)
    for label in _SECTION_LABELS:
        if label in rule_labels:
            section |= rules[:, rule_labels.index(label)] > 0
    after_prose = np.maximum.accumulate(logit > 1)
    cols = [logit[None, :], _shifted(logit, (1, -1, 2, -2, 3, -3), _EDGE), _shifted(log_chars, (1, -1), 0.0),
            near[:3], before / total, (total - before - prose) / total,
            _shifted(np.maximum.accumulate(logit), (1,), _EDGE),
            _shifted(np.maximum.accumulate(logit[::-1])[::-1], (-1,), _EDGE)]
    for bias in (0.5, 0.3):
        lo, hi = main_block(block_gain(probability, chars, bias, 400.0))
        cols += [(idx >= lo) & (idx < hi), np.maximum(lo - idx, 0) / max(n, 1), np.maximum(idx - hi + 1, 0) / max(n, 1)]
    cols += [_shifted(ruled, (1, -1), 0.0), np.maximum.accumulate(section & after_prose),
             np.cumsum(section) / (1 + section.sum()),
             _window_means((ruled > 0).astype(np.float64), np.ones(n), (3, 8))]
    cols += _document_relative(logit, weight, near)
    cols += [rules.T, dense.T]
    return portable(np.vstack([np.reshape(c, (-1, n)) for c in cols])).T


_RADII = (2, 5, 10, 20, 40)
_STEPS = np.array([-4.0, -2.0, 0.0, 2.0, 4.0])
_STRONG = 3.0  # a first-stage log-odds this high is prose beyond doubt


def _document_relative(logit: np.ndarray, weight: np.ndarray, near: np.ndarray) -> list[np.ndarray]:
    """The verdict against the page's own verdicts: pages differ in how prose-like all their text is.

    Steps of the verdict and its local means let the linear second stage bend; the rank, the
    distance from the page's best and median, the share judged prose and the distance to the
    nearest sure prose place a segment within its page."""
    n = len(logit)
    steps = np.vstack((logit, near[0], near[1]))[:, None, :] > _STEPS[None, :, None]  # (3 values, 5 steps, n)
    prose = logit > 0
    order = np.argsort(logit, kind="stable")
    rank = np.empty(n)
    rank[order] = np.arange(n)  # the inverse permutation: each segment's place in the sorted order
    ordered = logit[order]
    median = (ordered[(n - 1) // 2] + ordered[n // 2]) / 2
    cols = [steps, rank / max(n - 1, 1), np.full(n, prose.mean()),
            np.full(n, np.log1p(max(float(weight[prose].sum()), 1.0))), logit - median, logit - ordered[-1],
            near[3:5]]
    idx = np.arange(n)
    strong = np.flatnonzero(logit > _STRONG)
    if len(strong):
        j = np.searchsorted(strong, idx)
        before = np.where(j > 0, idx - strong[np.maximum(j - 1, 0)], n)
        after = np.where(j < len(strong), strong[np.minimum(j, len(strong) - 1)] - idx, n)
    else:
        before = after = np.full(n, n)
    cols += [np.log1p(before), np.log1p(after)]
    return cols


def rule_matrix(starts: np.ndarray, ends: np.ndarray, rule_spans: list, labels: tuple[str, ...]) -> np.ndarray:
    """(segments, labels): the highest score a line rule gave each segment for each label.

    Only spans covering a whole segment count (a sentence cut out of a line is residue)."""
    out = np.zeros((len(starts), len(labels)))
    if not rule_spans:
        return out
    span_start = np.array([s.start for s in rule_spans], dtype=np.int64)
    span_end = np.array([s.end for s in rule_spans], dtype=np.int64)
    seg = np.minimum(np.searchsorted(starts, span_start), max(len(starts) - 1, 0))
    whole = (starts[seg] == span_start) & (ends[seg] == span_end)
    column = np.array([labels.index(s.label) for s in rule_spans], dtype=np.int64)
    score = np.array([s.score for s in rule_spans], dtype=np.float64)
    np.maximum.at(out, (seg[whole], column[whole]), score[whole])
    return out


def standardise(values: np.ndarray, mean: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """(values - mean) / scale, clipped to +-Z_CLIP: the same for training and serving."""
    return np.clip((values - mean) / scale, -Z_CLIP, Z_CLIP)
