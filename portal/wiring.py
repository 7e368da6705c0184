"""Who reacts to what: the one place where domains are connected to each other.

Domains below do not call the domains above them. They send the signals declared in
``portal.signals``; the receivers are connected here, at start-up, so a newcomer reading
this file sees every reaction across domains. The same goes for the background jobs'
builders and the permission rules, each defined beside its domain and gathered here.
"""

from __future__ import annotations

from portal import signals


def connect() -> None:
    """Connect every receiver and register every job kind and permission rule; idempotent,
    since tests create many applications in one process."""
    from portal import models  # noqa: F401 - the schema, for migrations and create_all
    from portal.api import tokens as api_rules  # noqa: F401
    from portal.api import webhooks
    from portal.calendar import feeds
    from portal.conferences import policy as conference_rules  # noqa: F401
    from portal.conferences import services as conferences
    from portal.disputes import policy as dispute_rules  # noqa: F401
    from portal.disputes import reactions as dispute_register
    from portal.disputes import timeline as dispute_timeline
    from portal.followup import policy as followup_rules  # noqa: F401
    from portal.followup import tasks as followup_tasks
    from portal.followup.models import Confirmation, TaskState
    from portal.jobs import queue, renders
    from portal.notifications import policy as notification_rules  # noqa: F401
    from portal.residents import policy as resident_rules  # noqa: F401
    from portal.residents.models import Rating
    from portal.reviews import policy as review_rules  # noqa: F401
    from portal.statistics import policy as statistics_rules  # noqa: F401
    from portal.statistics import upkeep  # noqa: F401 - keeps summaries and cache in step

    # blinker holds receivers weakly; these are module-level functions, which live on.
    signals.password_reset.connect(feeds.revoke_feed_on_password_reset)
    signals.dispute_escalated.connect(conferences.open_room_on_escalation)
    signals.dispute_closing.connect(followup_tasks.check_closable)
    signals.conference_started.connect(dispute_register.conference_started)
    # The timeline shows the step before the tasks it gives rise to.
    signals.minutes_issued.connect(dispute_register.minutes_issued)
    signals.minutes_issued.connect(followup_tasks.minutes_to_tasks)
    signals.agreement_took_effect.connect(dispute_register.agreement_took_effect)
    signals.agreement_took_effect.connect(followup_tasks.obligations_to_tasks)
    # Clients hear of a change after the portal's own reactions to it, e.g. of an
    # escalation with the conference room it opened.
    signals.dispute_escalated.connect(webhooks.dispute_escalated)
    signals.conference_scheduled.connect(webhooks.conference_scheduled)
    signals.conference_cancelled.connect(webhooks.conference_cancelled)
    signals.minutes_issued.connect(webhooks.minutes_issued)
    signals.task_overdue.connect(webhooks.task_overdue)
    dispute_timeline.VALUE_ENUMS.update(confirmation=Confirmation, task_state=TaskState,
                                        rating=Rating)

    # Named here, registered by their modules when first used: what renders and seals
    # (WeasyPrint, pyHanko, the document layouts) loads only in a process that does.
    queue.KINDS.provided_by("portal.followup.jobs", "agreement.seal", "casefile.build")
    queue.KINDS.provided_by("portal.minutes.jobs", "minutes.seal")
    queue.KINDS.provided_by("portal.reviews.jobs", "reviews.minutes")
    queue.KINDS.provided_by("portal.statistics.services", "statistics.report")
    renders.BUILDERS.provided_by("portal.followup.jobs", "agreement.copy",
                                 "confirmation.application", "notice")
    renders.BUILDERS.provided_by("portal.minutes.jobs", "minutes.draft")
    renders.BUILDERS.provided_by("portal.residents.addresses", "doorplates")
    feeds.SERIES_SOURCES.provided_by("portal.reviews.calendar", "reviews")
