"""Background jobs (后台任务): one leased-job table for every piece of work that must not run
inside a request.

A job row is written in the same transaction as the change that causes it (the
transactional outbox), so a change and its follow-up work commit or vanish together. Any
number of workers (`portal worker`, or the thread the development server starts) claim due
rows with a lease: on PostgreSQL with ``FOR UPDATE SKIP LOCKED``, on SQLite inside the
``BEGIN IMMEDIATE`` every transaction starts with, so two workers never hold one job. A
worker that dies leaves its job ``running`` until the lease runs out; the next claim takes
it again. A failed run is retried after 30 s, 1, 2, 4 ... minutes (at most an hour) until
the kind's attempt limit, then the job is ``failed``: the page that asked for it shows the
error with a retry button, and administrators see it at /admin/jobs.

Guarantees: a job runs at least once. Handlers make their effect exactly once by writing
it conditionally (``... WHERE pdf IS NULL``) in one short transaction, so a run repeated
after a crash finds the effect already there and does nothing. Effects on remote systems
(mail, webhooks) are at-least-once with a stable id the receiver can use.

A handler reads what it needs, ends that transaction, does the slow part (rendering,
sealing) holding no lock, then writes its result in a short transaction. A unique ``key``
keeps one job per piece of work: asking twice for the same document renders it once.
"""
