"""The Simplified Chinese catalogs are complete, consistent and up to date with the source.

Simplified Chinese is the default locale, so an untranslated message shows English to every
user. These tests read the catalogs and the source only; they need no application or database.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CORE_CATALOG = ROOT / "translations" / "zh_Hans" / "LC_MESSAGES" / "messages.po"
PLUGIN_CATALOGS = sorted(
    path
    for top in ("plugins", "examples")
    for path in ROOT.glob(f"{top}/*/portal_*/translations/zh_Hans/LC_MESSAGES/*.po")
)
ZH_CATALOGS = [CORE_CATALOG, *PLUGIN_CATALOGS]

#: the keywords of ``make extract-messages``: babel's defaults plus ``-k _l -k lazy_gettext``
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}

#: ``%(name)s`` (python-format) and ``{name}`` (python-brace-format) placeholders
PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[a-zA-Z]|\{\w*(?:![rsa])?(?::[^{}]*)?\}")


def _load(path: Path) -> Catalog:
    with path.open("rb") as f:
        return read_po(f, locale="zh_Hans")


def _messages(catalog: Catalog) -> list[Message]:
    return [message for message in catalog if message.id]


def _ids(message: Message) -> tuple[str, ...]:
    return message.id if isinstance(message.id, tuple) else (message.id,)


def _strings(message: Message) -> tuple[str, ...]:
    return message.string if isinstance(message.string, tuple) else (message.string,)


def _label(message: Message) -> str:
    context = f" (context {message.context!r})" if message.context else ""
    return f"{_ids(message)[0]!r}{context}"


def _placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def _catalog_id(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


@pytest.mark.parametrize("path", ZH_CATALOGS, ids=_catalog_id)
def test_every_message_is_translated(path: Path) -> None:
    catalog = _load(path)
    untranslated = [
        _label(message)
        for message in _messages(catalog)
        if not all(s.strip() for s in _strings(message))
    ]
    fuzzy = [_label(message) for message in _messages(catalog) if message.fuzzy]
    problems = [f"untranslated: {label}" for label in untranslated]
    problems += [f"fuzzy (check it, then drop the flag): {label}" for label in fuzzy]
    assert not problems, f"{_catalog_id(path)} is incomplete:\n" + "\n".join(problems)


@pytest.mark.parametrize("path", ZH_CATALOGS, ids=_catalog_id)
def test_placeholders_match(path: Path) -> None:
    catalog = _load(path)
    wrong = []
    for message in _messages(catalog):
        ids = _ids(message)
        expected = set().union(*(_placeholders(msgid) for msgid in ids))
        for string in _strings(message):
            if not string:
                continue  # reported by test_every_message_is_translated
            found = _placeholders(string)
            # A plural form may leave out the count (singular "One store"), nothing else.
            if found != expected and not (len(ids) > 1 and found <= expected):
                wrong.append(
                    f"{_label(message)}: expected {sorted(expected)}, found {sorted(found)}"
                )
    assert not wrong, f"placeholders differ in {_catalog_id(path)}:\n" + "\n".join(wrong)


def _extracted_core_messages() -> dict[tuple[str, str | None], str]:
    """msgid and context of every message in ``portal``, as ``make extract-messages`` sees them."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f, filename="babel.cfg")
    found: dict[tuple[str, str | None], str] = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
        ROOT / "portal", method_map, options_map, keywords=KEYWORDS
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        found.setdefault((msgid, context), f"portal/{filename}:{lineno}")
    return found


def test_core_catalog_is_up_to_date() -> None:
    extracted = _extracted_core_messages()
    assert extracted, "no messages extracted from portal; is babel.cfg right?"
    catalog = _load(CORE_CATALOG)
    missing = sorted(
        f"{where}: {msgid!r}" + (f" (context {context!r})" if context else "")
        for (msgid, context), where in extracted.items()
        if catalog.get(msgid, context=context) is None
    )
    assert not missing, (
        f"{len(missing)} message(s) of the source are missing from {_catalog_id(CORE_CATALOG)}. "
        "Run `make extract-messages` and translate the new entries:\n" + "\n".join(missing)
    )
