"""Winnow's built-in rules as package data: ``winnow.rules_data`` (``winnow.rules`` is the rule
loader). The rule packs (``*.yaml``), the thresholds (``settings/``), the stop-word lists
(``stopwords/``) and the segment model (``model/``).

No code: this file makes the folder a regular package, so that ``importlib.resources`` finds it in
the wheel and in an editable install alike (``winnow.config.DEFAULT_RULES_DIR``).
"""
