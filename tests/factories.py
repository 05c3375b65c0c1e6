"""factory_boy factories shared by the test suite."""

import itertools

import factory
from factory.django import DjangoModelFactory

from approvals.models import Implementation, Item, LicenceType, Material, Status, Theme
from departments.models import Department, Region, StaffMembership
from portal.models import Delivery, Message, Notification, User
from portal.validators import credit_code_check_char, id_number_check_char

_serial = itertools.count(1)


def make_id_number(serial: int | None = None) -> str:
    """Return a valid resident ID number (born 1990-01-01 in 渝中区) with a unique serial."""
    serial = next(_serial) if serial is None else serial
    first17 = f"50010319900101{serial % 1000:03d}"
    return first17 + id_number_check_char(first17)


def make_credit_code(serial: int | None = None) -> str:
    serial = next(_serial) if serial is None else serial
    first17 = f"91500103MA{serial % 10_000_000:07d}"
    return first17 + credit_code_check_char(first17)


def make_department_code(serial: int) -> str:
    first17 = f"11500000MB{serial:07d}"
    return first17 + credit_code_check_char(first17)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    real_name = factory.Sequence(lambda n: f"测试用户{n}")
    mobile = factory.Sequence(lambda n: f"139{n:08d}")
    kind = User.Kind.INDIVIDUAL
    password = "pass-word-123"

    class Params:
        with_id_number = factory.Trait(
            cert=factory.LazyFunction(lambda: (User.CertType.RESIDENT_ID, make_id_number())),
        )
        enterprise = factory.Trait(
            kind=User.Kind.ENTERPRISE,
            cert=factory.LazyFunction(lambda: (User.CertType.CREDIT_CODE, make_credit_code())),
        )
        admin = factory.Trait(is_staff=True, is_superuser=True, mobile=None)

    cert = None

    @classmethod
    def _create(cls, model_class, *args, cert=None, password=None, **kwargs):
        user = model_class(*args, **kwargs)
        user.set_password(password)
        if cert:
            user.set_cert_number(*cert)
        user.save()
        return user


class RegionFactory(DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ["code"]

    code = "500000"
    name = "重庆市"
    level = Region.Level.CITY
    parent = None

    class Params:
        district = factory.Trait(
            code=factory.Sequence(lambda n: f"5001{n % 100:02d}"),
            name=factory.Sequence(lambda n: f"测试区{n}"),
            level=Region.Level.DISTRICT,
            parent=factory.SubFactory("tests.factories.RegionFactory"),
        )


class DepartmentFactory(DjangoModelFactory):
    class Meta:
        model = Department

    name = factory.Sequence(lambda n: f"重庆市测试局{n}")
    short_name = factory.Sequence(lambda n: f"测试局{n}")
    code = factory.Sequence(lambda n: make_department_code(n + 1))
    region = factory.SubFactory(RegionFactory)
    address = "重庆市渝北区青竹东路6号"
    phone = "023-60000000"
    hours = "周一至周五 9:00–17:00"


class StaffMembershipFactory(DjangoModelFactory):
    class Meta:
        model = StaffMembership

    user = factory.SubFactory(UserFactory)
    department = factory.SubFactory(DepartmentFactory)
    role = StaffMembership.Role.CLERK
    staff_number = factory.Sequence(lambda n: f"T{n:05d}")

    class Params:
        supervisor = factory.Trait(role=StaffMembership.Role.SUPERVISOR)
        reviewer = factory.Trait(role=StaffMembership.Role.REVIEWER)


class NotificationFactory(DjangoModelFactory):
    class Meta:
        model = Notification
        skip_postgeneration_save = True

    recipient = factory.SubFactory(UserFactory)
    kind = "case.received"
    title = factory.Sequence(lambda n: f"通知{n}")
    body = "正文"

    @factory.post_generation
    def channels(self, create, extracted, **kwargs):
        """The channels to deliver on (``channels=["site", "sms"]``); the message centre by default."""
        if create:
            for channel in extracted or ["site"]:
                Delivery.objects.create(notification=self, channel=channel)


class MessageFactory(DjangoModelFactory):
    class Meta:
        model = Message

    recipient = factory.SubFactory(UserFactory)
    kind = "test"
    title = factory.Sequence(lambda n: f"消息{n}")
    body = "正文"


class ThemeFactory(DjangoModelFactory):
    class Meta:
        model = Theme
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"theme-{n}")
    name = factory.Sequence(lambda n: f"主题{n}")


class LicenceTypeFactory(DjangoModelFactory):
    class Meta:
        model = LicenceType
        django_get_or_create = ["code"]

    code = "business-licence"
    name = "营业执照"


class ItemFactory(DjangoModelFactory):
    class Meta:
        model = Item

    kind = "XK"
    code = factory.Sequence(lambda n: f"XK{n + 1:05d}001")
    name = factory.Sequence(lambda n: f"测试许可事项{n}")
    audience = "both"
    legal_basis = "《中华人民共和国行政许可法》"
    statutory_limit_days = 20
    status = Status.PUBLISHED


class ImplementationFactory(DjangoModelFactory):
    class Meta:
        model = Implementation
        skip_postgeneration_save = True

    item = factory.SubFactory(ItemFactory)
    department = factory.SubFactory(DepartmentFactory)
    region = factory.SelfAttribute("department.region")
    name = factory.SelfAttribute("item.name")
    conditions = "申请人应当具备相应条件。"
    statutory_limit_days = factory.SelfAttribute("item.statutory_limit_days")
    committed_limit_days = 5
    visits = 1
    online_depth = 3
    process = "申请\n受理\n审查\n决定"
    status = Status.PUBLISHED

    class Params:
        draft = factory.Trait(status=Status.DRAFT)
        zero_visits = factory.Trait(visits=0, online_depth=4)

    @factory.post_generation
    def materials(obj, create, extracted, **kwargs):
        if create:
            for index in range(extracted if extracted is not None else 2):
                Material.objects.create(implementation=obj, name=f"申请材料{index + 1}", sort_order=index)


PDF_BYTES = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf_upload(name: str = "scan.pdf", content: bytes = PDF_BYTES):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="application/pdf")
