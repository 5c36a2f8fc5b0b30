"""The `deskbot` command line: run, db upgrade, check-config, digest --now, report."""

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

from bot.app import prepare_database, serve
from bot.config import Config, ConfigError, config_secrets, load_config
from bot.digest_commands import report, send_digests_now
from bot.durations import parse_duration
from bot.logs import configure_logging, mask_secrets
from bot.platforms.base import Platform
from bot.platforms.console.platform import ConsolePlatform
from bot.platforms.slack.platform import SlackPlatform
from bot.platforms.telegram import setup_check
from bot.platforms.telegram.platform import TelegramPlatform
from workflows.clock import SystemClock

PLATFORMS = ("console", "slack", "telegram")
DEMO_CONFIG = "config.example.yaml"


def demo_config_path() -> Path:
    """The bundled demo config: inside the installed package, or at the source checkout's root."""
    package_dir = Path(__file__).resolve().parent
    for candidate in (package_dir / DEMO_CONFIG, package_dir.parent / DEMO_CONFIG):
        if candidate.is_file():
            return candidate
    raise ConfigError(f"{DEMO_CONFIG}: the demo config is missing from this installation")


def _config(path: Path | None) -> Config:
    config = load_config(path if path is not None else demo_config_path())
    mask_secrets(config_secrets(config))
    return config


def build_platforms(config: Config, name: str | None) -> list[Platform]:
    """The platform `--platform` names; without one, every chat platform the config sets up
    (Slack and Telegram together in one process), or the console when it sets up none."""
    if name is None:
        chosen = [p for p in ("slack", "telegram") if getattr(config, p) is not None]
        return [build_platform(config, p) for p in chosen] or [ConsolePlatform()]
    return [build_platform(config, name)]


def build_platform(config: Config, name: str) -> Platform:
    """One platform, built from its config section."""
    if name == "slack":
        if config.slack is None:
            raise ConfigError("slack: the config has no slack section (see config.example.yaml)")
        return SlackPlatform(config.slack)
    if name == "telegram":
        if config.telegram is None:
            raise ConfigError("telegram: missing; --platform telegram needs telegram.token")
        return TelegramPlatform(config.telegram)
    return ConsolePlatform()


def _run(args: argparse.Namespace) -> int:
    config = _config(args.config)
    if args.config is None:
        print(
            f"No --config given: running the demo desk from {demo_config_path()}.", file=sys.stderr
        )
    asyncio.run(serve(config, build_platforms(config, args.platform)))
    return 0


def _db_upgrade(args: argparse.Namespace) -> int:
    config = _config(args.config)
    prepare_database(config).dispose()
    print(f"Database at {config.database.url.split('@')[-1]} is up to date.")
    return 0


def _check_config(args: argparse.Namespace) -> int:
    config = _config(args.file)
    print(
        f"Config OK: {len(config.people)} people, {len(config.teams)} teams, "
        f"{len(config.services)} services."
    )
    if config.telegram is None:
        return 0
    findings = (
        asyncio.run(setup_check.live_findings(config))
        if args.live
        else setup_check.offline_findings(config.telegram)
    )
    print(setup_check.report(findings))
    return 0 if all(finding.ok for finding in findings) else 1


def _digest(args: argparse.Namespace) -> int:
    config = _config(args.config)
    queued = send_digests_now(config, SystemClock(), sys.stdout, args.id, args.to)
    print(f"{queued} digest notification(s) queued.", file=sys.stderr)
    return 0


def _report(args: argparse.Namespace) -> int:
    config = _config(args.config)
    sys.stdout.write(report(config, SystemClock().now(), args.since, args.format))
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    parser = argparse.ArgumentParser(prog="deskbot", description="A chat-native IT service desk.")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="start the bot (the console demo with no config)")
    run.add_argument("--config", type=Path, help="config file (default: the bundled demo)")
    run.add_argument(
        "--platform",
        choices=PLATFORMS,
        help="serve only this platform (default: every one the config sets up, else console)",
    )
    run.set_defaults(handler=_run)

    database = commands.add_parser("db", help="database maintenance")
    database_commands = database.add_subparsers(dest="db_command", required=True)
    upgrade = database_commands.add_parser("upgrade", help="migrate the schema to the newest")
    upgrade.add_argument("--config", type=Path)
    upgrade.set_defaults(handler=_db_upgrade)

    check = commands.add_parser("check-config", help="validate a config file")
    check.add_argument("file", nargs="?", type=Path)
    check.add_argument("--live", action="store_true", help="also ask the chat platforms")
    check.set_defaults(handler=_check_config)

    digest = commands.add_parser("digest", help="send the configured digests")
    digest.add_argument("--now", action="store_true", required=True, help="send them now")
    digest.add_argument("--to", metavar="PERSON", help="send to this person only")
    digest.add_argument("--id", metavar="DIGEST", help="send this digest only")
    digest.add_argument("--config", type=Path)
    digest.set_defaults(handler=_digest)

    figures = commands.add_parser("report", help="print the digest figures of the whole desk")
    figures.add_argument("--since", type=_duration, default="30d", help="e.g. 7d, 30d (30d)")
    figures.add_argument("--format", choices=("text", "csv", "json"), default="text")
    figures.add_argument("--config", type=Path)
    figures.set_defaults(handler=_report)
    return parser


def _duration(text: str) -> timedelta:
    try:
        return parse_duration(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from error


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `deskbot` console script."""
    args = build_parser().parse_args(argv)
    configure_logging(
        os.environ.get("DESKBOT_LOG_LEVEL", "WARNING"),
        json_lines=os.environ.get("DESKBOT_LOG_FORMAT", "text").lower() == "json",
    )
    try:
        return int(args.handler(args))
    except ConfigError as error:
        print(f"deskbot: config error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
