"""Silver category labels from the DOM: what the page's markup says a line is.

Training has gold text for content only. The other labels (navigation, social, cookie...) are
read here from the element each line was rendered from (``dom_align``) and its ancestors:
HTML elements (``nav``, ``footer``, ``figcaption``...), ARIA roles, ``itemprop``/``itemtype``,
``aria-label`` words and class/id words (split on ``-``, ``_``, blanks, digits and camelCase, so
``ad`` names ``ad-slot`` but not ``header`` or ``shadow``), in English and the common European
languages; plus the line's link density and two kinds of text evidence (a copyright line, a
legal link). Every label comes with the evidence that decided it (``class:breadcrumb``,
``tag:nav``, ``role:contentinfo``, ``link-density+tag:footer``...), so the mapping can be
checked line by line. The trainer takes gold-covered segments as content and the silver label
for the rest; a line that no evidence names stays ``boilerplate``.

Precedence (see docs/silver_labels.md):

1. a segment without a letter or digit is ``markup``; a Markdown line of images only is
   ``image``, of empty links only ``markup``;
2. a short line that reads as a copyright notice is ``copyright`` (``text:copyright``);
3. evidence on the element and its ancestors, up to ``MAX_LEVELS`` up, stopping at ``main``
   (what is outside the main region does not name what is inside) and ignoring elements that
   hold most of the page's text (page wrappers): the evidence of the highest rank wins, the
   closest one among equal ranks. Ranks: sections that own everything inside them (cookie,
   paywall, newsletter, comments, related, social, ad) 3; navigation, image, copyright, title 2;
   specific furniture (byline, date, search, cart) 1; generic containers (header, footer,
   aside, dialog, form, banner, contentinfo, complementary, sidebar, widget) 0;
4. a short navigation line that reads as a legal link ("Privacy policy"), an account, cart or
   search control ("Sign in", "Cart (0)") or a byline is ``boilerplate``, one that reads as a
   subscription offer ("Subscribe") ``paywall``, as the guide files them; with nothing above
   rank 0, a line mostly made of link text is ``navigation`` (``related`` when it is as long as
   a headline), unless it reads as one of those;
5. otherwise ``boilerplate`` with the generic container's evidence, or ``none``.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import lru_cache

from ..text import markdown_bracketed_images, markdown_links
from .dom_align import DomText, LineMatch, align, dom_text, nonempty_lines

MAX_LEVELS = 24  # ancestors looked at above a line's element
PAGE_SHARE = 0.6  # an element holding more of the page's text than this is a wrapper: no evidence
LINK_DENSITY = 0.6  # share of a line's matched text inside <a> that makes it a link line
HEADLINE_WORDS = 6  # a link line of this many words reads as an article headline (related), shorter as a menu item

# rank of each label's evidence: higher wins; equal ranks go to the closest ancestor
RANK = {
    "cookie": 3, "paywall": 3, "newsletter": 3, "comments": 3, "related": 3, "social": 3, "ad": 3,
    "navigation": 2, "image": 2, "copyright": 2, "title": 2,
    "boilerplate": 1,
}
GENERIC = 0  # rank of generic containers (their label is boilerplate)

# element -> label; "generic" marks a container whose contents are furniture of any kind
TAGS: dict[str, str] = {
    "title": "title", "h1": "title",
    "nav": "navigation", "menu": "navigation",
    "figure": "image", "figcaption": "image", "picture": "image", "img": "image",
    "time": "boilerplate", "address": "boilerplate", "button": "boilerplate", "select": "boilerplate",
    "option": "boilerplate", "label": "boilerplate", "input": "boilerplate", "textarea": "boilerplate",
    "header": "generic", "footer": "generic", "aside": "generic", "form": "generic", "dialog": "generic",
}
ROLES: dict[str, str] = {
    "navigation": "navigation", "menu": "navigation", "menubar": "navigation", "menuitem": "navigation",
    "tablist": "navigation", "tab": "navigation", "doc-toc": "navigation", "doc-pagelist": "navigation",
    "figure": "image", "doc-credit": "image",
    "search": "boilerplate", "button": "boilerplate", "toolbar": "boilerplate", "timer": "boilerplate",
    "banner": "generic", "contentinfo": "generic", "complementary": "generic", "dialog": "generic",
    "alertdialog": "generic", "form": "generic",
}
# itemprop values and itemtype names (schema.org)
ITEMPROPS: dict[str, str] = {
    "headline": "title", "breadcrumb": "navigation", "breadcrumblist": "navigation",
    "sitenavigationelement": "navigation", "caption": "image", "image": "image", "imageobject": "image",
    "copyrightholder": "copyright", "copyrightyear": "copyright", "copyrightnotice": "copyright",
    "comment": "comments", "comments": "comments", "commentcount": "comments", "usercomments": "comments",
    "wpadblock": "ad", "author": "boilerplate", "creator": "boilerplate", "datepublished": "boilerplate",
    "datemodified": "boilerplate", "datecreated": "boilerplate", "publisher": "boilerplate",
    "wpheader": "generic", "wpfooter": "generic", "wpsidebar": "generic",
}
# words of class, id and aria-label values
WORDS: dict[str, list[str]] = {
    "cookie": [
        "cookie", "cookies", "consent", "gdpr", "ccpa", "onetrust", "cookiebot", "cybotcookiebot",
        "didomi", "usercentrics", "truste", "trustarc", "cookielaw", "cookiebanner", "cookienotice",
        "einwilligung", "zustimmung", "consentement", "consentimiento", "consenso", "zgoda", "toestemming",
    ],
    "paywall": [
        "paywall", "paywalled", "premium", "regwall", "metered", "subscription", "subscriptions",
        "subscriber", "subscribers", "donate", "donation", "donations", "membership", "piano", "tinypass",
        "abo", "abonnement", "abonnieren", "abonner", "suscripcion", "suscriptores", "abbonamento", "abbonati",
        "assinatura", "assinante", "prenumerata", "spenden",
    ],
    "newsletter": [
        "newsletter", "newsletters", "subscribe", "signup", "optin", "mailchimp", "mc4wp", "mailing",
        "mailinglist", "emailsignup", "nieuwsbrief", "iscriviti", "suscribete", "inscreva",
    ],
    "comments": [
        "comment", "comments", "commentlist", "disqus", "respond", "livefyre", "viafoura",
        "spotim", "openweb", "coral", "talkback", "kommentar", "kommentare", "commentaire", "commentaires",
        "comentario", "comentarios", "commenti", "commento", "komentarz", "komentarze", "reacties",
    ],
    "related": [
        "related", "relatedposts", "recommended", "recommendation", "recommendations", "recirc",
        "recirculation", "taboola", "outbrain", "trending", "popular", "mostread", "mostpopular", "teaser",
        "teasers", "suggested", "suggestions", "similar", "upnext", "morestories", "readnext", "youmaylike",
        "furtherreading", "alsoread", "mostviewed", "morefrom", "mostshared",
        "relacionados", "relacionadas", "recomendados", "recomendadas", "correlati", "consigliati",
        "gerelateerd", "powiazane", "polecane", "empfehlungen", "similaires", "lesetipps", "weiterlesen",
    ],
    "social": [
        "share", "shares", "sharing", "sharer", "sharebar", "sharethis", "addthis", "addtoany", "shariff",
        "social", "socials", "socialmedia", "follow", "followus", "facebook", "twitter", "linkedin",
        "pinterest", "whatsapp", "instagram", "telegram", "reddit", "teilen", "partager", "partage",
        "compartir", "condividi", "condividere", "compartilhar", "compartilhe", "udostepnij", "delen",
    ],
    "ad": [
        "ad", "ads", "adv", "advert", "adverts", "advertisement", "advertising", "advertorial", "adslot",
        "adunit", "adsbygoogle", "adsense", "dfp", "gpt", "doubleclick", "sponsor", "sponsored", "sponsors",
        "promoted", "werbung", "anzeige", "anzeigen", "publicite", "publicidad", "pubblicita", "publicidade",
        "reklama", "reklame", "advertentie", "annonce", "annonces",
    ],
    "navigation": [
        "nav", "navbar", "navigation", "navi", "menu", "menus", "submenu", "megamenu", "breadcrumb",
        "breadcrumbs", "crumbs", "crumb", "pagination", "pager", "paginator", "pagenav", "skip", "skiplink",
        "toc", "tags", "tag", "tagcloud", "topics", "categories", "category", "archive", "archives",
        "sitemap", "hamburger", "navegacion", "navigazione", "nawigacja", "menue", "ariane", "migas",
        "paginacion", "paginazione", "stichworte", "schlagworte", "etiquetas", "tagi",
    ],
    "image": [
        "caption", "captions", "figcaption", "credit", "credits", "photo", "photos", "gallery", "slideshow",
        "lightbox", "wpcaption", "imagecredit", "photocredit", "bildunterschrift", "legende", "didascalia",
        "bildnachweis", "fotocredit",
    ],
    "copyright": ["copyright", "copyrights", "urheberrecht"],
    "boilerplate": [
        "byline", "author", "authors", "dateline", "timestamp", "published", "updated", "date", "meta",
        "postmeta", "entrymeta", "readtime", "readingtime", "bio", "authorbio", "search", "searchform", "login",
        "signin", "account", "cart", "basket", "checkout", "wishlist", "logo",
        "disclaimer", "legal", "rating", "autor", "auteur", "autore", "datum", "fecha",
    ],
    "generic": [
        "header", "footer", "masthead", "sidebar", "widget", "widgets", "aside", "modal", "popup", "overlay",
        "toolbar", "banner", "topbar", "bottombar",
    ],
}
# words of five letters or more that also name a class word they begin or end ("commentlist",
# "sharebar", "socialicons", "mainnavigation")
AFFIXES: dict[str, list[str]] = {
    "cookie": ["cookie", "consent"],
    "paywall": ["paywall"],
    "newsletter": ["newsletter"],
    "comments": ["comment", "disqus"],
    "related": ["related", "recommend"],
    "social": ["share", "social"],
    "ad": ["advert", "sponsor"],
    "navigation": ["breadcrumb", "navigation", "pagination", "navbar", "menu"],
    "image": ["caption"],
    "copyright": ["copyright"],
}
# class values of a state, not a kind: "has-comments", "no-sidebar", "show-share"
_STATE_PREFIX = re.compile(r"^(?:has|no|with|without|show|hide|hidden|enable|disable|is)[-_]", re.IGNORECASE)
_PARTS = re.compile(r"[-_]+")
_TAXONOMY = frozenset({"category", "categories", "cat", "tag", "tags", "topic", "topics", "section"})
_STRUCTURE = frozenset({"list", "links", "cloud", "menu", "nav", "widget", "box", "container", "wrapper", "wrap",
                        "items", "item", "title", "label", "block", "area", "bar", "section", "module"})
_DIGIT = re.compile(r"\d")
_SPLIT = re.compile(r"[^A-Za-z\u00c0-\u024f]+")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_LETTER_OR_DIGIT = re.compile(r"[^\W_]")
_WORD = re.compile(r"[^\W\d_]{2,}")
_COPYRIGHT = re.compile(
    r"©|\(c\)\s*\d{4}|\bcopyright\b|all rights reserved|alle rechte vorbehalten|tous droits réservés"
    r"|todos los derechos reservados|tutti i diritti riservati|todos os direitos reservados"
    r"|wszelkie prawa zastrzeżone|alle rechten voorbehouden", re.IGNORECASE)
_LEGAL = re.compile(
    r"\b(?:privacy|terms?\b|cookie policy|imprint|impressum|datenschutz|agb|nutzungsbedingungen|disclaimer"
    r"|mentions légales|confidentialité|aviso legal|privacidad|informativa|note legali|polityka prywatności"
    r"|regulamin|accessibility|do not sell)\b", re.IGNORECASE)
# account, cart and search controls (the guide's "shop chrome" and "search boxes", and "a plain Log in
# or Register"): the whole line, give or take punctuation and a count ("Cart (0)"), in the eight
# languages of the rule packs
_CHROME = re.compile(
    r"\A\W*+(?:sign[ -]?in|sign[ -]?out|log[ -]?in|log[ -]?out|register|create (?:an )?account|(?:my |your )?account"
    r"|(?:shopping )?(?:cart|basket|bag)|checkout|(?:my )?wish ?list|favou?rites|saved items|search"
    r"|track (?:my |your )?orders?|my orders|store locator|find a store"
    r"|anmelden|abmelden|einloggen|registrieren|(?:mein )?konto|warenkorb|merkliste|wunschliste|suchen?|kasse"
    r"|connexion|se connecter|déconnexion|s'inscrire|inscription|mon compte|panier|recherche[rz]?"
    r"|iniciar sesión|acceder|registrarse|regístrate|mi cuenta|carrito|cesta|buscar|búsqueda"
    r"|accedi|registrati|il mio account|carrello|cerca"
    r"|entrar|iniciar sessão|cadastre-se|minha conta|carrinho|sacola|pesquisar"
    r"|zaloguj(?: się)?|zarejestruj(?: się)?|moje konto|koszyk|szukaj|wyszukaj"
    r"|inloggen|registreren|mijn account|winkelwagen|winkelmand|verlanglijst|zoeken)"
    r"(?:\W*\d+)?\W*\Z", re.IGNORECASE)
# subscription offers and links ("paywall, in a menu too" by the guide): the whole line
_SUBSCRIBE = re.compile(
    r"\A\W*+(?:subscribe(?: now| today| for \S+)?|subscriptions?|support us|donate(?: now)?|make a donation"
    r"|become a (?:member|subscriber|supporter)|get (?:full |unlimited |digital )?access"
    r"|(?:jetzt )?abonnieren|abo|abonnement|unterstützen|spenden|s'abonner|abonnez-vous|soutenez-nous|faire un don"
    r"|suscr[ií]bete|suscribirse|suscripci[oó]n|ap[oó]yanos|donar|abbonati|abbonamento|sostienici|dona ora"
    r"|assine(?: já)?|assinatura|assinar|apoie|subskrybuj|prenumerat[aąy]|prenumeruj|wesprzyj nas"
    r"|abonneren|steun ons|doneer)\W*\Z", re.IGNORECASE)
# a byline standing as a link: "By Jane Doe", "Von Max Muster", "Par Jean Dupont" (a name, capitalised)
_BYLINE = re.compile(r"\A\W*+(?i:by|von|par|por|di|door|przez)\s+[^\W\d_a-z][^\W\d_]*(?:[ .'-]+[^\W\d_]+){0,3}\W*\Z")
# matched at a line's start only: \A keeps a search (or a fuzz test's finditer) from trying each position
_COMMENT_COUNT = re.compile(
    r"\A\W*+\d+\s*(?:comments?|kommentare?|commentaires?|comentarios?|commenti|commento|komentarz[ey]?|reacties)\W*$",
    re.IGNORECASE)
COPYRIGHT_MAX_CHARS = 300  # a copyright line is short, and says so near its start
COPYRIGHT_WITHIN = 100
LEGAL_MAX_TOKENS = 6  # a legal link is short: "Privacy policy", "Terms of use"
CHROME_MAX_CHARS = 40  # "Create an account (0)": the control's name and a count, no more

# what each of _COPYRIGHT's alternatives that an ASCII line can match holds, in lower case (case
# is all that IGNORECASE changes on ASCII): an ASCII line holding none of them near its start
# cannot match, and is not searched (most lines; tests/test_model_silver.py holds the two alike)
_COPYRIGHT_ASCII = ("(c)", "copyright", "all rights reserved", "alle rechte vorbehalten", "derechos reservados",
                    "diritti riservati", "direitos reservados", "rechten voorbehouden")


def says_copyright(line: str) -> bool:
    """A copyright notice: a short line that says so near its start."""
    if len(line) > COPYRIGHT_MAX_CHARS:
        return False
    if line.isascii():
        head = line[:COPYRIGHT_WITHIN].lower()
        if not any(key in head for key in _COPYRIGHT_ASCII):
            return False
    return _COPYRIGHT.search(line, 0, COPYRIGHT_WITHIN) is not None


def _without(line: str, matches, replacement: str | None) -> str:
    """``line`` with each of ``matches(line)`` replaced by ``replacement`` (None: the match's group 1,
    a link's anchor), as ``re.sub`` with the plain pattern gives it (text.py: linear time)."""
    out, at = [], 0
    for m in matches(line):
        out += (line[at:m.start()], m.group(1) if replacement is None else replacement)
        at = m.end()
    out.append(line[at:])
    return "".join(out)


def _furniture(line: str, tokens: int) -> tuple[str, str] | None:
    """What a short menu or link line (``tokens`` words at most ``LEGAL_MAX_TOKENS``) is when its
    words say more than its menu: a subscription offer ("Subscribe", "Support us": ``paywall``, in
    a menu too), or furniture the guide files under ``boilerplate``: a legal link ("Privacy
    policy"), an account, cart or search control ("Sign in", "Cart (0)"), a byline ("By Jane Doe")."""
    if tokens > LEGAL_MAX_TOKENS:
        return None
    if _LEGAL.search(line):
        return "boilerplate", "text:legal-link"
    if len(line) > CHROME_MAX_CHARS:
        return None
    if _CHROME.match(line):
        return "boilerplate", "text:chrome"
    if _SUBSCRIBE.match(line):
        return "paywall", "text:subscribe"
    if _BYLINE.match(line):
        return "boilerplate", "text:byline"
    return None


_WORD_LABEL = {w: label for label, words in WORDS.items() for w in words}
_AFFIX_LABEL = [(a, label) for label, affixes in AFFIXES.items() for a in affixes]


@lru_cache(maxsize=8192)  # class names repeat within a page and across a site's pages (values are at most 400 chars)
def words_of(value: str) -> tuple[str, ...]:
    """The words of a class, id or aria-label value: split on blanks, ``-`` and ``_``, then camelCase
    and anything but letters. A part holding a digit is a hash or a number (``4a099d0``,
    ``ad300-companion``, ``css-1x2y3z``) and names nothing; one-letter words are dropped."""
    out = []
    for name in value.split():
        if _STATE_PREFIX.match(name):
            continue
        parts = _PARTS.split(name)
        if len(parts) > 1 and parts[0].lower() in _TAXONOMY and parts[-1].lower() not in _STRUCTURE:
            continue  # WordPress's "category-news", "tag-trump" on an article: its topics, not a tag list
        for part in parts:
            if part.isascii() and part.isalpha() and part.islower():  # most parts: one word, as it stands
                if len(part) > 1:
                    out.append(part)
                continue
            if not part or _DIGIT.search(part):
                continue
            for piece in _SPLIT.split(_CAMEL.sub(" ", part)):
                out.extend(w.lower() for w in piece.split() if len(w) > 1)
    return tuple(out)


@lru_cache(maxsize=16384)
def _word_label(word: str) -> str | None:
    label = _WORD_LABEL.get(word)
    if label is not None or len(word) < 6:
        return label
    for affix, label in _AFFIX_LABEL:
        if word.startswith(affix) or word.endswith(affix):
            return label
    return None


def _rank(label: str) -> int:
    return GENERIC if label == "generic" else RANK[label]


# what element_evidence reads of an element, beside its tag (and, for a <title>, whether it is an SVG's)
_READ = ("role", "itemprop", "itemtype", "class", "id", "aria-label", "data-component", "data-module")
_NAMED = ("class", "id", "aria-label", "data-component", "data-module")  # the evidence's names of the last five
_RANK_OF = {label: _rank(label) for label in {*TAGS.values(), *ROLES.values(), *ITEMPROPS.values(), *WORDS}}


def element_evidence(el, _known: dict | None = None) -> tuple[int, str, str] | None:
    """The strongest evidence an element itself carries: (rank, label, evidence), or None.

    ``_known`` caches the answer by what the element shows (its tag and the attributes read), which
    many elements of a page share (a menu's items, a grid's cells)."""
    tag = el.tag if isinstance(el.tag, str) else ""
    tag = tag.lower()
    values = tuple(map(el.get, _READ))
    if _known is None or tag == "title":
        return _evidence(tag, values, el)
    key = (tag, *values)
    found = _known.get(key, False)
    if found is False:
        found = _known[key] = _evidence(tag, values, el)
    return found


@lru_cache(maxsize=16384)  # a class value's words are looked up once (values are at most 400 chars)
def _value_evidence(value: str) -> tuple[int, str, str] | None:
    """The strongest word of a class, id or aria-label value: (rank, label, word), or None; of equal
    ranks the first, the words in order and after each word the two or three words from it joined
    ("more-stories", "you-may-like")."""
    words = words_of(value)
    best = None
    for k, w in enumerate(words):
        label = _word_label(w)
        if label and (best is None or _RANK_OF[label] > best[0]):
            best = (_RANK_OF[label], label, w)
        for j in (k + 2, k + 3):
            if j <= len(words):
                joined = "".join(words[k:j])
                label = _WORD_LABEL.get(joined)
                if label and (best is None or _RANK_OF[label] > best[0]):
                    best = (_RANK_OF[label], label, joined)
    return best


def _evidence(tag: str, values: tuple, el) -> tuple[int, str, str] | None:
    """The evidence of the highest rank among the element's (``values``: its attributes ``_READ``);
    of equal ranks, the first of: the tag, the role, itemprop and itemtype, the words of class, id,
    aria-label, data-component and data-module (in that order)."""
    best = None  # (rank, label, evidence)
    label = TAGS.get(tag)
    if label and not (tag == "title" and _inside(el, "svg")):
        best = (_RANK_OF[label], label, f"tag:{tag}")
    role, itemprop, itemtype, *named = values
    if role:
        for r in role.lower().split():
            label = ROLES.get(r)
            if label and (best is None or _RANK_OF[label] > best[0]):
                best = (_RANK_OF[label], label, f"role:{r}")
    for attr, value in (("itemprop", itemprop), ("itemtype", itemtype)):
        if value:
            for v in value.split():
                key = v.rstrip("/").rsplit("/", 1)[-1].lower()
                label = ITEMPROPS.get(key)
                if label and (best is None or _RANK_OF[label] > best[0]):
                    best = (_RANK_OF[label], label, f"{attr}:{key}")
    for name, value in zip(_NAMED, named, strict=True):
        if value and len(value) <= 400:
            word = _value_evidence(value)
            if word is not None and (best is None or word[0] > best[0]):
                best = (word[0], word[1], f"{name}:{word[2]}")
    if best is None:
        return None
    rank, label, evidence = best
    return rank, ("boilerplate" if label == "generic" else label), evidence


def _inside(el, tag: str) -> bool:
    parent = el.getparent()
    for _ in range(MAX_LEVELS):
        if parent is None:
            return False
        if parent.tag == tag:
            return True
        parent = parent.getparent()
    return False


class Labeller:
    """Silver labels for the lines of one page's views (the DOM is parsed once, evidence cached)."""

    def __init__(self, dom: DomText) -> None:
        self.dom = dom
        self._evidence: dict = {}  # element -> its evidence
        self._shown: dict = {}  # element_evidence's cache
        self._above: dict = {}  # (element, levels) -> what the walk up from it finds
        self._wrapper_chars = PAGE_SHARE * max(dom.chars, 1)

    def _of(self, el) -> tuple[int, str, str] | None:
        cached = self._evidence.get(el, False)
        if cached is False:
            if self.dom.text_size(el) > self._wrapper_chars:
                cached = None
            else:
                cached = element_evidence(el, self._shown)
            self._evidence[el] = cached
        return cached

    def _walk(self, el, levels: int) -> tuple[tuple[int, str, str] | None, str | None]:
        """From ``el`` up, ``levels`` elements at most, stopping at <body> or past <main>: the
        strongest evidence (the closest of equal ranks) and the closest generic container's.

        Lines under one element share its ancestors' walk: it is remembered, level by level."""
        if levels == 0 or el is None or not isinstance(el.tag, str) or el.tag in ("body", "html"):
            return None, None
        key = (el, levels)
        found = self._above.get(key)
        if found is None:
            ev = self._of(el)
            if el.tag == "main" or el.get("role") == "main":
                best, generic = None, None
            else:
                best, generic = self._walk(el.getparent(), levels - 1)
            if ev is not None:
                if ev[0] == GENERIC:
                    generic = ev[2]
                if best is None or ev[0] >= best[0]:
                    best = ev
            found = self._above[key] = (best, generic)
        return found

    def decide(self, match: LineMatch, line: str) -> tuple[str, str]:
        """The silver label of one view line and the evidence that decided it."""
        if not _LETTER_OR_DIGIT.search(line):
            return "markup", "text:no-letter-or-digit"
        if "](" in line:
            bare = _without(line, markdown_bracketed_images, "")
            if not _LETTER_OR_DIGIT.search(bare):
                return "image", "syntax:markdown-image"
            if not _LETTER_OR_DIGIT.search(_without(bare, markdown_links, None)):
                return "markup", "syntax:empty-link"
        if says_copyright(line):
            return "copyright", "text:copyright"
        if _COMMENT_COUNT.match(line):
            return "comments", "text:comment-count"
        el = match.element
        if el is None:
            return "boilerplate", "unaligned"
        best, generic = self._walk(el, MAX_LEVELS)
        if best is not None and best[0] > GENERIC:
            if best[1] == "navigation" and (furniture := _furniture(line, match.tokens)):
                return furniture[0], f"{furniture[1]}+{best[2]}"
            return best[1], best[2]
        if match.link_share >= LINK_DENSITY:
            if furniture := _furniture(line, match.tokens):
                return furniture
            where = f"+{generic}" if generic else ""
            if len(_WORD.findall(line)) >= HEADLINE_WORDS:
                return "related", f"link-density+long{where}"
            return "navigation", f"link-density{where}"
        if generic:
            return "boilerplate", generic
        return "boilerplate", "none"


_CACHE: dict[str, object] = {}


def _dom_of(html: str) -> DomText:
    """The page's DomText; the last page's is kept, as a trainer asks for its views one after another."""
    if _CACHE.get("html") is not html and _CACHE.get("html") != html:
        _CACHE["html"] = html
        _CACHE["dom"] = dom_text(html)
    return _CACHE["dom"]  # type: ignore[return-value]


def line_labels(html: str | DomText, text: str) -> tuple[list[int], list[int], list[tuple[str, str]]]:
    """Every non-empty line of a view with its silver (label, evidence)."""
    dom = html if isinstance(html, DomText) else _dom_of(html)
    starts, ends = nonempty_lines(text)
    matches = align(dom, text, starts, ends)
    labeller = Labeller(dom)
    labels = [labeller.decide(m, text[s:e]) for m, s, e in zip(matches, starts, ends, strict=True)]
    return starts, ends, labels


def silver_labels(html: str, text: str, starts: list[int], ends: list[int]) -> list[tuple[str, str]]:
    """(label, evidence) for each segment ``text[starts[k]:ends[k]]`` of a view of the page ``html``.

    A segment takes the label of the line that contains it, except that a segment without a letter
    or digit (a lone ``|`` cell) is ``markup``. The trainer takes gold-covered segments as content
    and these labels for the rest.
    """
    line_starts, line_ends, labels = line_labels(html, text)
    out = []
    for s, e in zip(starts, ends, strict=True):
        if not _LETTER_OR_DIGIT.search(text, s, e):
            out.append(("markup", "text:no-letter-or-digit"))
            continue
        k = bisect_right(line_starts, s) - 1
        if k < 0 or s >= line_ends[k]:
            out.append(("boilerplate", "unaligned"))
            continue
        out.append(labels[k])
    return out
