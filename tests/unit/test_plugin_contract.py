"""The vendor guide agrees with the hookspecs, and plugins keep to the public API it lists."""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from pathlib import Path

import pytest

from portal.plugins import hookspecs

ROOT = Path(__file__).resolve().parents[2]
GUIDE = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
PLUGIN_SOURCES = sorted(
    path
    for pattern in ("*/portal_*/**/*.py", "*/tests/**/*.py")
    for top in ("plugins", "examples")
    for path in (ROOT / top).glob(pattern)
)


def _specs() -> dict[str, object]:
    return {
        name: function
        for name, function in inspect.getmembers(hookspecs, inspect.isfunction)
        if hasattr(function, "portal_spec")
    }


def _sections() -> dict[str, str]:
    """The guide's text under each ``### portal_...(...)`` heading, up to the next heading."""
    parts = re.split(r"^### `?(portal_\w+)\(", GUIDE, flags=re.MULTILINE)
    return {
        name: re.split(r"^#{2,3} ", body, maxsplit=1, flags=re.MULTILINE)[0]
        for name, body in zip(parts[1::2], parts[2::2], strict=True)
    }


@pytest.mark.parametrize("name", sorted(_specs()))
def test_guide_says_firstresult_exactly_where_the_spec_does(name):
    spec = _specs()[name]
    firstresult = spec.portal_spec["firstresult"]  # type: ignore[attr-defined]
    said = re.search(r"\*\*firstresult:\*\* (yes|no)", _sections()[name])
    assert said is not None, f"the section of {name} needs a '- **firstresult:**' line"
    assert (said.group(1) == "yes") == firstresult, name
    docstring = inspect.getdoc(spec) or ""
    assert ("``firstresult``" in docstring) == firstresult, f"{name}'s docstring must say so"


@pytest.mark.parametrize("name", sorted(_specs()))
def test_guide_gives_the_version_the_spec_was_added_in(name):
    added = re.search(r"versionadded:: (\d+\.\d+)", inspect.getdoc(_specs()[name]) or "")
    assert added is not None, f"{name}'s docstring needs '.. versionadded::'"
    since = re.search(r"\*\*Since:\*\* (\d+\.\d+)", _sections()[name])
    assert since is not None, f"the section of {name} needs a '- **Since:**' line"
    assert since.group(1) == added.group(1), name


@pytest.mark.parametrize("name", sorted(_specs()))
def test_every_spec_docstring_has_an_example(name):
    assert "Example::" in (inspect.getdoc(_specs()[name]) or ""), name


def _public_modules() -> set[str]:
    table = GUIDE.split("## The public API", 1)[1].split("\n## ", 1)[0]
    modules: set[str] = set()
    for cell in re.findall(r"^\| ([^|]+) \|", table, flags=re.MULTILINE):
        modules.update(re.findall(r"`(portal[\w.]*)`", cell))
    return modules


def test_every_public_module_exists():
    for module in sorted(_public_modules()):
        importlib.import_module(module)


def _portal_imports(path: Path) -> list[tuple[str, str | None, int]]:
    """``(module, name, line)`` of every import from ``portal`` in one file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "portal" or node.module.startswith("portal."):
                found += [(node.module, alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [
                (alias.name, None, node.lineno)
                for alias in node.names
                if alias.name == "portal" or alias.name.startswith("portal.")
            ]
    return found


def test_plugins_import_only_the_public_api():
    public = _public_modules()
    assert PLUGIN_SOURCES, "no plugin sources found"
    wrong = []
    for path in PLUGIN_SOURCES:
        for module, name, line in _portal_imports(path):
            where = f"{path.relative_to(ROOT)}:{line}"
            if name is not None and f"{module}.{name}" in public:
                module, name = f"{module}.{name}", None  # `from portal.sla import services`
            if module not in public:
                wrong.append(f"{where}: {module} is not in the public API")
            elif name is not None and name.startswith("_"):
                wrong.append(f"{where}: {module}.{name} is private")
    assert wrong == []


EXAMPLE = ROOT / "examples" / "winelist"


def _tutorial_files() -> list[tuple[str, str]]:
    """``(path, text)`` of every code block the guide introduces with "`path`:"."""
    blocks = re.findall(
        r"^`((?:portal_winelist|tests)/[^`]+|pyproject\.toml)`:\n\n```\w*\n(.*?)^```$",
        GUIDE,
        flags=re.MULTILINE | re.DOTALL,
    )
    return [(path, text) for path, text in blocks]


def test_the_tutorial_shows_the_example_plugin_word_for_word():
    shown = _tutorial_files()
    assert {path for path, _text in shown} >= {
        "pyproject.toml",
        "portal_winelist/plugin.py",
        "portal_winelist/models.py",
        "portal_winelist/services.py",
        "tests/test_plugin.py",
    }
    for path, text in shown:
        assert text == (EXAMPLE / path).read_text(encoding="utf-8"), f"{path} drifted"
