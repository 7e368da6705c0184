import pytest

from portal.orgs.models import OrgKind, Role


@pytest.fixture
def nancheng(make):
    """The bodies, and one answering member of each: a head for the three heads' bodies and
    a mediator for the sector bodies; plus a second head at the court for delegation."""
    bodies = make.bodies()
    people = {}
    for kind, org in bodies.items():
        role = Role.HEAD if kind.is_head else Role.MEDIATOR
        people[kind] = make.user(role, organisation=org, full_name=f"{kind.value}-负责人")
    people["court_deputy"] = make.user(Role.HEAD, organisation=bodies[OrgKind.COURT],
                                       full_name="副庭长")
    people["court_clerk"] = make.user(Role.SECRETARY, organisation=bodies[OrgKind.COURT],
                                      full_name="法庭书记员")
    return bodies, people
