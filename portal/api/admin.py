"""Pages for tokens: everyone's own personal tokens; administrators' integration clients,
their webhook endpoints and delivery log. A new token or secret is shown once; what stops a
token or an endpoint asks for a ticked confirmation first."""

from __future__ import annotations

import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import URL, DataRequired, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from portal.api import outbound, tokens, webhooks
from portal.api.models import (
    SCOPES,
    ApiClient,
    ApiToken,
    DeliveryStatus,
    WebhookDelivery,
    WebhookEndpoint,
)
from portal.audit.services import record
from portal.errors import DomainError
from portal.extensions import db
from portal.orgs.models import User
from portal.pagination import paginate
from portal.permissions import load_or_404, require
from portal.timeutil import utcnow

bp = Blueprint("api_tokens", __name__, url_prefix="/api-tokens")

EXPIRY = [SelectChoice("30", _l("30 days")), SelectChoice("90", _l("90 days")),
          SelectChoice("365", _l("One year")), SelectChoice("0", _l("Never"))]


class ScopesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class TokenForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])
    scopes = ScopesField(_l("Scopes"), choices=[SelectChoice(s, s) for s in SCOPES],
                         default=list(SCOPES))
    expiry = SelectField(_l("Expires after"), choices=EXPIRY, default="90")
    submit = SubmitField(_l("Create"))


class ClientForm(TokenForm):
    acting_user_id = SelectField(_l("Acts as account"), coerce=int, choices=[])


class EndpointForm(FlaskForm):
    url = StringField(_l("URL"), validators=[DataRequired(), Length(max=500),
                                              URL(require_tld=False)],
                      description=_l("http:// or https://, e.g. the governance platform's "
                                     "receiving address."))
    submit = SubmitField(_l("Add endpoint"))

    def validate_url(self, field):
        url = field.data.strip()
        if not webhooks.is_web_url(url):
            raise ValidationError(_("Give an http:// or https:// address."))
        # Names are resolved (and checked again) at each delivery; an address is refused now.
        try:
            outbound.check_url(url, webhooks.allowed_networks())
        except outbound.RefusedDestination:
            message = _("This address is inside the portal's own network; only networks "
                        "the administrator allowed can be called.")
            raise ValidationError(message) from None


def _confirmed() -> bool:
    """Stopping a token or an endpoint needs the confirmation box ticked."""
    if request.form.get("confirm") == "yes":
        return True
    flash(_("Tick the box to confirm; nothing was changed."), "warning")
    return False


def _expires(form):
    days = int(form.expiry.data or 0)
    return utcnow() + timedelta(days=days) if days else None


@bp.route("/", methods=["GET", "POST"])
@login_required
@require("api.personal_token")
def index():
    form = TokenForm()
    new_token = None
    if form.validate_on_submit():
        try:
            _token, new_token = tokens.create_personal_token(
                current_user, form.name.data, form.scopes.data, _expires(form))
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "danger")
    return render_template("api/tokens.html", form=form, new_token=new_token,
                           tokens=tokens.personal_tokens(current_user), now=utcnow())


@bp.route("/<int:ident>/revoke", methods=["POST"])
@login_required
def revoke(ident):
    token = db.session.get(ApiToken, ident)
    if token is None or token.client_id is not None or token.user_id != current_user.id:
        abort(404)
    if not _confirmed():
        return redirect(url_for(".index"))
    tokens.revoke_token(current_user, token)
    flash(_("The token was revoked."), "success")
    return redirect(url_for(".index"))


def _client_form() -> ClientForm:
    form = ClientForm()
    people = db.session.scalars(sa.select(User).where(User.active).order_by(User.username))
    form.acting_user_id.choices = [SelectChoice(u.id, f"{u.username} · {u.full_name}")
                                   for u in people]
    return form


@bp.route("/clients", methods=["GET", "POST"])
@login_required
@require("admin.manage")
def clients():
    form = _client_form()
    new_token = None
    if form.validate_on_submit():
        try:
            _client, new_token = tokens.create_client(
                current_user, form.name.data, form.scopes.data,
                db.session.get(User, form.acting_user_id.data), _expires(form))
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "danger")
    rows = db.session.scalars(sa.select(ApiClient).order_by(ApiClient.name)).all()
    return render_template("api/clients.html", form=form, clients=rows, new_token=new_token,
                           now=utcnow())


def _client(ident) -> ApiClient:
    return load_or_404(ApiClient, ident, "admin.manage", hide=False)


@bp.route("/clients/<int:ident>", methods=["GET", "POST"])
@login_required
@require("admin.manage")
def client(ident):
    client = _client(ident)
    form = EndpointForm()
    new_secret = None
    if form.validate_on_submit():
        new_secret = "whsec_" + secrets.token_urlsafe(24)
        endpoint = WebhookEndpoint(client=client, url=form.url.data.strip(), secret=new_secret)
        db.session.add(endpoint)
        db.session.flush()
        record("webhook_endpoint.created", endpoint, summary=endpoint.url)
    return _client_page(client, form, new_secret=new_secret)


def _client_page(client: ApiClient, form: EndpointForm, **shown):
    """The client's page; a new token or secret is in `shown` for this response only."""
    deliveries = paginate(
        sa.select(WebhookDelivery).join(WebhookEndpoint)
        .where(WebhookEndpoint.client_id == client.id)
        .order_by(WebhookDelivery.id.desc()))
    return render_template("api/client.html", client=client, form=form,
                           new_token=shown.get("new_token"), new_secret=shown.get("new_secret"),
                           deliveries=deliveries, now=utcnow(),
                           event_types=webhooks.EVENT_TYPES, labels=webhooks.STATUS_LABELS)


@bp.route("/clients/<int:ident>/rotate", methods=["POST"])
@login_required
@require("admin.manage")
def rotate(ident):
    client = _client(ident)
    if not _confirmed():
        return redirect(url_for(".client", ident=ident))
    current = client.active_token
    # The new token lives as long as the old one was meant to.
    lifetime = current.expires_at - current.created_at if current and current.expires_at \
        else None
    try:
        new_token = tokens.rotate_client(current_user, client,
                                         utcnow() + lifetime if lifetime else None)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return redirect(url_for(".client", ident=ident))
    return _client_page(client, EndpointForm(formdata=None), new_token=new_token)


@bp.route("/clients/<int:ident>/revoke", methods=["POST"])
@login_required
@require("admin.manage")
def revoke_client(ident):
    client = _client(ident)
    if not _confirmed():
        return redirect(url_for(".client", ident=ident))
    tokens.revoke_client(current_user, client)
    flash(_("The client was revoked; its token and webhooks stopped."), "success")
    return redirect(url_for(".client", ident=ident))


@bp.route("/endpoints/<int:ident>/remove", methods=["POST"])
@login_required
@require("admin.manage")
def remove_endpoint(ident):
    endpoint = load_or_404(WebhookEndpoint, ident, "admin.manage", hide=False)
    if not _confirmed():
        return redirect(url_for(".client", ident=endpoint.client_id))
    endpoint.active = False
    record("webhook_endpoint.disabled", endpoint, summary=endpoint.url)
    return redirect(url_for(".client", ident=endpoint.client_id))


@bp.route("/deliveries/<int:ident>/retry", methods=["POST"])
@login_required
@require("admin.manage")
def retry(ident):
    delivery = load_or_404(WebhookDelivery, ident, "admin.manage", hide=False)
    if delivery.status is not DeliveryStatus.FAILED:
        flash(_("Only a failed delivery can be sent again."), "warning")
        return redirect(url_for(".client", ident=delivery.endpoint.client_id))
    webhooks.retry(delivery)
    flash(_("The delivery will be sent again."), "success")
    return redirect(url_for(".client", ident=delivery.endpoint.client_id))
