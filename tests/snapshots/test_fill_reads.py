"""Reading an account's fills looks each order up by its id, however many orders the account has."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tradeloop.snapshots.history import orders_by_id_sql
from tradeloop.snapshots.schema import SCHEMA


def test_the_strategies_of_fills_are_read_by_order_id_not_by_scanning_the_account(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / "tradeloop.db")
    try:
        db.executescript(SCHEMA)
        ids = [f"order-{number}" for number in range(500)]
        plan = db.execute(f"EXPLAIN QUERY PLAN {orders_by_id_sql(len(ids))}", ["account", *ids]).fetchall()
    finally:
        db.close()
    details = " ".join(str(row[-1]) for row in plan)
    # By the account's index, each list of 500 ids would scan every order of the account: 100,000 orders, 200 scans.
    assert "orders_by_account_time" not in details
    assert "sqlite_autoindex_orders_1 (id=?)" in details, details
