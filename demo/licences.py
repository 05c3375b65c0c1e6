"""Demo licences held by the demo citizens and enterprise: valid ones, one expired, one revoked.

They stand for licences issued before the hall existed (``source`` "migrated"); licences the
hall issues itself come from completed demo cases.
"""

import datetime

from django.utils import timezone

from approvals.models import Licence, LicenceType
from departments.models import Department
from portal.upsert import upsert

# holder username, licence type name, number, issuing department name, issued days ago, valid days (None: no expiry),
# revoked reason (or "")
DEMO_LICENCES = [
    ("citizen_li", "居民身份证", "CQ-ID-0001", "重庆市公安局", 3000, 7300, ""),
    ("citizen_li", "机动车驾驶证", "500103001234", "重庆市公安局", 2300, 2190, ""),
    ("citizen_li", "社会保障卡", "SB500103000001", "重庆市人力资源和社会保障局", 900, 3650, ""),
    ("citizen_wang", "居民身份证", "CQ-ID-0002", "重庆市公安局", 2500, 7300, ""),
    ("citizen_wang", "居住证", "JZZ-500105-2026-0417", "重庆市公安局", 200, 365, ""),
    ("enterprise_shancheng", "营业执照", "91500103MA5U7K8Q2", "重庆市市场监督管理局", 700, None, ""),
    ("enterprise_shancheng", "食品经营许可证", "JY15001030012345", "重庆市市场监督管理局", 600, 1825, ""),
    ("enterprise_shancheng", "公共场所卫生许可证", "WS500103202400017", "重庆市卫生健康委员会", 500, 1460,
     "经营场所卫生条件经复查不符合要求，依法撤销"),
]  # fmt: skip


def seed_licences(*, users: dict) -> int:
    """Create or update the demo licences; return how many exist for the demo holders."""
    today = timezone.localdate()
    for username, type_name, number, department_name, issued_ago, valid_days, revoked in DEMO_LICENCES:
        holder = users[username]
        licence_type = LicenceType.objects.get(name=type_name)
        department = Department.objects.get(name=department_name, region__code="500000")
        issued = today - datetime.timedelta(days=issued_ago)
        licence, _ = upsert(
            Licence,
            {"licence_type": licence_type, "number": number},
            {
                "holder": holder,
                "holder_name": holder.real_name,
                "holder_cert_masked": holder.cert_masked,
                "issuing_department": department,
                "issued_on": issued,
                "valid_until": issued + datetime.timedelta(days=valid_days) if valid_days else None,
                "revoke_reason": revoked,
                "source": "migrated",
            },
        )
        if revoked and licence.revoked_at is None:
            Licence.objects.filter(pk=licence.pk).update(revoked_at=timezone.now() - datetime.timedelta(days=30))
    return Licence.objects.filter(holder__username__in={row[0] for row in DEMO_LICENCES}).count()
