"""How a basket changed since its snapshot (services/basket_diff.py): a pure function, no app."""

from decimal import Decimal

import pytest

from ivr_module.models.pre_order import basket_fingerprint
from ivr_module.services.basket_diff import ChangeKind, diff_baskets
from ivr_module.services.basket_snapshot import Basket, SnapshotLine, dump_basket, load_basket

D = Decimal


def line(sku="SKU-1", quantity=1, unit_price="10.00", discount="0.00", name=None) -> SnapshotLine:
    return SnapshotLine(sku, name or f"Product {sku}", quantity, D(unit_price), D(discount))


def basket(*lines, shipping="5.00", currency="EUR") -> Basket:
    return Basket(tuple(lines), D(shipping), currency)


def rows(diff) -> list[tuple]:
    """The changes as (kind, sku, old, new, effect), old and new of a line given by its sku."""
    def value(v):
        return v.sku if isinstance(v, SnapshotLine) else v
    return [
        (c.kind, c.line.sku if c.line else None, value(c.old), value(c.new), c.effect) for c in diff.changes
    ]


def fingerprint(of: Basket) -> str:
    return basket_fingerprint(of.lines, of.shipping_amount, of.currency)


def test_an_unchanged_basket_has_no_changes():
    before = basket(line("A"), line("B", 2))
    diff = diff_baskets(before, basket(line("A"), line("B", 2)))
    assert diff.changes == () and diff.amount_change == D("0.00")


def test_line_order_and_names_do_not_count_as_the_fingerprint_does_not():
    before = basket(line("A", name="Shirt"), line("B"))
    after = basket(line("B"), line("A", name="T-shirt, renamed"))
    assert diff_baskets(before, after).changes == ()
    assert fingerprint(before) == fingerprint(after)


def test_an_added_line_adds_its_price_after_discount():
    added = line("B", 2, "15.00", "3.00")
    diff = diff_baskets(basket(line("A")), basket(line("A"), added))
    assert rows(diff) == [(ChangeKind.ADDED, "B", None, "B", D("27.00"))]
    assert diff.changes[0].new == added
    assert diff.amount_change == D("27.00")


def test_a_removed_line_takes_its_price_after_discount_away():
    removed = line("B", 3, "4.00", "1.50")
    diff = diff_baskets(basket(line("A"), removed), basket(line("A")))
    assert rows(diff) == [(ChangeKind.REMOVED, "B", "B", None, D("-10.50"))]
    assert diff.changes[0].old == removed


@pytest.mark.parametrize(
    "old, new, kind, old_value, new_value, effect",
    [
        (line(quantity=2), line(quantity=5), ChangeKind.QUANTITY, 2, 5, D("30.00")),
        (line(quantity=5), line(quantity=1), ChangeKind.QUANTITY, 5, 1, D("-40.00")),
        (line(quantity=3), line(quantity=3, unit_price="12.50"), ChangeKind.UNIT_PRICE,
         D("10.00"), D("12.50"), D("7.50")),
        (line(quantity=2, discount="1.00"), line(quantity=2, discount="4.00"), ChangeKind.DISCOUNT,
         D("1.00"), D("4.00"), D("-3.00")),
        (line(discount="2.00"), line(), ChangeKind.DISCOUNT, D("2.00"), D("0.00"), D("2.00")),
    ],
)
def test_a_changed_line_gives_old_value_new_value_and_effect(old, new, kind, old_value, new_value, effect):
    diff = diff_baskets(basket(old), basket(new))
    assert rows(diff) == [(kind, "SKU-1", old_value, new_value, effect)]
    assert diff.amount_change == effect


def test_several_fields_of_one_line_each_have_an_effect_that_adds_up_to_the_lines_change():
    old = line(quantity=2, unit_price="10.00", discount="1.00")
    new = line(quantity=3, unit_price="8.00", discount="2.50")
    diff = diff_baskets(basket(old), basket(new))
    # Quantity at the old price, then the price at the new quantity, then the discount.
    assert rows(diff) == [
        (ChangeKind.QUANTITY, "SKU-1", 2, 3, D("10.00")),
        (ChangeKind.UNIT_PRICE, "SKU-1", D("10.00"), D("8.00"), D("-6.00")),
        (ChangeKind.DISCOUNT, "SKU-1", D("1.00"), D("2.50"), D("-1.50")),
    ]
    assert sum(c.effect for c in diff.changes) == new.discounted_price - old.discounted_price == D("2.50")


def test_shipping_changed_gives_old_new_and_effect():
    diff = diff_baskets(basket(line(), shipping="5.00"), basket(line(), shipping="0.00"))
    assert rows(diff) == [(ChangeKind.SHIPPING, None, D("5.00"), D("0.00"), D("-5.00"))]


def test_currency_changed_has_no_effect_and_makes_the_amounts_incomparable():
    diff = diff_baskets(basket(line(), currency="EUR"), basket(line(), currency="TRY"))
    assert rows(diff) == [(ChangeKind.CURRENCY, None, "EUR", "TRY", None)]
    assert diff.currency_changed and diff.amount_change is None


def test_the_same_sku_twice_one_dropped_reads_as_removed_not_as_the_other_changed():
    cheap, dear = line("A", 1, "5.00"), line("A", 1, "9.00")
    diff = diff_baskets(basket(dear, cheap), basket(cheap))
    assert rows(diff) == [(ChangeKind.REMOVED, "A", "A", None, D("-9.00"))]
    assert diff.changes[0].old == dear


def test_the_same_sku_twice_both_changed_are_matched_in_their_order():
    before = basket(line("A", 1, "5.00"), line("A", 2, "9.00"))
    after = basket(line("A", 4, "5.00"), line("A", 2, "7.00"))
    assert rows(diff_baskets(before, after)) == [
        (ChangeKind.QUANTITY, "A", 1, 4, D("15.00")),
        (ChangeKind.UNIT_PRICE, "A", D("9.00"), D("7.00"), D("-4.00")),
    ]


def test_the_same_sku_added_a_second_time_reads_as_added():
    diff = diff_baskets(basket(line("A")), basket(line("A"), line("A", 2)))
    assert rows(diff) == [(ChangeKind.ADDED, "A", None, "A", D("20.00"))]


def test_changes_come_old_lines_first_then_added_lines_then_shipping_then_currency():
    before = basket(line("A"), line("B"), line("C"), shipping="5.00", currency="EUR")
    after = basket(line("D"), line("C", 2), line("A"), shipping="7.00", currency="TRY")
    kinds = [(kind, sku) for kind, sku, *_ in rows(diff_baskets(before, after))]
    assert kinds == [
        (ChangeKind.REMOVED, "B"), (ChangeKind.QUANTITY, "C"), (ChangeKind.ADDED, "D"),
        (ChangeKind.SHIPPING, None), (ChangeKind.CURRENCY, None),
    ]


BASKETS = [
    basket(),
    basket(line("A")),
    basket(line("A", 2)),
    basket(line("A", unit_price="10.01")),
    basket(line("A", discount="0.01")),
    basket(line("A"), shipping="5.01"),
    basket(line("A"), currency="TRY"),
    basket(line("A"), line("B")),
    basket(line("B"), line("A"), line("A")),
    basket(line("A"), line("A"), line("B")),
    basket(line("A", 2, "3.00"), line("A", 1, "6.00")),
]


@pytest.mark.parametrize("after", BASKETS)
@pytest.mark.parametrize("before", BASKETS)
def test_the_diff_sees_a_change_exactly_when_the_fingerprint_does(before, after):
    diff = diff_baskets(before, after)
    assert (diff.changes == ()) == (fingerprint(before) == fingerprint(after))
    if not diff.currency_changed:
        assert sum(c.effect for c in diff.changes) == diff.amount_change == after.amount - before.amount


def test_a_snapshot_kept_as_json_reads_back_exactly():
    kept = basket(line("Ş-1", 3, "1234567.89", "0.10", name="Şapka, kırmızı"), shipping="29.90", currency="TRY")
    text = dump_basket(kept)
    assert '"unit_price": "1234567.89"' in text and "Şapka" in text  # decimal strings, text as is
    assert load_basket(text) == kept


def test_no_snapshot_kept_reads_as_none():
    assert load_basket(None) is None
