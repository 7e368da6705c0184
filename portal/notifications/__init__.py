"""In-app notifications and the mail outbox."""
