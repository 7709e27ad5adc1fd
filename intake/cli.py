"""`hoth-intake` command line: parse, replay, check-config, run, demo, queues, reprocess.

Exit codes (SPEC.md): 0 every input gave a result, 2 usage or configuration
error, 1 anything else (an internal error on some input).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from config.errors import ConfigError

EXIT_OK, EXIT_INTERNAL, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse exits 2 on usage errors, as SPEC wants
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"hoth-intake: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="hoth-intake", description="Safeguarding front-door intake service.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("parse", help="read forms and print what was found")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--json", action="store_true", help="print the JSON array (SPEC contract)")
    p.add_argument("--config", type=Path, help="settings file (for form-profile overrides)")

    r = sub.add_parser("replay", help="dry-run the full decision on .eml files")
    r.add_argument("files", nargs="+", metavar="EML")
    r.add_argument("--mailbox", help="deliver every message to this mailbox only")
    r.add_argument("--at", help="receipt time for every message (ISO 8601)")
    r.add_argument("--config", type=Path)
    r.add_argument("--json", action="store_true")

    c = sub.add_parser("check-config", help="validate a settings file and print the route table")
    c.add_argument("--config", type=Path)

    d = sub.add_parser("run", help="run the daemon")
    d.add_argument("--config", type=Path)

    sub.add_parser("demo", help="run the whole service on embedded servers with sample traffic")

    v = sub.add_parser("queues", help="the open queue entries and their deadlines (the triage view)")
    v.add_argument("--config", type=Path)
    v.add_argument("--queue", help="only this queue")
    v.add_argument("--json", action="store_true")

    q = sub.add_parser("reprocess", help="put a quarantined message back into its mailbox")
    q.add_argument("ids", nargs="*", type=int, metavar="ID")
    q.add_argument("--config", type=Path)
    q.add_argument("--list", action="store_true", help="list quarantined messages")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return _dispatch(args)
    except ConfigError as err:
        print(f"hoth-intake: configuration error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into `head` and the like: not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "parse":
        return cmd_parse(args.files, as_json=args.json, config=args.config)
    if args.command == "replay":
        from intake.replay import cmd_replay

        return cmd_replay(args.files, mailbox=args.mailbox, at=args.at, config=args.config, as_json=args.json)
    if args.command == "check-config":
        from intake.checkconfig import cmd_check_config

        return cmd_check_config(args.config)
    if args.command == "run":
        from intake.daemon import cmd_run

        return cmd_run(args.config)
    if args.command == "demo":
        from intake.demo import cmd_demo

        return cmd_demo()
    if args.command == "queues":
        from intake.queues import cmd_queues

        return cmd_queues(args.config, args.queue, as_json=args.json)
    if args.command == "reprocess":
        from intake.daemon import cmd_reprocess

        return cmd_reprocess(args.config, args.ids, list_only=args.list)
    raise AssertionError(args.command)


def cmd_parse(files: list[str], *, as_json: bool, config: Path | None) -> int:
    from config.profiles import default_profiles, load_profiles
    from config.settings import load_settings
    from parsers.forms import parse_document
    from parsers.results import Status, failed

    profiles = load_profiles(load_settings(config).profiles) if config else default_profiles()
    results, code = [], EXIT_OK
    for name in files:
        try:
            data = Path(name).read_bytes()
        except OSError as err:
            results.append(failed(name, Status.UNREADABLE, f"cannot read the file: {err.strerror}"))
            code = EXIT_INTERNAL
            continue
        result = parse_document(data, Path(name).name, profiles)
        if getattr(result, "internal_error", False):
            code = EXIT_INTERNAL
        results.append(result)
    if as_json:
        json.dump([r.to_json() for r in results], sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        from intake.summary import print_parse_summary

        print_parse_summary(results, sys.stdout)
    return code


if __name__ == "__main__":
    sys.exit(main())
