from decimal import Decimal

import pytest

from reports.stats import format_rate, median, p90, percentile, rate


def test_median_of_an_odd_count_is_the_middle_value():
    assert median([7, 1, 3]) == 3


def test_median_of_an_even_count_averages_the_middle_pair():
    assert median([1, 2, 3, 10]) == 2.5


def test_p90_interpolates_between_ranks():
    assert p90(list(range(1, 11))) == pytest.approx(9.1)


@pytest.mark.parametrize(("q", "expected"), [(0, 1), (100, 40), (25, 1.75)])
def test_percentile_extremes_and_quartile(q, expected):
    assert percentile([40, 1, 2, 3], q) == pytest.approx(expected)


def test_percentile_of_a_single_value_is_that_value():
    assert percentile([Decimal("4.5")], 90) == 4.5


def test_percentile_of_nothing_is_an_error():
    with pytest.raises(ValueError, match="no values"):
        median([])


def test_percentile_outside_0_to_100_is_an_error():
    with pytest.raises(ValueError, match="outside"):
        percentile([1], 101)


def test_closure_rate_has_two_decimals():
    assert rate(1983, 1989) == Decimal("99.70")


def test_rate_rounds_half_up():
    assert rate(99725, 100000) == Decimal("99.73")
    assert rate(1, 8) == Decimal("12.50")


def test_rate_of_whole_counts():
    assert rate(180, 225) == Decimal("80.00")


def test_rate_without_a_whole_is_missing():
    assert rate(0, 0) is None


def test_rate_of_negative_counts_is_an_error():
    with pytest.raises(ValueError):
        rate(-1, 10)


def test_format_rate():
    assert format_rate(Decimal("99.73")) == "99.73%"
    assert format_rate(None) == "—"
