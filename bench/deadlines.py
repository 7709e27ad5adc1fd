"""Benchmark: 100k ``WorkingCalendar.due_at`` calls against a naive weekday loop.

Run with ``python -m bench.deadlines``.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from zoneinfo import ZoneInfo

from config.settings import BusinessHours
from routing.calendar import WorkingCalendar

CALLS = 100_000
REPEATS = 3
LONDON = ZoneInfo("Europe/London")
CLOSE = (clock(17), clock(17), clock(17), clock(17), clock(16, 30))


def naive_due(received: datetime, working_days: int) -> datetime:
    """Baseline: same rules on a Mon–Fri loop, no holidays and no caching."""
    local = received.astimezone(LONDON)
    day = local.date()
    if day.weekday() >= 5 or local.time() >= CLOSE[day.weekday()]:
        day = _next_weekday(day)
    for _ in range(working_days):
        day = _next_weekday(day)
    return datetime.combine(day, CLOSE[day.weekday()], tzinfo=LONDON)


def _next_weekday(day: date) -> date:
    day += timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def inputs() -> list[tuple[datetime, int]]:
    """Receipts spread over two years (both DST changes, all holidays) with N in 0..3."""
    rng = random.Random(20261224)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    span = int(timedelta(days=730).total_seconds())
    return [(start + timedelta(seconds=rng.randrange(span)), rng.randrange(4)) for _ in range(CALLS)]


def best_seconds(make: Callable[[], Callable[[datetime, int], datetime]], cases: list[tuple[datetime, int]]) -> float:
    """Best of REPEATS timed passes; ``make`` gives a fresh function so caches start cold each pass."""
    best = float("inf")
    for _ in range(REPEATS):
        due = make()
        started = time.perf_counter()
        for received, n in cases:
            due(received, n)
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    cases = inputs()
    calendar_s = best_seconds(lambda: WorkingCalendar(BusinessHours()).due_at, cases)
    naive_s = best_seconds(lambda: naive_due, cases)
    per_call = 1e6 / CALLS
    print(f"due_at calls:           {CALLS}")
    print(f"WorkingCalendar.due_at: {calendar_s * per_call:6.2f} us/call ({calendar_s:.3f} s)")
    print(f"naive weekday loop:     {naive_s * per_call:6.2f} us/call ({naive_s:.3f} s)")
    print(f"ratio calendar/naive:   {calendar_s / naive_s:6.2f}x")


if __name__ == "__main__":
    main()
