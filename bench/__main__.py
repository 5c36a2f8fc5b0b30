"""`python -m bench`: run the benchmarks and print their figures (never asserted)."""

import argparse
import os
import platform
import textwrap
import time

from bench import digest
from bench.desks import postgres_available, postgres_desk, sqlite_desk
from bench.machine import cpu_reference_ms
from bench.profiling import profile_raises
from bench.raise_rate import Plan, run_backend
from bench.report import print_table
from bench.sla_sweep import add_arguments as add_sla_arguments
from bench.sla_sweep import plan_from as sla_plan
from bench.sla_sweep import run as run_sla_sweep
from bench.slack_rate import SlackPlan, print_slack, run_slack
from bench.telegram_webhook import Plan as TelegramPlan
from bench.telegram_webhook import run_telegram


def _arguments() -> argparse.Namespace:
    defaults = Plan()
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Tickets raised per second through the handler layer, SQLite and PostgreSQL.",
    )
    parser.add_argument("--raises", type=int, default=defaults.raises, help="timed raises a run")
    parser.add_argument(
        "--side-raises",
        type=int,
        default=defaults.side_raises,
        help="timed raises in the 2-thread and delivery-id runs",
    )
    parser.add_argument(
        "--warmup", type=int, default=defaults.warmup, help="untimed raises before each run"
    )
    parser.add_argument(
        "--dialogs", type=int, default=defaults.dialogs, help="whole dialogs walked"
    )
    parser.add_argument(
        "--outbox", type=int, default=defaults.outbox, help="intents to deliver (0 skips it)"
    )
    parser.add_argument(
        "--no-delivery-ids", action="store_true", help="skip the run with delivery ids"
    )
    parser.add_argument("--sqlite-only", action="store_true", help="skip PostgreSQL")
    parser.add_argument("--slack-only", action="store_true", help="only the Slack benchmark")
    parser.add_argument("--no-slack", action="store_true", help="skip the Slack benchmark")
    parser.add_argument(
        "--profile", action="store_true", help="profile the SQLite raise path instead"
    )
    add_sla_arguments(parser)
    parser.add_argument("--no-telegram", action="store_true", help="skip the Telegram bench")
    parser.add_argument(
        "--telegram-only", action="store_true", help="run only the Telegram webhook bench"
    )
    digest.add_arguments(parser)
    return parser.parse_args()


def main() -> None:
    """Run the benchmark on SQLite and PostgreSQL and print the table."""
    args = _arguments()
    plan = Plan(
        raises=args.raises,
        side_raises=args.side_raises,
        warmup=args.warmup,
        dialogs=args.dialogs,
        outbox=args.outbox,
        delivery_ids=not args.no_delivery_ids,
    )
    if args.profile:
        profile_raises(plan)
        return
    if args.telegram_only:
        run_telegram(TelegramPlan())
        return
    if args.slack_only:
        print_slack(run_slack(SlackPlan()), SlackPlan())
        return
    averages, cpus = os.getloadavg(), os.cpu_count() or 1
    load = ", ".join(f"{value:.2f}" for value in averages)
    print("Deskbot benchmark: tickets raised through the handler layer (Router.handle)")
    print(f"  Python {platform.python_version()}, {cpus} CPUs, load average {load}")
    if averages[0] >= cpus:
        print("  The machine is busy with other work: these figures understate the desk.")
    print(
        f"  {plan.raises} timed raises ({plan.side_raises} in the side runs), each run after "
        f"{plan.warmup} untimed; {plan.dialogs} whole dialogs; {plan.outbox} deliveries"
    )
    started, reference = time.perf_counter(), cpu_reference_ms()
    notes: list[str] = []
    rows = run_backend("sqlite", sqlite_desk, plan, notes)
    if args.sqlite_only:
        print("  PostgreSQL: skipped (--sqlite-only)")
    elif postgres_available():
        rows += run_backend("postgresql", postgres_desk, plan, notes)
    else:
        print("  PostgreSQL: skipped (initdb / pg_ctl not on PATH)")
    print()
    print_table(rows)
    print(
        f"\nCPU reference (a fixed Python loop, best of 5; lower is faster): {reference:.1f} ms "
        f"before these runs, {cpu_reference_ms():.1f} ms after. This machine's speed changes "
        "by half or more within an hour: compare runs only at similar references."
    )
    for note in notes:
        print()
        print(textwrap.fill(f"Note: {note}", width=96, subsequent_indent="  "))
    _other_benchmarks(args)
    print(f"\nTotal {time.perf_counter() - started:.1f} s. Figures are printed, not asserted.")


def _other_benchmarks(args: argparse.Namespace) -> None:
    """The SLA sweep, the Telegram and Slack paths and the digests, unless skipped."""
    if args.no_sla:
        print("\nSLA sweep benchmark: skipped (--no-sla)")
    else:
        run_sla_sweep(sla_plan(args), args.sqlite_only)
    if not args.no_telegram:
        run_telegram(TelegramPlan())
    if not args.no_slack:
        print()
        print_slack(run_slack(SlackPlan()), SlackPlan())
    if sizes := digest.sizes_of(args.digest_sizes):
        print("\nDigest computation (SQL aggregates) and memory")
        digest.print_digest_table(digest.run(sizes, args.sqlite_only))


if __name__ == "__main__":
    main()
