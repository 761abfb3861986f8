"""End-to-end tests' collection: each test the contract sweep generates gets a node id of its own."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Put each schemathesis test's operation in its node id, as pytest does with a parametrized test's id.

    Under pytest 9.2 schemathesis gives the tests of every operation one node id; pytest-xdist schedules tests
    by node id, and so ran one operation of the sweep.
    """
    for item in items:
        label = getattr(item, "operation_label", None)
        if isinstance(label, str) and item._id.params is None:
            item._id = item._id.with_params(label)
