"""Service codes of the catalogue (BRIEF 3.2).

- Basic code (基本编码), 10 characters: the 2-letter kind, a 5-digit main item and a 3-digit
  sub-item, e.g. ``XK00012001``.
- Implementation code (实施编码), 35 characters: basic code + the region's 6-digit division
  code + the department's 18-character credit code + one check character computed with
  ISO/IEC 7064 MOD 37,36 over the first 34 characters, e.g.
  ``XK00012001`` ``500103`` ``11500103MB0000026X`` ``7``.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

KINDS = ("XK", "QR", "GF", "JL", "CJ", "QT", "GG")
BASIC_CODE_RE = re.compile(r"^(XK|QR|GF|JL|CJ|QT|GG)[0-9]{8}$")
IMPLEMENTATION_CODE_RE = re.compile(r"^(XK|QR|GF|JL|CJ|QT|GG)[0-9]{8}[0-9]{6}[0-9A-Z]{18}[0-9A-Z]$")
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def basic_code(kind: str, main: int, sub: int = 1) -> str:
    return f"{kind}{main:05d}{sub:03d}"


def check_character(body: str) -> str:
    """Return the ISO/IEC 7064 MOD 37,36 check character for ``body`` (digits and capitals)."""
    product = 36
    for char in body:
        total = (product + ALPHABET.index(char)) % 36 or 36
        product = (total * 2) % 37
    return ALPHABET[(37 - product) % 36]


def implementation_code(item_code: str, region_code: str, department_code: str) -> str:
    body = f"{item_code}{region_code}{department_code}"
    return body + check_character(body)


def validate_basic_code(value: str) -> None:
    if not BASIC_CODE_RE.match(value or ""):
        raise ValidationError(
            _("A basic code is a kind (XK, QR, GF, JL, CJ, QT or GG), a 5-digit main item and a 3-digit sub-item."),
            code="basic_code_format",
        )


def validate_implementation_code(value: str) -> None:
    if not IMPLEMENTATION_CODE_RE.match(value or ""):
        raise ValidationError(
            _("An implementation code has 35 characters: basic code, region code, department code, check character."),
            code="implementation_code_format",
        )
    if check_character(value[:-1]) != value[-1]:
        raise ValidationError(
            _("This implementation code's check character is wrong: please check it for a typing error."),
            code="implementation_code_check",
        )


SUPERVISION_CODE_RE = re.compile(r"^[0-9]{18}[0-9X]$")


def mod11_2_check(body: str) -> str:
    """Return the ISO/IEC 7064 MOD 11-2 check character (0-9 or X) for a string of digits."""
    n = len(body)
    total = sum(int(digit) * pow(2, n - index, 11) for index, digit in enumerate(body))
    return "0123456789X"[(12 - total % 11) % 11]


def supervision_code(region_code: str, day, serial: int) -> str:
    """Return ``<region 6><YYMMDD><serial 6><check>``, e.g. ``500103`` ``261127`` ``000042`` ``7``."""
    body = f"{region_code}{day:%y%m%d}{serial:06d}"
    return body + mod11_2_check(body)


def validate_supervision_code(value: str) -> None:
    code = (value or "").strip().upper()
    if not SUPERVISION_CODE_RE.match(code) or mod11_2_check(code[:-1]) != code[-1]:
        raise ValidationError(
            _("A supervision code has 19 characters: 18 digits and a check digit (0-9 or X)."),
            code="supervision_code",
        )
