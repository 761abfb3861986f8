"""The SQLite schema of the data directory's database."""

from __future__ import annotations

from typing import Final

ANCHOR_KEY: Final = "chain_anchor"
"""meta row: the position and hash of the last record removed by compaction."""
GENESIS: Final = b"\x00" * 32
"""The hash the first journal record is chained to."""

SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS journal (
    seq        INTEGER PRIMARY KEY,
    account_id BLOB    NOT NULL,
    payload    BLOB    NOT NULL,
    crc        INTEGER NOT NULL,
    hash       BLOB    NOT NULL
);
CREATE TABLE IF NOT EXISTS snapshots (
    account_id BLOB    PRIMARY KEY,
    seq        INTEGER NOT NULL,
    payload    BLOB    NOT NULL,
    crc        INTEGER NOT NULL,
    taken_at   TEXT    NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS fills (
    fill_id    TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    order_id   TEXT NOT NULL,
    symbol     TEXT NOT NULL,
    side       TEXT NOT NULL,
    qty        TEXT NOT NULL,
    price      TEXT NOT NULL,
    cash       TEXT NOT NULL,
    timestamp  TEXT NOT NULL,
    seq        INTEGER NOT NULL
);
-- fills_by_account (account_id, timestamp) served no query (activities serve fill listings) and cost every
-- commit a page per account it touched.
DROP INDEX IF EXISTS fills_by_account;
CREATE TABLE IF NOT EXISTS activities (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id TEXT    NOT NULL,
    timestamp  TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    payload    BLOB    NOT NULL,
    seq        INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS activities_by_account ON activities (account_id, timestamp);
CREATE TABLE IF NOT EXISTS orders (
    id         TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    symbol     TEXT NOT NULL,
    status     TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    payload    BLOB NOT NULL,
    seq        INTEGER NOT NULL
);
-- orders_by_account (account_id, seq) served start-up's reading of closed orders, which is gone.
DROP INDEX IF EXISTS orders_by_account;
CREATE INDEX IF NOT EXISTS orders_by_account_time ON orders (account_id, created_at, id);
-- Strategies' signals, projected from the journal's StrategySignalled events in the same transaction (as activities
-- are), so they outlive compaction. A row may be sent twice after a failure: its id keeps it once.
CREATE TABLE IF NOT EXISTS signals (
    id          TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL,
    strategy_id TEXT NOT NULL,
    symbol      TEXT NOT NULL,
    bar_time    TEXT NOT NULL,
    payload     BLOB NOT NULL,
    seq         INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS signals_by_strategy ON signals (account_id, strategy_id, bar_time, id);
-- Notifications, projected from the journal's NotificationsCreated events in the same transaction; (seq, place) is the
-- order they were made in. NotificationsRead events set read_at. A row may be sent twice after a failure: its id
-- keeps it once, and a read only sets read_at where it is still empty.
CREATE TABLE IF NOT EXISTS notifications (
    id         TEXT PRIMARY KEY,
    account_id TEXT    NOT NULL,
    type       TEXT    NOT NULL,
    created_at TEXT    NOT NULL,
    payload    BLOB    NOT NULL,
    seq        INTEGER NOT NULL,
    place      INTEGER NOT NULL,
    read_at    TEXT
);
CREATE INDEX IF NOT EXISTS notifications_by_account ON notifications (account_id, seq, place);
CREATE INDEX IF NOT EXISTS notifications_unread ON notifications (account_id) WHERE read_at IS NULL;
-- The webhook dispatcher reads every account's notifications in the order they were made, after its cursor.
CREATE INDEX IF NOT EXISTS notifications_by_position ON notifications (seq, place);
CREATE TABLE IF NOT EXISTS audit (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    at     TEXT NOT NULL,
    actor  TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail BLOB NOT NULL
);
"""
