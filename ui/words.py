"""The visitor's language in the web app: English, and Simplified Chinese from productgen/locales/zh-CN.json
(chosen by the browser's language, or in Settings at the foot of the page). A UI string is its own key; numbers
are filled into templates here."""
from __future__ import annotations

import gradio as gr

from productgen import i18n
from productgen.limits import GOOD_PHOTOS, MIN_PHOTOS, SPACE_CPU_MINUTES
from productgen.listing.pack import HOUSEHOLD


def locale_values() -> dict[str, str]:
    return {"min_photos": str(MIN_PHOTOS), "good_low": str(GOOD_PHOTOS[0]), "good_high": str(GOOD_PHOTOS[1]),
            "space_minutes": f"{SPACE_CPU_MINUTES:.0f}"}


def fill(text: str) -> str:
    return text.format(**locale_values()) if "{" in text else text


def t(text: str) -> gr.I18nData:
    """A UI string: English as written, Chinese from the locale file in a Chinese browser."""
    return gr.I18n()(fill(text))


# Words Gradio's status tracker says to screen readers (its live region) under keys its own locale files lack:
# without them a screen reader hears the key, "common.complete", after every run.
STATUS_WORDS = {"en": {"common.complete": "Done"}, "zh": {"common.complete": "已完成"}}


HOUSEHOLD_LABEL = "Household: {category}"


def household_label(name: str) -> str:
    """How a household type is offered among the categories (a group the merchant can pick)."""
    return HOUSEHOLD_LABEL.format(category=name)


def translations() -> gr.I18n:
    """The app's translations, for ``launch(i18n=...)``: Simplified Chinese for zh-CN (and any zh) browsers, and
    the status words Gradio's own locale lacks, in both languages."""
    table = i18n.locale()
    chinese = {fill(key): fill(value) for key, value in table["ui"].items()} | table["categories"]
    chinese |= STATUS_WORDS["zh"]
    chinese |= {household_label(name): i18n.say("zh", HOUSEHOLD_LABEL, category=name) for name in HOUSEHOLD}
    return gr.I18n(**{"en": STATUS_WORDS["en"], "zh-CN": chinese, "zh": chinese})


def language(request: gr.Request | None) -> str:
    """"zh" when the visitor's browser asks for Chinese first (its Accept-Language), else "en"."""
    headers = getattr(request, "headers", None) or {}
    return i18n.language_of(headers.get("accept-language"))


def say(request: gr.Request | None, text: str, **values) -> str:
    """A message the server writes (statuses, headlines, column names) in the visitor's language; ``text`` is
    the English template, ``values`` fill its {names}."""
    return i18n.say(language(request), text, **values)


def said(request: gr.Request | None, text: str) -> str:
    """Text the core wrote (a measurement, a note, an error) in the visitor's language."""
    return i18n.translate(language(request), text)


def table(request: gr.Request | None, columns: list[str], rows: list[list]):
    """Rows under column names in the visitor's language (Gradio shows a DataFrame's own columns)."""
    import pandas as pd

    return pd.DataFrame(rows, columns=[say(request, name) for name in columns])


def translated_choices(values) -> list[tuple]:
    """Choices shown in the browser's language; the value sent back stays the English one."""
    return [(t(value), value) for value in values]
