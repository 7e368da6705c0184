"""The portal's domain events.

A domain that has done something others may react to sends one of these signals; it does
not call the reacting domain. Signals are sent synchronously, inside the sender's
transaction, so a receiver's writes commit or roll back with the change that caused them;
receivers never commit. Who listens is decided in one place, ``portal.wiring``.

Each signal's sender is the object that changed; keyword arguments are listed with it.
"""

from blinker import Namespace

_events = Namespace()

password_reset = _events.signal("password-reset", doc="""\
An administrator gave an account a temporary password. Sender: the ``User``;
``actor``: the administrator. Whoever had the old password may have copied the account's
other secrets too.""")

dispute_escalated = _events.signal("dispute-escalated", doc="""\
A dispute was raised to a higher tier. Sender: the ``Dispute`` (already at its new tier);
``actor``; ``from_tier``; ``reason``, as the escalating user gave it. A receiver that opens
a conference room for it returns the room, which ``escalate`` hands back to its caller.""")

dispute_closing = _events.signal("dispute-closing", doc="""\
A dispute is about to close. Sender: the ``Dispute``; ``actor``. A receiver that knows a
reason it may not close yet raises ``DomainError``, and the dispute stays open.""")

conference_scheduled = _events.signal("conference-scheduled", doc="""\
A conference's time and room were confirmed. Sender: the ``Conference``; ``actor``;
``rescheduled``: it had been confirmed before.""")

conference_started = _events.signal("conference-started", doc="""\
A conference's session opened. Sender: the ``Conference``; ``actor``.""")

conference_cancelled = _events.signal("conference-cancelled", doc="""\
A conference was cancelled. Sender: the ``Conference``; ``actor``.""")

minutes_issued = _events.signal("minutes-issued", doc="""\
Every attendee signed a version of a conference's minutes and it was issued. Sender: the
``MinutesVersion``; ``actor``; ``conference``. An amendment issues the minutes again.""")

agreement_took_effect = _events.signal("agreement-took-effect", doc="""\
Every party signed a mediation agreement, which is now in effect. Sender: the
``Agreement``; ``actor``.""")

task_overdue = _events.signal("task-overdue", doc="""\
A follow-up task passed its due date unreported; sent once per task, when its owners are
first reminded. Sender: the ``Task``; ``at``: when the reminder went out.""")
