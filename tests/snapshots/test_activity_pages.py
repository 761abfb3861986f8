"""Journal.activity_page: an account's activities oldest first, a bounded page at a time, on both journals."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from uuid import uuid4

from tests.snapshots.factories import NOW, deposit, opened
from tradeloop.journal import Activity, ActivityKey, ActivityQuery, Journal


async def test_pages_of_activities_at_one_moment_list_each_once_in_the_listings_order(journal: Journal) -> None:
    account_id, other = uuid4(), uuid4()
    tied = [deposit(account_id, str(n + 1)) for n in range(17)]  # all at one moment: only the key's second part orders them
    later = [replace(deposit(account_id, str(n + 100)), timestamp=NOW + timedelta(seconds=1)) for n in range(5)]
    await journal.write(account_id, [opened(account_id), *tied, *later])
    await journal.write(other, [opened(other), deposit(other, "5")])
    query = ActivityQuery(account_id=account_id, kinds=frozenset({"CSD"}), newest_first=False, limit=3)
    pages: list[list[Activity]] = []
    key: ActivityKey | None = None
    while True:
        page, key = await journal.activity_page(query, key)
        pages.append(page)
        if key is None:
            break
    assert all(len(page) <= 3 for page in pages) and len(pages) >= 22 // 3
    paged = [activity for page in pages for activity in page]
    assert paged == [*tied, *later]
    assert paged == await journal.activities(replace(query, limit=100))
