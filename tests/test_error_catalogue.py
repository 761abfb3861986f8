"""The error catalogue (docs/errors.md) matches the exception tree it is generated from."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Final

import tradeloop.errors
from tradeloop.error_catalogue import REGENERATE, entries, error_tree, load_error_classes, render
from tradeloop.errors import TradeloopError

ROOT: Final = Path(__file__).resolve().parent.parent
CATALOGUE: Final = ROOT / "docs" / "errors.md"
TREE_LINE: Final = re.compile(r"^[\s│├└─]*(?P<name>[A-Z]\w+)\s+(?P<status>\d{3}) (?P<code>\d{8})\b", re.M)


def test_docs_errors_md_is_what_the_exception_tree_generates_now() -> None:
    written = CATALOGUE.read_text(encoding="utf-8")
    assert written == render(), f"docs/errors.md is out of date with the exception tree: run `.venv/bin/{REGENERATE}`"


def test_the_catalogue_has_a_section_with_status_code_meaning_and_example_for_every_error_class() -> None:
    load_error_classes()
    classes = [cls for cls, _ in error_tree()]
    found = entries()
    text = render()
    assert [entry.cls for entry in found] == classes
    for entry in found:
        cls = entry.cls
        section = text.split(f"\n## {cls.__name__}\n", 1)[1].split("\n## ", 1)[0]
        facts = f"{cls.status} {cls.title} · code `{cls.code}` · type `https://tradeloop.dev/problems/{cls.slug}`"
        assert facts in section
        assert entry.meaning and entry.meaning in section
        assert entry.meaning.split()[:4] == (cls.__dict__["__doc__"] or "").split()[:4]
        assert f"HTTP/1.1 {cls.status} {cls.title}" in section
        assert f'"code": {cls.code},' in section


def test_the_tree_drawn_in_errors_py_names_every_class_with_its_status_and_code() -> None:
    load_error_classes()
    drawn = {m["name"]: (int(m["status"]), int(m["code"])) for m in TREE_LINE.finditer(tradeloop.errors.__doc__ or "")}
    actual = {cls.__name__: (cls.status, cls.code) for cls, _ in error_tree(TradeloopError)}
    assert drawn == actual, "draw every error class, with its status and code, in the tree of errors.py's docstring"


def test_the_module_writes_the_catalogue_to_the_path_it_is_given(tmp_path: Path) -> None:
    target = tmp_path / "errors.md"
    done = subprocess.run(
        [sys.executable, "-m", "tradeloop.error_catalogue", str(target)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert target.read_text(encoding="utf-8") == render()
