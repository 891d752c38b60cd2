"""Validate schedule expressions before deploy and turn friendly forms into EventBridge Scheduler syntax.

Accepted forms (the result is always the AWS syntax EventBridge Scheduler takes):

- ``rate(<n> <unit>)``: n a positive whole number; unit minute(s), hour(s) or day(s), singular
  exactly when n is 1.
- ``cron(<minute> <hour> <day-of-month> <month> <day-of-week> <year>)``: the AWS six-field form with
  the wildcards AWS allows per field (``, - * /`` everywhere except ``/`` in day-of-week; ``?`` and
  ``L`` in the two day fields; ``<day>W`` in day-of-month; ``<day>#<n>`` and ``<day>L`` in
  day-of-week), and exactly one of the two day fields set to ``?``.
- ``at(yyyy-mm-ddThh:mm:ss)``: one run at a real date-time.
- ``@every <duration>`` (``30m``, ``2h``, ``1h30m``, ``1d``; whole minutes, at least one) → ``rate(...)``.
- ``@hourly``, ``@daily``, ``@weekly``, ``@monthly``, ``@yearly`` / ``@annually`` → ``cron(...)``.
- A five-field Unix cron (``*/5 * * * *``) → the AWS six-field form. Its day-of-week is written as
  names, because Unix and AWS number the days differently (Unix 0 and 7 are Sunday, AWS 1 is).

Ranges must run forwards: ``22-2`` is rejected, write ``22-23,0-2``.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from importlib import resources
from zoneinfo import ZoneInfo

_FORMS = (
    "expected rate(<n> <unit>), cron(<6 fields>), at(yyyy-mm-ddThh:mm:ss), @every <duration>, "
    "@hourly, @daily, @weekly, @monthly, @yearly or a 5-field Unix cron"
)
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
_SHORTHANDS = {
    "@hourly": "cron(0 * * * ? *)",
    "@daily": "cron(0 0 * * ? *)",
    "@weekly": "cron(0 0 ? * SUN *)",
    "@monthly": "cron(0 0 1 * ? *)",
    "@yearly": "cron(0 0 1 1 ? *)",
    "@annually": "cron(0 0 1 1 ? *)",
}
_DURATION_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
# A cron that can never fire (31 February, a past year) must still return, so the search has an end.
_SEARCH_DAYS = 5 * 366


@dataclass(frozen=True)
class _Field:
    name: str
    low: int
    high: int
    wildcards: str = ", - * /"
    names: tuple[str, ...] = ()

    @property
    def allowed(self) -> str:
        span = f"{self.low}-{self.high}"
        return f"{span} or {self.names[0]}-{self.names[-1]}" if self.names else span


_MINUTE = _Field("minute", 0, 59)
_HOUR = _Field("hour", 0, 23)
_DOM = _Field("day-of-month", 1, 31, ", - * ? / L W")
_MONTH = _Field("month", 1, 12, names=_MONTHS)
_DOW = _Field("day-of-week", 1, 7, ", - * ? L #", _DAYS)
_YEAR = _Field("year", 1970, 2199)
_UNIX_DOM = _Field("day-of-month", 1, 31)
_UNIX_DOW = _Field("day-of-week", 0, 7, names=_DAYS)


@dataclass(frozen=True)
class _LastDayOfMonth:
    pass


@dataclass(frozen=True)
class _NearestWeekday:
    day: int


@dataclass(frozen=True)
class _LastOfMonth:
    weekday: int


@dataclass(frozen=True)
class _NthOfMonth:
    weekday: int
    week: int


@dataclass(frozen=True)
class _Cron:
    minutes: frozenset[int]
    hours: frozenset[int]
    dom: frozenset[int] | _LastDayOfMonth | _NearestWeekday | None
    months: frozenset[int]
    dow: frozenset[int] | _LastOfMonth | _NthOfMonth | None
    years: frozenset[int]


def normalize_schedule_expression(expr: str) -> str:
    """Return ``expr`` in EventBridge Scheduler syntax, or raise ``ValueError`` naming what is wrong."""
    text = " ".join(expr.split())
    if not text:
        raise ValueError(f"schedule expression is empty; {_FORMS}")
    if match := re.fullmatch(r"(rate|cron|at) ?\((.*)\)", text):
        kind, body = match[1], match[2].strip()
        if kind == "rate":
            return _normalize_rate(text, body)
        if kind == "at":
            _parse_at(text, body)
            return f"at({body})"
        _parse_cron(text, body)
        return f"cron({body.upper()})"
    if text.startswith("@every "):
        return _normalize_every(text, text.removeprefix("@every "))
    if text.startswith("@"):
        if text in _SHORTHANDS:
            return _SHORTHANDS[text]
        raise ValueError(f"unknown shorthand '{text}': use {', '.join(_SHORTHANDS)} or @every <duration>")
    fields = text.split()
    if len(fields) == 5:
        return _unix_to_aws(fields)
    if len(fields) == 6:
        raise ValueError(f"six-field cron '{text}' must be wrapped as cron({text})")
    raise ValueError(f"unrecognised schedule expression '{text}': {_FORMS}")


def normalize_cron_expression(expr: str) -> str:
    """``expr`` in the AWS six-field ``cron(...)`` form (any form above that normalizes to cron), or raise
    ``ValueError``: for schedules that must recur at wall-clock times, which ``rate`` and ``at`` do not."""
    normalized = normalize_schedule_expression(expr)
    if not normalized.startswith("cron("):
        raise ValueError(
            f"'{expr}' is not a cron schedule; use cron(<6 fields>), a 5-field Unix cron or @daily-style "
            "shorthand, e.g. cron(0 20 ? * MON-FRI *)"
        )
    return normalized


def cron_occurrences(expr: str, start: datetime, end: datetime, tz: str = "UTC") -> list[datetime]:
    """Every run of the cron ``expr`` from ``start`` (inclusive) to ``end`` (exclusive), as datetimes in ``tz``,
    with the daylight-saving treatment of `next_occurrence`."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must be time-zone aware, e.g. datetime(2027, 1, 1, tzinfo=UTC)")
    zone = ZoneInfo(validate_timezone(tz))
    normalized = normalize_cron_expression(expr)
    cron = _parse_cron(expr, normalized.removeprefix("cron(").removesuffix(")"))
    start_utc, end_utc = start.astimezone(UTC), end.astimezone(UTC)
    runs: list[datetime] = []
    day = start.astimezone(zone).date()
    while day <= end.astimezone(zone).date():
        if _day_matches(cron, day):
            for hour in sorted(cron.hours):
                for minute in sorted(cron.minutes):
                    run = _existing_local_time(datetime.combine(day, time(hour, minute)), zone)
                    if run is not None and start_utc <= run.astimezone(UTC) < end_utc:
                        runs.append(run)
        day += timedelta(days=1)
    return runs


def validate_timezone(name: str) -> str:
    """Return ``name`` if it is an IANA time zone name such as ``Europe/London``."""
    if name in _iana_names():
        return name
    hint = next((f"; did you mean '{zone}'?" for zone in _iana_names() if zone.lower() == name.lower()), "")
    raise ValueError(f"time zone '{name}' is not an IANA time zone name such as Europe/London or UTC{hint}")


def next_occurrence(expr: str, after: datetime, tz: str = "UTC") -> datetime | None:
    """The first run strictly after ``after`` (time-zone aware), as a datetime in ``tz``.

    Returns None for rate expressions: Scheduler counts a rate from the schedule's start date, or from
    when it was created if it has none, and the expression says neither. Also None for an ``at``
    time already past, and for a cron with no run in the next five years.

    Cron fields are wall-clock times in ``tz``, as Scheduler treats them across daylight saving:
    a time that the spring change skips does not run, and a time that the autumn change repeats
    runs once, at its first occurrence.
    """
    if after.tzinfo is None:
        raise ValueError(f"after {after.isoformat()} must be time-zone aware, e.g. datetime.now(UTC)")
    zone = ZoneInfo(validate_timezone(tz))
    kind, body = normalize_schedule_expression(expr).removesuffix(")").split("(", 1)
    # Same-zone aware datetimes compare by wall clock and ignore fold; UTC does not.
    after_utc = after.astimezone(UTC)
    if kind == "rate":
        return None
    if kind == "at":
        once = _parse_at(expr, body).replace(tzinfo=zone)
        return once if once.astimezone(UTC) > after_utc else None
    cron = _parse_cron(expr, body)
    first_day = after.astimezone(zone).date()
    for offset in range(_SEARCH_DAYS):
        day = first_day + timedelta(days=offset)
        if not _day_matches(cron, day):
            continue
        for hour in sorted(cron.hours):
            for minute in sorted(cron.minutes):
                run = _existing_local_time(datetime.combine(day, time(hour, minute)), zone)
                if run is not None and run.astimezone(UTC) > after_utc:
                    return run
    return None


def _normalize_rate(text: str, body: str) -> str:
    parts = body.split(" ")
    if len(parts) != 2:
        raise ValueError(f"'{text}': expected rate(<value> <unit>), e.g. rate(5 minutes)")
    value_text, unit = parts
    if not re.fullmatch(r"[0-9]+", value_text) or int(value_text) == 0:
        raise ValueError(f"'{text}': rate value must be a positive whole number")
    if unit.removesuffix("s") not in ("minute", "hour", "day"):
        raise ValueError(f"'{text}': rate unit must be minute(s), hour(s) or day(s)")
    value, singular = int(value_text), unit.removesuffix("s")
    expected = _rate(value, singular)
    if value == 1 and unit != singular:
        raise ValueError(f"'{text}': use the singular unit when the value is 1: {expected}")
    if value > 1 and unit == singular:
        raise ValueError(f"'{text}': use the plural unit when the value is above 1: {expected}")
    return expected


def _rate(value: int, singular_unit: str) -> str:
    return f"rate({value} {singular_unit}{'' if value == 1 else 's'})"


def _normalize_every(text: str, duration: str) -> str:
    parts = re.findall(r"([0-9]+)([smhd])", duration)
    if not duration or "".join(number + unit for number, unit in parts) != duration:
        raise ValueError(f"'{text}': the duration must look like 30m, 2h, 1h30m or 1d")
    seconds = sum(int(number) * _DURATION_SECONDS[unit] for number, unit in parts)
    if seconds % 60:
        raise ValueError(f"'{text}': EventBridge Scheduler has no seconds; use whole minutes, at least 1m")
    minutes = seconds // 60
    if minutes == 0:
        raise ValueError(f"'{text}': the interval must be at least 1 minute")
    if minutes % 1440 == 0:
        return _rate(minutes // 1440, "day")
    if minutes % 60 == 0:
        return _rate(minutes // 60, "hour")
    return _rate(minutes, "minute")


def _parse_at(text: str, body: str) -> datetime:
    match = re.fullmatch(r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})", body)
    if not match:
        raise ValueError(f"'{text}': expected at(yyyy-mm-ddThh:mm:ss), e.g. at(2026-01-31T09:00:00)")
    try:
        year, month, day, hour, minute, second = (int(part) for part in match.groups())
        return datetime(year, month, day, hour, minute, second)
    except ValueError as error:
        raise ValueError(f"'{text}': '{body}' is not a real date-time ({error})") from None


def _parse_cron(text: str, body: str) -> _Cron:
    fields = body.upper().split(" ")
    if len(fields) != 6:
        raise ValueError(
            f"'{text}' has {len(fields)} fields; AWS cron needs 6: minute hour day-of-month month "
            "day-of-week year (a 5-field Unix cron is accepted without cron(...))"
        )
    minute, hour, dom, month, dow, year = fields
    cron = _Cron(
        minutes=_parse_values(_MINUTE, minute),
        hours=_parse_values(_HOUR, hour),
        dom=_parse_dom(dom),
        months=_parse_values(_MONTH, month),
        dow=_parse_dow(dow),
        years=_parse_values(_YEAR, year),
    )
    if cron.dom is None and cron.dow is None:
        raise ValueError("cron day-of-month '?' and day-of-week '?': only one may be '?'; put * in the other")
    if cron.dom is not None and cron.dow is not None:
        example = " ".join([minute, hour, dom, month, "?", year])
        raise ValueError(f"cron day-of-month '{dom}' and day-of-week '{dow}': one must be '?', e.g. cron({example})")
    return cron


def _field_error(field: _Field, text: str, problem: str) -> ValueError:
    return ValueError(f"cron {field.name} field '{text}': {problem}")


def _parse_values(field: _Field, text: str) -> frozenset[int]:
    values: set[int] = set()
    for item in text.split(","):
        base, slash, step_text = item.partition("/")
        if slash and "/" not in field.wildcards:
            raise _field_error(field, text, f"'/' is not allowed; the {field.name} field allows {field.wildcards}")
        if base == "*":
            start, end = field.low, field.high
        elif "-" in base:
            start, end = (_value(field, text, bound) for bound in base.split("-", 1))
            if start > end:
                split = f"{start}-{field.high},{field.low}-{end}"
                raise _field_error(field, text, f"range {base} runs backwards; split it, e.g. {split}")
        else:
            start = _value(field, text, base)
            end = field.high if slash else start
        values.update(range(start, end + 1, _step(field, text, step_text) if slash else 1))
    return frozenset(values)


def _value(field: _Field, text: str, token: str) -> int:
    if token in field.names:
        return field.low + field.names.index(token)
    if re.fullmatch(r"[0-9]+", token) and field.low <= int(token) <= field.high:
        return int(token)
    if re.fullmatch(r"\?|\w*[LW]|\w*#\w*", token):
        raise _field_error(field, text, f"'{token}' is not allowed; the {field.name} field allows {field.wildcards}")
    raise _field_error(field, text, f"must be {field.allowed}")


def _step(field: _Field, text: str, step_text: str) -> int:
    span = field.high - field.low
    if re.fullmatch(r"[0-9]+", step_text) and 1 <= int(step_text) <= span:
        return int(step_text)
    raise _field_error(field, text, f"the step after '/' must be 1-{span}")


def _parse_dom(text: str) -> frozenset[int] | _LastDayOfMonth | _NearestWeekday | None:
    if text == "?":
        return None
    if text == "L":
        return _LastDayOfMonth()
    if match := re.fullmatch(r"([0-9]+)W", text):
        return _NearestWeekday(_value(_DOM, text, match[1]))
    if re.search(r"[?LW]", text):
        raise _field_error(_DOM, text, "'?', 'L' and '<day>W' (e.g. 15W) must stand alone")
    return _parse_values(_DOM, text)


def _parse_dow(text: str) -> frozenset[int] | _LastOfMonth | _NthOfMonth | None:
    if text == "?":
        return None
    if text == "L":
        return frozenset({7})  # AWS weeks end on Saturday
    if match := re.fullmatch(r"(\w+)L", text):
        return _LastOfMonth(_value(_DOW, text, match[1]))
    if match := re.fullmatch(r"(\w+)#(\w+)", text):
        if match[2] not in ("1", "2", "3", "4", "5"):
            raise _field_error(_DOW, text, "the week number after '#' must be 1-5")
        return _NthOfMonth(_value(_DOW, text, match[1]), int(match[2]))
    if re.search(r"[?L#]", text):
        raise _field_error(_DOW, text, "'?', 'L', '<day>L' and '<day>#<n>' (e.g. FRI#3) must stand alone")
    return _parse_values(_DOW, text)


def _unix_to_aws(fields: list[str]) -> str:
    minute, hour, dom, month, dow = (field.upper() for field in fields)
    for field, value in ((_MINUTE, minute), (_HOUR, hour), (_MONTH, month)):
        _parse_values(field, value)
    dom_any, dow_any = dom in ("*", "?"), dow in ("*", "?")
    if not dom_any:
        _parse_values(_UNIX_DOM, dom)
    if dow_any:
        return f"cron({minute} {hour} {dom.replace('?', '*')} {month} ? *)"
    # Unix 0 and 7 are Sunday; AWS numbers Sunday 1 to Saturday 7.
    days = sorted({unix_day % 7 + 1 for unix_day in _parse_values(_UNIX_DOW, dow)})
    if not dom_any:
        raise ValueError(
            f"'{' '.join(fields)}': Unix cron runs when day-of-month '{dom}' OR day-of-week '{dow}' "
            "matches, which AWS cannot express; restrict only one of them"
        )
    return f"cron({minute} {hour} ? {month} {_day_names(days)} *)"


def _day_names(days: list[int]) -> str:
    if len(days) == 7:
        return "*"
    runs: list[list[int]] = []
    for day in days:
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts = [
        f"{_DAYS[run[0] - 1]}-{_DAYS[run[-1] - 1]}" if len(run) > 2 else ",".join(_DAYS[d - 1] for d in run)
        for run in runs
    ]
    return ",".join(parts)


def _day_matches(cron: _Cron, day: date) -> bool:
    if day.year not in cron.years or day.month not in cron.months:
        return False
    last = calendar.monthrange(day.year, day.month)[1]
    match cron.dom:
        case _LastDayOfMonth():
            dom_ok = day.day == last
        case _NearestWeekday(target):
            dom_ok = day.day == _nearest_weekday(day.year, day.month, target)
        case None:
            dom_ok = True
        case days:
            dom_ok = day.day in days
    weekday = day.isoweekday() % 7 + 1
    match cron.dow:
        case _LastOfMonth(target):
            dow_ok = weekday == target and day.day + 7 > last
        case _NthOfMonth(target, week):
            dow_ok = weekday == target and (day.day - 1) // 7 + 1 == week
        case None:
            dow_ok = True
        case weekdays:
            dow_ok = weekday in weekdays
    return dom_ok and dow_ok


def _nearest_weekday(year: int, month: int, target: int) -> int | None:
    """The weekday nearest ``target`` without leaving the month; None where the month is too short."""
    last = calendar.monthrange(year, month)[1]
    if target > last:
        return None
    weekday = date(year, month, target).weekday()
    if weekday == calendar.SATURDAY:
        return target - 1 if target > 1 else target + 2
    if weekday == calendar.SUNDAY:
        return target + 1 if target < last else target - 2
    return target


def _existing_local_time(wall_clock: datetime, zone: ZoneInfo) -> datetime | None:
    """``wall_clock`` in ``zone`` at its first occurrence, or None if the clocks skip it."""
    local = wall_clock.replace(tzinfo=zone)
    if local.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != wall_clock:
        return None
    return local


@cache
def _iana_names() -> frozenset[str]:
    # tzdata's list rather than the host's zoneinfo directory, which varies and holds non-zones like "localtime".
    return frozenset(resources.files("tzdata").joinpath("zones").read_text().split())


def pick_random_times(expr: str, randint: Callable[[int, int], int]) -> str:
    """``expr`` with each ``?`` in its minute or hour field replaced by a value drawn with ``randint``.

    The ECS Scheduler's wildcard: ``cron(? ? * * ? *)`` or ``? 3 * * *`` runs at one random time, drawn
    once, so that many jobs written the same way spread out. AWS cron allows ``?`` only in the two day
    fields, where it keeps its meaning; other forms are returned unchanged.
    """
    text = " ".join(expr.split())
    wrapped = re.fullmatch(r"cron ?\((.*)\)", text)
    fields = (wrapped[1] if wrapped else text).strip().split(" ")
    if len(fields) != (6 if wrapped else 5) or text.startswith("@"):
        return expr
    for index, field in enumerate((_MINUTE, _HOUR)):
        if fields[index] == "?":
            fields[index] = str(randint(field.low, field.high))
    body = " ".join(fields)
    return f"cron({body})" if wrapped else body
