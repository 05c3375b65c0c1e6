"""Validators and masks for China's personal and organisational numbers.

- Resident identity number, GB 11643-1999: 17 digits + an ISO 7064 MOD 11-2 check
  character (0-9 or X), with a plausible birth date.
- Unified social credit code, GB 32100-2015: 18 characters from a 31-symbol alphabet,
  the last a MOD 31 check character.
- Mainland mobile number: ``^1[3-9][0-9]{9}$``.

Every number is normalised once, where it enters (forms, the API, the admin, the log-in),
and only the normalised form is validated, stored, digested, looked up and counted: NFKC
(full-width digits and letters become ASCII), spaces and dashes out, check characters
upper-case, and ``+86``/``0086`` off a mobile number. The patterns accept ASCII digits only:
``\\d`` would also match the digits of other scripts, which NFKC leaves as they are.
"""

import re
import unicodedata
from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

ID_NUMBER_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_NUMBER_CHECK = "10X98765432"
ID_NUMBER_RE = re.compile(r"^[0-9]{17}[0-9X]$")

CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
CREDIT_CODE_RE = re.compile(rf"^[{CREDIT_CODE_ALPHABET}]{{18}}$")

MOBILE_RE = re.compile(r"^1[3-9][0-9]{9}$")
# Spaces of every kind and the dashes people type between groups of digits.
_SEPARATORS_RE = re.compile(r"[\s\-\u2010-\u2015\u2212\u30fc\uff0d]")


def _compact(value: str) -> str:
    """Return ``value`` in NFKC with spaces and dashes removed."""
    return _SEPARATORS_RE.sub("", unicodedata.normalize("NFKC", value or ""))


def normalize_id_number(value: str) -> str:
    return _compact(value).upper()


def id_number_check_char(first17: str) -> str:
    """Return the GB 11643 check character for the first 17 digits."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, ID_NUMBER_WEIGHTS, strict=True))
    return ID_NUMBER_CHECK[total % 11]


def validate_id_number(value: str) -> None:
    """Raise ``ValidationError`` unless ``value`` is a valid 18-character resident ID number."""
    number = normalize_id_number(value)
    if not ID_NUMBER_RE.match(number):
        raise ValidationError(
            _("A resident ID number has 17 digits followed by a digit or X."), code="id_number_format"
        )
    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(
            _("The birth date inside this ID number does not exist."), code="id_number_birth"
        ) from None
    if birth.year < 1850 or birth > timezone.localdate():
        raise ValidationError(_("The birth date inside this ID number does not exist."), code="id_number_birth")
    if id_number_check_char(number[:17]) != number[17]:
        raise ValidationError(
            _("This ID number's check digit is wrong: please check the number for a typing error."),
            code="id_number_check",
        )


def normalize_credit_code(value: str) -> str:
    return _compact(value).upper()


def credit_code_check_char(first17: str) -> str:
    """Return the GB 32100 check character for the first 17 characters."""
    total = sum(CREDIT_CODE_ALPHABET.index(ch) * w for ch, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True))
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> None:
    """Raise ``ValidationError`` unless ``value`` is a valid unified social credit code."""
    code = normalize_credit_code(value)
    if not CREDIT_CODE_RE.match(code):
        raise ValidationError(
            _("A unified social credit code has 18 characters: digits and capital letters except I, O, S, V and Z."),
            code="credit_code_format",
        )
    if credit_code_check_char(code[:17]) != code[17]:
        raise ValidationError(
            _("This credit code's check character is wrong: please check the code for a typing error."),
            code="credit_code_check",
        )


def normalize_mobile(value: str) -> str:
    compact = _compact(value)
    for prefix in ("+86", "0086"):
        if compact.startswith(prefix):
            return compact.removeprefix(prefix)
    return compact


def normalize_login(value: str) -> str:
    """Return the identifier a log-in is authenticated, locked out and counted under.

    A mobile number in any spelling becomes its 11 digits; anything else is a username,
    which keeps its dashes and only loses surrounding spaces and compatibility forms.
    """
    mobile = normalize_mobile(value)
    if MOBILE_RE.match(mobile):
        return mobile
    return unicodedata.normalize("NFKC", value or "").strip()


def validate_mobile(value: str) -> None:
    """Raise ``ValidationError`` unless ``value`` is a mainland mobile number."""
    if not MOBILE_RE.match(normalize_mobile(value)):
        raise ValidationError(
            _("Enter an 11-digit mainland mobile number starting with 13 to 19."), code="mobile_format"
        )


def mask_id_number(value: str) -> str:
    """Show the first 6 and last 4 characters: ``500103********1234``."""
    if not value:
        return ""
    return f"{value[:6]}{'*' * (len(value) - 10)}{value[-4:]}" if len(value) > 10 else "*" * len(value)


def mask_mobile(value: str) -> str:
    """Show the first 3 and last 4 digits: ``138****5678``."""
    if not value:
        return ""
    return f"{value[:3]}****{value[-4:]}" if len(value) == 11 else "*" * len(value)


class CharacterClassesValidator:
    """A password validator for MLPS mode: at least ``min_classes`` of lower case, upper case, digits, symbols."""

    CLASSES = (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^a-zA-Z0-9]")

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password, user=None):
        found = sum(1 for pattern in self.CLASSES if re.search(pattern, password))
        if found < self.min_classes:
            raise ValidationError(
                _("The password must mix at least %(count)d of: lower-case letters, capitals, digits, symbols."),
                code="password_too_uniform",
                params={"count": self.min_classes},
            )

    def get_help_text(self):
        return _("Mix at least %(count)d of: lower-case letters, capitals, digits, symbols.") % {
            "count": self.min_classes
        }
