"""`python -m bench --profile`: where the time of a raise goes, on SQLite.

Counts the SQL statements one confirming event sends, then runs the confirming events under
cProfile and prints the project's own functions (handlers, workflows, storage) by cumulative
time, and the hottest functions overall by their own time.
"""

import cProfile
import io
import pstats
from collections import Counter
from typing import Any

from sqlalchemy import event

from bench import raise_rate
from bench.desks import sqlite_desk

PROJECT = r"/(handlers|workflows|storage)/"


def profile_raises(plan: raise_rate.Plan) -> None:
    """Profile `plan.raises` confirming events on a fresh SQLite desk and print the findings."""
    with sqlite_desk() as bench:
        router = bench.desk.router
        state = raise_rate._confirm_state(router)
        raise_rate._time_confirms(
            router, raise_rate._seed(router, state, plan.warmup), dedupe=False
        )
        statements: Counter[str] = Counter()

        def count(_conn: Any, _cursor: Any, sql: str, *_rest: Any) -> None:
            statements[" ".join(sql.split()[:4])] += 1

        engine, single = router.ctx.db.engine, raise_rate._seed(router, state, 1)
        event.listen(engine, "before_cursor_execute", count)
        raise_rate._time_confirms(router, single, False)
        event.remove(engine, "before_cursor_execute", count)
        print(f"SQL statements for one confirming event: {sum(statements.values())}")
        for sql, times in statements.most_common():
            print(f"  {times} x {sql} ...")

        conversations = raise_rate._seed(router, state, plan.raises)
        profiler = cProfile.Profile()
        profiler.enable()
        raise_rate._time_confirms(router, conversations, False)
        profiler.disable()

    output = io.StringIO()
    stats = pstats.Stats(profiler, stream=output)
    stats.sort_stats("cumulative").print_stats(PROJECT, 30)
    stats.sort_stats("tottime").print_stats(20)
    print(f"\ncProfile of {plan.raises} confirming events (times inflated by the profiler):")
    print(output.getvalue())
