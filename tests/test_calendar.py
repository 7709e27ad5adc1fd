"""Working days, business hours and deadlines (routing.calendar), table-driven plus properties."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from config.settings import BusinessHours
from routing.calendar import WorkingCalendar, iso

LONDON = ZoneInfo("Europe/London")
CAL = WorkingCalendar(BusinessHours())
WITH_SATURDAY = WorkingCalendar(BusinessHours(hours={**BusinessHours().hours, "sat": "09:00-12:00"}))
TUE_TO_SAT = WorkingCalendar(
    BusinessHours(hours={d: "07:00-19:00" for d in ("tue", "wed", "thu", "fri", "sat")})
)
SCOTLAND = WorkingCalendar(BusinessHours(holidays_subdivision="SCT"))


def lon(y: int, mo: int, d: int, h: int = 12, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, tzinfo=LONDON)


def utc(y: int, mo: int, d: int, h: int = 12, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, tzinfo=UTC)


def table(cases: list[tuple[Any, ...]]) -> list[Any]:
    """Rows of (id, *values) as pytest params, so each case reports by its name."""
    return [pytest.param(*case[1:], id=case[0]) for case in cases]


DUE_CASES = [
    # SPEC examples
    ("spec-christmas-moderate", lon(2026, 12, 24, 15), 3, "2026-12-31T17:00:00+00:00"),
    ("spec-fri-1645-day0-monday", lon(2026, 12, 18, 16, 45), 0, "2026-12-21T17:00:00+00:00"),
    ("spec-fri-1645-n3", lon(2026, 12, 18, 16, 45), 3, "2026-12-24T17:00:00+00:00"),
    # Christmas 2026: Fri 25 and the Boxing Day substitute Mon 28 are closed
    ("xmas-n0", lon(2026, 12, 24, 15), 0, "2026-12-24T17:00:00+00:00"),
    ("xmas-n1-skips-25-and-28", lon(2026, 12, 24, 15), 1, "2026-12-29T17:00:00+00:00"),
    ("xmas-n2", lon(2026, 12, 24, 15), 2, "2026-12-30T17:00:00+00:00"),
    ("received-christmas-day", lon(2026, 12, 25, 10), 0, "2026-12-29T17:00:00+00:00"),
    ("received-saturday-boxing-day", lon(2026, 12, 26, 10), 1, "2026-12-30T17:00:00+00:00"),
    ("received-substitute-monday", lon(2026, 12, 28, 9), 0, "2026-12-29T17:00:00+00:00"),
    # New Year 2027: Fri 1 Jan
    ("new-year-n1", lon(2026, 12, 31, 12), 1, "2027-01-04T17:00:00+00:00"),
    ("new-year-received-on-day", lon(2027, 1, 1, 9), 0, "2027-01-04T17:00:00+00:00"),
    # Easter 2027 (Good Friday 26 Mar, Easter Monday 29 Mar) around the 28 Mar DST change
    ("easter-n0-before-dst", lon(2027, 3, 25, 10), 0, "2027-03-25T17:00:00+00:00"),
    ("easter-n1-after-dst", lon(2027, 3, 25, 10), 1, "2027-03-30T17:00:00+01:00"),
    ("good-friday-receipt", lon(2027, 3, 26, 10), 0, "2027-03-30T17:00:00+01:00"),
    ("easter-n3", lon(2027, 3, 25, 10), 3, "2027-04-01T17:00:00+01:00"),
    # Early May bank holiday 2027: Mon 3 May
    ("early-may-n1", lon(2027, 4, 30, 14), 1, "2027-05-04T17:00:00+01:00"),
    ("early-may-fri-after-close", lon(2027, 4, 30, 16, 31), 0, "2027-05-04T17:00:00+01:00"),
    # October 2026 DST change (Sun 25 Oct): BST Friday, GMT Monday
    ("oct-dst-n0-fri", lon(2026, 10, 23, 12), 0, "2026-10-23T16:30:00+01:00"),
    ("oct-dst-n1-mon", lon(2026, 10, 23, 12), 1, "2026-10-26T17:00:00+00:00"),
    ("oct-dst-received-sunday", lon(2026, 10, 25, 1, 30), 0, "2026-10-26T17:00:00+00:00"),
    # Friday 16:30 early close; close itself is no longer "before close"
    ("fri-1629-counts-friday", lon(2027, 6, 4, 16, 29), 0, "2027-06-04T16:30:00+01:00"),
    ("fri-1630-exactly-next-day", lon(2027, 6, 4, 16, 30), 0, "2027-06-07T17:00:00+01:00"),
    ("fri-1631-next-day", lon(2027, 6, 4, 16, 31), 0, "2027-06-07T17:00:00+01:00"),
    ("mon-1700-exactly-next-day", lon(2027, 6, 7, 17), 0, "2027-06-08T17:00:00+01:00"),
    ("before-opening-counts-day", lon(2027, 6, 1, 6), 0, "2027-06-01T17:00:00+01:00"),
    ("before-opening-n2", lon(2027, 6, 1, 0, 5), 2, "2027-06-03T17:00:00+01:00"),
    ("saturday-receipt-n1", lon(2027, 6, 5, 11), 1, "2027-06-08T17:00:00+01:00"),
    # Receipts in UTC are read on the London clock
    ("utc-1659-bst-same-day", utc(2027, 6, 1, 15, 59, 59), 0, "2027-06-01T17:00:00+01:00"),
    ("utc-1600-is-1700-bst", utc(2027, 6, 1, 16), 0, "2027-06-02T17:00:00+01:00"),
    ("utc-sunday-is-london-monday", utc(2027, 6, 6, 23, 30), 0, "2027-06-07T17:00:00+01:00"),
]


@pytest.mark.parametrize(("received", "n", "expected"), table(DUE_CASES))
def test_due_at(received: datetime, n: int, expected: str) -> None:
    """A receipt plus N working days gives close of business on the right day, local offset."""
    assert iso(CAL.due_at(received, n)) == expected


DAY_ZERO_CASES = [
    ("working-day-before-opening", lon(2027, 6, 2, 7), date(2027, 6, 2)),
    ("working-day-in-hours", lon(2027, 6, 2, 12), date(2027, 6, 2)),
    ("working-day-after-close", lon(2027, 6, 2, 17, 1), date(2027, 6, 3)),
    ("friday-1645", lon(2027, 6, 4, 16, 45), date(2027, 6, 7)),
    ("saturday", lon(2027, 6, 5, 9), date(2027, 6, 7)),
    ("sunday-late", lon(2027, 6, 6, 23, 59), date(2027, 6, 7)),
    ("bank-holiday-spring-2027", lon(2027, 5, 31, 10), date(2027, 6, 1)),
    ("thu-before-easter-after-close", lon(2027, 3, 25, 18), date(2027, 3, 30)),
]


@pytest.mark.parametrize(("received", "expected"), table(DAY_ZERO_CASES))
def test_day_zero(received: datetime, expected: date) -> None:
    """Day 0 is the receipt day if worked and before close, else the next working day."""
    assert CAL.day_zero(received) == expected


WORKING_DAY_CASES = [
    ("christmas-eve-2026", date(2026, 12, 24), True),
    ("christmas-2026", date(2026, 12, 25), False),
    ("boxing-day-saturday", date(2026, 12, 26), False),
    ("boxing-substitute-monday", date(2026, 12, 28), False),
    ("tue-after-christmas", date(2026, 12, 29), True),
    ("new-year-2027", date(2027, 1, 1), False),
    ("good-friday-2027", date(2027, 3, 26), False),
    ("easter-monday-2027", date(2027, 3, 29), False),
    ("early-may-2027", date(2027, 5, 3), False),
    ("plain-wednesday", date(2027, 6, 2), True),
    ("saturday", date(2027, 6, 5), False),
    ("sunday", date(2027, 6, 6), False),
]


@pytest.mark.parametrize(("day", "expected"), table(WORKING_DAY_CASES))
def test_is_working_day(day: date, expected: bool) -> None:
    """England & Wales bank holidays (with substitute days) and weekends are not working days."""
    assert CAL.is_working_day(day) is expected


HOURS_CASES = [
    ("fri-bst-before-oct-change", date(2026, 10, 23), ("2026-10-23T08:30:00+01:00", "2026-10-23T16:30:00+01:00")),
    ("mon-gmt-after-oct-change", date(2026, 10, 26), ("2026-10-26T08:30:00+00:00", "2026-10-26T17:00:00+00:00")),
    ("thu-gmt-before-mar-change", date(2027, 3, 25), ("2027-03-25T08:30:00+00:00", "2027-03-25T17:00:00+00:00")),
    ("tue-bst-after-mar-change", date(2027, 3, 30), ("2027-03-30T08:30:00+01:00", "2027-03-30T17:00:00+01:00")),
    ("sunday-of-change", date(2027, 3, 28), None),
    ("bank-holiday", date(2026, 12, 28), None),
]


@pytest.mark.parametrize(("day", "expected"), table(HOURS_CASES))
def test_hours_on(day: date, expected: tuple[str, str] | None) -> None:
    """Opening hours are the configured wall-clock times with the offset in force that day."""
    hours = CAL.hours_on(day)
    assert (None if hours is None else (iso(hours[0]), iso(hours[1]))) == expected


OPEN_CASES = [
    ("mon-0830-opening", lon(2027, 6, 7, 8, 30), True),
    ("mon-0829", lon(2027, 6, 7, 8, 29), False),
    ("mon-1659", lon(2027, 6, 7, 16, 59, 59), True),
    ("mon-1700-closed", lon(2027, 6, 7, 17), False),
    ("fri-1629", lon(2027, 6, 4, 16, 29), True),
    ("fri-1630-closed", lon(2027, 6, 4, 16, 30), False),
    ("saturday-noon", lon(2027, 6, 5, 12), False),
    ("bank-holiday-noon", lon(2027, 5, 31, 12), False),
    ("utc-0730-is-0830-bst", utc(2027, 6, 7, 7, 30), True),
]


@pytest.mark.parametrize(("at", "expected"), table(OPEN_CASES))
def test_is_open(at: datetime, expected: bool) -> None:
    """Open from opening (inclusive) to closing (exclusive) on working days only."""
    assert CAL.is_open(at) is expected


NEXT_OPENING_CASES = [
    ("open-now-returns-same-instant", lon(2027, 6, 7, 10), "2027-06-07T10:00:00+01:00"),
    ("before-opening-same-day", lon(2027, 6, 7, 6), "2027-06-07T08:30:00+01:00"),
    ("after-close-next-day", lon(2027, 6, 7, 17), "2027-06-08T08:30:00+01:00"),
    ("friday-evening-monday", lon(2027, 6, 4, 16, 30), "2027-06-07T08:30:00+01:00"),
    ("christmas-eve-evening", lon(2026, 12, 24, 18), "2026-12-29T08:30:00+00:00"),
    ("over-oct-dst-change", lon(2026, 10, 23, 20), "2026-10-26T08:30:00+00:00"),
]


@pytest.mark.parametrize(("at", "expected"), table(NEXT_OPENING_CASES))
def test_next_opening(at: datetime, expected: str) -> None:
    """The next opening is now if open, else the next working day's (or today's) opening."""
    assert iso(CAL.next_opening(at)) == expected


WARNING_CASES = [
    ("default-opening-on-due-day", lon(2026, 12, 31, 17), None, None, "2026-12-31T08:30:00+00:00"),
    ("default-friday", lon(2027, 6, 4, 16, 30), None, None, "2027-06-04T08:30:00+01:00"),
    ("lead-4h", lon(2026, 12, 31, 17), timedelta(hours=4), None, "2026-12-31T13:00:00+00:00"),
    ("lead-zero-is-due", lon(2026, 12, 31, 17), timedelta(0), None, "2026-12-31T17:00:00+00:00"),
    ("lead-72h-elapsed-across-dst", lon(2027, 3, 30, 17), timedelta(hours=72), None, "2027-03-27T16:00:00+00:00"),
    ("lead-out-of-hours-kept", lon(2027, 6, 7, 17), timedelta(hours=24), None, "2027-06-06T17:00:00+01:00"),
    ("clamped-to-receipt", lon(2026, 12, 24, 17), timedelta(hours=8), lon(2026, 12, 24, 15),
     "2026-12-24T15:00:00+00:00"),
    ("default-clamped-to-receipt", lon(2026, 12, 24, 17), None, lon(2026, 12, 24, 15), "2026-12-24T15:00:00+00:00"),
    ("receipt-earlier-no-clamp", lon(2026, 12, 31, 17), None, lon(2026, 12, 24, 15), "2026-12-31T08:30:00+00:00"),
    ("utc-due-printed-local", utc(2027, 6, 1, 16), timedelta(minutes=30), None, "2027-06-01T16:30:00+01:00"),
]


@pytest.mark.parametrize(("due", "lead", "not_before", "expected"), table(WARNING_CASES))
def test_warning_at(due: datetime, lead: timedelta | None, not_before: datetime | None, expected: str) -> None:
    """The deadline warning is at opening on the due day or due - lead, never before receipt."""
    assert iso(CAL.warning_at(due, lead, not_before=not_before)) == expected


def test_warning_negative_lead_rejected() -> None:
    """A negative lead would warn after the deadline: refused."""
    with pytest.raises(ValueError, match="lead"):
        CAL.warning_at(lon(2026, 12, 31, 17), timedelta(minutes=-1))


CONFIG_CASES = [
    ("saturday-hours-make-saturday-working", WITH_SATURDAY, lon(2027, 6, 4, 16, 45), 0, "2027-06-05T12:00:00+01:00"),
    ("saturday-hours-n1-skips-sunday", WITH_SATURDAY, lon(2027, 6, 5, 9), 1, "2027-06-07T17:00:00+01:00"),
    ("saturday-after-close-monday", WITH_SATURDAY, lon(2027, 6, 5, 12), 0, "2027-06-07T17:00:00+01:00"),
    ("saturday-bank-holiday-still-closed", WITH_SATURDAY, lon(2026, 12, 26, 9), 0, "2026-12-29T17:00:00+00:00"),
    ("no-monday-hours", TUE_TO_SAT, lon(2027, 6, 5, 20), 0, "2027-06-08T19:00:00+01:00"),
    ("scotland-2-jan-holiday", SCOTLAND, lon(2026, 12, 31, 12), 1, "2027-01-05T17:00:00+00:00"),
    ("england-same-receipt", CAL, lon(2026, 12, 31, 12), 1, "2027-01-04T17:00:00+00:00"),
]


@pytest.mark.parametrize(("calendar", "received", "n", "expected"), table(CONFIG_CASES))
def test_configured_hours_and_holidays(calendar: WorkingCalendar, received: datetime, n: int, expected: str) -> None:
    """Per-weekday hours and the holiday subdivision come from config, not from code."""
    assert iso(calendar.due_at(received, n)) == expected


NAIVE = datetime(2027, 6, 1, 12)
NAIVE_CALLS: list[tuple[str, Callable[[], object]]] = [
    ("due_at", lambda: CAL.due_at(NAIVE, 1)),
    ("day_zero", lambda: CAL.day_zero(NAIVE)),
    ("is_open", lambda: CAL.is_open(NAIVE)),
    ("next_opening", lambda: CAL.next_opening(NAIVE)),
    ("warning_at-due", lambda: CAL.warning_at(NAIVE, None)),
    ("warning_at-not_before", lambda: CAL.warning_at(lon(2027, 6, 1), None, not_before=NAIVE)),
    ("iso", lambda: iso(NAIVE)),
]


@pytest.mark.parametrize("call", [pytest.param(c[1], id=c[0]) for c in NAIVE_CALLS])
def test_naive_datetimes_rejected(call: Callable[[], object]) -> None:
    """A naive datetime is a caller bug and raises ValueError rather than guessing a zone."""
    with pytest.raises(ValueError, match="naive"):
        call()


def test_negative_working_days_rejected() -> None:
    """A negative number of working days is refused."""
    with pytest.raises(ValueError, match="working_days"):
        CAL.due_at(lon(2027, 6, 1), -1)


def test_datetime_where_date_expected_rejected() -> None:
    """Passing a datetime to a date method is refused: its local date depends on the zone."""
    with pytest.raises(TypeError):
        CAL.is_working_day(lon(2027, 6, 1))


BAD_CONFIG_CASES = [
    ("unknown-timezone", {"timezone": "Europe/Atlantis"}, "timezone"),
    ("unknown-country", {"holidays_country": "XX"}, "holiday calendar"),
    ("unknown-subdivision", {"holidays_subdivision": "ZZZ"}, "holiday calendar"),
    ("no-opening-hours", {"hours": {}}, "at least one weekday"),
]


@pytest.mark.parametrize(("fields", "message"), table(BAD_CONFIG_CASES))
def test_bad_business_hours_rejected(fields: dict[str, object], message: str) -> None:
    """An unusable calendar configuration fails at construction, naming the key."""
    with pytest.raises(ValueError, match=message):
        WorkingCalendar(BusinessHours.model_validate(fields))


ISO_CASES = [
    ("gmt", lon(2026, 12, 31, 17), None, "2026-12-31T17:00:00+00:00"),
    ("bst", lon(2027, 6, 1, 17), None, "2027-06-01T17:00:00+01:00"),
    ("drops-microseconds", lon(2027, 6, 1, 17).replace(microsecond=999_999), None, "2027-06-01T17:00:00+01:00"),
    ("utc-converted-to-london", utc(2027, 6, 1, 16), LONDON, "2027-06-01T17:00:00+01:00"),
    ("utc-kept-without-tz", utc(2027, 6, 1, 16), None, "2027-06-01T16:00:00+00:00"),
]


@pytest.mark.parametrize(("dt", "tz", "expected"), table(ISO_CASES))
def test_iso(dt: datetime, tz: ZoneInfo | None, expected: str) -> None:
    """Times print as ISO 8601 to the second with the (optionally converted) UTC offset."""
    assert iso(dt, tz) == expected


# Property tests: instants are drawn in UTC (every instant, DST nights included)
# and compared by timestamp, since same-zone aware datetimes compare by wall clock.
CALENDARS = st.sampled_from([CAL, WITH_SATURDAY, TUE_TO_SAT, SCOTLAND])
INSTANTS = st.datetimes(min_value=datetime(2015, 1, 1), max_value=datetime(2040, 12, 31), timezones=st.just(UTC))
RECEIPTS = st.one_of(INSTANTS, INSTANTS.map(lambda dt: dt.astimezone(LONDON)))
WORKING_DAYS = st.integers(min_value=0, max_value=10)
PROPERTY = settings(deadline=None, max_examples=200)


@PROPERTY
@given(CALENDARS, RECEIPTS, WORKING_DAYS)
def test_due_never_before_receipt(calendar: WorkingCalendar, received: datetime, n: int) -> None:
    """Property: a deadline is never earlier than the receipt it counts from."""
    assert calendar.due_at(received, n).timestamp() >= received.timestamp()


@PROPERTY
@given(CALENDARS, RECEIPTS, WORKING_DAYS)
def test_due_is_closing_time_of_a_working_day(calendar: WorkingCalendar, received: datetime, n: int) -> None:
    """Property: a deadline is exactly closing time on a working day."""
    due = calendar.due_at(received, n)
    day = due.astimezone(calendar.tz).date()
    hours = calendar.hours_on(day)
    assert calendar.is_working_day(day) and hours is not None
    assert hours[1].timestamp() == due.timestamp()


@PROPERTY
@given(CALENDARS, INSTANTS, INSTANTS, WORKING_DAYS)
def test_due_monotonic_in_receipt(calendar: WorkingCalendar, a: datetime, b: datetime, n: int) -> None:
    """Property: a later receipt never gets an earlier deadline."""
    early, late = sorted((a, b), key=datetime.timestamp)
    assert calendar.due_at(early, n).timestamp() <= calendar.due_at(late, n).timestamp()


@PROPERTY
@given(CALENDARS, RECEIPTS, WORKING_DAYS)
def test_due_strictly_increasing_in_n(calendar: WorkingCalendar, received: datetime, n: int) -> None:
    """Property: one more working day always moves the deadline later."""
    assert calendar.due_at(received, n + 1).timestamp() > calendar.due_at(received, n).timestamp()


@PROPERTY
@given(CALENDARS, RECEIPTS)
def test_day_zero_is_working_day_not_before_receipt(calendar: WorkingCalendar, received: datetime) -> None:
    """Property: day 0 is a working day on or after the receipt's local date."""
    day = calendar.day_zero(received)
    assert calendar.is_working_day(day)
    assert day >= received.astimezone(calendar.tz).date()


@PROPERTY
@given(CALENDARS, RECEIPTS, WORKING_DAYS, st.one_of(st.none(), st.timedeltas(timedelta(0), timedelta(days=5))))
def test_warning_between_receipt_and_due(
    calendar: WorkingCalendar, received: datetime, n: int, lead: timedelta | None
) -> None:
    """Property: a warning clamped to the receipt falls between receipt and deadline."""
    due = calendar.due_at(received, n)
    warn = calendar.warning_at(due, lead, not_before=received)
    assert received.timestamp() <= warn.timestamp() <= due.timestamp()


@PROPERTY
@given(CALENDARS, RECEIPTS)
def test_next_opening_is_open(calendar: WorkingCalendar, at: datetime) -> None:
    """Property: the next opening is not before the given time and the office is open then."""
    opening = calendar.next_opening(at)
    assert opening.timestamp() >= at.timestamp()
    assert calendar.is_open(opening)
