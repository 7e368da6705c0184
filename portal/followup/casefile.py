"""The case file (调解卷宗): every document of a dispute bound into one PDF for filing.

Built by the ``casefile.build`` background job once every issued document of the dispute
is sealed; the case-file row carries the progress the page shows and, at the end, the PDF,
kept for download. The order is the customary one of a mediation file.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from portal.audit.services import record
from portal.conferences.models import Brief, Conference, Document
from portal.disputes import timeline
from portal.disputes.models import Dispute
from portal.errors import DomainError
from portal.extensions import db
from portal.followup import agreements, tasks
from portal.followup.models import Agreement, Casefile, CasefileState
from portal.jobs import queue
from portal.jobs.queue import RetryLater
from portal.minutes import services as minutes
from portal.minutes.models import MinutesVersion
from portal.orgs.models import User
from portal.permissions import ensure
from portal.timeutil import local_zone, utcnow
from reports.casefile import Cover, Section, build_casefile, image_section
from reports.minutes import render_minutes_html
from reports.pdf import template_environment

ACTIVE = (CasefileState.QUEUED, CasefileState.RUNNING)
# A file of many scanned attachments binds for minutes; the job's lease is longer still.
BINDING_SECONDS = 900


def request_casefile(actor: User, dispute: Dispute) -> Casefile:
    """Queue a new build of the dispute's case file; the ``casefile.build`` job makes it."""
    ensure(actor, "followup.manage", dispute)
    running = db.session.scalar(sa.select(Casefile).where(
        Casefile.dispute_id == dispute.id, Casefile.state.in_(ACTIVE)))
    if running is not None:
        raise DomainError(_("The case file is already being built."))
    job = Casefile(dispute_id=dispute.id, requested_by_id=actor.id, state=CasefileState.QUEUED,
                   step=_("Waiting to start"))
    db.session.add(job)
    db.session.flush()
    queue.enqueue("casefile.build", f"casefile:{job.id}", {"casefile": job.id},
                  requested_by=actor)
    record("casefile.requested", dispute, actor=actor, changes={"job": job.id})
    db.session.flush()
    return job


def latest(dispute: Dispute) -> Casefile | None:
    return db.session.scalar(sa.select(Casefile).where(Casefile.dispute_id == dispute.id)
                             .order_by(Casefile.id.desc()).limit(1))


def _progress(job: Casefile, percent: int, step: str) -> None:
    job.progress, job.step = percent, step
    db.session.commit()  # the waiting page shows how far the build is, while it runs


def _unsealed(dispute: Dispute) -> bool:
    """Whether an issued document of the dispute still waits for its seal."""
    conferences = sa.select(Conference.id).where(Conference.dispute_id == dispute.id)
    minutes_waiting = sa.select(MinutesVersion.id).where(
        MinutesVersion.conference_id.in_(conferences), MinutesVersion.issued_at.is_not(None),
        MinutesVersion.pdf.is_(None))
    agreements_waiting = sa.select(Agreement.id).where(
        Agreement.dispute_id == dispute.id, Agreement.issued_at.is_not(None),
        Agreement.pdf.is_(None))
    return db.session.scalar(sa.select(sa.exists(minutes_waiting.union(agreements_waiting)
                                                  .subquery().select())))


def build(casefile_id: int) -> Casefile | None:
    """Build one case file; one already built (a repeated run) is left as it is."""
    job = db.session.get(Casefile, casefile_id)
    if job is None or job.state not in ACTIVE:
        return job
    dispute = db.session.get(Dispute, job.dispute_id)
    if _unsealed(dispute):
        _progress(job, 1, _("Waiting for the sealed documents"))
        raise RetryLater(10)
    job.state = CasefileState.RUNNING
    try:
        with tempfile.TemporaryDirectory(prefix="casefile-") as folder:
            sections = collect(dispute, Path(folder), lambda p, s: _progress(job, p, s))
            title, reference = f"{dispute.title}调解卷宗", dispute.reference
            front = cover(dispute, job.requested_by)
            _progress(job, 85, _("Binding %(n)d documents", n=len(sections)))
            # Nothing is held while the file is laid out and bound.
            target = Path(folder) / "casefile.pdf"
            with target.open("wb") as out:
                build_casefile(title, reference, sections, cover=front, out=out,
                               timeout=BINDING_SECONDS)
            pdf = target.read_bytes()
        from pypdf import PdfReader

        job.pdf, job.size = pdf, len(pdf)
        job.pages = len(PdfReader(_bytes_io(pdf)).pages)
        job.contents = json.dumps([s.title for s in sections], ensure_ascii=False)
        job.state, job.progress, job.step = CasefileState.DONE, 100, ""
        job.finished_at = utcnow()
        record("casefile.built", dispute, actor=job.requested_by,
               changes={"job": job.id, "pages": job.pages})
    except Exception as error:  # the page shows the failure; the log has the detail
        current_app.logger.exception("case file %s failed", casefile_id)
        db.session.rollback()
        job = db.session.get(Casefile, casefile_id)
        job.state, job.error = CasefileState.FAILED, f"{type(error).__name__}: {error}"[:2000]
        job.finished_at = utcnow()
    return job  # the job runner commits it


def _bytes_io(data: bytes):
    from io import BytesIO

    return BytesIO(data)


def _html(template: str, **context) -> str:
    # The file is a Chinese document whoever asked for it, so every label is written in Chinese.
    with force_locale("zh_CN"):
        return template_environment().get_template(template).render(draft=False, **context)


class _Step:
    """One line of the intake record's history, in the words of the timeline."""

    def __init__(self, event):
        self.at, self.note = event.at, event.note
        self.actor = event.actor.full_name if event.actor else "系统"
        self.label, self.detail = timeline.label(event), timeline.detail(event)


def _steps(dispute: Dispute) -> list[_Step]:
    with force_locale("zh_CN"):
        return [_Step(event) for event in dispute.events]


def cover(dispute: Dispute, filed_by: User | None) -> Cover:
    """The cover and back sheet of the dispute's file, bound today by ``filed_by``."""
    zone = local_zone()
    return Cover(
        committee=agreements.committee_name(dispute), case_number=dispute.reference,
        title=f"{dispute.title}调解卷宗", parties=tuple(p.name for p in dispute.parties),
        dispute_type=dispute.category.label,
        filed_on=dispute.reported_at.astimezone(zone).date(),
        closed_on=dispute.closed_at.astimezone(zone).date() if dispute.closed_at else None,
        keeping_period=current_app.config["PORTAL_CASEFILE_KEEPING"],
        filed_by=filed_by.full_name if filed_by else "", bound_on=utcnow().astimezone(zone).date())


def collect(dispute: Dispute, folder: Path, progress=lambda percent, step: None) -> list[Section]:
    """The documents in the customary order, written to `folder` where they are large."""
    conferences = list(db.session.scalars(sa.select(Conference).where(
        Conference.dispute_id == dispute.id).order_by(Conference.id)))
    found = agreements.agreements_of(dispute)
    sections = []
    progress(5, _("Intake record"))
    sections.append(Section("纠纷受理登记表", html=_html(
        "followup/pdf/intake.html", dispute=dispute, events=_steps(dispute))))
    progress(15, _("Notices of rights and duties"))
    sections.append(Section("当事人权利义务告知书", html=agreements.notices_html(dispute)))
    notices = agreements.notices_of(dispute)
    sections.append(Section("当事人身份情况", html=_html(
        "followup/pdf/particulars.html", dispute=dispute, notices=notices)))
    progress(30, _("Investigation notes and briefs"))
    briefs = {c.id: list(db.session.scalars(sa.select(Brief).where(
        Brief.conference_id == c.id).order_by(Brief.id))) for c in conferences}
    records = {c.id: {k: minutes.section(c, k)[0] for k in ("accounts", "opinions")}
               for c in conferences}
    sections.append(Section("调查笔录及会前材料", html=_html(
        "followup/pdf/investigation.html", dispute=dispute, conferences=conferences,
        briefs=briefs, records=records)))
    progress(45, _("Signed minutes"))
    for number, conference in enumerate(conferences, start=1):
        issued = db.session.scalars(sa.select(MinutesVersion).where(
            MinutesVersion.conference_id == conference.id,
            MinutesVersion.issued_at.is_not(None)).order_by(MinutesVersion.number))
        issued = list(issued)
        for version in issued:
            # Bound from its HTML, as sealed, without page numbers of its own.
            which = f"（第{version.number}版）" if len(issued) > 1 else ""
            sections.append(Section(f"第{number}次联席会商纪要{which}", html=render_minutes_html(
                minutes.issued_document(version))))
    progress(60, _("Mediation agreement"))
    for agreement in found:
        sections.append(Section("人民调解协议书", html=agreements.agreement_html(agreement)))
        scan = db.session.scalar(sa.select(Agreement.scan).where(Agreement.id == agreement.id))
        if scan:
            sections.append(_attachment("人民调解协议书（当事人签字本扫描件）", scan,
                                        agreement.scan_type or "",
                                        folder / f"agreement-{agreement.id}.pdf"))
    progress(70, _("Performance and follow-up records"))
    sections.append(Section("履行情况及回访记录", html=_html(
        "followup/pdf/followup.html", dispute=dispute, tasks=tasks.tasks_of(dispute),
        visits=tasks.visits_of(dispute), agreements=found,
        deadline=agreements.confirmation_deadline, satisfaction=timeline.satisfaction_label,
        method=timeline.method_label)))
    progress(80, _("Attachments"))
    documents = db.session.execute(sa.select(
        Document.id, Document.filename, Document.content_type).where(
        Document.conference_id.in_([c.id for c in conferences]),
        Document.withdrawn_at.is_(None),
        sa.or_(Document.content_type == "application/pdf",
               Document.content_type.startswith("image/"))).order_by(
        Document.conference_id, Document.id))
    for ident, filename, content_type in documents.all():
        data = db.session.scalar(sa.select(Document.data).where(Document.id == ident))
        sections.append(_attachment(f"附件：{filename}", data, content_type,
                                    folder / f"document-{ident}.pdf"))
    return sections


def _attachment(title: str, data: bytes, content_type: str, path: Path) -> Section:
    """A PDF or scanned image for the file; one that cannot be read gets a page saying so
    when the file is bound."""
    if content_type.startswith("image/"):
        return image_section(title, data)
    path.write_bytes(data)
    return Section(title, path)
