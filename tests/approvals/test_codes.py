"""Service codes: formats and the implementation code's check character."""

import random

import pytest
from django.core.exceptions import ValidationError

from approvals.codes import (
    ALPHABET,
    basic_code,
    check_character,
    implementation_code,
    validate_basic_code,
    validate_implementation_code,
)
from tests.factories import make_department_code

DEPARTMENT = make_department_code(26)


def test_basic_code_is_kind_main_and_sub():
    assert basic_code("XK", 12, 1) == "XK00012001"
    validate_basic_code("XK00012001")
    validate_basic_code("GG99999999")


@pytest.mark.parametrize("code", ["XX00012001", "XK0001200", "XK000120011", "xk00012001", "XK0001200A", ""])
def test_bad_basic_codes_are_refused(code):
    with pytest.raises(ValidationError):
        validate_basic_code(code)


def test_implementation_code_is_basic_region_department_and_check():
    code = implementation_code("XK00012001", "500103", DEPARTMENT)
    assert len(code) == 35
    assert code.startswith("XK00012001500103" + DEPARTMENT)
    validate_implementation_code(code)


def test_check_character_follows_iso_7064_mod_37_36():
    # The hybrid system's defining property: running over body + check character ends with sum 1.
    for body in ["XK00012001500103" + DEPARTMENT, "GG0000100150000011500000MB0000001A", "0", "Z"]:
        product = 36
        for char in body + check_character(body):
            total = (product + int(char, 36)) % 36 or 36
            product = (total * 2) % 37
        assert total == 1


@pytest.mark.parametrize("position", [0, 5, 12, 20, 33])
def test_any_single_character_change_is_caught(position):
    code = implementation_code("XK00012001", "500103", DEPARTMENT)
    original = code[position]
    for replacement in "0123456789ABCDEFGHJKLMNPQRTUWXY":
        if replacement == original:
            continue
        changed = code[:position] + replacement + code[position + 1 :]
        with pytest.raises(ValidationError):
            validate_implementation_code(changed)


def test_wrong_check_character_and_wrong_length_are_refused():
    code = implementation_code("XK00012001", "500103", DEPARTMENT)
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    with pytest.raises(ValidationError) as excinfo:
        validate_implementation_code(wrong)
    assert excinfo.value.code == "implementation_code_check"
    with pytest.raises(ValidationError) as excinfo:
        validate_implementation_code(code[:-2])
    assert excinfo.value.code == "implementation_code_format"


def test_almost_all_swaps_of_neighbours_are_caught():
    rng = random.Random(7)
    caught = total = 0
    for _ in range(300):
        body = "".join(rng.choice(ALPHABET) for _ in range(34))
        code = body + check_character(body)
        for i in range(len(code) - 1):
            if code[i] != code[i + 1]:
                total += 1
                swapped = code[:i] + code[i + 1] + code[i] + code[i + 2 :]
                caught += check_character(swapped[:-1]) != swapped[-1]
    assert caught / total > 0.99
