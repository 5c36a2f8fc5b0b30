"""Latency and throughput figures from a list of per-event timings."""

import statistics
from dataclasses import dataclass


@dataclass(frozen=True)
class Figures:
    """What one timed run measured: a count of units (tickets, deliveries) done in `seconds`
    of wall-clock time, and the latency of each event in milliseconds."""

    units: int
    seconds: float
    latencies_ms: tuple[float, ...]

    @property
    def rate(self) -> float:
        """Units per second of wall-clock time."""
        return self.units / self.seconds if self.seconds > 0 else float("nan")

    @property
    def p50(self) -> float:
        """Median event latency, milliseconds."""
        return percentile(self.latencies_ms, 50)

    @property
    def p99(self) -> float:
        """99th-percentile event latency, milliseconds."""
        return percentile(self.latencies_ms, 99)


def percentile(values: tuple[float, ...], pct: int) -> float:
    """The `pct`th percentile (1..99) of `values`; NaN when there are too few to say."""
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]
