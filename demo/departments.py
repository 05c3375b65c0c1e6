"""Reference and demo data for regions and departments (used by ``seed_demo``).

Regions and municipal department names are real (``data/*.csv``). Town codes extend their
district's code with a serial in the listed order and are not the official statistical
codes; development zones have no division code and get 500190 and 500191 here. Addresses,
phones and credit codes of departments are made up for the demo.
"""

import csv
from pathlib import Path

from departments.models import Department, Region
from portal.upsert import upsert
from portal.validators import credit_code_check_char

DATA_DIR = Path(__file__).resolve().parent / "data"
CITY_CODE = "500000"
ZONES = [("500190", "两江新区"), ("500191", "重庆高新区")]
HOURS = "周一至周五 9:00–12:00，13:00–17:00（法定节假日除外）"

# Municipal departments (by short name) that have a counterpart in each demo district.
COUNTERPART_DEPARTMENTS = [
    "市市场监管局",
    "市公安局",
    "市人力社保局",
    "市卫生健康委",
    "市规划自然资源局",
    "市住房城乡建委",
    "市民政局",
    "市生态环境局",
]
# Every district, county and zone has the first three; the demo districts have all eight.
EVERYWHERE_DEPARTMENTS = COUNTERPART_DEPARTMENTS[:3]
COUNTERPART_REGIONS = ["500103", "500105", "500112", "500107", "500101", "500190"]


def _rows(name: str) -> list[dict]:
    with open(DATA_DIR / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def department_credit_code(region_code: str, serial: int) -> str:
    """Return a valid GB 32100 code for a government body (category 1, type 1) of the demo."""
    first17 = f"11{region_code}MB{serial:07d}"
    return first17 + credit_code_check_char(first17)


def seed_regions() -> int:
    """Create or update the city, its districts, counties, zones and demo towns."""
    count = 0
    city_row, *district_rows = _rows("chongqing_regions.csv")
    city, _ = Region.objects.update_or_create(
        code=city_row["code"], defaults={"name": city_row["name"], "level": Region.Level.CITY, "parent": None}
    )
    parents = {city.code: city}
    for row in district_rows:
        region, _ = Region.objects.update_or_create(
            code=row["code"], defaults={"name": row["name"], "level": row["level"], "parent": city}
        )
        parents[region.code] = region
        count += 1
    for code, name in ZONES:
        region, _ = Region.objects.update_or_create(
            code=code, defaults={"name": name, "level": Region.Level.ZONE, "parent": city}
        )
        parents[code] = region
        count += 1
    for row in _rows("chongqing_towns.csv"):
        Region.objects.update_or_create(
            code=row["code"],
            defaults={"name": row["name"], "level": Region.Level.TOWN, "parent": parents[row["parent_code"]]},
        )
        count += 1
    return count + 1


def seed_departments(*, also_in_demo_districts: set[str] = frozenset()) -> dict[str, Department]:
    """Create or update the municipal departments and their district counterparts.

    ``also_in_demo_districts`` names more municipal departments (by short name) that get a
    counterpart in each demo district. Return the departments keyed by
    ``<region code>:<municipal short name>``.
    """
    city = Region.objects.get(code=CITY_CODE)
    result: dict[str, Department] = {}
    municipal_rows = _rows("chongqing_departments.csv")
    for serial, row in enumerate(municipal_rows, start=1):
        department, _ = upsert(
            Department,
            {"code": department_credit_code(CITY_CODE, serial)},
            {
                "name": row["name"],
                "short_name": row["short_name"],
                "region": city,
                "parent": None,
                "address": f"重庆市渝北区青竹东路6号 重庆市政务服务中心{serial}号窗口",
                "phone": f"023-6{serial:03d}{serial * 37 % 10000:04d}"[:13],
                "hours": HOURS,
            },
        )
        result[f"{CITY_CODE}:{row['short_name']}"] = department
    serials = {row["short_name"]: serial for serial, row in enumerate(municipal_rows, start=1)}
    top_level = Region.objects.filter(level__in=[Region.Level.DISTRICT, Region.Level.COUNTY, Region.Level.ZONE])
    for region in top_level:
        prefix = "重庆" if region.level == Region.Level.ZONE else "重庆市"
        if region.code in COUNTERPART_REGIONS:
            names = [*COUNTERPART_DEPARTMENTS, *sorted(set(also_in_demo_districts) - set(COUNTERPART_DEPARTMENTS))]
        else:
            names = EVERYWHERE_DEPARTMENTS
        for short_name in names:
            parent = result[f"{CITY_CODE}:{short_name}"]
            serial = serials[short_name]
            department, _ = upsert(
                Department,
                {"code": department_credit_code(region.code, serial)},
                {
                    "name": parent.name.replace("重庆市", f"{prefix}{region.name}", 1),
                    "short_name": short_name.replace("市", region.name, 1),
                    "region": region,
                    "parent": parent,
                    "address": f"{region.name}政务服务中心{serial}号窗口",
                    "phone": f"023-8{serial:03d}{int(region.code[-3:]) * 7 % 10000:04d}",
                    "hours": HOURS,
                },
            )
            result[f"{region.code}:{short_name}"] = department
    return result
