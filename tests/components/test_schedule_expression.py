import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from ecs_workloads.schedule_expression import (
    next_occurrence,
    normalize_schedule_expression,
    pick_random_times,
    validate_timezone,
)

GOOD = [
    # rate
    ("rate(1 minute)", "rate(1 minute)"),
    ("rate(5 minutes)", "rate(5 minutes)"),
    ("rate(1 hour)", "rate(1 hour)"),
    ("rate(12 hours)", "rate(12 hours)"),
    ("rate(1 day)", "rate(1 day)"),
    ("rate(7 days)", "rate(7 days)"),
    ("  rate(  10   minutes ) ", "rate(10 minutes)"),
    ("rate(05 minutes)", "rate(5 minutes)"),
    # AWS cron
    ("cron(0 12 * * ? *)", "cron(0 12 * * ? *)"),
    ("cron(0/15 * * * ? *)", "cron(0/15 * * * ? *)"),
    ("cron(0 9 ? * MON-FRI *)", "cron(0 9 ? * MON-FRI *)"),
    (" cron( 0  9 ? * mon-fri * ) ", "cron(0 9 ? * MON-FRI *)"),
    ("cron(0 0 L * ? *)", "cron(0 0 L * ? *)"),
    ("cron(0 12 15W * ? *)", "cron(0 12 15W * ? *)"),
    ("cron(0 10 ? * 6#3 *)", "cron(0 10 ? * 6#3 *)"),
    ("cron(0 10 ? * FRI#3 *)", "cron(0 10 ? * FRI#3 *)"),
    ("cron(0 0 ? * 6L *)", "cron(0 0 ? * 6L *)"),
    ("cron(0 0 ? * L *)", "cron(0 0 ? * L *)"),
    ("cron(0 8 1-15/2 JAN,JUL ? 2026-2030)", "cron(0 8 1-15/2 JAN,JUL ? 2026-2030)"),
    ("cron(5,35 22-23,0-2 ? * * *)", "cron(5,35 22-23,0-2 ? * * *)"),
    # at
    ("at(2026-06-30T23:59:59)", "at(2026-06-30T23:59:59)"),
    ("at(2028-02-29T12:00:00)", "at(2028-02-29T12:00:00)"),
    # friendly
    ("@every 1m", "rate(1 minute)"),
    ("@every 2m", "rate(2 minutes)"),
    ("@every 90m", "rate(90 minutes)"),
    ("@every 1h30m", "rate(90 minutes)"),
    ("@every 120s", "rate(2 minutes)"),
    ("@every 1h", "rate(1 hour)"),
    ("@every 24h", "rate(1 day)"),
    ("@every 1d", "rate(1 day)"),
    ("@every 2d", "rate(2 days)"),
    ("@hourly", "cron(0 * * * ? *)"),
    ("@daily", "cron(0 0 * * ? *)"),
    ("@weekly", "cron(0 0 ? * SUN *)"),
    ("@monthly", "cron(0 0 1 * ? *)"),
    ("@yearly", "cron(0 0 1 1 ? *)"),
    ("@annually", "cron(0 0 1 1 ? *)"),
    # five-field Unix cron
    ("*/5 * * * *", "cron(*/5 * * * ? *)"),
    ("30 2 1 * *", "cron(30 2 1 * ? *)"),
    ("0 0 1 jan *", "cron(0 0 1 JAN ? *)"),
    ("0 9 * * 1-5", "cron(0 9 ? * MON-FRI *)"),
    ("0 9 ? * mon", "cron(0 9 ? * MON *)"),
    ("0 0 * * 0", "cron(0 0 ? * SUN *)"),
    ("0 0 * * 7", "cron(0 0 ? * SUN *)"),
    ("0 0 * * 5-7", "cron(0 0 ? * SUN,FRI,SAT *)"),
    ("0 0 * * sat,sun", "cron(0 0 ? * SUN,SAT *)"),
    ("0 0 * * */2", "cron(0 0 ? * SUN,TUE,THU,SAT *)"),
    ("0 0 * * 0-6", "cron(0 0 ? * * *)"),
]

BAD = [
    ("", "schedule expression is empty; expected rate("),
    ("   ", "schedule expression is empty"),
    ("every 2 minutes", "unrecognised schedule expression 'every 2 minutes': expected rate("),
    ("RATE(5 minutes)", "unrecognised schedule expression 'RATE(5 minutes)'"),
    # rate
    ("rate(1 minutes)", "'rate(1 minutes)': use the singular unit when the value is 1: rate(1 minute)"),
    ("rate(1 days)", "use the singular unit when the value is 1: rate(1 day)"),
    ("rate(2 minute)", "'rate(2 minute)': use the plural unit when the value is above 1: rate(2 minutes)"),
    ("rate(0 minutes)", "'rate(0 minutes)': rate value must be a positive whole number"),
    ("rate(-5 minutes)", "rate value must be a positive whole number"),
    ("rate(1.5 hours)", "rate value must be a positive whole number"),
    ("rate(5 weeks)", "'rate(5 weeks)': rate unit must be minute(s), hour(s) or day(s)"),
    ("rate(5)", "'rate(5)': expected rate(<value> <unit>)"),
    # AWS cron
    ("cron(0 12 * * * *)", "day-of-month '*' and day-of-week '*': one must be '?', e.g. cron(0 12 * * ? *)"),
    ("cron(0 12 1 * MON *)", "day-of-month '1' and day-of-week 'MON': one must be '?'"),
    ("cron(0 12 ? * ? *)", "day-of-month '?' and day-of-week '?': only one may be '?'"),
    ("cron(60 * * * ? *)", "cron minute field '60': must be 0-59"),
    ("cron(0 24 * * ? *)", "cron hour field '24': must be 0-23"),
    ("cron(0 0 32 * ? *)", "cron day-of-month field '32': must be 1-31"),
    ("cron(0 0 0 * ? *)", "cron day-of-month field '0': must be 1-31"),
    ("cron(0 0 ? 13 MON *)", "cron month field '13': must be 1-12 or JAN-DEC"),
    ("cron(0 0 ? JANUARY MON *)", "cron month field 'JANUARY': must be 1-12 or JAN-DEC"),
    ("cron(0 0 ? * 8 *)", "cron day-of-week field '8': must be 1-7 or SUN-SAT"),
    ("cron(0 0 ? * 0 *)", "cron day-of-week field '0': must be 1-7 or SUN-SAT"),
    ("cron(0 0 * * ? 1969)", "cron year field '1969': must be 1970-2199"),
    ("cron(0 0 * * ? 2200)", "cron year field '2200': must be 1970-2199"),
    ("cron(0 0 ? * MON#6 *)", "cron day-of-week field 'MON#6': the week number after '#' must be 1-5"),
    ("cron(0 0 ? * 1#2,6#3 *)", "cron day-of-week field '1#2,6#3': '?', 'L', '<day>L' and '<day>#<n>'"),
    ("cron(0 0 1,L * ? *)", "cron day-of-month field '1,L': '?', 'L' and '<day>W' (e.g. 15W) must stand alone"),
    ("cron(0 ? * * ? *)", "cron hour field '?': '?' is not allowed; the hour field allows , - * /"),
    ("cron(0 0 L * ? L)", "cron year field 'L': 'L' is not allowed; the year field allows , - * /"),
    ("cron(0 0 ? * 1W *)", "cron day-of-week field '1W': '1W' is not allowed; the day-of-week field allows"),
    ("cron(0 0 ? * 1/2 *)", "cron day-of-week field '1/2': '/' is not allowed"),
    ("cron(0/0 * * * ? *)", "cron minute field '0/0': the step after '/' must be 1-59"),
    ("cron(0 22-2 * * ? *)", "cron hour field '22-2': range 22-2 runs backwards; split it, e.g. 22-23,0-2"),
    ("cron(0 0 * * ?)", "'cron(0 0 * * ?)' has 5 fields; AWS cron needs 6"),
    ("cron(0 0 0 * * ? *)", "has 7 fields; AWS cron needs 6"),
    ("0 12 * * ? *", "six-field cron '0 12 * * ? *' must be wrapped as cron(0 12 * * ? *)"),
    # at
    ("at(2026-13-01T00:00:00)", "'2026-13-01T00:00:00' is not a real date-time (month must be in 1..12)"),
    ("at(2026-02-29T00:00:00)", "'2026-02-29T00:00:00' is not a real date-time (day is out of range"),
    ("at(2026-01-01T24:00:00)", "is not a real date-time (hour must be in 0..23)"),
    ("at(2026-01-01 09:00:00)", "expected at(yyyy-mm-ddThh:mm:ss)"),
    # friendly
    ("@every 0m", "'@every 0m': the interval must be at least 1 minute"),
    ("@every 30s", "'@every 30s': EventBridge Scheduler has no seconds; use whole minutes"),
    ("@every 90s", "EventBridge Scheduler has no seconds"),
    ("@every 2 minutes", "'@every 2 minutes': the duration must look like 30m, 2h, 1h30m or 1d"),
    ("@every 1w", "the duration must look like"),
    ("@fortnightly", "unknown shorthand '@fortnightly': use @hourly, @daily"),
    # five-field Unix cron
    ("0 0 1 * 1", "day-of-month '1' OR day-of-week '1' matches, which AWS cannot express"),
    ("61 * * * *", "cron minute field '61': must be 0-59"),
    ("0 0 * * 8", "cron day-of-week field '8': must be 0-7 or SUN-SAT"),
    ("0 0 L * *", "cron day-of-month field 'L': 'L' is not allowed; the day-of-month field allows , - * /"),
]


@pytest.mark.parametrize(("expr", "expected"), GOOD)
def test_valid_expressions_normalise_to_aws_syntax(expr: str, expected: str) -> None:
    assert normalize_schedule_expression(expr) == expected


@pytest.mark.parametrize("expected", sorted({expected for _, expected in GOOD}))
def test_normalised_output_is_a_fixed_point(expected: str) -> None:
    assert normalize_schedule_expression(expected) == expected


@pytest.mark.parametrize(("expr", "message"), BAD)
def test_invalid_expressions_raise_a_one_line_message(expr: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)) as raised:
        normalize_schedule_expression(expr)
    assert "\n" not in str(raised.value)


@given(
    value=st.integers(min_value=1, max_value=10**6),
    unit=st.sampled_from(["minute", "hour", "day"]),
    pad=st.sampled_from(["", " ", "   "]),
)
def test_rate_normalisation_is_idempotent(value: int, unit: str, pad: str) -> None:
    canonical = f"rate({value} {unit}{'' if value == 1 else 's'})"
    spaced = f"{pad}rate({pad}{value} {pad}{unit}{'' if value == 1 else 's'}{pad}){pad}"
    assert normalize_schedule_expression(spaced) == canonical
    assert normalize_schedule_expression(canonical) == canonical


@given(hours=st.integers(min_value=0, max_value=100), minutes=st.integers(min_value=0, max_value=600))
def test_every_keeps_the_interval(hours: int, minutes: int) -> None:
    total = hours * 60 + minutes
    assume(total > 0)
    value, unit = normalize_schedule_expression(f"@every {hours}h{minutes}m")[5:-1].split(" ")
    assert int(value) * {"minute": 1, "hour": 60, "day": 1440}[unit.removesuffix("s")] == total


@pytest.mark.parametrize("name", ["UTC", "Europe/London", "America/New_York", "Asia/Kolkata"])
def test_iana_time_zones_are_accepted(name: str) -> None:
    assert validate_timezone(name) == name


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("Europe/Londn", "time zone 'Europe/Londn' is not an IANA time zone name such as Europe/London"),
        ("", "time zone '' is not an IANA time zone name"),
        ("localtime", "time zone 'localtime' is not an IANA time zone name"),
        ("GMT+1", "time zone 'GMT+1' is not an IANA time zone name"),
        ("europe/london", "did you mean 'Europe/London'?"),
    ],
)
def test_unknown_time_zones_are_rejected(name: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        validate_timezone(name)


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("expr", "after", "tz", "expected"),
    [
        # a Saturday morning: the next weekday run is Monday
        ("cron(0 9 ? * MON-FRI *)", "2026-03-07T10:00", "UTC", "2026-03-09T09:00:00+00:00"),
        # a run exactly at `after` is not "next"
        ("cron(0 9 ? * MON-FRI *)", "2026-03-09T09:00", "UTC", "2026-03-10T09:00:00+00:00"),
        ("cron(0 0 L * ? *)", "2026-02-10T00:00", "UTC", "2026-02-28T00:00:00+00:00"),
        ("cron(0 0 L * ? *)", "2028-02-10T00:00", "UTC", "2028-02-29T00:00:00+00:00"),
        ("cron(0 10 ? * 6#3 *)", "2026-03-01T00:00", "UTC", "2026-03-20T10:00:00+00:00"),
        ("cron(0 10 ? * FRI#3 *)", "2026-03-20T10:00", "UTC", "2026-04-17T10:00:00+00:00"),
        ("cron(0 10 ? * SAT#1 *)", "2026-03-01T00:00", "UTC", "2026-03-07T10:00:00+00:00"),
        ("cron(0 0 ? * 6L *)", "2026-03-01T00:00", "UTC", "2026-03-27T00:00:00+00:00"),
        # 31 July 2026 is a Friday, so the 24th is not the last one
        ("cron(0 0 ? * 6L *)", "2026-07-01T00:00", "UTC", "2026-07-31T00:00:00+00:00"),
        ("cron(0 0 ? * L *)", "2026-03-01T00:00", "UTC", "2026-03-07T00:00:00+00:00"),
        # 15 August 2026 is a Saturday, 15 March a Sunday
        ("cron(0 12 15W * ? *)", "2026-08-01T00:00", "UTC", "2026-08-14T12:00:00+00:00"),
        ("cron(0 12 15W * ? *)", "2026-03-01T00:00", "UTC", "2026-03-16T12:00:00+00:00"),
        # 1 August 2026 is a Saturday: W does not reach back into July
        ("cron(0 0 1W * ? *)", "2026-07-31T12:00", "UTC", "2026-08-03T00:00:00+00:00"),
        # September has no 31st; 31 October 2026 is a Saturday
        ("cron(0 0 31W * ? *)", "2026-09-01T00:00", "UTC", "2026-10-30T00:00:00+00:00"),
        # 31 May 2026 is a Sunday: W does not reach forward into June
        ("cron(0 0 31W * ? *)", "2026-05-01T00:00", "UTC", "2026-05-29T00:00:00+00:00"),
        ("cron(0 0 1 1 ? 2030)", "2026-03-07T10:00", "UTC", "2030-01-01T00:00:00+00:00"),
        ("cron(0 8 1-15/2 JAN,JUL ? 2026-2030)", "2026-03-07T10:00", "UTC", "2026-07-01T08:00:00+00:00"),
        ("*/5 * * * *", "2026-03-07T10:02:30", "UTC", "2026-03-07T10:05:00+00:00"),
        ("cron(1/10 * * * ? *)", "2026-03-07T10:02", "UTC", "2026-03-07T10:11:00+00:00"),
        ("cron(0 23 * * ? *)", "2026-03-07T10:00", "UTC", "2026-03-07T23:00:00+00:00"),
        ("@daily", "2026-03-07T10:00", "UTC", "2026-03-08T00:00:00+00:00"),
        ("at(2026-07-01T09:00:00)", "2026-03-07T10:00", "UTC", "2026-07-01T09:00:00+00:00"),
        ("at(2026-07-01T09:00:00)", "2026-03-07T10:00", "Europe/London", "2026-07-01T09:00:00+01:00"),
        # UK clocks go forward on 29 March 2026: 09:00 London is then 08:00 UTC
        ("cron(0 9 * * ? *)", "2026-03-28T12:00", "UTC", "2026-03-29T09:00:00+00:00"),
        ("cron(0 9 * * ? *)", "2026-03-28T12:00", "Europe/London", "2026-03-29T09:00:00+01:00"),
        ("cron(0 9 ? * MON-FRI *)", "2026-07-04T00:00", "America/New_York", "2026-07-06T09:00:00-04:00"),
        # 01:30 does not exist in London on 29 March 2026, so that day has no run
        ("cron(30 1 * * ? *)", "2026-03-28T12:00", "Europe/London", "2026-03-30T01:30:00+01:00"),
        # 01:30 happens twice in London on 25 October 2026 and runs only the first time
        ("cron(30 1 * * ? *)", "2026-10-25T00:00", "Europe/London", "2026-10-25T01:30:00+01:00"),
        ("cron(30 1 * * ? *)", "2026-10-25T00:45", "Europe/London", "2026-10-26T01:30:00+00:00"),
    ],
)
def test_next_occurrence(expr: str, after: str, tz: str, expected: str) -> None:
    result = next_occurrence(expr, _utc(after), tz)
    assert result is not None
    assert result.isoformat() == expected
    assert str(result.tzinfo) == tz


@pytest.mark.parametrize(
    ("expr", "after"),
    [
        # rate schedules count from their start date, which the expression does not carry
        ("rate(5 minutes)", "2026-03-07T10:00"),
        ("@every 1h", "2026-03-07T10:00"),
        ("at(2026-03-07T10:00:00)", "2026-03-07T10:00"),
        ("cron(0 0 1 1 ? 2020)", "2026-03-07T10:00"),
        ("cron(0 0 31 2 ? *)", "2026-03-07T10:00"),
        # beyond the five-year search
        ("cron(0 0 1 1 ? 2035)", "2026-03-07T10:00"),
    ],
)
def test_next_occurrence_none(expr: str, after: str) -> None:
    assert next_occurrence(expr, _utc(after)) is None


def test_next_occurrence_after_the_second_pass_of_a_repeated_hour() -> None:
    london = ZoneInfo("Europe/London")
    # 01:10 GMT on 25 October 2026, an hour after 01:10 BST; 01:40 BST has already run
    after = datetime(2026, 10, 25, 1, 10, fold=1, tzinfo=london)
    result = next_occurrence("cron(40 1 * * ? *)", after, "Europe/London")
    assert result is not None
    assert result.isoformat() == "2026-10-26T01:40:00+00:00"


def test_next_occurrence_needs_an_aware_start() -> None:
    with pytest.raises(ValueError, match="must be time-zone aware"):
        next_occurrence("@daily", datetime(2026, 3, 7, 10))


def test_next_occurrence_validates_its_inputs() -> None:
    with pytest.raises(ValueError, match="time zone 'Mars/Olympus' is not an IANA time zone name"):
        next_occurrence("@daily", _utc("2026-03-07T10:00"), "Mars/Olympus")
    with pytest.raises(ValueError, match="cron hour field '24': must be 0-23"):
        next_occurrence("cron(0 24 * * ? *)", _utc("2026-03-07T10:00"))


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("cron(? ? * * ? *)", "cron(11 12 * * ? *)"),
        ("cron(0 ? ? * MON *)", "cron(0 11 ? * MON *)"),
        ("? 3 * * *", "11 3 * * *"),
        ("?  ?  * * *", "11 12 * * *"),
        ("cron(0 9 ? * MON-FRI *)", "cron(0 9 ? * MON-FRI *)"),
        ("rate(5 minutes)", "rate(5 minutes)"),
        ("@daily", "@daily"),
        ("at(2030-01-01T00:00:00)", "at(2030-01-01T00:00:00)"),
    ],
)
def test_random_times_replace_only_minute_and_hour_wildcards(expr, expected):
    draws = iter([11, 12])
    assert pick_random_times(expr, lambda low, high: next(draws)) == expected


def test_random_times_are_drawn_within_each_field():
    bounds = []

    def lowest(low, high):
        bounds.append((low, high))
        return low

    assert normalize_schedule_expression(pick_random_times("? ? * * *", lowest)) == "cron(0 0 * * ? *)"
    assert bounds == [(0, 59), (0, 23)]
