"""Integration clients, bearer tokens, idempotency records and webhook deliveries."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.orgs.models import User
from portal.timeutil import UTCDateTime, utcnow

SCOPES = ("disputes:read", "disputes:write", "conferences:read", "invitations:answer",
          "minutes:read")


class ApiClient(db.Model):
    """A system that calls the API, e.g. the city's governance platform (市域社会治理平台).

    A client acts as one portal account, chosen by the administrator, so every call is
    allowed or refused by the same rules as that person's pages.
    """

    __tablename__ = "api_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    scopes: Mapped[str] = mapped_column(sa.String(200))
    acting_user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    acting_user: Mapped[User] = relationship(foreign_keys=[acting_user_id])
    tokens: Mapped[list[ApiToken]] = relationship(back_populates="client",
                                                  order_by="ApiToken.id")
    endpoints: Mapped[list[WebhookEndpoint]] = relationship(
        back_populates="client", order_by="WebhookEndpoint.id")

    @property
    def scope_list(self) -> list[str]:
        return self.scopes.split()

    @property
    def active_token(self) -> ApiToken | None:
        return next((t for t in reversed(self.tokens) if t.revoked_at is None), None)


class ApiToken(db.Model):
    """A bearer token; only its SHA-256 is stored. Either a client's or a person's own."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(16))
    name: Mapped[str] = mapped_column(sa.String(80))
    client_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("api_clients.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    scopes: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    client: Mapped[ApiClient | None] = relationship(back_populates="tokens")
    user: Mapped[User] = relationship()

    @property
    def scope_list(self) -> list[str]:
        return self.scopes.split()

    @property
    def actor_name(self) -> str:
        """The name the audit log records: the client's, or the person's username."""
        return f"api:{self.client.name}" if self.client else f"api:{self.user.username}"

    @property
    def principal(self) -> str:
        """Whose idempotency keys these are: a rotated client token keeps its keys."""
        return f"client:{self.client_id}" if self.client_id else f"token:{self.id}"

    def live(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class IdempotencyRecord(db.Model):
    """The stored answer to a create request sent with an Idempotency-Key header."""

    __tablename__ = "api_idempotency_records"
    __table_args__ = (sa.UniqueConstraint("principal", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    principal: Mapped[str] = mapped_column(sa.String(40))
    key: Mapped[str] = mapped_column(sa.String(200))
    request_hash: Mapped[str] = mapped_column(sa.String(64))
    status: Mapped[int | None]
    response: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WebhookEndpoint(db.Model):
    """A URL of a client that receives signed event notifications."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(
        sa.ForeignKey("api_clients.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(sa.String(500))
    secret: Mapped[str] = mapped_column(sa.String(100))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    client: Mapped[ApiClient] = relationship(back_populates="endpoints")


class DeliveryStatus(enum.Enum):
    PENDING = "pending"
    SENDING = "sending"
    DELIVERED = "delivered"
    FAILED = "failed"


class WebhookDelivery(db.Model):
    """One event for one endpoint, kept with its last response until it is delivered.

    Deliveries with the same `ordering_key` (e.g. one conference) to the same endpoint go
    out strictly in id order: a later one waits until every earlier one was delivered.
    """

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        sa.Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        sa.Index("ix_webhook_deliveries_order", "endpoint_id", "ordering_key", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(
        sa.ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    event_id: Mapped[str] = mapped_column(sa.String(32))
    event_type: Mapped[str] = mapped_column(sa.String(40))
    ordering_key: Mapped[str] = mapped_column(sa.String(40))
    payload: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[DeliveryStatus] = mapped_column(
        sa.Enum(DeliveryStatus, native_enum=False, length=16), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claim_token: Mapped[str | None] = mapped_column(sa.String(32))
    last_status: Mapped[int | None]
    last_response: Mapped[str | None] = mapped_column(sa.Text)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    endpoint: Mapped[WebhookEndpoint] = relationship()
