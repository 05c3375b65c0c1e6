"""Demo catalogue for ``seed_demo``: real item names, implemented at city level and in demo districts.

The items come from ``data/demo_items_*.json`` (read in name order); codes are assigned in file order (main item
numbers per kind), so loading again yields the same codes and changes nothing.
"""

import hashlib
import json
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from approvals.codes import basic_code
from approvals.models import FAQ, Implementation, Item, LicenceType, Material, Status, Theme
from departments.models import Department
from portal.upsert import upsert

DATA_DIR = Path(__file__).resolve().parent / "data"

THEMES = [
    ("start-business", "开办企业", "Starting a business"),
    ("food-catering", "餐饮开店", "Opening a restaurant"),
    ("construction", "工程建设", "Construction projects"),
    ("property", "购房与不动产", "Homes and real estate"),
    ("household", "户籍与居住", "Household registration and residence"),
    ("travel", "出入境与交通出行", "Travel and transport"),
    ("birth", "生育", "Having a child"),
    ("employment", "就业与社保", "Jobs and social insurance"),
    ("health", "医疗卫生", "Health care"),
    ("education", "教育", "Education"),
    ("elderly", "养老与救助", "Old age and assistance"),
    ("marriage", "婚姻家庭", "Marriage and family"),
    ("environment", "生态环境", "Environment"),
    ("agriculture", "农业农村", "Farming and rural life"),
]

# code, name, valid for (years; None: no expiry), number prefix
LICENCE_TYPES = [
    ("resident-id", "居民身份证", 20, ""),
    ("household-register", "户口簿", None, "HK"),
    ("business-licence", "营业执照", None, "YY"),
    ("food-business-licence", "食品经营许可证", 5, "JY"),
    ("public-venue-hygiene-licence", "公共场所卫生许可证", 4, "WS"),
    ("real-estate-certificate", "不动产权证书", None, "BDC"),
    ("marriage-certificate", "结婚证", None, "J"),
    ("birth-certificate", "出生医学证明", None, "CS"),
    ("driving-licence", "机动车驾驶证", 6, "JZ"),
    ("road-transport-licence", "道路运输经营许可证", 4, "YS"),
    ("pollutant-discharge-permit", "排污许可证", 5, "PW"),
    ("construction-planning-permit", "建设工程规划许可证", None, "JG"),
    ("drug-business-licence", "药品经营许可证", 5, "YP"),
    ("residence-permit", "居住证", 1, "JZZ"),
    ("social-security-card", "社会保障卡", 10, "SB"),
]


def load_items() -> list[dict]:
    return [row for path in sorted(DATA_DIR.glob("demo_items_*.json")) for row in json.loads(path.read_text("utf-8"))]


def departments_used() -> set[str]:
    """Return the municipal short names of the departments the demo items need."""
    return {row["department"] for row in load_items()}


def _popularity(code: str) -> int:
    """Return a stable demo case count for the popular-items list."""
    return int(hashlib.sha256(code.encode()).hexdigest()[:6], 16) % 5000


@transaction.atomic
def seed_catalogue(*, departments: dict[str, Department], district_codes: list[str]) -> int:
    """Create or update themes, licence types, items and their implementations; return implementations."""
    themes = {slug: upsert(Theme, {"slug": slug}, {"name": name, "name_en": en, "sort_order": order})[0]
              for order, (slug, name, en) in enumerate(THEMES)}  # fmt: skip
    licences = {
        name: upsert(LicenceType, {"code": code}, {"name": name, "valid_years": years, "number_prefix": prefix})[0]
        for code, name, years, prefix in LICENCE_TYPES
    }
    serials: dict[str, int] = {}
    count = 0
    for row in load_items():
        serials[row["kind"]] = serials.get(row["kind"], 0) + 1
        item, _ = upsert(
            Item,
            {"code": basic_code(row["kind"], serials[row["kind"]] * 7 + 3)},
            {
                "name": row["name"],
                "kind": row["kind"],
                "audience": row["audience"],
                "legal_basis": row["legal_basis"],
                "statutory_limit_days": row["statutory_limit"],
                "keywords": " ".join(row["keywords"]),
                "status": Status.PUBLISHED,
            },
        )
        wanted = {themes[slug].pk for slug in row["themes"]}
        if set(item.themes.values_list("pk", flat=True)) != wanted:
            item.themes.set(wanted)
        places = ["500000", *district_codes]
        for region_code in places:
            department = departments.get(f"{region_code}:{row['department']}")
            if department is None:
                continue
            implementation = _seed_implementation(item, department, row, licences)
            _seed_materials(implementation, row, licences)
            count += 1
    return count


def _seed_implementation(item, department, row, licences) -> Implementation:
    implementation = Implementation.objects.filter(item=item, department=department, region=department.region).first()
    values = {
        "name": row["name"],
        "conditions": row["conditions"],
        "fees": row["fee"],
        "is_free": row["fee"] == "不收费",
        "statutory_limit_days": row["statutory_limit"],
        "committed_limit_days": row["committed_limit"],
        "visits": row["visits"],
        "online_depth": row["online_depth"],
        "process": "\n".join(row["process"]),
        "issues_licence": licences.get(row["issues_licence"]) if row["issues_licence"] else None,
        "status": Status.PUBLISHED,
        "location": f"{department.region.name}政务服务中心 {department.short_name or department.name}窗口",
        "office_hours": department.hours,
    }
    lookup = {"item": item, "department": department, "region": department.region}
    if implementation is None:
        implementation = Implementation(**lookup, **values, published_at=timezone.now())
        implementation.case_count = _popularity(implementation.expected_code())
        implementation.save()
        return implementation
    implementation, _ = upsert(Implementation, {"pk": implementation.pk}, values)
    return implementation


def _seed_materials(implementation, row, licences) -> None:
    for order, material in enumerate(row["materials"]):
        upsert(
            Material,
            {"implementation": implementation, "name": material["name"]},
            {
                "required": material["required"],
                "form": material["original_or_copy"],
                "copies": material["copies"],
                "medium": material["medium"],
                "licence_type": licences.get(material["licence_type"]) if material["licence_type"] else None,
                "sort_order": order,
            },
        )
    for order, faq in enumerate(row["faq"]):
        upsert(FAQ, {"implementation": implementation, "question": faq["q"]}, {"answer": faq["a"], "sort_order": order})
