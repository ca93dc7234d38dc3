from winnow.document import KEPT_LABELS_DEFAULT, Decision, Document, shown
from winnow.html import read_html
from winnow.segment import split_segments
from winnow.taggers.quality import QualityTagger, QualityThresholds, StopWords
from winnow.taggers.repetition import RepetitionTagger
from winnow.taggers.title import HEADLINE_WINDOW, LONGER_MIN_WORDS, REPEAT_MIN_WORDS, TitleTagger
from winnow.taggers.unjudged import UnjudgedTagger

STOP = StopWords({"english": frozenset("the a of and to in that it was for on said they would if before were".split()),
                  "german": frozenset("der die das und zu".split())})
PROSE = ("The committee met on Tuesday to discuss the new budget, and its members said that they "
         "would vote on the proposal before the end of the month if the numbers were ready.")


def _doc(text: str, residue: list | None = None) -> Document:
    doc = Document(text, split_segments(text))
    doc.proposals["residue"] = residue or []  # what the taggers that read the visible text need
    return doc


def test_quality_classes_prose_menu_and_short_lines() -> None:
    menu = "Home Politics Sport Business Weather Traffic Obituaries Jobs Cars Homes Events Puzzles"
    text = f"{PROSE} {PROSE}\n{menu}\nOK"
    spans = QualityTagger(STOP, QualityThresholds()).tag(_doc(text))
    assert [s.rule for s in spans] == ["quality.good", "quality.bad", "quality.short"]
    assert [s.label for s in spans] == ["content", "boilerplate", "boilerplate"]


def test_quality_link_lists_are_bad_even_with_stop_words() -> None:
    text = "* [The end of the world and the rest of it](https://x.y/1) [The story of a year](https://x.y/2) now"
    (span,) = QualityTagger(STOP, QualityThresholds()).tag(_doc(text))
    assert span.rule == "quality.bad"


def test_quality_unknown_language_falls_back_to_length() -> None:
    text = "这是一个很长的句子，" * 30
    (span,) = QualityTagger(STOP, QualityThresholds()).tag(_doc(text))
    assert span.rule == "quality.good"


def test_repetition_flags_only_short_repeated_lines() -> None:
    text = f"Share\n{PROSE}\nShare\n{PROSE}\nOnce"
    spans = RepetitionTagger(max_chars=100, score=0.7).tag(_doc(text))
    assert [text[s.start:s.end] for s in spans] == ["Share", "Share"]


def test_repetition_reads_runs_of_punctuation_and_spaces_as_one_space() -> None:
    lines = ["Share · Facebook", "share  facebook", "Share, Facebook!", "Share Facebook X", "Share"]
    text = "\n".join([lines[0], PROSE, *lines[1:], PROSE])
    spans = RepetitionTagger(max_chars=100, score=0.7).tag(_doc(text))
    assert [text[s.start:s.end] for s in spans] == lines[:3]


def test_title_is_the_first_headline_shaped_line() -> None:
    tagger = TitleTagger(max_chars=150, min_words=3, max_words=25, score=0.8)
    assert [s.rule for s in tagger.tag(_doc("Putin meets Kim in Beijing\nBody."))] == ["title.first_line"]
    assert tagger.tag(_doc("This is a sentence, not a headline.\nBody.")) == []
    assert tagger.tag(_doc("![]() |\nBody.")) == []


def test_title_with_the_sites_name_is_the_page_title_element_not_the_headline() -> None:
    """html-text and innerText of a whole document start with <title>: "Headline - Site"."""
    tagger = TitleTagger(max_chars=150, min_words=3, max_words=25, score=0.8)
    for first in ("Putin meets Kim in Beijing - WSJ", "Putin meets Kim in Beijing – CBS Detroit",
                  "Putin meets Kim in Beijing | TheHill"):
        spans = tagger.tag(_doc(first + "\nBody."))
        # labelled title, never shown (document.shown); every cell of the line, the site's name too
        assert {(s.label, s.rule) for s in spans} == {("title", "title.page_title")}, first
        assert (spans[0].start, spans[-1].end) == (0, len(first)), first
    # a dash inside the headline, or a name too long to be a site's, leaves a headline
    for first in ("Anti-drug campaign doubles down in South Dakota",
                  "Officials say the bridge - closed since May - reopens on Tuesday after repairs"):
        assert [s.rule for s in tagger.tag(_doc(first + "\nBody."))] == ["title.first_line"], first


def test_title_the_headline_the_page_shows_below_its_menus_is_the_title() -> None:
    """The <title> line's headline, repeated on the page, is the headline: the repeat text follows,
    not the menu item or breadcrumb that names the page too."""
    tagger = TitleTagger(max_chars=150, min_words=3, max_words=25, score=0.8)
    text = "\n".join(["Multiple agents crashing - Help - Netdata Forums", "Home", "Multiple agents crashing",
                      "Help", "Multiple agents crashing", "posted by jane", PROSE, "Multiple agents crashing"])
    spans = tagger.tag(_doc(text))
    assert [(s.label, s.rule) for s in spans] == [("title", "title.page_title"), ("title", "title.headline")]
    assert text[spans[1].start:spans[1].end] == "Multiple agents crashing"
    assert text.index(PROSE) - spans[1].end == len("\nposted by jane\n")  # the second repeat, before the text
    # a cell of its own: "Robotic lawn mowers | Kress" cut by the segmenter
    spans = tagger.tag(_doc("Robotic lawn mowers | Kress\nHome\nRobotic lawn mowers\n" + PROSE))
    assert [s.rule for s in spans] == ["title.page_title", "title.page_title", "title.headline"]


def test_title_a_headline_that_says_more_than_the_title_lines_first_cell_is_the_headline() -> None:
    """"Types of Restaurant Service | Full Guide" above "Types of Restaurant Service: Explore Dining
    Styles": the headline starts with the cell's words, says more, and leads into text. A menu item
    that starts with them and leads into more menu, a cell of fewer than ``LONGER_MIN_WORDS`` words,
    and a lone first line (a whole <title>, which headlines shorten) find no headline."""
    tagger = TitleTagger(max_chars=150, min_words=3, max_words=25, score=0.8)
    head = "Types of Restaurant Service: Explore Dining Styles from Casual to Fine Dining"
    page = "Types of Restaurant Service | Full Guide to Dining Formats"
    text = "\n".join([page, "Menu", "POS", head, "by Jane", PROSE])
    spans = tagger.tag(_doc(text))
    assert [s.rule for s in spans] == ["title.page_title", "title.page_title", "title.headline"]
    assert text[spans[2].start:spans[2].end] == head
    menu = "\n".join(["Types of Restaurant Service | Full Guide", "Types of Restaurant Service in Cafes", "Home", "POS",
                      "Menu", PROSE])
    assert [s.rule for s in tagger.tag(_doc(menu))] == ["title.page_title", "title.page_title"]
    cell = " ".join(["Marathon", "Training", "Plans"][:LONGER_MIN_WORDS - 1])
    short = "\n".join([f"{cell} | Runner's Site", "Menu", f"{cell} for Beginners", PROSE])
    assert "title.headline" not in [s.rule for s in tagger.tag(_doc(short))]
    lone = "\n".join(["Types of Restaurant Service", "Menu", head, PROSE])
    assert "title.headline" not in [s.rule for s in tagger.tag(_doc(lone))]


def test_title_the_headline_below_a_long_mega_menu_is_found_within_the_window() -> None:
    """A whole page's text may put its headline below hundreds of menu lines; the search for the
    repeat reaches ``HEADLINE_WINDOW`` segments, not further."""
    tagger = TitleTagger(max_chars=150, min_words=3, max_words=25, score=0.8)
    menu = [f"Department {k}" for k in range(HEADLINE_WINDOW - 10)]
    text = "\n".join(["Council delays the budget vote - Example News", *menu, "Council delays the budget vote", PROSE])
    assert [s.rule for s in tagger.tag(_doc(text))] == ["title.page_title", "title.headline"]
    menu = [f"Department {k}" for k in range(HEADLINE_WINDOW + 10)]
    text = "\n".join(["Council delays the budget vote - Example News", *menu, "Council delays the budget vote", PROSE])
    assert [s.rule for s in tagger.tag(_doc(text))] == ["title.page_title"]  # too far: a line among many


def test_title_a_repeat_needs_a_title_shaped_first_line() -> None:
    tagger = TitleTagger(max_chars=150, min_words=3, max_words=25, score=0.8)
    # a paragraph sent twice is not a <title> line and its headline
    assert all(s.rule != "title.headline" for s in tagger.tag(_doc(f"{PROSE}\n{PROSE}")))
    # no site's name and no cell: a menu item at the top repeated below is not a headline
    assert all(s.rule != "title.headline" for s in tagger.tag(_doc("Platform\nHome\nPlatform\n" + PROSE)))
    # too short a repeat ("News" of "News - Example Times") names a section, not the page
    assert all(s.rule != "title.headline" for s in tagger.tag(_doc("News - Example Times\nNews\n" + PROSE)))


def test_unjudged_tagger_proposes_content_without_evidence_and_knows_link_lists() -> None:
    text = "Home\n\n* [Sport](https://x.y/s)\nOne short paragraph.\n| |"
    doc = Document(text, split_segments(text))
    judged = UnjudgedTagger(STOP, QualityThresholds()).tag(doc)
    assert len(judged) == len(doc.segments)  # one verdict per segment, in order
    verdicts = [(text[s.start:s.end].strip(), v.label, v.rule) for s, v in zip(doc.segments, judged, strict=True)]
    assert ("* [Sport](https://x.y/s)", "boilerplate", "unjudged.links") in verdicts
    assert {(v.label, v.score) for v in judged if v.rule == "unjudged.good"} == {("content", 0.5)}
    assert sum(v.rule == "unjudged.good" for v in judged) == len(judged) - 1
    # without Markdown links there is no link list to know: every segment is content, unjudged
    plain = UnjudgedTagger(STOP, QualityThresholds()).tag(_doc("Home\nOne short paragraph."))
    assert list(plain) == [Decision("content", 0.5, "unjudged_v1", "unjudged.good")] * 2


def test_unjudged_tagger_removes_what_a_short_html_pages_markup_names_navigation() -> None:
    """On a short page nothing is judged in context; an element that names a line navigation
    (<nav>, a breadcrumb class) still speaks for it. Link density alone does not: on a short page
    a line of links is as often content."""
    text, page = read_html("<body><nav><a href='/'>Home</a> <a href='/n'>News</a></nav>"
                           "<div class='breadcrumb'><a href='/'>Home</a> / Politics</div>"
                           "<p>One short paragraph with <a href='/x'>a link</a> in it.</p>"
                           "<p><a href='/a'>Read the minutes of the meeting</a></p></body>", readability=False)
    doc = Document(text, split_segments(text), page=page)
    tagger = UnjudgedTagger(STOP, QualityThresholds())
    verdicts = [(text[s.start:s.end].strip(), v.label, v.rule)
                for s, v in zip(doc.segments, tagger.tag(doc, short=True), strict=True)]
    assert verdicts == [("Home News", "boilerplate", "unjudged.navigation"),
                        ("Home / Politics", "boilerplate", "unjudged.navigation"),
                        ("One short paragraph with a link in it.", "content", "unjudged.good"),
                        ("Read the minutes of the meeting", "content", "unjudged.good")]
    # extracted text, or a page the model found clean (not short): the markup removes nothing
    assert {v.label for v in tagger.tag(doc)} == {"content"}
    # nor without markup
    assert {v.label for v in tagger.tag(Document(text, split_segments(text)), short=True)} == {"content"}


def test_title_a_markdown_heading_is_never_the_page_title_element() -> None:
    """html2text never writes <title>; a "# Headline - Section" heading is what the page shows,
    and so is the first line of a clean Markdown answer sent again."""
    tagger = TitleTagger(max_chars=150, min_words=3, max_words=25, score=0.8)
    spans = tagger.tag(_doc("# Real Estate Investing for Beginners - Real Estate 101\nBody."))
    assert [(s.label, s.rule) for s in spans] == [("title", "title.first_line")]


def test_title_a_title_shaped_line_that_leads_into_text_is_the_headline() -> None:
    """Above the menus, "Headline - Site" is the <title> element; straight above the text (a clean
    answer sent again, whose headline has a dash in it) it is the headline, kept."""
    tagger = TitleTagger(max_chars=150, min_words=3, max_words=25, score=0.8)
    first = "3.1 Git Branching - Branches in a Nutshell"
    assert [s.rule for s in tagger.tag(_doc(first + "\n" + PROSE))] == ["title.first_line"]
    assert {s.rule for s in tagger.tag(_doc(first + "\nHome\nDocs\n" + PROSE))} == {"title.page_title"}


def test_title_the_headline_said_again_further_down_is_title_and_never_shown() -> None:
    """A breadcrumb's last item or the page in its own related box says the headline again
    (letters and digits alike, case folded): title, not shown, so the clean text keeps it once;
    the headline itself is shown. A headline of fewer than ``REPEAT_MIN_WORDS`` words said again
    is a menu item."""
    tagger = TitleTagger(max_chars=150, min_words=3, max_words=25, score=0.8)
    head = "Council delays the budget vote again"
    assert len(head.split()) >= REPEAT_MIN_WORDS
    text = "\n".join([f"{head} - Example News", "Home", head, PROSE, "More stories", head.upper() + "!", "Other story"])
    spans = tagger.tag(_doc(text))
    assert [s.rule for s in spans] == ["title.page_title", "title.headline", "title.headline_repeat"]
    assert text[spans[2].start:spans[2].end] == head.upper() + "!"
    assert [shown(s, KEPT_LABELS_DEFAULT) for s in spans] == [False, True, False]
    # a first line shaped like a headline, with no <title> line to tell, may be a contents list's
    # item (a clean answer sent again): the same words further down are left to the other stages
    spans = tagger.tag(_doc("\n".join([head, PROSE, "Home > News > " + head, head])))
    assert [s.rule for s in spans] == ["title.first_line"]
    # a short headline said again: the page's name in a menu, left to the other stages
    short = "Smart home thermostats"
    spans = tagger.tag(_doc("\n".join([f"{short} - Example Shop", "Home", short, PROSE, short])))
    assert [s.rule for s in spans] == ["title.page_title", "title.headline"]
