"""Start the hub: `python run.py [--config FILE] [--data-dir DIR] [--database URL] [--host H] [--port P]`.

`python run.py hash-pin PIN` prints a salted hash for an officer's `pin_hash`.
`python run.py restore BACKUP [--data-dir DIR] [--config FILE]` puts a backup in place
(docs/operations.md, "Restore").
`python run.py copy-database --data-dir DIR --database URL` copies a hall's SQLite data into an empty
PostgreSQL database (docs/operations.md).
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import re
import resource
import socket
import subprocess
import sys
from pathlib import Path

from config.site import DEFAULT_CONFIG, ConfigError, load_config


def _database_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data-dir", type=Path, default=Path("data"), metavar="DIR",
                   help="folder for the SQLite file and audio cache")
    p.add_argument("--database", metavar="URL", default=os.environ.get("MPP_DATABASE_URL") or None,
                   help="keep the data in PostgreSQL, postgresql://USER:PASSWORD@HOST:PORT/DATABASE, where several "
                        "hub processes may share it (default: $MPP_DATABASE_URL, else SQLite in the data folder)")


def _parse_command(p: argparse.ArgumentParser, argv: list[str]) -> argparse.Namespace:
    """The arguments after a command's name (argv[0], already in the parser's prog, so its usage reads as typed)."""
    p.set_defaults(command=argv[0])
    return p.parse_args(argv[1:])


def parse_args(argv: list[str]) -> argparse.Namespace:
    if argv[:1] == ["hash-pin"]:
        p = argparse.ArgumentParser(prog="run.py hash-pin", description="Print a salted hash for a PIN.")
        p.add_argument("pin", help="the officer's PIN (4 to 12 digits recommended)")
        return _parse_command(p, argv)
    if argv[:1] == ["restore"]:
        p = argparse.ArgumentParser(prog="run.py restore", description="Restore a backup of the hub's database "
                                    "into a data folder (the hub must be stopped; the database there is moved "
                                    "aside, not deleted).")
        p.add_argument("backup", type=Path, help="the backup file (data/backups/mpp-YYYY-MM-DD-HHMM.sqlite3, or a "
                                                 "download from the admin console)")
        p.add_argument("--data-dir", type=Path, default=Path("data"), metavar="DIR", help="the hub's data folder")
        p.add_argument("--config", type=Path, default=DEFAULT_CONFIG, metavar="FILE",
                       help="the site file the hub will be started with: it does not replace the backup's "
                            "configuration")
        return _parse_command(p, argv)
    if argv[:1] == ["copy-database"]:
        p = argparse.ArgumentParser(prog="run.py copy-database",
                                    description="Copy a hall's data (the SQLite file in --data-dir, hub stopped) into "
                                                "the empty PostgreSQL database --database.")
        _database_args(p)
        args = _parse_command(p, argv)
        if args.database is None:
            p.error("--database postgresql://... (or $MPP_DATABASE_URL) is required")
        return args
    p = argparse.ArgumentParser(prog="run.py", description="MPP queue-calling hub.")
    p.add_argument("--config", type=Path, default=DEFAULT_CONFIG, metavar="FILE", help="TOML site configuration")
    _database_args(p)
    p.add_argument("--host", default="0.0.0.0", help="address to listen on (default: all)")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--no-audio", action="store_true", help="send calls as text only (no spoken announcements)")
    p.add_argument("--durability", choices=["FULL", "NORMAL"], default="FULL",
                   help="SQLite synchronous mode: FULL survives power loss, NORMAL only process crashes")
    p.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    p.add_argument("--allow-origin", action="append", default=[], metavar="ORIGIN",
                   help="another web origin allowed to open the hub's WebSockets, e.g. http://intranet:8080 "
                        "(repeatable; the hub's own address is always allowed)")
    args = p.parse_args(argv)
    args.command = "serve"
    return args


def lan_addresses() -> list[str]:
    found: list[str] = []
    try:
        out = subprocess.run(["hostname", "-I"], capture_output=True, text=True, timeout=2).stdout
        found = [a for a in out.split() if ":" not in a]
    except (OSError, subprocess.SubprocessError):
        pass
    if not found:
        try:
            found = [a for a in socket.gethostbyname_ex(socket.gethostname())[2] if not a.startswith("127.")]
        except OSError:
            pass
    return found or ["127.0.0.1"]


class HideTokens(logging.Filter):
    """uvicorn logs each WebSocket path: keep officers' session tokens, devices' tokens and citizens'
    ticket tokens (whoever holds one can follow that ticket) out of the journal."""

    TOKEN = re.compile(r"(token=|device=|/ws/ticket/|/t/|/kiosk/qr/)[^&\s\"/?]+")

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(self.TOKEN.sub(r"\1…", a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.msg, str):
            record.msg = self.TOKEN.sub(r"\1…", record.msg)
        return True


def _raise_file_limit() -> None:
    """Each TV, panel and phone holds a socket: allow as many as the system lets us."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard if hard != resource.RLIM_INFINITY else 65536, hard))


def copy_database(args: argparse.Namespace) -> int:
    import asyncio

    from server.database import StoreUnusable, check_url, describe
    from server.dbcopy import copy_to_postgres
    from server.settings import Settings

    source = Settings.sqlite_file(args.data_dir)
    try:
        check_url(args.database)
    except StoreUnusable as exc:
        print(f"Cannot copy: {exc}", file=sys.stderr)
        return 2
    print(f"Copying {source} into {describe(args.database, source)}")
    try:
        copied = asyncio.run(copy_to_postgres(source, args.database, report=lambda line: print("  " + line)))
    except StoreUnusable as exc:
        print(f"Cannot copy: {exc}", file=sys.stderr)
        return 2
    print(f"Done: {sum(copied.values())} rows in {len(copied)} tables. Start the hub with --database.")
    return 0


def announcer_factory():
    try:
        from audio.announcer import Announcer
    except ImportError as exc:
        print(f"warning: spoken calls unavailable ({exc}); calls are shown as text only", file=sys.stderr)
        return None
    return lambda config, cache_dir: Announcer(config, cache_dir)


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from server.app import create_app
    from server.database import StoreUnusable, check_database, describe
    from server.restore import DatabaseBusy, hold_database
    from server.settings import Settings
    from server.store import MIGRATIONS
    from server.wsprotocol import HubWebSocketProtocol

    try:
        config = load_config(args.config)
        settings = Settings(config=config, data_dir=args.data_dir, durability=args.durability,
                            database_url=args.database, allowed_origins=tuple(args.allow_origin),
                            announcer_factory=None if args.no_audio else announcer_factory())
        check_database(settings.database_url, settings.database, len(MIGRATIONS))
        if settings.database_url is None:  # one hub per SQLite file; PostgreSQL takes several
            lock = hold_database(settings.database, "hub")  # noqa: F841 - held while the process lives
        app = create_app(settings)
    except ConfigError as exc:
        print(f"Configuration error in {exc}", file=sys.stderr)
        return 2
    except (StoreUnusable, DatabaseBusy) as exc:
        print(f"Cannot start: {exc}", file=sys.stderr)
        return 2
    hosts = lan_addresses() if args.host in ("0.0.0.0", "::") else [args.host]
    print(f"{config.site.name}: hub on port {args.port}, data in {describe(args.database, settings.database)}")
    for host in hosts:
        base = f"http://{host}:{args.port}"
        print(f"  TV display     {base}/display?zone={next(iter(config.zones))}")
        print(f"  Counter panel  {base}/counter")
        print(f"  Kiosk          {base}/kiosk")
        print(f"  Admin console  {base}/admin")
    sys.stdout.flush()
    _raise_file_limit()
    # Everything imported and configured so far lives as long as the process:
    # keep it out of the collector's way so a full collection stays short.
    gc.collect()
    gc.freeze()
    uvicorn_config = uvicorn.Config(
        app, host=args.host, port=args.port, ws=HubWebSocketProtocol, ws_per_message_deflate=False,
        ws_ping_interval=20.0, ws_ping_timeout=20.0, log_level=args.log_level, access_log=False,
        ws_max_size=64 * 1024, timeout_graceful_shutdown=3,
    )
    logging.getLogger("uvicorn.error").addFilter(HideTokens())  # after Config: it sets up logging
    try:
        uvicorn.Server(uvicorn_config).run()
    except KeyboardInterrupt:
        # Ctrl+C: uvicorn has already shut the hub down cleanly and re-raises the signal; the
        # operator asked for exactly this, so no traceback.
        pass
    return 0


def restore(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from server.restore import DatabaseBusy, RestoreRefused, restore
    from server.settings import Settings

    if os.environ.get("MPP_DATABASE_URL"):  # a hub of a city deployment: its data is not in the SQLite file
        print("Cannot restore: this hub keeps its data in PostgreSQL ($MPP_DATABASE_URL); restore a pg_dump of it "
              "with pg_restore (docs/operations.md, \"Backups of PostgreSQL\")", file=sys.stderr)
        return 2
    try:
        config = load_config(args.config)
        database = Settings(config=config, data_dir=args.data_dir).database
        summary, aside = restore(args.backup, database, config, datetime.now(UTC))
    except ConfigError as exc:
        print(f"Configuration error in {exc}", file=sys.stderr)
        return 2
    except (RestoreRefused, DatabaseBusy) as exc:
        print(f"Cannot restore: {exc}", file=sys.stderr)
        return 2
    print(f"Restored {args.backup} into {database}: {summary.describe()}.")
    if aside is not None:
        print(f"The previous database was moved to {aside} (delete it once the hub runs well).")
    print("Start the hub now (systemctl start mpp, or make run).")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.command == "restore":
        return restore(args)
    if args.command == "hash-pin":
        from server.pins import PIN_DIGITS, hash_pin, pin_problem

        if pin_problem(args.pin) is not None:
            print("error: a PIN is {} to {} digits".format(*PIN_DIGITS), file=sys.stderr)
            return 2
        print(hash_pin(args.pin))
        return 0
    if args.command == "copy-database":
        return copy_database(args)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return serve(args)


if __name__ == "__main__":
    sys.exit(main())
