"""Messages in the reader's language: English as the core writes them, Simplified Chinese from
``locales/zh-CN.json``.

Two kinds of text are translated:

* **templates** the app fills in (``say``): the English template is the key of ``messages``; the values are
  filled in after translation, and a ``category`` value becomes its Chinese name;
* **text the core has already written** (``translate``): report measurements, cut-out notes, warnings and
  error messages, with numbers and names inside. ``phrases`` holds their English patterns (``{name}`` marks a
  value) and the Chinese for each; a text is matched whole, else split at "; " and then ": " and each part
  matched on its own, so "model confidence 84%; 2 separate objects found: check the cut-out" needs three
  phrases, not one per combination. A part no phrase matches stays English rather than being guessed.

The glossary (product types, colours, marketplace terms) lives in the same file, so a translator works in one
place. No Gradio here: the CLI and the API use it too.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

LOCALE_FILE = Path(__file__).resolve().parent / "locales" / "zh-CN.json"
LANGUAGES = ("en", "zh")


@lru_cache(maxsize=1)
def locale() -> dict:
    """The Chinese locale file, read once."""
    return json.loads(LOCALE_FILE.read_text(encoding="utf-8"))


def language_of(accept_language: str | None) -> str:
    """"zh" when an Accept-Language header (or a ``--language`` value) asks for Chinese first, else "en"."""
    return "zh" if str(accept_language or "").strip().lower().startswith("zh") else "en"


def category_name(category: str, language: str) -> str:
    return locale()["categories"].get(category, category) if language == "zh" else category


def say(language: str, text: str, **values) -> str:
    """The template ``text`` in ``language``, its {names} filled with ``values``."""
    if language == "zh":
        values = {key: category_name(value, language) if key == "category" else value
                  for key, value in values.items()}
        text = locale()["messages"].get(text, text)
    return text.format(**values) if values else text


@lru_cache(maxsize=1)
def _phrases() -> list[tuple[re.Pattern, str]]:
    """(pattern, Chinese template) for every phrase, the most specific (longest fixed text) first."""
    compiled = []
    for english, chinese in locale()["phrases"].items():
        # a value never spans a "; " or ": " (those join phrases), so a short phrase cannot swallow a long text
        pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>(?:(?!; |: ).)+?)", re.escape(english))
        compiled.append((len(re.sub(r"\{\w+\}", "", english)), re.compile(pattern + r"\Z", re.S), chinese))
    compiled.sort(key=lambda item: -item[0])
    return [(pattern, chinese) for _, pattern, chinese in compiled]


def _known(text: str) -> str | None:
    """A whole message, a UI label (a field's name) or a product type, in Chinese; None if none of them."""
    table = locale()
    for section in ("messages", "ui", "categories"):
        if text in table[section]:
            return table[section][text]
    return None


def _phrase(text: str) -> str | None:
    stripped = text.strip()
    known = _known(stripped)
    if known is not None:
        return known
    for pattern, chinese in _phrases():
        found = pattern.match(stripped)
        if found:
            return chinese.format(**{key: _value(value) for key, value in found.groupdict().items()})
    return None


def _value(value: str) -> str:
    """A value inside a phrase: a known name or phrase in Chinese (quotes kept), else as it is."""
    quote = value[0] if value[:1] in "'\"" and value[-1:] == value[:1] and len(value) > 1 else ""
    inner = value[1:-1] if quote else value
    if not re.search(r"[A-Za-z]{2}", inner):
        return value
    translated = _phrase(inner)
    return value if translated is None else f"{quote}{translated}{quote}"


def translate(language: str, text: str) -> str:
    """Text the core wrote, in ``language``: whole, else part by part (see the module's notes)."""
    if language != "zh" or not text:
        return text
    ending = "。" if text.rstrip().endswith(".") else ""
    body = text.rstrip().rstrip(".")
    whole = _phrase(body) or _phrase(text)
    if whole is not None:
        return whole if whole.endswith(("。", "！", "？")) or not ending else whole + ending
    for separator, joiner in (("; ", "；"), (": ", "：")):
        if separator in body:
            return joiner.join(translate("zh", part) for part in body.split(separator)) + ending
    return text
