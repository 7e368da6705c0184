"""The portal's domain events.

A domain that has done something others may react to sends one of these signals; it does
not call the reacting domain. Signals are sent synchronously, inside the sender's
transaction, so a receiver's writes commit or roll back with the change that caused them;
receivers never commit. Who listens is decided in one place, ``portal.wiring``.

Each signal's sender is the object that changed; keyword arguments are listed with it.
"""

from blinker import Namespace

_events = Namespace()

password_reset = _events.signal("password-reset", doc="""\
An administrator gave an account a temporary password. Sender: the ``User``;
``actor``: the administrator. Whoever had the old password may have copied the account's
other secrets too.""")
