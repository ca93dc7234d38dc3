"""What a page's structured data (schema.org JSON-LD) says its main text is: evidence, never text.

Product pages keep their description in JSON-LD (``Product.description``), news sites sometimes
the whole story (``NewsArticle.articleBody``), forums their posts (``DiscussionForumPosting.text``,
``Comment.text``). None of it is shown to a reader, so none of it enters the clean text: each
line of the rendered page gets the share of its word 4-grams that the structured text also
holds (``line_shares``), one feature among the markup's others (model/features.py,
``dom_structured``). A line the page shows that the page's data calls its body is likely content.

Reviews of what a page describes (``Product.review``, ``LocalBusiness.reviews``: the ``Review``
items under a ``review`` or ``reviews`` key) are kept apart, as a feature of their own
(``dom_reviews``): on wcxb's train split, 5 of the 2,367 word 4-grams that product and service
pages show from such reviews are in the gold, while an article of reviews (movers compared)
holds all of its own. A page that is itself a review (``@type: Review`` at the top, its
``reviewBody`` the story) keeps that text as main text.

Bounded work: at most ``MAX_BLOCK_CHARS`` per block and ``MAX_TOTAL_CHARS`` per page are parsed
(json, linear), the parsed value is walked with an explicit stack over at most ``MAX_NODES``
values, and a block nested deeper than Python's json parser allows is skipped, like any block
that is not valid JSON.
"""

from __future__ import annotations

import html
import json
import re

# the keys whose string values are a page's main text in schema.org's vocabulary
TEXT_KEYS = frozenset({"articleBody", "description", "text", "reviewBody", "abstract", "answerExplanation"})
# the keys under which schema.org puts the reviews of the item described (Product, LocalBusiness)
REVIEW_KEYS = frozenset({"review", "reviews"})
MAX_BLOCK_CHARS = 500_000  # a long story's articleBody is ~50,000
MAX_TOTAL_CHARS = 1_000_000
MAX_NODES = 100_000
SHINGLE = 4  # words per n-gram, as the judge's shingles
_TAG = re.compile(r"<[^<>]{0,200}>")  # markup some sites leave inside JSON-LD strings
_WORD = re.compile(r"\w+")


def structured_texts(root) -> tuple[list[str], list[str]]:
    """The strings of the page's JSON-LD blocks (``root``: the parsed page, lxml): (its main text,
    the reviews of what it describes)."""
    if root is None:
        return [], []
    main: list[str] = []
    reviews: list[str] = []
    total = 0
    for script in root.iter("script"):
        kind = (script.get("type") or "").strip().lower()
        if kind != "application/ld+json":
            continue
        source = script.text or ""
        if len(source) > MAX_BLOCK_CHARS or total + len(source) > MAX_TOTAL_CHARS:
            continue
        total += len(source)
        try:
            value = json.loads(source)
        except (ValueError, RecursionError):  # not JSON, or nested deeper than the parser recurses
            continue
        _texts(value, main, reviews)
    return main, reviews


def _texts(value, main: list[str], reviews: list[str]) -> None:
    """Add the strings under ``TEXT_KEYS`` anywhere in ``value`` to ``main``, or to ``reviews``
    below a ``REVIEW_KEYS`` key (explicit stack, ``MAX_NODES`` values at most)."""
    stack = [(value, main)]
    seen = 0
    while stack and seen < MAX_NODES:
        item, out = stack.pop()
        seen += 1
        if isinstance(item, dict):
            for key, v in item.items():
                if isinstance(v, str):
                    if key in TEXT_KEYS:
                        out.append(v)
                elif isinstance(v, (dict, list)):
                    stack.append((v, reviews if key in REVIEW_KEYS else out))
        elif isinstance(item, list):
            stack.extend((v, out) for v in item if isinstance(v, (dict, list)))


def shingles(texts: list[str]) -> set[int]:
    """The word 4-grams (lower case, ``\\w+`` words) of the structured texts, as hashes (a set of
    ints: a few MB for the most text a page may hold, where tuples of words took 46 MB)."""
    out: set[int] = set()
    for text in texts:
        out.update(map(hash, _grams(_WORD.findall(_TAG.sub(" ", html.unescape(text)).lower()))))
    return out


def _grams(words: list[str]):
    """The runs of ``SHINGLE`` consecutive words, lazily (none for fewer words)."""
    return zip(*(words[k:] for k in range(SHINGLE)), strict=False)  # the shortest slice ends it


def line_shares(text: str, starts, ends, known: set[int]) -> list[float]:
    """For each line ``text[starts[i]:ends[i]]``, the share of its word 4-grams in ``known``
    (0 for a line of fewer than four words, and for every line when ``known`` is empty)."""
    if not known:
        return [0.0] * len(starts)
    out = []
    for s, e in zip(starts, ends, strict=True):
        grams = [hash(g) for g in _grams(_WORD.findall(text[s:e].lower()))]
        out.append(sum(g in known for g in grams) / len(grams) if grams else 0.0)
    return out
