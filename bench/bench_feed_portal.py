"""Time a user's private calendar feed of 1,000 conferences through the portal itself.

One user convenes 1,000 scheduled conferences (one made through the services, the rest
copied row by row; not timed). Timed, median of ROUNDS, all in this run:

- baseline: the ``icalendar`` package alone serialising the same 1,000 events (one Calendar
  of Events, no VTIMEZONE: see ``bench_feed.baseline``);
- cold: ``GET /calendar/feed/<user>/<token>.ics`` with every serialisation cache emptied
  first: the query, the events, the feed and the HTTP response. Target: within 1.2x;
- warm: the same request with nothing changed since the last one. Target: under 25%;
- not modified: the same request with ``If-None-Match``, answered 304.

Run: python bench/bench_feed_portal.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_feed import baseline  # noqa: E402

EVENTS = 1_000
ROUNDS = 9
COLD_TARGET = 1.2
WARM_TARGET = 0.25


def median_seconds(run: Callable[[], object], before: Callable[[], object] = lambda: None
                   ) -> float:
    times = []
    for _ in range(ROUNDS):
        before()
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _world():
    """The convener whose feed holds EVENTS scheduled conferences."""
    from datetime import timedelta

    import sqlalchemy as sa

    from portal.conferences import services as conferences
    from portal.conferences.models import Conference
    from portal.disputes.models import Dispute
    from portal.extensions import db
    from portal.orgs.models import Role
    from portal.timeutil import utcnow
    from tests.factories import Factory

    make = Factory()
    convener = make.user(Role.CONVENER)
    first = make.conference(convener=convener)
    starts = utcnow() + timedelta(days=1)
    conferences.schedule(convener, first, starts, starts + timedelta(hours=2), make.room(),
                         "基准测试")
    disputes, meetings = Dispute.__table__, Conference.__table__
    dispute = dict(db.session.execute(
        sa.select(disputes).where(disputes.c.id == first.dispute_id)).mappings().one())
    meeting = dict(db.session.execute(
        sa.select(meetings).where(meetings.c.id == first.id)).mappings().one())
    for n in range(1, EVENTS):
        new_dispute = db.session.execute(sa.insert(disputes).values(
            {**{k: v for k, v in dispute.items() if k != "id"},
             "reference": f"{dispute['reference']}-{n}", "serial": dispute["serial"] + n,
             "external_ref": None}).returning(disputes.c.id)).scalar_one()
        shift = timedelta(days=n % 90, hours=n % 5)
        db.session.execute(sa.insert(meetings).values(
            {**{k: v for k, v in meeting.items() if k != "id"}, "dispute_id": new_dispute,
             "ical_uid": f"bench-{n}-{meeting['ical_uid']}",
             "starts_at": meeting["starts_at"] + shift, "ends_at": meeting["ends_at"] + shift,
             "updated_at": meeting["updated_at"] + timedelta(minutes=n)}))
    db.session.commit()
    return convener


def main() -> None:
    from portal import create_app

    folder = tempfile.mkdtemp(prefix="bench-feed-")
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder}/bench.sqlite3",
                     PASSWORD_HASH_METHOD="pbkdf2:sha256:1000", SERVER_NAME=None)
    with app.app_context():
        from flask_migrate import upgrade

        from portal.calendar import events, feeds
        from scheduling.ical import clear_caches

        upgrade(revision="heads")
        with app.test_request_context():
            convener = _world()
            path = f"/calendar/feed/{convener.id}/{feeds.feed_token(convener)}.ics"
            found = events.feed_events(convener)
        assert len(found) == EVENTS, len(found)
        client = app.test_client()

        def get(**headers):
            response = client.get(path, headers=headers)
            assert response.status_code in (200, 304), response.status_code
            return response

        base = median_seconds(lambda: baseline(found))
        cold = median_seconds(get, before=clear_caches)
        etag = get().headers["ETag"]
        warm = median_seconds(get)
        not_modified = median_seconds(lambda: get(**{"If-None-Match": etag}))
        assert get(**{"If-None-Match": etag}).status_code == 304

    print(f"{EVENTS} events, median of {ROUNDS} rounds")
    print(f"baseline (icalendar alone): {base * 1000:7.1f} ms")
    print(f"cold feed over HTTP:        {cold * 1000:7.1f} ms  {cold / base:.2f}x baseline "
          f"(target <= {COLD_TARGET}x) {'ok' if cold <= COLD_TARGET * base else 'MISSED'}")
    print(f"warm feed over HTTP:        {warm * 1000:7.1f} ms  {warm / base:.1%} of baseline "
          f"(target < {WARM_TARGET:.0%}) {'ok' if warm < WARM_TARGET * base else 'MISSED'}")
    print(f"304 Not Modified:           {not_modified * 1000:7.1f} ms  "
          f"{not_modified / base:.1%} of baseline")


if __name__ == "__main__":
    main()
