"""Builders for the objects tests need; each fills sensible defaults and commits."""

from __future__ import annotations

import itertools

from portal.extensions import db
from portal.orgs.models import Organisation, OrgKind, Role, Room, User, Village
from portal.orgs.passwords import hash_password, new_session_token

_counter = itertools.count(1)


class Factory:
    PASSWORD = "Correct-horse-42"
    _hash: str | None = None

    def organisation(self, kind: OrgKind = OrgKind.POLICE_STATION, **values) -> Organisation:
        values.setdefault("name", f"{kind.value} {next(_counter)}")
        org = Organisation(kind=kind, **values)
        db.session.add(org)
        db.session.commit()
        return org

    def user(self, *roles: Role, organisation: Organisation | None = None,
             password: str | None = None, **values) -> User:
        number = next(_counter)
        values.setdefault("username", f"user{number}")
        values.setdefault("full_name", f"测试用户{number}")
        values.setdefault("email", f"user{number}@example.cn")
        if password is None:
            if Factory._hash is None:
                Factory._hash = hash_password(self.PASSWORD)
            password_hash = Factory._hash
        else:
            password_hash = hash_password(password)
        user = User(
            organisation=organisation or self.organisation(),
            password_hash=password_hash,
            session_token=new_session_token(),
            **values,
        )
        user.set_roles(roles or [Role.OBSERVER])
        db.session.add(user)
        db.session.commit()
        return user

    def village(self, **values) -> Village:
        number = next(_counter)
        values.setdefault("name", f"测试村{number}")
        values.setdefault("police_grid", f"警格{number}")
        values.setdefault("community_grid", f"网格{number}")
        village = Village(**values)
        db.session.add(village)
        db.session.commit()
        return village

    def room(self, **values) -> Room:
        values.setdefault("name", f"会议室{next(_counter)}")
        values.setdefault("location", "二楼")
        room = Room(**values)
        db.session.add(room)
        db.session.commit()
        return room

    def bodies(self) -> dict[OrgKind, Organisation]:
        """One organisation of every kind: the three heads' bodies and the sector bodies."""
        return {kind: self.organisation(kind) for kind in OrgKind}

    def dispute(self, reporter: User | None = None, village: Village | None = None,
                parties: list | None = None, **values):
        from portal.disputes import services
        from portal.disputes.models import Category, PartyRole, Source

        reporter = reporter or self.user(Role.GRID_WORKER)
        village = village or self.village()
        fields = dict(title="土地边界纠纷", category=Category.LAND_FOREST, village_id=village.id,
                      source=Source.GRID_REPORT, description="两户因宅基地边界发生争执")
        fields.update(values)
        fields["parties"] = parties or [
            services.PartyInput("张三", PartyRole.APPLICANT, "11010519491231002X",
                                "13812345678", "米山村一组"),
            services.PartyInput("李四", PartyRole.RESPONDENT, None, "13987654321", None),
        ]
        dispute = services.create_dispute(reporter, services.DisputeInput(**fields))
        db.session.commit()
        return dispute

    def conference(self, convener: User | None = None, secretary: User | None = None,
                   send: bool = True, **dispute_values):
        """A tier-3 dispute's conference with its suggested invitees, invitations sent."""
        from datetime import timedelta

        from portal.conferences import services as conferences
        from portal.disputes import services as disputes
        from portal.timeutil import utcnow

        convener = convener or self.user(Role.CONVENER)
        dispute = self.dispute(**dispute_values)
        disputes.assign(convener, dispute, convener)
        conference = disputes.escalate(convener, dispute, 3, "需要联席会商")
        if send:
            conferences.send_invitations(convener, conference,
                                         secretary or self.user(Role.SECRETARY),
                                         utcnow() + timedelta(days=3), "请准时参加")
        db.session.commit()
        return conference


def run_jobs() -> int:
    """Run the background jobs that are due, as a worker would, in this app context."""
    from portal.extensions import db
    from portal.jobs import queue

    count = queue.work_due()
    db.session.expire_all()
    return count


def download(client, url: str):
    """GET a document that a background job prepares: the waiting page, the jobs, the PDF."""
    response = client.get(url)
    if response.status_code == 302 and "/jobs/" in response.headers["Location"]:
        waiting = client.get(response.headers["Location"])
        assert waiting.status_code == 202, waiting.status_code
        run_jobs()
        response = client.get(url)
    return response
