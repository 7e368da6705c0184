"""Creating the first administrator of an empty deployment."""

import sqlalchemy as sa

from portal.audit.services import record
from portal.extensions import db
from portal.orgs.models import Organisation, OrgKind, Role, User
from portal.orgs.passwords import hash_password, new_session_token, policy_problem


def create_first_admin(username: str, full_name: str, organisation: str, password: str) -> User:
    problem = policy_problem(password)
    if problem:
        raise ValueError(problem)
    if db.session.scalar(sa.select(User.id).where(User.username == username)):
        raise ValueError(f"username {username!r} is taken")
    org = db.session.scalar(sa.select(Organisation).where(Organisation.name == organisation))
    if org is None:
        org = Organisation(name=organisation, kind=OrgKind.GOVERNANCE_CENTRE)
        db.session.add(org)
    user = User(username=username, full_name=full_name, organisation=org,
                password_hash=hash_password(password), session_token=new_session_token(),
                must_change_password=True)
    user.set_roles([Role.ADMIN])
    db.session.add(user)
    db.session.flush()
    record("user.created", user, summary="first administrator (command line)")
    db.session.flush()
    return user
