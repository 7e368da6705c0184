"""What signing minutes asks of a signer, for a conference's minutes and a joint review's
alike: the password re-entered to sign, a reason to refuse."""

from __future__ import annotations

from flask_babel import gettext as _

from portal.auth.services import PasswordRefused, confirm_password
from portal.errors import DomainError
from portal.orgs.models import User


def check_password(actor: User, password: str) -> None:
    """Refused, by the password field, unless ``password`` is the actor's."""
    try:
        confirm_password(actor, password or "")
    except PasswordRefused as refused:
        message = (_("The password is wrong; the minutes were not signed.") if refused.wrong
                   else refused.message + " " + _("The minutes were not signed."))
        raise DomainError(message, "password") from None


def refusal_reason(reason: str) -> str:
    """The reason as recorded; refused, by the reason field, when there is none."""
    if not (reason or "").strip():
        raise DomainError(_("Give the reason for refusing to sign."), "reason")
    return reason.strip()
