"""Working-day arithmetic: business hours, bank holidays and deadlines.

Pure: no I/O, no clock, no global config. A ``WorkingCalendar`` is built from
the ``BusinessHours`` settings it is given. Every datetime in or out is
timezone-aware; results are expressed in the configured time zone and built
from wall-clock times with ``zoneinfo`` so DST changes never shift them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from config.settings import BusinessHours

Span = tuple[time, time]

# Longest run of closed days we will walk before declaring the calendar broken:
# a configuration whose holidays swallow a whole year would otherwise hang.
_MAX_CLOSED_RUN = 400


class WorkingCalendar:
    """Working days, opening hours and deadlines for one ``BusinessHours`` setting."""

    def __init__(self, hours: BusinessHours) -> None:
        try:
            self._tz: tzinfo = ZoneInfo(hours.timezone)
        except (ZoneInfoNotFoundError, ValueError) as err:
            raise ValueError(f"business_hours.timezone: unknown time zone {hours.timezone!r}") from err
        self._weekly: tuple[Span | None, ...] = tuple(hours.span(weekday) for weekday in range(7))
        if not any(self._weekly):
            raise ValueError("business_hours.hours: at least one weekday needs opening hours")
        self._country = hours.holidays_country
        self._subdiv = hours.holidays_subdivision
        try:
            # Fail at start-up, not on the first deadline, if the country is unknown.
            holidays.country_holidays(self._country, subdiv=self._subdiv)
        except NotImplementedError as err:
            raise ValueError(
                f"business_hours: no holiday calendar for {self._country!r} / {self._subdiv!r}: {err}"
            ) from err
        self._holiday_years: dict[int, frozenset[date]] = {}
        self._spans: dict[date, Span | None] = {}
        self._next_working: dict[date, date] = {}

    @property
    def tz(self) -> tzinfo:
        """The configured time zone (results are expressed in it)."""
        return self._tz

    def is_working_day(self, d: date) -> bool:
        """True if ``d`` has opening hours configured and is not a bank holiday."""
        return self._span(d) is not None

    def hours_on(self, d: date) -> tuple[datetime, datetime] | None:
        """Aware opening and closing datetimes on ``d``; None if it is not a working day."""
        span = self._span(d)
        if span is None:
            return None
        return self._at(d, span[0]), self._at(d, span[1])

    def is_open(self, at: datetime) -> bool:
        """True if ``at`` falls within opening hours (opening inclusive, closing exclusive)."""
        local = self._local(at)
        span = self._span(local.date())
        return span is not None and span[0] <= local.time() < span[1]

    def day_zero(self, received_at: datetime) -> date:
        """The working day a receipt counts from.

        A receipt on a working day strictly before closing (even before opening)
        counts that day; at or after closing, or on a closed day, the next one.
        """
        local = self._local(received_at)
        today = local.date()
        span = self._span(today)
        if span is not None and local.time() < span[1]:
            return today
        return self._next_working_after(today)

    def due_at(self, received_at: datetime, working_days: int) -> datetime:
        """Close of business on working day ``working_days`` after day 0."""
        if working_days < 0:
            raise ValueError(f"working_days must be >= 0, got {working_days}")
        day = self.day_zero(received_at)
        for _ in range(working_days):
            day = self._next_working_after(day)
        span = self._span(day)
        assert span is not None  # day_zero and _next_working_after only yield working days
        return self._at(day, span[1])

    def warning_at(
        self, due: datetime, lead: timedelta | None, *, not_before: datetime | None = None
    ) -> datetime:
        """When to send the ``deadline_warning`` for a deadline ``due``.

        ``lead=None`` means at opening on the due day. Otherwise ``due - lead``
        in elapsed time (a lead of 24 h across a DST night is still 24 h), even
        if that lands out of hours: escalation then goes to the out-of-hours
        list rather than silently moving closer to the deadline. The result is
        never after ``due`` and never before ``not_before``; callers pass the
        receipt time, so a lead reaching back before the case existed means
        "warn at once" (``not_before`` wins if it is itself after ``due``).
        """
        self._check_aware(due)
        if lead is None:
            opening = self.hours_on(self._local(due).date())
            # A stored due on a day no longer worked (hours reconfigured) warns at due.
            warn = due if opening is None else min(opening[0], due, key=_instant)
        elif lead < timedelta(0):
            raise ValueError(f"lead must not be negative, got {lead}")
        else:
            warn = due.astimezone(UTC) - lead
        if not_before is not None:
            self._check_aware(not_before)
            warn = max(warn, not_before, key=_instant)
        return warn.astimezone(self._tz)

    def next_opening(self, at: datetime) -> datetime:
        """``at`` itself if open then, else the next time the office opens."""
        local = self._local(at)
        today = local.date()
        span = self._span(today)
        if span is not None and local.time() < span[1]:
            return local if local.time() >= span[0] else self._at(today, span[0])
        day = self._next_working_after(today)
        span = self._span(day)
        assert span is not None
        return self._at(day, span[0])

    def _span(self, d: date) -> Span | None:
        if isinstance(d, datetime):
            # A datetime's date depends on the zone it is read in: make callers choose.
            raise TypeError("expected a date, got a datetime; use .astimezone(calendar.tz).date()")
        try:
            return self._spans[d]
        except KeyError:
            span = None if d in self._holidays_in(d.year) else self._weekly[d.weekday()]
            self._spans[d] = span
            return span

    def _next_working_after(self, d: date) -> date:
        try:
            return self._next_working[d]
        except KeyError:
            pass
        day = d
        for _ in range(_MAX_CLOSED_RUN):
            day += timedelta(days=1)
            if self._span(day) is not None:
                self._next_working[d] = day
                return day
        raise ValueError(f"no working day within {_MAX_CLOSED_RUN} days after {d.isoformat()}")

    def _holidays_in(self, year: int) -> frozenset[date]:
        try:
            return self._holiday_years[year]
        except KeyError:
            found = holidays.country_holidays(self._country, subdiv=self._subdiv, years=year, observed=True)
            days = frozenset(found.keys())
            self._holiday_years[year] = days
            return days

    def _at(self, d: date, t: time) -> datetime:
        # Wall-clock time in the zone: zoneinfo picks the offset in force that day.
        return datetime.combine(d, t, tzinfo=self._tz)

    def _local(self, at: datetime) -> datetime:
        self._check_aware(at)
        return at.astimezone(self._tz)

    @staticmethod
    def _check_aware(at: datetime) -> None:
        if at.tzinfo is None or at.utcoffset() is None:
            raise ValueError(f"naive datetime {at.isoformat()}: pass a timezone-aware time")


def iso(dt: datetime, tz: tzinfo | None = None) -> str:
    """ISO 8601 to the second with its UTC offset, e.g. ``2026-12-31T17:00:00+00:00``.

    With ``tz`` (normally ``WorkingCalendar.tz``) the instant is first
    expressed in that zone, so a UTC receipt prints with the local offset.
    """
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"naive datetime {dt.isoformat()}: pass a timezone-aware time")
    if tz is not None:
        dt = dt.astimezone(tz)
    return dt.isoformat(timespec="seconds")


def _instant(dt: datetime) -> float:
    # Aware datetimes sharing a tzinfo compare by wall clock, which is wrong in
    # the repeated autumn hour; compare by instant instead.
    return dt.timestamp()
