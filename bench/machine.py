"""How fast this machine runs Python at the moment: a fixed workload, timed.

Shared machines change speed by half or more from one hour to the next, so a figure means
little without it: compare benchmark runs only at similar references.
"""

import time

ROUNDS = 5
LOOPS = 200_000


def cpu_reference_ms() -> float:
    """The best of a few timings of a fixed pure-Python loop, in milliseconds."""
    best = float("inf")
    for _ in range(ROUNDS):
        started = time.perf_counter()
        _workload()
        best = min(best, time.perf_counter() - started)
    return best * 1000


def _workload() -> int:
    total = 0
    for number in range(LOOPS):
        total += number * number % 7
    return total
