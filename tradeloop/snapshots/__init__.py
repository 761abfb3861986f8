"""Persistence: the event journal, account snapshots and history tables in SQLite."""
