"""The admin's lists: pre-orders, IVR transactions, failed hook calls, and staff accounts.

Declarative ModelViews on one read-only base. Records are never created, edited or deleted
here; the one write is the admin's action "cancel", through the checkout service.
"""

import logging

from flask import abort, flash, has_request_context, redirect, request, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla.filters import FilterEqual
from flask_admin.model import typefmt
from flask_admin.model.base import filter_char_re, filter_compact_re
from flask_babel.speaklater import LazyString
from sqlalchemy import BigInteger, not_, or_
from sqlalchemy.orm import lazyload
from wtforms import PasswordField, ValidationError
from wtforms.validators import Length, Optional

from ..db import db
from ..i18n import LOCALE_NAMES, LOCALES, current_locale
from ..i18n import gettext as _
from ..i18n import lazy_gettext as _l
from ..models import FailureHint, HookCall, IVRTransaction, PreOrder, Role
from ..models.user import MIN_PASSWORD_LENGTH
from ..services.checkout import CheckoutError, cancel_pre_order
from ..services.failure_codes import FailureCode
from ..services.failure_hints import ensure_hint_rows, hint_for
from ..services.error_texts import HookError
from .access import ADMIN_ONLY, AdminForm, SecuredView
from .basket_change import BasketChange, basket_change
from .export import CsvExport
from .lookup import pre_order_of
from .staff import current_staff, log_in
from .filters import PreOrderStatusFilter, time_filters
from .formatting import EXPORT_TYPE_FORMATTERS, LIST_TYPE_FORMATTERS, order_number_column
from .labels import COLUMN_LABELS, ROLE_LABELS, role_label, status_label
from .test_data import shown_rows, with_test_badge

logger = logging.getLogger(__name__)

ENDPOINTS = ("pre_order", "complete")
# Failures a basket change explains: its diff is shown on their details page.
BASKET_CHANGE_CODES = (FailureCode.BASKET_CHANGED, FailureCode.ORDER_NOT_FOUND_REPLACED)
MAX_REASON = 500


def _source_text(text) -> str:
    """The English of a lazy translated string (its msgid, filled in), or the text itself."""
    # Flask-Babel's LazyString keeps gettext's arguments as _args/_kwargs (Flask-Admin reads a
    # lazy operation's _args the same way for its filter URLs).
    if not isinstance(text, LazyString):
        return str(text)
    return text._args[0] % {key: _source_text(value) for key, value in text._kwargs.items()}


class AdminModelView(SecuredView, ModelView):
    """Our look (CSP-safe templates), local times, CSRF-carrying forms, exact-match search."""

    form_base_class = AdminForm
    list_template = "ivr_admin/model/list.html"
    details_template = "ivr_admin/model/details.html"
    create_template = "ivr_admin/model/create.html"
    edit_template = "ivr_admin/model/edit.html"
    column_type_formatters = {**typefmt.BASE_FORMATTERS, **LIST_TYPE_FORMATTERS}
    column_type_formatters_detail = {**typefmt.DETAIL_FORMATTERS, **LIST_TYPE_FORMATTERS}
    column_type_formatters_export = {**typefmt.EXPORT_FORMATTERS, **EXPORT_TYPE_FORMATTERS}
    page_size = 25
    can_set_page_size = True
    page_size_options = (25, 50, 100)
    search_hint = _l("Exact order or reference number")
    # Filter arguments by name (flt0_error_text_equals=...), so links to filtered lists read well.
    named_filter_urls = True

    def __init__(self, *args, **kwargs):
        # Every column named in the page's language (labels.py) unless the view names it itself;
        # set before Flask-Admin reads the labels into its lists, filters and forms.
        own = type(self).column_labels
        self.column_labels = {**COLUMN_LABELS, **(own if isinstance(own, dict) else {})}
        super().__init__(*args, **kwargs)

    def get_export_columns(self):
        """CSV headers in English whatever the staff's language: scripts read exports too."""
        return [(name, _source_text(label)) for name, label in super().get_export_columns()]

    def get_filter_arg(self, index, flt) -> str:
        """A filter's URL name from its English name and operation: links read alike in every language."""
        if not self.named_filter_urls:
            return super().get_filter_arg(index, flt)
        name = f"{_source_text(flt.name)} {_source_text(flt.operation())}".lower()
        return filter_compact_re.sub("_", filter_char_re.sub("", name))

    def get_one(self, id):
        """The record with this id, or None; a malformed id is a 404 (not a database error)."""
        return super().get_one(str(self.parse_id(id)))  # Flask-Admin decodes the id from text

    def parse_id(self, raw) -> int:
        """The row id a URL names, or 404: ids are whole numbers the id column can hold."""
        column = self.model.__mapper__.primary_key[0]
        largest = 2**63 - 1 if isinstance(column.type, BigInteger) else 2**31 - 1
        text = str(raw)
        if not (text.isascii() and text.isdigit()) or int(text) > largest:
            abort(404)
        return int(text)

    def search_placeholder(self) -> str:
        """Say what the search box matches."""
        return str(self.search_hint)

    def _apply_search(self, query, count_query, joins, count_joins, search):
        # Support staff type a whole number; an exact match uses the column's index, where
        # Flask-Admin's default ILIKE '%…%' would read every row.
        term = search.strip()
        if term:
            matches = or_(*(field == term for field, _path in self._search_fields))
            query = query.filter(matches)
            count_query = count_query.filter(matches) if count_query is not None else None
        return query, count_query, joins, count_joins


class ReadOnlyModelView(CsvExport, AdminModelView):
    """A list with search, filters, sorting, pages and CSV export; nothing can be changed."""

    can_create = can_edit = can_delete = False
    can_view_details = True
    can_export = True
    export_types = ["csv"]
    # An export is read into memory: past this, narrow the list with filters first.
    export_max_rows = 50_000
    column_formatters = {"order_number": with_test_badge(order_number_column)}
    column_formatters_export = {}

    # Live rows, or the sandbox's under the "Test data" switch (test_data.py); never both.
    def get_query(self):
        """The rows of the mode on show."""
        return super().get_query().filter(shown_rows(self.model))

    def get_count_query(self):
        """The rows of the mode on show."""
        return super().get_count_query().filter(shown_rows(self.model))

    def get_one(self, id):
        """A row by id, if it is of the mode on show; a malformed id is a 404."""
        return self.get_query().filter(self.model.id == self.parse_id(id)).one_or_none()


def _status_column(view, context, model, name):
    return status_label(model.current_status)


def _status_export(view, context, model, name):
    return str(model.current_status)


class PreOrderView(ReadOnlyModelView):
    """Pre-orders: status, number, amount, payment option, expiry; admins may cancel."""

    details_template = "ivr_admin/pre_order_details.html"
    column_list = (
        "order_number", "status", "amount", "currency", "payment_option_name",
        "payment_type", "expires_at", "created_at",
    )
    column_details_list = column_list + ("id", "shipping_amount", "updated_at")
    column_export_list = column_list + ("id", "shipping_amount")
    column_sortable_list = ("order_number", "status", "expires_at", "created_at")
    column_default_sort = ("created_at", True)
    column_searchable_list = ("order_number",)
    column_filters = (
        PreOrderStatusFilter(),
        FilterEqual(PreOrder.payment_type, _l("Payment type")),
        *time_filters(PreOrder.created_at, _l("Created")),
        *time_filters(PreOrder.expires_at, _l("Expires")),
    )
    column_formatters = {**ReadOnlyModelView.column_formatters, "status": _status_column}
    column_formatters_export = {"status": _status_export}

    def get_query(self):
        """The list and its export show no transaction: load none per page."""
        return super().get_query().options(lazyload(PreOrder.transaction))

    def is_action_allowed(self, name: str) -> bool:
        """Only admins cancel."""
        return current_staff().has_role(*ADMIN_ONLY) and super().is_action_allowed(name)

    @action("cancel", _l("Cancel…"))
    def action_cancel(self, ids):
        """Cancel the selected pre-orders through the checkout service, with the reason given."""
        ids = [self.parse_id(pre_order_id) for pre_order_id in ids]  # a malformed one is a 404
        reason = request.form.get("reason", "").strip()[:MAX_REASON]
        if not reason:  # the list's action asks first: which reason?
            return redirect(url_for(".cancel_view", rowid=ids))
        cancelled, refused = 0, []
        for pre_order_id in ids:
            try:
                pre_order = cancel_pre_order(pre_order_id, reason=reason)
            except CheckoutError as error:
                refused.append(f"{pre_order_id}: {error.message}")
                continue
            cancelled += 1
            logger.info("pre-order %s cancelled by %s", pre_order.id, current_staff().name)
        if cancelled:
            flash(_("Cancelled %(count)s pre-order(s).", count=cancelled), "success")
        if refused:
            flash(_("Not cancelled: %(refusals)s", refusals="; ".join(refused)), "error")

    @expose("/cancel/")
    def cancel_view(self):
        """Ask the admin why, before cancelling the chosen pre-orders (posted to the action)."""
        if not current_staff().has_role(*ADMIN_ONLY):
            abort(403)
        ids = [int(i) for i in request.args.getlist("rowid") if i.isdigit() and len(i) < 10]
        pre_orders = self.get_query().filter(PreOrder.id.in_(ids)).all()
        return self.render(
            "ivr_admin/cancel.html",
            pre_orders=pre_orders,
            max_reason=MAX_REASON,
            answer=HookError.SESSION_NOT_FOUND,
            return_url=url_for(".index_view"),
        )


class TransactionView(ReadOnlyModelView):
    """IVR transactions: the payments, for call-centre review and reconciliation."""

    column_list = ("reference_number", "order_number", "staff_id", "amount", "currency", "created_at")
    column_details_list = column_list + ("id", "pre_order_id")
    column_labels = {"created_at": _l("Time")}
    column_sortable_list = ("reference_number", "order_number", "staff_id", "amount", "created_at")
    column_default_sort = ("created_at", True)
    column_searchable_list = ("reference_number", "order_number")
    column_filters = (
        *time_filters(IVRTransaction.created_at, _l("Time")),
        FilterEqual(IVRTransaction.currency, _l("Currency")),
        FilterEqual(IVRTransaction.staff_id, _l("Staff id")),
    )


class FailedAttemptView(ReadOnlyModelView):
    """The hook-call log's failures, newest first: what the vendor was told, and why."""

    details_template = "ivr_admin/failed_attempt_details.html"
    # No count(*) per page: the log grows to millions of rows.
    simple_list_pager = True
    column_list = (
        "created_at", "endpoint", "order_number", "error_text", "error_code", "caller_hint", "detail",
        "remote_addr",
    )
    column_details_list = column_list + (
        "support_note", "reference_number", "staff_id", "username", "request_id", "duration_ms", "id",
    )
    column_export_list = (
        "created_at", "endpoint", "order_number", "error_text", "error_code", "detail", "remote_addr",
        "reference_number", "staff_id", "request_id", "duration_ms", "id",
    )
    column_labels = {"created_at": _l("Time")}
    column_formatters = {
        **ReadOnlyModelView.column_formatters,
        "caller_hint": lambda view, context, model, name: _hint_text(model.error_code, "caller_hint"),
        "support_note": lambda view, context, model, name: _hint_text(model.error_code, "support_note"),
    }
    # Sorts an index serves; any other would sort every failure in the log.
    column_sortable_list = ("created_at", "order_number")
    column_default_sort = ("created_at", True)
    column_searchable_list = ("order_number", "reference_number")
    column_filters = (
        *time_filters(HookCall.created_at, _l("Time")),
        FilterEqual(HookCall.endpoint, _l("Endpoint"), options=[(name, name) for name in ENDPOINTS]),
        # The seed's texts, as the vendor was sent them: never translated.
        FilterEqual(HookCall.error_text, _l("Error text"), options=[(e.value, e.value) for e in HookError]),
        FilterEqual(HookCall.error_code, _l("Error code"), options=[(code.value, code.value) for code in FailureCode]),
        FilterEqual(HookCall.remote_addr, _l("Remote address")),
        FilterEqual(HookCall.staff_id, _l("Staff id")),
    )

    def get_query(self):
        """Failures only."""
        return super().get_query().filter(not_(HookCall.success))

    def get_count_query(self):
        """Failures only."""
        return super().get_count_query().filter(not_(HookCall.success))

    def get_one(self, id):
        """A failure by id (a success is not on this list)."""
        return self.get_query().filter(HookCall.id == self.parse_id(id)).one_or_none()

    def basket_change_of(self, call: HookCall) -> BasketChange | None:
        """For a call refused because the basket changed (or its number was replaced): how it changed."""
        if call.error_code not in BASKET_CHANGE_CODES or not call.order_number:
            return None
        pre_order, retired = pre_order_of(call.order_number)
        return basket_change(pre_order, retired) if pre_order is not None else None


def _hint_text(code: str | None, part: str) -> str:
    """One part of a failure code's hint, in the page's language."""
    hint = hint_for(code, current_locale())
    return getattr(hint, part) if hint is not None else ""


class CallerHintView(AdminModelView):
    """What to tell the caller and what support should do, per failure code and language.

    Everyone reads them; admins edit the texts (codes and languages are fixed).
    """

    can_create = can_delete = False
    can_view_details = False
    search_hint = _l("Exact failure code")
    column_list = ("code", "locale", "caller_hint", "support_note", "updated_at")
    column_searchable_list = ("code",)
    column_filters = ("locale",)
    column_default_sort = [("code", False), ("locale", False)]
    form_columns = ("caller_hint", "support_note")
    form_args = {
        "caller_hint": {"validators": [Length(min=1, max=500)]},
        "support_note": {"validators": [Length(min=1, max=500)]},
    }

    @property
    def can_edit(self) -> bool:
        """Admins only (outside a request, e.g. listing the views' URLs: the view has an edit page)."""
        if not has_request_context():
            return True
        person = current_staff()
        return person is not None and person.has_role(*ADMIN_ONLY)

    def get_one(self, id):
        """The hint named "code,locale" (Flask-Admin's composite id); another shape is a 404."""
        code, comma, locale = str(id).partition(",")
        if not (comma and code and locale):
            abort(404)
        return db.session.get(FailureHint, (code, locale))

    @expose("/")
    def index_view(self):
        """The list, with a row for every code and language (made from the defaults once)."""
        ensure_hint_rows()
        return super().index_view()


class UserView(AdminModelView):
    """Staff accounts (admins only): passwords are set here, hashes never shown."""

    roles = ADMIN_ONLY
    search_hint = _l("Exact username")
    column_list = ("username", "role", "locale", "active", "created_at", "last_login_at")
    column_labels = {"locale": _l("Language")}
    column_searchable_list = ("username",)
    column_filters = ("role", "active")
    column_default_sort = "username"
    column_formatters = {
        "role": lambda view, context, model, name: role_label(model.role),
        "locale": lambda view, context, model, name: LOCALE_NAMES.get(model.locale, ""),
    }
    form_columns = ("username", "role", "locale", "active", "password")
    form_choices = {
        "role": [(role.value, ROLE_LABELS[role.value]) for role in Role],
        # Empty: the default language (IVR_DEFAULT_LOCALE).
        "locale": [("", "—")] + [(code, LOCALE_NAMES[code]) for code in LOCALES],
    }
    form_args = {"locale": {"label": _l("Language"), "description": _l("Empty: the default language.")}}
    form_extra_fields = {
        "password": PasswordField(
            _l("Password"),
            validators=[Optional(), Length(min=MIN_PASSWORD_LENGTH, max=256)],
            description=_l("Leave empty to keep the current password."),
        )
    }

    def on_model_change(self, form, model, is_created):
        """Hash a new password, end a deactivated user's sessions; refuse a new account without a
        password, and refuse locking oneself out."""
        model.locale = model.locale or None  # empty: the default language
        if form.password.data:
            model.set_password(form.password.data)
        elif is_created:
            raise ValidationError(_("A new account needs a password."))
        if not model.active:
            model.end_sessions()  # so reactivating the account does not revive old cookies
        if model.id == current_staff().account.id and (model.role != Role.ADMIN or not model.active):
            raise ValidationError(_("You cannot remove your own admin role or deactivate yourself."))

    def after_model_change(self, form, model, is_created):
        """A new password ended the user's sessions; an admin changing their own stays logged in here."""
        if form.password.data and model.id == current_staff().account.id:
            log_in(model)

    def on_model_delete(self, model):
        """Refuse deleting one's own account."""
        if model.id == current_staff().account.id:
            raise ValidationError(_("You cannot delete your own account."))
