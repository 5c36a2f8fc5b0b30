"""The printed table: each measurement's rate, its target where the issue sets one, latency."""

from dataclasses import dataclass

from bench.stats import Figures


@dataclass(frozen=True)
class Row:
    """One line of the table; `per` says what one latency sample is (an event, an intent)."""

    backend: str
    measure: str
    unit: str
    figures: Figures
    target: float | None
    per: str = "event"


def _target(row: Row) -> str:
    if row.target is None:
        return "-"
    verdict = "met" if row.figures.rate >= row.target else "BELOW"
    return f">= {row.target:,.0f} ({verdict})"


def print_table(rows: list[Row]) -> None:
    """Print the rows as an aligned table, with a legend."""
    header = ("Backend", "Measure", "count", "rate", "target", "p50 ms", "p99 ms", "latency of")
    cells = [
        (
            row.backend,
            row.measure,
            f"{row.figures.units:,}",
            f"{row.figures.rate:,.0f} {row.unit}/s",
            _target(row),
            f"{row.figures.p50:.2f}",
            f"{row.figures.p99:.2f}",
            f"one {row.per}",
        )
        for row in rows
    ]
    widths = [max(len(line[column]) for line in [header, *cells]) for column in range(len(header))]
    right = {2, 3, 5, 6}

    def line(values: tuple[str, ...]) -> str:
        return "  ".join(
            value.rjust(width) if column in right else value.ljust(width)
            for column, (value, width) in enumerate(zip(values, widths, strict=True))
        ).rstrip()

    print(line(header))
    print("  ".join("-" * width for width in widths))
    previous = None
    for row, values in zip(rows, cells, strict=True):
        if previous is not None and row.backend != previous:
            print()
        print(line(values))
        previous = row.backend
    print()
    print("raise: only the confirming event is timed (it creates the ticket, its audit event and")
    print("  its outbox intents in one transaction); each raise has its own conversation whose")
    print("  dialog state was copied, untimed, from a dialog walked for real to its confirm step.")
    print("  2 threads: the same, split over two threads sharing one Router (wall-clock rate).")
    print("  with a delivery_id: as on one thread, each event carrying a delivery_id as platforms")
    print("  send them (one more transaction per event, recording the delivery).")
    print("whole dialog: /new and seven answers per ticket; rate in tickets/s, latency per event.")
    print("outbox: Dispatcher.run_once, called until it has attempted the planned number of")
    print("  intents, delivering to a RecordingSender (no network); latency is the gap between")
    print("  one delivery and the next.")
