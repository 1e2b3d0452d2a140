"""Settlements: admins upload the vendor's daily file and read its reconciliation.

The list of imports with the upload form, one page per import (its four groups and the day
close), and its CSV export. Admins only: the file is the vendor's money, and an import is a
write.
"""

import csv
import io

from flask import Response, abort, flash, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select

from ..db import db
from ..i18n import gettext as _
from ..i18n import lazy_gettext as _l
from ..models import MatchGroup, SettlementImport
from ..services.reconciliation import all_lines, day_close, group_lines, import_settlement
from ..services.settlement_file import MAX_BYTES, SettlementFileError
from .access import ADMIN_ONLY, SecuredView
from .formatting import csv_safe, local_time, local_time_with_zone, number
from .staff import current_staff

# Lines of a group shown on the page; the export has them all.
LINES_SHOWN = 200
IMPORTS_SHOWN = 50
EXPORT_COLUMNS = (
    "group", "line", "reference_number", "file_order_number", "file_amount", "file_currency",
    "file_staff_id", "file_time", "order_number", "amount", "currency", "staff_id", "recorded_at",
    "note",
)


class SettlementUploadForm(FlaskForm):
    """The settlement file (Flask-WTF checks the CSRF token)."""

    file = FileField(_l("Settlement file (CSV)"), validators=[FileRequired(_l("Choose the settlement file."))])


def _text(value) -> str:
    """A cell of text from the vendor or the log, safe from spreadsheet formulas."""
    return "" if value is None else csv_safe(str(value))


def _export_row(line) -> list:
    return [
        line.match_group, line.line_number or "", _text(line.reference_number),
        _text(line.file_order_number), line.file_amount or "", line.file_currency or "",
        _text(line.file_staff_id), local_time_with_zone(line.file_time), _text(line.order_number),
        line.amount or "", line.currency or "", _text(line.staff_id),
        local_time_with_zone(line.recorded_at), _text(line.note),
    ]


class SettlementView(SecuredView, BaseView):
    """/admin/settlements/: upload, the imports, and each import's reconciliation."""

    roles = ADMIN_ONLY

    def _imports(self):
        query = select(SettlementImport).order_by(SettlementImport.uploaded_at.desc(), SettlementImport.id.desc())
        return list(db.session.scalars(query.limit(IMPORTS_SHOWN)))

    def _upload_page(self, form, problem=None, status=200):
        page = self.render("ivr_admin/settlements.html", form=form, imports=self._imports(),
                           problem=problem, max_mb=MAX_BYTES // (1024 * 1024))
        return page, status

    @expose("/", methods=("GET", "POST"))
    def index(self):
        """The imports, newest first, and the upload form; a good upload opens its page."""
        form = SettlementUploadForm()
        if request.method == "GET":
            return self._upload_page(form)
        if not form.validate_on_submit():
            problems = [str(message) for messages in form.errors.values() for message in messages]
            return self._upload_page(form, " ".join(problems), status=400)
        upload = form.file.data
        try:
            outcome = import_settlement(
                upload.stream.read(MAX_BYTES + 1), upload.filename or "settlement.csv", current_staff().name
            )
        except SettlementFileError as error:
            return self._upload_page(
                form, _("%(file)s: %(problem)s Nothing was imported.", file=upload.filename, problem=error), status=400
            )
        settlement = outcome.settlement
        if outcome.already_imported:
            flash(_("This file was imported already, on %(time)s by %(person)s; it is not counted twice.",
                    time=local_time(settlement.uploaded_at), person=settlement.uploaded_by), "warning")
        else:
            flash(_("Imported %(lines)s lines of %(file)s.", lines=number(settlement.rows),
                    file=settlement.filename), "success")
        return redirect(url_for(".details", settlement_id=settlement.id))

    def _settlement(self, settlement_id: int) -> SettlementImport:
        settlement = db.session.get(SettlementImport, settlement_id)
        if settlement is None:
            abort(404)
        return settlement

    @expose("/<int:settlement_id>/")
    def details(self, settlement_id: int):
        """One import's four groups (the first lines of each) and its day close."""
        settlement = self._settlement(settlement_id)
        groups = [(group, group_lines(settlement.id, group, LINES_SHOWN)) for group in MatchGroup]
        return self.render("ivr_admin/settlement.html", settlement=settlement, groups=groups,
                           closes=day_close(settlement.id), lines_shown=LINES_SHOWN)

    @expose("/<int:settlement_id>/export.csv")
    def export(self, settlement_id: int):
        """Every line of one import with its group, as CSV."""
        settlement = self._settlement(settlement_id)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(EXPORT_COLUMNS)
        for line in all_lines(settlement.id):
            writer.writerow(_export_row(line))
        name = f"reconciliation-{settlement.id}-{settlement.first_day:%Y%m%d}.csv"
        return Response(out.getvalue(), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
