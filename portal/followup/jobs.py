"""The follow-up's background work: the agreement's signing copy and sealed PDF, the
rights-and-duties notices, the case file."""

from __future__ import annotations

from portal.disputes.models import Dispute, Party
from portal.extensions import db
from portal.followup import agreements, casefile
from portal.followup.models import Agreement
from portal.jobs import queue, renders
from portal.minutes import sealing
from reports import agreement as doc


@renders.builder("agreement.copy")
def _copy(agreement: int):
    document = agreements.issued_document(db.session.get(Agreement, agreement))
    return lambda: doc.render_agreement_pdf(document)


@renders.builder("confirmation.application")
def _application(agreement: int):
    return agreements.confirmation_application_pdf(db.session.get(Agreement, agreement))


@renders.builder("notice")
def _notice(dispute: int, party: int):
    html = agreements.notice_html(db.session.get(Dispute, dispute), db.session.get(Party, party))

    def render() -> bytes:
        from reports.pdf import render_pdf

        return render_pdf(html)
    return render


@queue.handler("agreement.seal", lease_seconds=600, max_attempts=5)
def _seal(run: queue.JobRun) -> None:
    def prepare():
        document = agreements.issued_document(db.session.get(Agreement, run.payload["agreement"]))
        return lambda: sealing.seal(doc.render_agreement_pdf(document))

    renders.keep_once(run, Agreement.pdf, run.payload["agreement"], prepare)


@queue.handler("casefile.build", lease_seconds=1800, max_attempts=3)
def _casefile(run: queue.JobRun) -> None:
    casefile.build(run.payload["casefile"])
