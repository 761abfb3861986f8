"""Example answers for the API reference: real answers of a server, so that they are true.

trading.json, market.json and admin.json hold answers of one run of a server on the simulated market (a
market buy of 2 AAPL, a limit buy of MSFT, $500 of SPY, an account opened by an administrator...), so their
ids agree with each other; strategies.json holds those of a strategy created, revised and activated on the
manual market. The reference's tests check every example against its schema.
"""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from typing import Any, Literal

Surface = Literal["trading", "market", "admin", "strategies"]


@cache
def _answers(surface: Surface) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((files(__name__) / f"{surface}.json").read_text(encoding="utf-8"))
    return loaded


def example(surface: Surface, name: str) -> Any:
    """The answer saved under `name` for `surface`.

    Raises:
        KeyError: no such example.
    """
    return _answers(surface)[name]
