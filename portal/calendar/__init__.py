"""Scheduling in the portal: availability polls, room bookings, calendar delivery, reminders.

The calendar arithmetic lives in the Flask-free ``scheduling`` package; this package adapts
the portal's models into its inputs (in ``adapters``) and keeps what must outlive a request
in the database.
"""
