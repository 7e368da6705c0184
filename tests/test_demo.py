import sqlalchemy as sa

from portal.audit.services import verify_chain
from portal.extensions import db
from portal.orgs.models import Organisation, OrgKind, Role, Room, User, Village


def _counts():
    return [db.session.scalar(sa.select(sa.func.count(m.id)))
            for m in (Organisation, Village, Room, User)]


def test_seed_demo_builds_nancheng_and_is_idempotent(app, ctx):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    counts = _counts()
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0 and _counts() == counts
    kinds = set(db.session.scalars(sa.select(Organisation.kind)))
    assert kinds == set(OrgKind)
    assert db.session.scalar(sa.select(sa.func.count(Village.id))) == 28
    assert {r.name for r in db.session.scalars(sa.select(Room))} == {"致和调解室", "致和小法庭"}
    roles = set().union(*(u.roles for u in db.session.scalars(sa.select(User))))
    assert roles == set(Role)
    lawyers = db.session.scalar(sa.select(sa.func.count(Organisation.id)).where(
        Organisation.kind == OrgKind.LAWYER_OFFICE))
    assert lawyers == 2
    assert all(v.grid_worker and v.community_police and v.resident_lawyer
               for v in db.session.scalars(sa.select(Village)))
    assert "secretary" in first.output and "Nancheng-2026" in first.output
    assert "[" not in first.output  # no progress lines when the output is not a terminal
    assert verify_chain().intact


def test_seed_demo_refuses_outside_demo_mode(app, ctx, monkeypatch):
    monkeypatch.setitem(app.config, "PORTAL_DEMO", False)
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code != 0 and "PORTAL_DEMO=1" in result.output
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0


def test_demo_secretary_can_sign_in(app, demo, client, ctx):
    response = client.post("/login", data={"username": "secretary",
                                           "password": "Nancheng-2026"})
    assert response.status_code == 302
    assert "王晓梅" in client.get("/").get_data(as_text=True)
