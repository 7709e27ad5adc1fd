"""`hoth-intake check-config`: validate a settings file offline and print the route table."""

from __future__ import annotations

from pathlib import Path

from config.profiles import load_profiles
from config.settings import ConfigError, Settings, default_config_path, load_settings
from routing.calendar import WorkingCalendar


def cmd_check_config(path: Path | None) -> int:
    settings = load_settings(path)
    load_profiles(settings.profiles)
    try:
        WorkingCalendar(settings.business_hours)
    except ValueError as err:
        raise ConfigError(f"{path or default_config_path()}: business_hours: {err}") from err
    print(f"{path or default_config_path()}: valid settings (whether `run` would start: see the end)")
    print(render_routes(settings))
    return _daemon_readiness(settings)


def _daemon_readiness(settings: Settings) -> int:
    """What `hoth-intake run` would refuse, found now: servers, secrets, digest time. A file with no servers
    at all is for parse/replay (exit 0); one that names servers but cannot run is an error (exit 2)."""
    from intake.daemon import check_runnable

    servers = [f"  {name:<14} imap {box.imap.host}:{box.imap.port} tls {box.imap.tls}"
               for name, box in settings.mailboxes.items() if box.imap is not None]
    if settings.smtp is not None:
        servers.append(f"  {'smtp':<14} {settings.smtp.host}:{settings.smtp.port} tls {settings.smtp.tls}")
    if servers:
        print("\nservers:\n" + "\n".join(servers))
    try:
        check_runnable(settings)
    except ConfigError as err:
        if not servers:
            print("\ndaemon: no [smtp] or mailbox [imap] servers configured: fine for parse and replay; "
                  "`hoth-intake run` needs them")
            return 0
        print(f"\ndaemon: NOT READY: {err}")
        return 2
    print("\ndaemon: ready for `hoth-intake run` (servers are contacted only when it starts)")
    return 0


def render_routes(settings: Settings) -> str:
    lines = ["", "mailboxes (delivery order):"]
    lines += [f"  {name:<14} {box.address}" for name, box in settings.mailboxes.items()]
    lines += ["", "route table (first match wins):", f"  {'mailbox':<14} {'form':<10} {'levels':<28} queue (due)"]
    for route in settings.routes:
        queue = settings.queues[route.queue]
        due = f"{queue.due_working_days} working day(s)" if queue.due_working_days is not None else "no deadline"
        levels = ", ".join(route.levels) if route.levels else "any"
        lines.append(f"  {route.mailbox:<14} {route.form:<10} {levels:<28} {route.queue} ({due})")
    lines += ["", "queues:"]
    for name, queue in settings.queues.items():
        lines.append(f"  {name:<18} folder {queue.folder!r}; on call {', '.join(queue.on_call) or '-'};"
                     f" out of hours {', '.join(queue.out_of_hours) or '-'}")
    lines += ["", f"partner domains: {', '.join(settings.partner_domains)}",
              f"level policy: {settings.service.level_policy}"]
    return "\n".join(lines)
