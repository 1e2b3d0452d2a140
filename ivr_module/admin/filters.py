"""List filters that read dates and times in IVR_TIMEZONE and compare them with UTC columns."""

from datetime import datetime, time, timedelta

from flask_admin.contrib.sqla.filters import DateBetweenFilter, DateTimeBetweenFilter, FilterEqual

from ..i18n import lazy_gettext as _l
from ..models import PreOrder, PreOrderStatus
from .formatting import local_zone
from .labels import STATUS_LABELS


class LocalDateBetweenFilter(DateBetweenFilter):
    """From the first local day's start to the last local day's end."""

    def apply(self, query, value, alias=None):
        """Rows from the start of the first local day to the end of the last."""
        start, end = value
        zone = local_zone()
        column = self.get_column(alias)
        lower = datetime.combine(start, time.min, tzinfo=zone)
        upper = datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone)
        return query.filter(column >= lower, column < upper)


class LocalDateTimeBetweenFilter(DateTimeBetweenFilter):
    """Between two local times, both included."""

    def apply(self, query, value, alias=None):
        """Rows between the two local times."""
        start, end = (moment.replace(tzinfo=local_zone()) for moment in value)
        return query.filter(self.get_column(alias).between(start, end))


def time_filters(column, label: str) -> list:
    """The date-range and time-range filters of one time column."""
    return [LocalDateBetweenFilter(column, label), LocalDateTimeBetweenFilter(column, _l("%(name)s, time", name=label))]


class PreOrderStatusFilter(FilterEqual):
    """Status as reported, `expired` included (it is derived, never stored)."""

    def __init__(self):
        options = [(status.value, STATUS_LABELS[status.value]) for status in PreOrderStatus]
        super().__init__(PreOrder.status, _l("Status"), options=options)

    def apply(self, query, value, alias=None):
        """Pre-orders whose reported status is the value."""
        return query.filter(PreOrder.current_status == value)
