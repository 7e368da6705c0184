import pytest

from portal.disputes.identity import id_number_problem, mask_id, mask_phone


@pytest.mark.parametrize("number", ["11010519491231002X", "140581199001011236"])
def test_valid_id_numbers(number):
    assert id_number_problem(number) is None


@pytest.mark.parametrize("number, problem", [
    ("11010519491231002", "shape"),
    ("1101051949123100ZX", "shape"),
    ("110105194913310020", "birth_date"),
    ("110105209912310021", "birth_date"),
    ("110105194912310021", "check_digit"),
])
def test_invalid_id_numbers(number, problem):
    assert id_number_problem(number) == problem


def test_lower_case_x_is_accepted():
    assert id_number_problem("11010519491231002x") is None


def test_masks_keep_only_the_ends():
    assert mask_id("140581199001011234") == "1405**********1234"
    assert mask_phone("13856785678") == "138****5678"
    assert mask_phone(None) == "" and mask_id("") == ""
