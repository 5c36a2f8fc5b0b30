"""A digest's chart: the backlog (open tickets at each day's end) and the SLA breaches per day.

Drawn with matplotlib's object API (a Figure saved as PNG by the Agg renderer; no pyplot, no
global state), so it is safe in the dispatcher's worker threads and needs no display.
"""

from io import BytesIO

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from handlers.digest_notice import digest_title
from workflows.digest import DigestFigures

BACKLOG_COLOUR = "#1f5fbf"
BREACH_COLOUR = "#d62728"
SIZE_INCHES = (8.0, 3.6)
DPI = 100
MAX_LABELS = 12


def digest_chart(figures: DigestFigures) -> bytes:
    """The chart as PNG bytes."""
    figure = Figure(figsize=SIZE_INCHES, dpi=DPI, layout="constrained")
    axes = figure.add_subplot()
    days = range(len(figures.days))
    axes.bar(
        days,
        [day.breaches for day in figures.days],
        color=BREACH_COLOUR,
        width=0.6,
        label="SLA breaches that day",
    )
    axes.plot(
        days,
        [day.backlog for day in figures.days],
        color=BACKLOG_COLOUR,
        marker="o",
        linewidth=2,
        label="Open tickets at the day's end",
    )
    axes.set_title(digest_title(figures), fontsize=9)
    step = max(1, len(days) // MAX_LABELS)
    labels = [day.day.strftime("%a %d %b") for day in figures.days[::step]]
    axes.set_xticks(days[::step], labels)
    axes.set_ylim(bottom=0)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.legend(loc="upper left", fontsize=8)
    axes.grid(axis="y", alpha=0.3)
    figure.autofmt_xdate()
    buffer = BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
