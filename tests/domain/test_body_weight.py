from decimal import Decimal

import pytest

from pharmacy_desktop.domain.body_weight import WeightError, kg_to_lb, parse_weight_kg


@pytest.mark.parametrize(
    ("text", "kg"),
    [
        ("70", Decimal("70.00")),
        (" 70.5 kg ", Decimal("70.50")),
        ("154 lb", Decimal("69.85")),
        ("154lbs", Decimal("69.85")),
        ("22 LB", Decimal("9.98")),
        ("3.2", Decimal("3.20")),
        ("", None),
        (None, None),
    ],
)
def test_weights_typed_in_kg_or_lb(text, kg):
    assert parse_weight_kg(text) == kg


@pytest.mark.parametrize("text", ["seventy", "70 stone", "-5", "0", "0 lb", "700", "1600 lb", "70,5", "1e3"])
def test_not_a_weight_says_what_to_type(text):
    with pytest.raises(WeightError):
        parse_weight_kg(text)


def test_kg_to_lb():
    assert kg_to_lb(Decimal("69.85")) == Decimal("154.0")
