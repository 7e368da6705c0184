"""Time the portal's case file (调解卷宗) of one dispute: three conferences with issued minutes,
an agreement and twenty PDF attachments, built through portal.followup.casefile.

The world is made first (not timed); the timed part is collecting the documents from the
database, rendering the portal's own pages and binding everything. Target: under 5 s.
Baselines measured in the same run: one one-page portal document rendered alone, and the
portal's own documents rendered one by one (as separate PDFs, not bound).

Run: python bench/bench_casefile_portal.py [--trace]
"""

from __future__ import annotations

import json
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_casefile import attachment  # noqa: E402


def main() -> None:
    from flask_migrate import upgrade

    from portal import create_app

    folder = tempfile.mkdtemp(prefix="bench-casefile-")
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder}/bench.sqlite3",
                     PASSWORD_HASH_METHOD="pbkdf2:sha256:1000", PORTAL_KEYS_DIR=folder,
                     SERVER_NAME=None)
    with app.app_context(), app.test_request_context():
        upgrade(revision="heads")
        from portal.minutes.sealing import init_local

        init_local("测试调解办公室")
        dispute = _world(app)
        from portal.followup import casefile

        job = casefile.request_casefile(dispute.handler, dispute)
        trace = "--trace" in sys.argv  # tracemalloc slows the build many times over
        if trace:
            tracemalloc.start()
        started = time.perf_counter()
        casefile.build(job.id)
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] if trace else 0
        tracemalloc.stop()
        one_page, one_by_one = _baselines(dispute)
        print(f"state {job.state.name}, {job.pages} pages, {job.size / 1024 / 1024:.1f} MiB, "
              f"{len(json.loads(job.contents or '[]'))} documents")
        print(f"case file built in {elapsed:.2f} s (target < 5 s)")
        print(f"baseline: one one-page portal document rendered alone {one_page:.2f} s; "
              f"the case file takes {elapsed / one_page:.1f}x that")
        print(f"the portal's own documents rendered one by one (renderer and fonts per "
              f"document, not bound) {one_by_one:.2f} s: "
              f"{one_by_one / elapsed:.2f}x the whole case file")
        if trace:
            print(f"peak Python heap during the build: {peak / 1024 / 1024:.1f} MiB")
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"peak RSS: this process {rss:.0f} MiB, largest renderer child {children:.0f} MiB")


def _baselines(dispute) -> tuple[float, float]:
    """Seconds to render the intake record alone, and every HTML section one at a time."""
    from portal.followup import casefile
    from reports.pdf import render_pdf

    sections = [s for s in casefile.collect(dispute, Path(tempfile.mkdtemp()))
                if s.html is not None]
    started = time.perf_counter()
    render_pdf(sections[0].html, pdf_variant=None)
    one_page = time.perf_counter() - started
    started = time.perf_counter()
    for section in sections:
        render_pdf(section.html, pdf_variant=None)
    return one_page, time.perf_counter() - started


def _world(app):
    import hashlib
    from datetime import timedelta

    from portal.conferences import services as conferences
    from portal.conferences.models import Answer, Document
    from portal.extensions import db
    from portal.followup import agreements
    from portal.orgs.models import Role
    from portal.timeutil import utcnow
    from tests.factories import Factory
    from tests.followup.conftest import complete, issue_minutes, record_agreement

    make = Factory()
    bodies = make.bodies()
    people = {kind: make.user(Role.HEAD if kind.is_head else Role.MEDIATOR, organisation=org)
              for kind, org in bodies.items()}
    convener, secretary = make.user(Role.CONVENER), make.user(Role.SECRETARY)
    first = make.conference(convener=convener, secretary=secretary)
    dispute = first.dispute
    room = make.room()
    for number in range(3):
        if number == 0:
            conference = first
        else:
            conference = conferences.open_draft_conference(convener, dispute)
            db.session.commit()
            conferences.send_invitations(convener, conference, secretary,
                                         utcnow() + timedelta(days=3), "")
        for invitation in conference.invitations:
            if invitation.required:
                conferences.answer(people[invitation.organisation.kind], invitation,
                                   Answer.ACCEPTED)
        starts = utcnow() + timedelta(days=number + 1)
        conferences.schedule(convener, conference, starts, starts + timedelta(hours=2), room)
        conferences.start(secretary, conference)
        record_agreement(conference, people)
        issue_minutes(conference)
    agreement = agreements.generate(secretary, first)
    agreements.update(secretary, agreement, complete(agreements.content(agreement)))
    for number in range(1, 21):
        data = attachment(number)
        db.session.add(Document(conference_id=first.id, uploader_id=secretary.id,
                                filename=f"证据材料{number}.pdf", content_type="application/pdf",
                                size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                                data=data))
    db.session.commit()

    return dispute


if __name__ == "__main__":
    main()
