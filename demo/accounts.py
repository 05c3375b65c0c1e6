"""Demo accounts for ``seed_demo``. Passwords are for the demo only (listed in the README)."""

from portal.models import User
from portal.validators import credit_code_check_char, id_number_check_char

DEMO_PASSWORD = "Hall-demo-2026"  # noqa: S105 - demo accounts only, documented in the README


def demo_id_number(first17: str) -> str:
    return first17 + id_number_check_char(first17)


def demo_credit_code(first17: str) -> str:
    return first17 + credit_code_check_char(first17)


CITIZENS = [
    # username, real name, kind, mobile, certificate type, first 17 characters of the number
    ("citizen_li", "李明", User.Kind.INDIVIDUAL, "13800000001", User.CertType.RESIDENT_ID, "50010319900101123"),
    ("citizen_wang", "王芳", User.Kind.INDIVIDUAL, "13900000002", User.CertType.RESIDENT_ID, "50010519880315244"),
    (
        "enterprise_shancheng",
        "重庆山城餐饮管理有限公司",
        User.Kind.ENTERPRISE,
        "13700000003",
        User.CertType.CREDIT_CODE,
        "91500103MA5U7K8Q2",
    ),
]

# username, real name, mobile, superuser
STAFF = [
    ("clerk_scj", "陈静", "13600000011"),
    ("clerk_yz_scj", "刘洋", "13600000012"),
    ("clerk_jb_gaj", "赵磊", "13600000013"),
    ("clerk_wjw", "孙丽", "13600000014"),
    ("clerk_lj_rsj", "周强", "13600000015"),
    ("reviewer_scj", "吴敏", "13600000016"),
    ("supervisor", "郑华", "13600000017"),
]


def _ensure_user(username: str, **fields) -> User:
    cert = fields.pop("cert", None)
    user = User.objects.filter(username=username).first()
    created = user is None
    if created:
        user = User(username=username)
        user.set_password(DEMO_PASSWORD)
    for name, value in fields.items():
        setattr(user, name, value)
    if cert and (created or not user.cert_cipher):
        user.set_cert_number(*cert)
    user.save()
    return user


def seed_users() -> dict[str, User]:
    """Create the demo accounts if missing; existing ones keep their passwords."""
    users = {}
    for username, real_name, kind, mobile, cert_type, first17 in CITIZENS:
        number = demo_id_number(first17) if cert_type == User.CertType.RESIDENT_ID else demo_credit_code(first17)
        users[username] = _ensure_user(
            username, real_name=real_name, kind=kind, mobile=mobile, cert=(cert_type, number)
        )
    for username, real_name, mobile in STAFF:
        users[username] = _ensure_user(username, real_name=real_name, kind=User.Kind.INDIVIDUAL, mobile=mobile)
    users["admin"] = _ensure_user("admin", real_name="系统管理员", is_staff=True, is_superuser=True)
    return users


# The authenticator secret of every demo staff account (two-factor log-in), published in the
# README so that anyone trying the demo can add it to an authenticator app or use
# ``oathtool --totp -b JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP``. Demo only.
DEMO_TOTP_HEX = "48656c6c6f21deadbeef48656c6c6f21deadbeef"  # base32: JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP


def seed_totp_devices() -> int:
    """Give every demo staff, supervisor and admin account a confirmed authenticator with the demo secret."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from hall.two_factor import needs_second_factor

    count = 0
    for user in User.objects.filter(password__isnull=False).order_by("pk"):
        if not needs_second_factor(user):
            continue
        TOTPDevice.objects.update_or_create(user=user, name="demo", defaults={"key": DEMO_TOTP_HEX, "confirmed": True})
        count += 1
    return count
