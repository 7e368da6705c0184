"""The scheduler: the one orchestrator above the domains.

Its tick (``portal.scheduler.tick``) plans and sends every domain's reminders and queues
the timed background work. It may import any domain; no domain imports it.
"""
