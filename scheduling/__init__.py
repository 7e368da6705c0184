"""Calendar logic for conference scheduling; knows nothing of Flask.

Modules, each documenting its API in its docstring:

    workcal     working hours, China's holidays and make-up working days (调休)
    slots       WallClockSlot: a meeting as the room's clock shows it
    intervals   UTC intervals and merging
    finder      find_slots: ranked slot suggestions
    ical        iCalendar invitations, cancellations and feeds
    reminders   plan / due: which reminders should exist and which are due
    runner      the APScheduler loop that calls the portal's tick
    errors      SchedulingError, CalendarRangeError, SlotError

Everything takes and returns plain data (dataclasses, datetimes, bytes);
instants are aware datetimes, returned in UTC.
"""
