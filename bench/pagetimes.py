"""Shared by the page benchmarks: p50 and p95 of a list of request times."""

from __future__ import annotations

import statistics


def summary(times: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(times, n=20)
    return statistics.median(times), cuts[18]
