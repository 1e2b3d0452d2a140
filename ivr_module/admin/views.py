"""The admin's lists: pre-orders, IVR transactions, failed hook calls, and staff accounts.

Declarative ModelViews on one read-only base. Records are never created, edited or deleted
here; the one write is the admin's action "cancel", through the checkout service.
"""

import logging

from flask import flash
from flask_admin.actions import action
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla.filters import FilterEqual
from flask_admin.model import typefmt
from sqlalchemy import not_, or_
from sqlalchemy.orm import lazyload
from wtforms import PasswordField, ValidationError
from wtforms.validators import Length, Optional

from ..models import HookCall, IVRTransaction, PreOrder, Role
from ..models.user import MIN_PASSWORD_LENGTH
from ..services.checkout import CheckoutError, cancel_pre_order
from ..services.results import HookError
from .access import ADMIN_ONLY, AdminForm, SecuredView
from .staff import current_staff
from .filters import PreOrderStatusFilter, time_filters
from .formatting import EXPORT_TYPE_FORMATTERS, LIST_TYPE_FORMATTERS, order_number_column

logger = logging.getLogger(__name__)

ENDPOINTS = ("pre_order", "complete")


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
    search_hint = "Exact order or reference number"
    # Filter arguments by name (flt0_error_text_equals=...), so links to filtered lists read well.
    named_filter_urls = True

    def search_placeholder(self) -> str:
        """Say what the search box matches."""
        return self.search_hint

    def _apply_search(self, query, count_query, joins, count_joins, search):
        # Support staff type a whole number; an exact match uses the column's index, where
        # Flask-Admin's default ILIKE '%…%' would read every row.
        term = search.strip()
        if term:
            matches = or_(*(field == term for field, _path in self._search_fields))
            query = query.filter(matches)
            count_query = count_query.filter(matches) if count_query is not None else None
        return query, count_query, joins, count_joins


class ReadOnlyModelView(AdminModelView):
    """A list with search, filters, sorting, pages and CSV export; nothing can be changed."""

    can_create = can_edit = can_delete = False
    can_view_details = True
    can_export = True
    export_types = ["csv"]
    # An export is read into memory: past this, narrow the list with filters first.
    export_max_rows = 50_000
    column_formatters = {"order_number": order_number_column}
    column_formatters_export = {}


def _status_column(view, context, model, name):
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
    column_labels = {"payment_option_name": "Payment option", "expires_at": "Expires"}
    column_sortable_list = ("order_number", "status", "expires_at", "created_at")
    column_default_sort = ("created_at", True)
    column_searchable_list = ("order_number",)
    column_filters = (
        PreOrderStatusFilter(),
        FilterEqual(PreOrder.payment_type, "Payment type"),
        *time_filters(PreOrder.created_at, "Created"),
        *time_filters(PreOrder.expires_at, "Expires"),
    )
    column_formatters = {**ReadOnlyModelView.column_formatters, "status": _status_column}
    column_formatters_export = {"status": _status_column}

    def get_query(self):
        """The list and its export show no transaction: load none per page."""
        return super().get_query().options(lazyload(PreOrder.transaction))

    def is_action_allowed(self, name: str) -> bool:
        """Only admins cancel."""
        return current_staff().has_role(*ADMIN_ONLY) and super().is_action_allowed(name)

    @action(
        "cancel",
        "Cancel",
        f"Cancel the selected pre-orders? The IVR then answers “{HookError.SESSION_NOT_FOUND}”.",
    )
    def action_cancel(self, ids):
        """Cancel the selected pre-orders through the checkout service; paid ones are refused."""
        cancelled, refused = 0, []
        for pre_order_id in ids:
            try:
                pre_order = cancel_pre_order(int(pre_order_id))
            except CheckoutError as error:
                refused.append(f"{pre_order_id}: {error.message}")
                continue
            cancelled += 1
            logger.info("pre-order %s cancelled by %s", pre_order.id, current_staff().name)
        if cancelled:
            flash(f"Cancelled {cancelled} pre-order(s).", "success")
        if refused:
            flash("Not cancelled: " + "; ".join(refused), "error")


class TransactionView(ReadOnlyModelView):
    """IVR transactions: the payments, for call-centre review and reconciliation."""

    column_list = ("reference_number", "order_number", "staff_id", "amount", "currency", "created_at")
    column_details_list = column_list + ("id", "pre_order_id")
    column_labels = {"reference_number": "Reference", "staff_id": "Staff id", "created_at": "Time"}
    column_sortable_list = ("reference_number", "order_number", "staff_id", "amount", "created_at")
    column_default_sort = ("created_at", True)
    column_searchable_list = ("reference_number", "order_number")
    column_filters = (
        *time_filters(IVRTransaction.created_at, "Time"),
        FilterEqual(IVRTransaction.currency, "Currency"),
        FilterEqual(IVRTransaction.staff_id, "Staff id"),
    )


class FailedAttemptView(ReadOnlyModelView):
    """The hook-call log's failures, newest first: what the vendor was told, and why."""

    # No count(*) per page: the log grows to millions of rows.
    simple_list_pager = True
    column_list = ("created_at", "endpoint", "order_number", "error_text", "detail", "remote_addr")
    column_details_list = column_list + (
        "reference_number", "staff_id", "username", "request_id", "duration_ms", "id",
    )
    column_labels = {
        "created_at": "Time", "remote_addr": "Remote address", "duration_ms": "Duration (ms)",
        "staff_id": "Staff id",
    }
    # Sorts an index serves; any other would sort every failure in the log.
    column_sortable_list = ("created_at", "order_number")
    column_default_sort = ("created_at", True)
    column_searchable_list = ("order_number", "reference_number")
    column_filters = (
        *time_filters(HookCall.created_at, "Time"),
        FilterEqual(HookCall.endpoint, "Endpoint", options=[(name, name) for name in ENDPOINTS]),
        FilterEqual(HookCall.error_text, "Error text", options=[(e.value, e.value) for e in HookError]),
        FilterEqual(HookCall.remote_addr, "Remote address"),
        FilterEqual(HookCall.staff_id, "Staff id"),
    )

    def get_query(self):
        """Failures only."""
        return super().get_query().filter(not_(HookCall.success))

    def get_count_query(self):
        """Failures only."""
        return super().get_count_query().filter(not_(HookCall.success))

    def get_one(self, id):
        """A failure by id (a success is not on this list)."""
        return self.get_query().filter(HookCall.id == int(id)).one_or_none()


class UserView(AdminModelView):
    """Staff accounts (admins only): passwords are set here, hashes never shown."""

    roles = ADMIN_ONLY
    search_hint = "Exact username"
    column_list = ("username", "role", "active", "created_at", "last_login_at")
    column_searchable_list = ("username",)
    column_filters = ("role", "active")
    column_default_sort = "username"
    form_columns = ("username", "role", "active", "password")
    form_choices = {"role": [(role.value, role.value) for role in Role]}
    form_extra_fields = {
        "password": PasswordField(
            "Password",
            validators=[Optional(), Length(min=MIN_PASSWORD_LENGTH, max=256)],
            description="Leave empty to keep the current password.",
        )
    }

    def on_model_change(self, form, model, is_created):
        """Hash a new password; refuse a new account without one, and refuse locking oneself out."""
        if form.password.data:
            model.set_password(form.password.data)
        elif is_created:
            raise ValidationError("A new account needs a password.")
        if model.id == current_staff().account.id and (model.role != Role.ADMIN or not model.active):
            raise ValidationError("You cannot remove your own admin role or deactivate yourself.")

    def on_model_delete(self, model):
        """Refuse deleting one's own account."""
        if model.id == current_staff().account.id:
            raise ValidationError("You cannot delete your own account.")
