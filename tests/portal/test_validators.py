"""Validators and masks for ID numbers, credit codes and mobile numbers."""

import pytest
from django.core.exceptions import ValidationError

from portal.validators import (
    credit_code_check_char,
    id_number_check_char,
    mask_id_number,
    mask_mobile,
    validate_credit_code,
    validate_id_number,
    validate_mobile,
)


def test_id_number_check_char_matches_published_examples():
    assert id_number_check_char("11010519491231002") == "X"
    assert id_number_check_char("44052418800101001") == "4"


@pytest.mark.parametrize("number", ["11010519491231002X", "11010519491231002x", "440524188001010014"])
def test_valid_id_numbers_pass(number):
    validate_id_number(number)


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("110105194912310021", "id_number_check"),  # right digits, wrong check digit
        ("440524188001010015", "id_number_check"),
        ("11010519491231002", "id_number_format"),  # 17 characters
        ("11010519491231002XX", "id_number_format"),
        ("1101051949123100A2", "id_number_format"),
        ("110105194902300025", "id_number_birth"),  # 30 February
        ("110105290001010025", "id_number_birth"),  # born in the future
    ],
)
def test_invalid_id_numbers_fail_with_reason(number, code):
    with pytest.raises(ValidationError) as excinfo:
        validate_id_number(number)
    assert excinfo.value.code == code


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91110000600037341L", "911100001000079554"])
def test_valid_credit_codes_pass(code):
    validate_credit_code(code)
    assert credit_code_check_char(code[:17]) == code[17]


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("91350100M000100Y44", "credit_code_check"),
        ("91110000600037341M", "credit_code_check"),
        ("91350100M000100Y4", "credit_code_format"),
        ("91350100I000100Y43", "credit_code_format"),  # I is not in the alphabet
        ("91350100O000100Y43", "credit_code_format"),
    ],
)
def test_invalid_credit_codes_fail_with_reason(code, reason):
    with pytest.raises(ValidationError) as excinfo:
        validate_credit_code(code)
    assert excinfo.value.code == reason


@pytest.mark.parametrize("mobile", ["13800138000", "19912345678", "138 0013 8000", "+8613800138000"])
def test_valid_mobiles_pass(mobile):
    validate_mobile(mobile)


@pytest.mark.parametrize("mobile", ["12800138000", "1380013800", "138001380000", "23800138000", "abc"])
def test_invalid_mobiles_fail(mobile):
    with pytest.raises(ValidationError):
        validate_mobile(mobile)


def test_masks_show_only_the_allowed_digits():
    assert mask_id_number("500103199001011234") == "500103********1234"
    assert mask_mobile("13812345678") == "138****5678"
    assert mask_id_number("") == "" and mask_mobile("") == ""
