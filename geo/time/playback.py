"""Playback: the map "as of" a date, stepped through time.

Two readings of "as of": ``cumulative`` shows everything claimed about any time up to the
date (the record so far), ``window`` shows the claims about the last ``window_days`` days
up to it (what is being claimed around then). Either is a date window, so it is expressed
as a :class:`~geo.views.filtering.ClaimFilter` and everything else (counts, hidden-by notes, the
map) works unchanged.

An as-of date outside the user's own date window leaves nothing in view. ClaimFilter has
no "nothing" value, so that case is the :data:`EMPTY_WINDOW` convention below, recognised
by :func:`is_empty_window`.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import replace
from typing import Literal

from geo.views.filtering import ClaimFilter

Mode = Literal["cumulative", "window"]
Step = Literal["week", "month"]

DEFAULT_WINDOW_DAYS = 91  # about a quarter: long enough that a season-precision claim shows
MAX_STEPS = 1000

# The window used when the as-of window and the user's window do not meet. The filter
# keeps a claim when date_start <= end and date_end >= start; no claim starts on or before
# 0001-01-01 and ends on or after 9999-12-31, so nothing passes and every claim is counted
# as hidden by the date window, which is the truth. Pages should say "nothing in view on
# this date" (see is_empty_window) rather than print these two dates.
EMPTY_WINDOW = (dt.date.max, dt.date.min)


def as_of_filter(
    base: ClaimFilter,
    as_of: dt.date,
    mode: Mode,
    window_days: int = DEFAULT_WINDOW_DAYS,
) -> ClaimFilter:
    """``base`` narrowed to what is in view as of ``as_of``.

    ``cumulative``: claims whose range starts on or before ``as_of``. ``window``: claims
    whose range overlaps the ``window_days`` days ending on ``as_of``. The base filter's own
    date window is intersected with this one (for intervals, overlapping both windows is
    the same as overlapping their intersection whenever they meet); when they do not meet
    the result shows nothing: its window is :data:`EMPTY_WINDOW`.

    >>> base = ClaimFilter(start=dt.date(2022, 1, 1), actors=frozenset({"Test Group A"}))
    >>> f = as_of_filter(base, dt.date(2022, 5, 31), "window", window_days=31)
    >>> f.start, f.end, f.actors
    (datetime.date(2022, 5, 1), datetime.date(2022, 5, 31), frozenset({'Test Group A'}))
    >>> as_of_filter(base, dt.date(2022, 5, 31), "cumulative").start
    datetime.date(2022, 1, 1)
    >>> is_empty_window(as_of_filter(base, dt.date(2021, 6, 1), "cumulative"))
    True
    """
    if mode not in ("cumulative", "window"):
        raise ValueError(f"unknown mode {mode!r}; use 'cumulative' or 'window'")
    if window_days < 1:
        raise ValueError(f"window_days is {window_days}; it must be 1 or more (days)")
    if isinstance(as_of, dt.datetime):
        # A datetime is a date subclass; comparing the two raises, so keep only the day.
        as_of = as_of.date()
    start = as_of - dt.timedelta(days=window_days - 1) if mode == "window" else None
    end = as_of
    if base.start is not None:
        start = base.start if start is None else max(start, base.start)
    if base.end is not None:
        end = min(end, base.end)
    if start is not None and start > end:
        start, end = EMPTY_WINDOW
    return replace(base, start=start, end=end)


def is_empty_window(claim_filter: ClaimFilter) -> bool:
    """Whether the filter's date window is the "nothing in view" convention of this module.

    >>> is_empty_window(ClaimFilter()), is_empty_window(ClaimFilter(*EMPTY_WINDOW))
    (False, True)
    """
    return (claim_filter.start, claim_filter.end) == EMPTY_WINDOW


def playback_steps(start: dt.date, end: dt.date, step: Step) -> list[dt.date]:
    """The dates to step through from ``start`` to ``end``, both included.

    Steps are whole weeks or calendar months from ``start`` (a month step keeps the day of
    the month, or the month's last day when it is shorter); ``end`` is always the last
    step, even when it falls between two.

    >>> playback_steps(dt.date(2022, 1, 31), dt.date(2022, 4, 15), "month")
    [datetime.date(2022, 1, 31), datetime.date(2022, 2, 28), datetime.date(2022, 3, 31), \
datetime.date(2022, 4, 15)]
    >>> playback_steps(dt.date(2022, 5, 2), dt.date(2022, 5, 16), "week")
    [datetime.date(2022, 5, 2), datetime.date(2022, 5, 9), datetime.date(2022, 5, 16)]
    """
    if step not in ("week", "month"):
        raise ValueError(f"unknown step {step!r}; use 'week' or 'month'")
    if start > end:
        raise ValueError(f"playback starts ({start}) after it ends ({end}); swap the dates")
    if step == "week":
        count = (end - start).days // 7 + 1
    else:
        count = (end.year - start.year) * 12 + end.month - start.month + 1
    if count > MAX_STEPS:
        raise ValueError(
            f"{start} to {end} by {step} is {count} steps, more than {MAX_STEPS}; "
            "step by month or shorten the date range"
        )
    if step == "week":
        steps = [start + dt.timedelta(weeks=k) for k in range(count)]
    else:
        # Each step counts from the start, so Jan 31 -> Feb 28 -> Mar 31, not Mar 28.
        steps = [_add_months(start, k) for k in range(count)]
    steps = [d for d in steps if d <= end]
    if steps[-1] != end:
        if len(steps) == MAX_STEPS:
            raise ValueError(
                f"{start} to {end} by {step} is more than {MAX_STEPS} steps; step by month "
                "or shorten the date range"
            )
        steps.append(end)
    return steps


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
