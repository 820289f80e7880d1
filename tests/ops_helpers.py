"""Helpers for the operations tests (tests/test_ops_*.py): reading a Prometheus scrape."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families


def sample(text: str, name: str, **labels: str) -> float:
    """The value of sample `name` with exactly these `labels` in a `/metrics` body, 0.0 if absent."""
    for family in text_string_to_metric_families(text):
        for found in family.samples:
            if found.name == name and found.labels == labels:
                return found.value
    return 0.0
