"""`sladesk calendar ...`: check calendar files and do business-time arithmetic by hand.

A calendar file is either one calendar spec (``timezone:``, ``hours:`` ...) or a mapping
with a ``calendars:`` key of name -> spec, such as a policy file. Errors are one line each,
``file:line:col: field.path: message``, and never a traceback.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console

from sladesk.calendar import Calendar, describe_hours, parse_duration
from sladesk.errors import CalendarSpecError, SpecError
from sladesk.yaml_source import Document, PathPart, load_yaml

app = typer.Typer(help="Business calendars: check, add, elapsed, windows.", no_args_is_help=True)

_SPEC_PATH_RE = re.compile(r"([^.\[\]]+)|\[(\d+)\]")

# the arguments of ``add`` and ``elapsed``
_File = Annotated[Path, typer.Argument(metavar="FILE", help="Calendar file")]
_Name = Annotated[
    str, typer.Argument(metavar="NAME", help="Calendar name in calendars: ('-' for a single spec)")
]
_From = Annotated[
    str, typer.Option("--from", metavar="INSTANT", help="Start instant, ISO with offset")
]


def _out() -> Console:
    return Console(highlight=False, soft_wrap=True)


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)


def _split_path(path: str) -> list[PathPart]:
    """``hours.mon-fri[1]`` -> ``["hours", "mon-fri", 1]``."""
    parts: list[PathPart] = []
    for m in _SPEC_PATH_RE.finditer(path):
        parts.append(m.group(1) if m.group(1) is not None else int(m.group(2)))
    return parts


def _read(file: Path) -> Document:
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        _fail(f"{file}: cannot read: {exc.strerror if isinstance(exc, OSError) else exc}")
    try:
        return load_yaml(text, source=str(file))
    except SpecError as exc:
        _fail(str(exc))


def _specs(doc: Document) -> dict[str, tuple[tuple[PathPart, ...], Any]]:
    """name -> (path of the spec in the document, spec). A single-spec file is named ``-``."""
    data = doc.data
    if isinstance(data, Mapping) and "calendars" in data:
        calendars = data["calendars"]
        if not isinstance(calendars, Mapping) or not calendars:
            loc = doc.where(("calendars",))
            _fail(f"{loc}: expected a mapping of calendar names to calendar specs")
        return {str(name): (("calendars", str(name)), spec) for name, spec in calendars.items()}
    if isinstance(data, Mapping) and ("timezone" in data or "hours" in data):
        return {"-": ((), data)}
    _fail(
        f"{doc.source}: not a calendar file: expected a calendar spec (timezone:, hours: ...) "
        "or a mapping with a calendars: key"
    )


def _compile(doc: Document, base: tuple[PathPart, ...], spec: Any) -> Calendar | SpecError:
    try:
        return Calendar.from_spec(spec)
    except CalendarSpecError as exc:
        inner = exc.location.path
        where = doc.where((*base, *_split_path(inner)))
        # the location now carries the full field path: drop the engine's "(field '...')"
        message = exc.message.removesuffix(f" (field '{inner or 'calendar spec'}')")
        return CalendarSpecError(message, where)


def _load_one(file: Path, name: str) -> Calendar:
    doc = _read(file)
    specs = _specs(doc)
    if "-" in specs:
        base, spec = specs["-"]
    elif name in specs:
        base, spec = specs[name]
    else:
        _fail(f"{file}: no calendar named {name!r} (calendars: {', '.join(specs)})")
    got = _compile(doc, base, spec)
    if isinstance(got, SpecError):
        _fail(str(got))
    return got


def _instant(text: str, option: str) -> dt.datetime:
    raw = text.strip()
    if raw.endswith(("z", "Z")):
        raw = raw[:-1] + "+00:00"
    try:
        t = dt.datetime.fromisoformat(raw)
    except ValueError:
        _fail(f"{option}: expected an ISO instant such as 2026-03-06T17:00:00-03:00, got {text!r}")
    if t.tzinfo is None:
        _fail(f"{option}: {text!r} needs a UTC offset (such as Z or -03:00)")
    return t


def _show(t: dt.datetime, zone: dt.tzinfo) -> str:
    local = t.astimezone(zone)
    return f"{local.isoformat()} ({local.strftime('%a')}, {local.tzname()})"


def _human(d: dt.timedelta) -> str:
    total = d // dt.timedelta(microseconds=1)
    seconds, micro = divmod(total, 1_000_000)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    out = f"{hours}h{minutes:02d}m"
    if secs or micro:
        out += f"{secs:02d}s" if not micro else f"{secs:02d}.{micro:06d}s"
    return out


@app.command()
def check(
    file: Path = typer.Argument(
        ..., metavar="FILE", help="A calendar spec, or a file with a calendars: mapping"
    ),
) -> None:
    """Validate the calendars of FILE; print every problem as file:line:col: field: message."""
    doc = _read(file)
    specs = _specs(doc)
    problems: list[SpecError] = []
    good: dict[str, Calendar] = {}
    for name, (base, spec) in specs.items():
        got = _compile(doc, base, spec)
        if isinstance(got, SpecError):
            problems.append(got)
        else:
            good[name] = got
    if problems:
        for problem in problems:
            typer.echo(str(problem), err=True)
        typer.echo(f"{len(problems)} problem(s) in {file}", err=True)
        raise typer.Exit(1)
    out = _out()
    out.print(f"[green]OK[/green] {file}: {len(good)} calendar(s)")
    maintenance = _maintenance_calendar(doc)
    for name, cal in good.items():
        spec = cal.spec
        facts = [cal.timezone.key, describe_hours(spec)]
        if spec.holidays:
            facts.append(f"holidays {spec.holidays}")
        if spec.closed:
            facts.append(f"{len(spec.closed)} closed date(s)")
        if spec.special:
            facts.append(f"{len(spec.special)} special day(s)")
        if spec.closures:
            facts.append(f"{len(spec.closures)} closure(s)")
        role = " (maintenance windows)" if name == maintenance else ""
        out.print(f"  [bold]{name}[/bold]{role}: " + "; ".join(facts), markup=True)


def _maintenance_calendar(doc: Document) -> str | None:
    """The calendar a policy file's ``maintenance:`` section names, if any."""
    data = doc.data
    section = data.get("maintenance") if isinstance(data, Mapping) else None
    name = section.get("calendar") if isinstance(section, Mapping) else None
    return name if isinstance(name, str) else None


@app.command()
def windows(
    file: Path = typer.Argument(..., metavar="FILE", help="A policy or calendar file"),
    calendar: str = typer.Option(
        "", "--calendar", help="The calendar (default: the policy's maintenance calendar)"
    ),
    start: str = typer.Option("", "--from", help="ISO instant with offset (default: now)"),
    days: int = typer.Option(7, "--days", min=1, max=366, help="How many days ahead"),
) -> None:
    """The open windows of a calendar from --from for --days: a policy's maintenance windows
    (Blip Go!'s 23:00-05:00 GMT-3), each in the calendar's zone and in UTC."""
    name = calendar or _maintenance_calendar(_read(file)) or ""
    if not name:
        _fail(f"{file}: no maintenance calendar declared: give --calendar NAME")
    cal = _load_one(file, name)
    if start:
        t = _instant(start, "--from")
    else:
        from sladesk.services import SystemClock

        t = SystemClock().now()
    out = _out()
    out.print(f"{name} ({cal.timezone.key}, {describe_hours(cal.spec)}):")
    for a, b in cal.windows(t, t + dt.timedelta(days=days)):
        utc = f"[{a.astimezone(dt.UTC):%Y-%m-%d %H:%M} - {b.astimezone(dt.UTC):%H:%M} UTC]"
        out.print(f"  {_show(a, cal.timezone)} -> {_show(b, cal.timezone)}  {utc}")


@app.command()
def add(
    file: _File,
    name: _Name,
    start: _From,
    duration: str = typer.Option(
        ..., "--duration", metavar="DURATION", help="45m, 4h, 1h30m or 2bd"
    ),
) -> None:
    """The deadline: START plus DURATION of open time (or business days) on the calendar."""
    cal = _load_one(file, name)
    t = _instant(start, "--from")
    try:
        d = parse_duration(duration)
    except SpecError as exc:  # no file to locate it in: the message alone
        _fail(f"--duration: {exc.message}")
    try:
        due = d.add_to(cal, t)
    except ValueError as exc:
        _fail(str(exc))
    out = _out()
    out.print(f"deadline  {due.astimezone(dt.UTC).isoformat()} (UTC)")
    out.print(f"          {_show(due, cal.timezone)} [{cal.timezone.key}]")


@app.command()
def elapsed(
    file: _File,
    name: _Name,
    start: _From,
    end: str = typer.Option(..., "--to", metavar="INSTANT", help="End instant, ISO with offset"),
) -> None:
    """Open time between --from and --to on the calendar."""
    cal = _load_one(file, name)
    a = _instant(start, "--from")
    b = _instant(end, "--to")
    try:
        took = cal.elapsed(a, b)
    except ValueError as exc:
        _fail(str(exc))
    out = _out()
    out.print(f"elapsed   {_human(took)} ({took // dt.timedelta(seconds=1)} s of open time)")
    out.print(f"from      {a.astimezone(dt.UTC).isoformat()} (UTC)  {_show(a, cal.timezone)}")
    out.print(f"to        {b.astimezone(dt.UTC).isoformat()} (UTC)  {_show(b, cal.timezone)}")


__all__ = ["app"]
