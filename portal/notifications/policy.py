"""Who may see a notification: its recipient, and nobody else (not even administrators)."""

from portal.permissions import rule


@rule("notification.open")
def _open(user, notification=None) -> bool:
    return notification is not None and notification.recipient_id == user.id
