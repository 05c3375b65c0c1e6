"""A city-sized data set for the benchmark, generated on PostgreSQL with set-based SQL.

The catalogue side (regions, about 5,000 departments, 420 items, about 10,000
implementations with their materials, FAQ and form fields, the staff) is small and built in
Python with ``bulk_create``, so every derived value (implementation codes with their check
character, search text) comes from the same code the application uses. The large tables
(users, cases, their timelines, licences, ratings, rectifications, consultations) are
filled by ``INSERT … SELECT`` over ``generate_series`` in the database; supervision codes
get their MOD 11-2 check digit from a SQL function. The supervision store (``DailyStat``)
is then computed with one grouped ``INSERT … SELECT`` that counts exactly what
``evaluations.rollups.rebuild`` counts (a test checks they agree), and everything is
vacuumed and analysed.

Sizes are parameters; the default is the brief's city: 1,000,000 cases over a year,
100,000 citizens, 200,000 licences. The run is deterministic for a given seed.
"""

import csv
import datetime
import io
import json
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from approvals.codes import basic_code, implementation_code
from approvals.models import FAQ, CodeSequence, FormField, Implementation, Item, LicenceType, Material, Status, Theme
from departments.models import Department, Region, StaffMembership
from portal.models import User
from portal.validators import credit_code_check_char

DATA_DIR = Path(__file__).resolve().parent.parent / "demo" / "data"
ITEMS_DIR = DATA_DIR
META_TABLE = "bench_meta"
PASSWORD = "Hall-bench-2026"  # noqa: S105 - the bench accounts' password, bench database only
CITY_CODE = "500000"
ZONES = [("500190", "两江新区"), ("500191", "重庆高新区")]
HOURS = "周一至周五 9:00–12:00，13:00–17:00（法定节假日除外）"

# Generated items: an object of regulation and what is done with it, e.g. 食品经营许可延续.
OBJECTS = [
    "食品经营", "药品零售", "医疗器械经营", "建筑施工", "道路运输", "排污", "出入境证件", "户口迁移", "烟草专卖零售",
    "旅行社设立", "娱乐场所", "互联网上网服务", "危险化学品经营", "特种设备使用", "公众聚集场所消防", "林木采伐",
    "取水", "渔业捕捞", "兽药经营", "种子生产经营", "农药经营", "饲料生产", "小餐饮", "公共场所卫生", "职业病诊断",
    "民办学校", "校外培训机构", "养老机构", "收养", "社会团体", "民办非企业单位", "不动产抵押", "商品房预售",
    "物业服务", "燃气经营", "城市道路占用", "户外广告设置", "建筑垃圾处置", "污水排入排水管网", "文物修缮",
    "出版物零售", "广播电视节目制作", "营业性演出", "高危险性体育项目", "机动车驾驶人", "二手车交易", "港口经营",
    "船舶登记", "水路运输", "人防工程", "防雷装置", "气象信息服务", "测绘资质", "地质灾害治理", "采矿",
    "临时用地", "建设用地规划", "医师执业", "护士执业", "诊所",
]  # fmt: skip
ACTIONS = ["许可", "许可变更", "许可延续", "许可注销", "备案", "登记", "核准", "审批", "证明"]
KINDS_BY_ACTION = {"许可": "XK", "许可变更": "XK", "许可延续": "XK", "许可注销": "XK", "备案": "QT",
                   "登记": "QR", "核准": "XK", "审批": "XK", "证明": "GG"}  # fmt: skip
KEYWORDS = ["办证", "开店", "营业", "证照", "换证", "补办", "年审", "网上办", "一次办", "不见面"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏飞宇浩然欣怡子涵梓轩一诺思远"
TOWN_SUFFIXES = ["街道", "镇", "乡"]
TOWN_OFFICES = [("便民服务中心", "便民中心"), ("社会事务办公室", "社事办"), ("综合行政执法大队", "执法大队")]
GENERIC_MATERIALS = ["申请表", "申请人身份证明", "场所使用证明", "相关资格证明", "承诺书"]


@dataclass(frozen=True)
class Size:
    """How much to generate; ``cases`` drives the rest by default (users a tenth, licences a fifth)."""

    cases: int = 1_000_000
    users: int = 100_000
    licences: int = 200_000
    items: int = 420
    towns_per_district: int = 26
    days: int = 365
    seed: int = 20261127

    @classmethod
    def for_cases(cls, cases: int, **overrides) -> "Size":
        values = {"cases": cases, "users": max(cases // 10, 1_000), "licences": cases // 5}
        values.update({key: value for key, value in overrides.items() if value is not None})
        return cls(**values)


class Step:
    """Time named steps and report each one as it ends."""

    def __init__(self, log: Callable[[str], None]):
        self.log = log
        self.timings: dict[str, float] = {}

    def __call__(self, name: str):
        step = self

        class _Timer:
            def __enter__(self):
                self.started = time.monotonic()

            def __exit__(self, *exc):
                elapsed = time.monotonic() - self.started
                step.timings[name] = round(elapsed, 2)
                step.log(f"  {name}: {elapsed:.1f} s")

        return _Timer()


def _rows(name: str) -> list[dict]:
    with open(DATA_DIR / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _execute(sql: str, params=None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _scalar(sql: str, params=None):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
        return row[0] if row else None


# --- bookkeeping ---------------------------------------------------------------------------


def ensure_bench_database() -> None:
    """Refuse to run anywhere but a PostgreSQL database whose name says it is for the benchmark."""
    name = connection.settings_dict["NAME"]
    if connection.vendor != "postgresql" or "bench" not in str(name):
        raise RuntimeError(f"The benchmark writes only to a PostgreSQL database named *bench*, not {name!r}.")


def stored_size() -> dict | None:
    """Return the size the database was generated with, or None."""
    exists = _scalar("SELECT to_regclass(%s) IS NOT NULL", [META_TABLE])
    if not exists:
        return None
    value = _scalar(f"SELECT value FROM {META_TABLE} WHERE key = 'size'")  # noqa: S608 - constant name
    return json.loads(value) if value else None


def _store_meta(size: Size, timings: dict) -> None:
    _execute(f"CREATE TABLE IF NOT EXISTS {META_TABLE} (key text PRIMARY KEY, value text NOT NULL)")
    for key, value in (("size", asdict(size)), ("timings", timings)):
        _execute(
            f"INSERT INTO {META_TABLE} (key, value) VALUES (%s, %s) "  # noqa: S608 - constant name
            "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            [key, json.dumps(value)],
        )


def stored_timings() -> dict:
    value = _scalar(f"SELECT value FROM {META_TABLE} WHERE key = 'timings'")  # noqa: S608 - constant name
    return json.loads(value) if value else {}


def _truncate() -> None:
    tables = [
        model._meta.db_table
        for model in (Region, Department, User, Item, Theme, LicenceType, CodeSequence)  # CASCADE reaches the rest
    ]
    _execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
    _execute(f"DROP TABLE IF EXISTS {META_TABLE}")


# --- the catalogue side (Python, bulk_create) ------------------------------------------------


def _department_code(region_code: str, serial: int) -> str:
    first17 = f"11{region_code[:6]}MB{serial:07d}"
    return first17 + credit_code_check_char(first17)


def build_regions(size: Size, rng: random.Random) -> tuple[Region, list[Region], list[Region]]:
    city_row, *district_rows = _rows("chongqing_regions.csv")
    city = Region.objects.create(code=city_row["code"], name=city_row["name"], level=Region.Level.CITY)
    districts = Region.objects.bulk_create(
        [Region(code=r["code"], name=r["name"], level=r["level"], parent=city) for r in district_rows]
        + [Region(code=code, name=name, level=Region.Level.ZONE, parent=city) for code, name in ZONES]
    )
    known = {}
    for row in _rows("chongqing_towns.csv"):
        known.setdefault(row["parent_code"], []).append(row["name"])
    towns = []
    for district in districts:
        names = known.get(district.code, [])
        for serial in range(1, size.towns_per_district + 1):
            name = (
                names[serial - 1]
                if serial <= len(names)
                else f"{district.name[:2]}第{serial}{rng.choice(TOWN_SUFFIXES)}"
            )
            towns.append(
                Region(code=f"{district.code}{serial:03d}", name=name, level=Region.Level.TOWN, parent=district)
            )
    towns = Region.objects.bulk_create(towns, batch_size=2000)
    return city, districts, towns


def build_departments(city, districts, towns) -> tuple[dict[str, Department], dict[tuple[str, str], Department]]:
    """Create the municipal departments, their counterpart in every district and three offices per town."""
    municipal_rows = _rows("chongqing_departments.csv")
    municipal = Department.objects.bulk_create(
        [
            Department(
                name=row["name"], short_name=row["short_name"], code=_department_code(CITY_CODE, serial), region=city,
                address=f"重庆市政务服务中心{serial}号窗口", phone=f"023-6{serial:07d}", hours=HOURS,
            )
            for serial, row in enumerate(municipal_rows, start=1)
        ]
    )  # fmt: skip
    by_short = {d.short_name: d for d in municipal}
    local = []
    for district in districts:
        prefix = "重庆" if district.level == Region.Level.ZONE else "重庆市"
        for serial, parent in enumerate(municipal, start=1):
            local.append(
                Department(
                    name=parent.name.replace("重庆市", f"{prefix}{district.name}", 1),
                    short_name=parent.short_name.replace("市", district.name, 1),
                    code=_department_code(district.code, serial), region=district, parent=parent,
                    address=f"{district.name}政务服务中心{serial}号窗口", phone=f"023-8{serial:07d}", hours=HOURS,
                )
            )  # fmt: skip
    local = Department.objects.bulk_create(local, batch_size=2000)
    by_place = {(d.region.code, d.parent.short_name): d for d in local}
    offices, serial = [], 100
    for town in towns:
        for name, short in TOWN_OFFICES:
            serial += 1
            offices.append(
                Department(
                    name=f"{town.parent.name}{town.name}{name}", short_name=f"{town.name}{short}",
                    code=_department_code(town.code, serial), region=town, address=f"{town.name}{name}", hours=HOURS,
                )
            )  # fmt: skip
    Department.objects.bulk_create(offices, batch_size=2000)
    return by_short, by_place


def _demo_items() -> list[dict]:
    return [row for path in sorted(ITEMS_DIR.glob("demo_items_*.json")) for row in json.loads(path.read_text("utf-8"))]


def build_catalogue(size: Size, rng: random.Random, by_short: dict, by_place: dict, districts) -> dict:
    """Create themes, licence types, items and their implementations in the city and in districts."""
    from demo.catalogue import LICENCE_TYPES, THEMES

    themes = Theme.objects.bulk_create(
        [Theme(slug=slug, name=name, name_en=en, sort_order=order) for order, (slug, name, en) in enumerate(THEMES)]
    )
    licence_types = LicenceType.objects.bulk_create(
        [LicenceType(code=c, name=n, valid_years=y, number_prefix=p) for c, n, y, p in LICENCE_TYPES]
    )
    by_licence_name = {t.name: t for t in licence_types}
    theme_by_slug = {t.slug: t for t in themes}
    rows = []
    for row in _demo_items():
        rows.append({**row, "keywords": " ".join(row["keywords"])})
    municipal_names = sorted(by_short)
    combos = [(o, a) for a in ACTIONS for o in OBJECTS]
    rng.shuffle(combos)
    for obj, action in combos[: max(size.items - len(rows), 0)]:
        limit = rng.choice([5, 10, 15, 20, 30])
        committable = rng.random() < 0.6
        rows.append(
            {
                "name": f"{obj}{action}",
                "kind": KINDS_BY_ACTION[action],
                "department": rng.choice(municipal_names),
                "audience": rng.choice(["individual", "enterprise", "both"]),
                "themes": rng.sample([t.slug for t in themes], k=rng.randint(0, 2)),
                "keywords": " ".join(rng.sample(KEYWORDS, k=2)),
                "legal_basis": f"《{obj}管理条例》第{rng.randint(3, 40)}条",
                "conditions": f"申请{obj}{action}应当符合法定条件，材料齐全、符合法定形式。",
                "fee": "不收费",
                "statutory_limit": limit,
                "committed_limit": max(1, limit // rng.choice([1, 2, 3])),
                "visits": rng.choice([0, 0, 1, 1, 1, 2]),
                "online_depth": rng.choice([2, 3, 4, 4]),
                "process": ["申请", "受理", "审查", "决定", "送达"],
                "materials": [
                    {
                        "name": name,
                        "required": index < 3,
                        "original_or_copy": "original",
                        "copies": 1,
                        "medium": "electronic",
                        "licence_type": None,
                        "commitment": committable,
                    }
                    for index, name in enumerate(rng.sample(GENERIC_MATERIALS, k=rng.randint(2, 4)))
                ],
                "faq": [{"q": f"{obj}{action}需要多长时间？", "a": f"承诺{max(1, limit // 2)}个工作日内办结。"}],
                "issues_licence": rng.choice([t.name for t in licence_types]) if action in {"许可", "登记"} else None,
            }
        )
    items, serials = [], {}
    for row in rows:
        serials[row["kind"]] = serials.get(row["kind"], 0) + 1
        items.append(
            Item(
                code=basic_code(row["kind"], serials[row["kind"]] * 7 + 3), name=row["name"], kind=row["kind"],
                audience=row["audience"], legal_basis=row["legal_basis"], statutory_limit_days=row["statutory_limit"],
                keywords=row["keywords"], status=Status.PUBLISHED,
            )
        )  # fmt: skip
    items = Item.objects.bulk_create(items)
    Item.themes.through.objects.bulk_create(
        [
            Item.themes.through(item_id=item.pk, theme_id=theme_by_slug[slug].pk)
            for item, row in zip(items, rows, strict=True)
            for slug in row["themes"]
            if slug in theme_by_slug
        ]
    )
    now = timezone.now()
    implementations, specs = [], []
    for item, row in zip(items, rows, strict=True):
        places = [by_short.get(row["department"])]
        share = 0.9 if row["department"] in {"市公安局", "市市场监管局", "市人力社保局"} else 0.5
        places += [by_place.get((d.code, row["department"])) for d in districts if rng.random() < share]
        for department in places:
            if department is None:
                continue
            code = implementation_code(item.code, department.region.code, department.code)
            search = [row["name"], item.name, item.code, code, department.name, department.short_name, item.keywords]
            implementations.append(
                Implementation(
                    code=code, item=item, department=department, region=department.region, name=row["name"],
                    conditions=row["conditions"], fees=row["fee"], is_free=row["fee"] == "不收费",
                    statutory_limit_days=row["statutory_limit"], committed_limit_days=row["committed_limit"],
                    visits=row["visits"], online_depth=row["online_depth"], process="\n".join(row["process"]),
                    issues_licence=by_licence_name.get(row["issues_licence"]) if row["issues_licence"] else None,
                    status=Status.PUBLISHED, published_at=now,
                    location=f"{department.region.name}政务服务中心 {department.short_name}窗口", office_hours=HOURS,
                    search_text=" ".join(p for p in search if p).lower(),
                )
            )  # fmt: skip
            specs.append(row)
    implementations = Implementation.objects.bulk_create(implementations, batch_size=2000)
    materials, faqs, fields = [], [], []
    for implementation, row in zip(implementations, specs, strict=True):
        for order, material in enumerate(row["materials"]):
            materials.append(
                Material(
                    implementation=implementation, name=material["name"], required=material["required"],
                    form=material["original_or_copy"], copies=material["copies"], medium=material["medium"],
                    licence_type=by_licence_name.get(material["licence_type"]) if material["licence_type"] else None,
                    commitment_allowed=material.get("commitment", False), sort_order=order,
                )
            )  # fmt: skip
        for order, faq in enumerate(row["faq"]):
            faqs.append(FAQ(implementation=implementation, question=faq["q"], answer=faq["a"], sort_order=order))
        fields.append(FormField(implementation=implementation, name="contact_name", label="联系人", sort_order=0))
        fields.append(
            FormField(
                implementation=implementation,
                name="contact_phone",
                label="联系电话",
                kind=FormField.Kind.PHONE,
                sort_order=1,
            )
        )
    Material.objects.bulk_create(materials, batch_size=5000)
    FAQ.objects.bulk_create(faqs, batch_size=5000)
    FormField.objects.bulk_create(fields, batch_size=5000)
    return {"items": len(items), "implementations": len(implementations), "materials": len(materials)}


def build_staff(password_hash: str) -> dict:
    """Give each department clerks and reviewers (more where more is handled) and the city one supervisor."""
    departments = list(Department.objects.select_related("region").order_by("pk"))
    users, posts = [], []
    for department in departments:
        level = department.region.level
        clerks, reviewers = (6, 2) if level == Region.Level.CITY else (1, 0) if level == Region.Level.TOWN else (3, 1)
        for index in range(clerks + reviewers):
            role = StaffMembership.Role.CLERK if index < clerks else StaffMembership.Role.REVIEWER
            users.append(
                User(
                    username=f"staff{department.pk}_{index}",
                    real_name=f"工作人员{department.pk}-{index}",
                    password=password_hash,
                )
            )
            posts.append((department, role))
    users.append(User(username="bench_supervisor", real_name="督查员", password=password_hash))
    posts.append((departments[0], StaffMembership.Role.SUPERVISOR))
    users = User.objects.bulk_create(users, batch_size=5000)
    StaffMembership.objects.bulk_create(
        [
            StaffMembership(user=user, department=department, role=role, staff_number=f"S{user.pk:07d}")
            for user, (department, role) in zip(users, posts, strict=True)
        ],
        batch_size=5000,
    )
    return {"staff": len(users)}


# --- the large tables (set-based SQL) --------------------------------------------------------


def _mod11_2_function() -> None:
    """Create ``pg_temp.bench_mod11_2(body)``: the supervision code's check character, as in approvals.codes."""
    terms = " + ".join(f"substr(body, {i}, 1)::int * {pow(2, 19 - i, 11)}" for i in range(1, 19))
    _execute(
        "CREATE OR REPLACE FUNCTION pg_temp.bench_mod11_2(body text) RETURNS text LANGUAGE sql IMMUTABLE AS $$ "
        f"SELECT substr('0123456789X', ((12 - ({terms}) % 11) % 11) + 1, 1) $$"
    )


def insert_citizens(size: Size, password_hash: str) -> int:
    """Citizens and enterprises: mobile numbers as log-ins, names from common characters."""
    return _execute(
        """
        INSERT INTO portal_user (password, is_superuser, username, mobile, real_name, kind, email, cert_type,
                                 cert_cipher, cert_masked, is_staff, is_active, date_joined, language,
                                 notify_by_email, notify_by_sms, elder_mode)
        SELECT %(password)s, false, m, m,
               CASE WHEN g %% 10 = 0 THEN '重庆' || substr(%(surnames)s, 1 + g %% 7, 1) || '商贸有限公司' || g
                    ELSE substr(%(surnames)s, 1 + g %% char_length(%(surnames)s), 1)
                         || substr(%(given)s, 1 + (g / 7) %% char_length(%(given)s), 1)
                         || CASE WHEN g %% 3 = 0 THEN ''
                                 ELSE substr(%(given)s, 1 + (g / 11) %% char_length(%(given)s), 1) END
               END,
               CASE WHEN g %% 10 = 0 THEN 'enterprise' ELSE 'individual' END, '', '', '', '', false, true,
               now() - (g %% 1500) * interval '1 day', '', true, true, false
        FROM (SELECT g, '13' || lpad(g::text, 9, '0') AS m FROM generate_series(1, %(users)s) g) s
        """,
        {"password": password_hash, "users": size.users, "surnames": SURNAMES, "given": GIVEN},
    )


def _prepare_lookup_tables() -> int:
    """Temporary tables the case generator joins: weighted implementation slots and each department's staff."""
    _execute("DROP TABLE IF EXISTS bench_slot, bench_staff")
    # A skewed popularity: a few implementations (the city's business licences, passports) take many cases.
    _execute(
        """
        CREATE TEMP TABLE bench_weight AS
        SELECT i.id AS implementation_id, i.department_id, i.region_id, r.code AS region_code,
               i.committed_limit_days AS committed, i.statutory_limit_days AS statutory,
               1 + floor(3000 / power(row_number() OVER (ORDER BY md5(i.code)), 0.85))::int AS weight
        FROM approvals_implementation i JOIN departments_region r ON r.id = i.region_id
        """
    )
    _execute(
        """
        CREATE TEMP TABLE bench_slot AS
        SELECT row_number() OVER (ORDER BY w.implementation_id, s) AS slot, w.*
        FROM bench_weight w, generate_series(1, w.weight) s
        """
    )
    _execute("CREATE UNIQUE INDEX ON bench_slot (slot)")
    _execute(
        """
        CREATE TEMP TABLE bench_staff AS
        SELECT department_id,
               min(user_id) FILTER (WHERE role = 'clerk') AS first_clerk,
               count(*) FILTER (WHERE role = 'clerk') AS clerks,
               min(user_id) FILTER (WHERE role = 'reviewer') AS reviewer
        FROM departments_staffmembership GROUP BY department_id
        """
    )
    _execute("CREATE UNIQUE INDEX ON bench_staff (department_id)")
    _execute("ANALYZE bench_slot")
    _execute("ANALYZE bench_staff")
    return _scalar("SELECT count(*) FROM bench_slot")


def insert_cases(size: Size) -> int:
    """One row per case: place by popularity, applicant at random, state by age, times and deadlines to match."""
    slots = _prepare_lookup_tables()
    _mod11_2_function()
    first_citizen = _scalar("SELECT min(id) FROM portal_user WHERE mobile IS NOT NULL")
    today = timezone.localdate()
    return _execute(
        """
        INSERT INTO approvals_case (
            supervision_code, state, state_before_supplement, form_data, submission_token, commitment_signed,
            current_step, result, decision_reason, created_at, submitted_at, accepted_at, decided_at, completed_at,
            updated_at, due_date, extended_days, is_overdue, working_days_used, applicant_id, assigned_to_id,
            department_id, implementation_id)
        WITH base AS (
            SELECT g, random() AS r_slot, random() AS r_state, random() AS r_time, random() AS r_used,
                   random() AS r_clerk, %(first_citizen)s + floor(random() * %(users)s)::bigint AS applicant_id,
                   floor(random() * %(days)s)::int AS age
            FROM generate_series(1, %(cases)s) g
        ), placed AS (
            SELECT b.*, s.implementation_id, s.department_id, s.region_code, s.committed, s.statutory,
                   st.first_clerk + floor(b.r_clerk * st.clerks)::bigint AS clerk_id,
                   LEAST(((%(today)s::date - b.age) + time '09:00' + b.r_time * interval '9 hours')
                         AT TIME ZONE 'Asia/Shanghai', now() - interval '10 minutes') AS submitted_at
            FROM base b
            JOIN bench_slot s ON s.slot = 1 + floor(b.r_slot * %(slots)s)::bigint
            JOIN bench_staff st ON st.department_id = s.department_id
        ), staged AS (
            SELECT p.*,
                   CASE
                     WHEN p.r_state < 0.01 THEN 'draft'
                     WHEN p.age <= 2 THEN CASE
                       WHEN p.r_state < 0.45 THEN 'submitted' WHEN p.r_state < 0.75 THEN 'accepted'
                       WHEN p.r_state < 0.80 THEN 'supplement_requested' WHEN p.r_state < 0.95 THEN 'under_review'
                       WHEN p.r_state < 0.98 THEN 'refused' ELSE 'withdrawn' END
                     WHEN p.age <= 30 THEN CASE
                       WHEN p.r_state < 0.04 THEN 'submitted' WHEN p.r_state < 0.12 THEN 'under_review'
                       WHEN p.r_state < 0.17 THEN 'accepted' WHEN p.r_state < 0.19 THEN 'co_review'
                       WHEN p.r_state < 0.21 THEN 'supplement_requested' WHEN p.r_state < 0.22 THEN 'suspended'
                       WHEN p.r_state < 0.25 THEN 'approved' WHEN p.r_state < 0.26 THEN 'denied'
                       WHEN p.r_state < 0.93 THEN 'completed' WHEN p.r_state < 0.97 THEN 'refused'
                       ELSE 'withdrawn' END
                     ELSE CASE
                       WHEN p.r_state < 0.92 THEN 'completed' WHEN p.r_state < 0.96 THEN 'refused'
                       WHEN p.r_state < 0.99 THEN 'withdrawn' WHEN p.r_state < 0.995 THEN 'suspended'
                       ELSE 'under_review' END
                   END AS state,
                   -- working days used: mostly within the committed limit, about one in twelve beyond it
                   GREATEST(1, round(p.committed * (0.2 + p.r_used * 0.9)))::int AS used
            FROM placed p
        ), timed AS (
            SELECT s.*,
                   CASE WHEN s.state IN ('accepted', 'under_review', 'co_review', 'suspended', 'approved', 'denied',
                                         'completed')
                        THEN s.submitted_at + (0.1 + s.r_time) * interval '1 day' END AS accepted_at
            FROM staged s
        ), decided AS (
            SELECT t.*,
                   CASE WHEN t.state IN ('approved', 'denied', 'completed')
                        THEN LEAST(t.accepted_at + t.used * interval '33 hours', now() - interval '5 minutes')
                   END AS decided_at,
                   CASE WHEN t.state = 'completed' THEN (t.r_used < 0.97) WHEN t.state = 'approved' THEN true
                        WHEN t.state = 'denied' THEN false END AS approved
            FROM timed t
        ), coded AS (
            SELECT d.*,
                   CASE WHEN d.state <> 'draft' THEN
                     d.region_code || to_char(d.submitted_at AT TIME ZONE 'Asia/Shanghai', 'YYMMDD')
                     || lpad(row_number() OVER (PARTITION BY d.region_code,
                                                (d.submitted_at AT TIME ZONE 'Asia/Shanghai')::date
                                                ORDER BY d.submitted_at, d.g)::text, 6, '0')
                   END AS body
            FROM decided d
        )
        SELECT body || pg_temp.bench_mod11_2(body),
               state, '', '{}'::jsonb, gen_random_uuid(), false, 0,
               CASE WHEN approved THEN 'approved' WHEN approved = false THEN 'denied' ELSE '' END,
               CASE WHEN state = 'refused' THEN '申请材料不符合法定形式。' WHEN approved = false THEN '不符合法定条件。'
                    ELSE '' END,
               submitted_at - interval '20 minutes',
               CASE WHEN state = 'draft' THEN NULL ELSE submitted_at END,
               accepted_at, decided_at,
               CASE WHEN state = 'completed'
                    THEN LEAST(decided_at + interval '2 hours', now() - interval '1 minute') END,
               COALESCE(decided_at, accepted_at, submitted_at),
               CASE WHEN accepted_at IS NOT NULL
                    THEN ((accepted_at AT TIME ZONE 'Asia/Shanghai')::date + round(committed * 1.4)::int) END,
               0,
               CASE WHEN state = 'completed' THEN used > committed
                    WHEN state IN ('accepted', 'under_review', 'co_review')
                    THEN ((accepted_at AT TIME ZONE 'Asia/Shanghai')::date + round(committed * 1.4)::int)
                         < %(today)s::date
                    ELSE false END,
               CASE WHEN state = 'completed' THEN used END,
               applicant_id,
               CASE WHEN accepted_at IS NOT NULL OR state = 'refused' THEN clerk_id END,
               department_id, implementation_id
        FROM coded
        """,
        {
            "first_citizen": first_citizen,
            "users": size.users,
            "days": size.days,
            "cases": size.cases,
            "today": today,
            "slots": slots,
        },
    )


def continue_code_sequences() -> None:
    """Continue each region's daily serial after the generated codes, so new submissions get fresh ones."""
    _execute(
        """
        INSERT INTO approvals_codesequence (region_code, day, last)
        SELECT substr(supervision_code, 1, 6),
               to_date(substr(supervision_code, 7, 6), 'YYMMDD'),
               max(substr(supervision_code, 13, 6)::int)
        FROM approvals_case WHERE supervision_code IS NOT NULL GROUP BY 1, 2
        """
    )


EVENT_INSERT = (
    "INSERT INTO approvals_caseevent (action, from_state, to_state, comment, created_at, actor_id, "
    "actor_department_id, case_id, department_id) "
)


def insert_events() -> int:
    """Write each case's timeline: submit, accept, review, decisions, completion, refusals and withdrawals."""
    selects = [
        # submit: by the applicant
        "SELECT 'submit', 'draft', 'submitted', '', submitted_at, applicant_id, NULL, id, department_id "
        "FROM approvals_case WHERE state <> 'draft'",
        # accept: by the clerk the case was assigned to
        "SELECT 'accept', 'submitted', 'accepted', '', accepted_at, assigned_to_id, department_id, id, "
        "department_id FROM approvals_case WHERE accepted_at IS NOT NULL",
        "SELECT 'start_review', 'accepted', 'under_review', '', accepted_at + interval '2 hours', "
        "assigned_to_id, department_id, id, department_id FROM approvals_case "
        "WHERE state IN ('under_review', 'co_review', 'suspended', 'approved', 'denied', 'completed')",
        "SELECT 'request_co_review', 'under_review', 'co_review', '', accepted_at + interval '3 hours', "
        "assigned_to_id, department_id, id, department_id FROM approvals_case WHERE state = 'co_review'",
        "SELECT 'suspend', 'under_review', 'suspended', '需要专家评审。', accepted_at + interval '3 hours', "
        "assigned_to_id, department_id, id, department_id FROM approvals_case WHERE state = 'suspended'",
        "SELECT 'request_supplement', 'submitted', 'supplement_requested', '请补正申请表。', "
        "submitted_at + interval '3 hours', NULL, department_id, id, department_id FROM approvals_case "
        "WHERE state = 'supplement_requested'",
        # approve / deny: by the department's reviewer
        "SELECT CASE WHEN result = 'approved' THEN 'approve' ELSE 'deny' END, 'under_review', "
        "CASE WHEN result = 'approved' THEN 'approved' ELSE 'denied' END, decision_reason, decided_at, "
        "st.reviewer, c.department_id, c.id, c.department_id FROM approvals_case c "
        "JOIN bench_staff st ON st.department_id = c.department_id WHERE c.decided_at IS NOT NULL",
        "SELECT 'complete', CASE WHEN result = 'approved' THEN 'approved' ELSE 'denied' END, 'completed', "
        "'', completed_at, assigned_to_id, department_id, id, department_id FROM approvals_case "
        "WHERE state = 'completed'",
        "SELECT 'refuse', 'submitted', 'refused', decision_reason, submitted_at + interval '4 hours', "
        "assigned_to_id, department_id, id, department_id FROM approvals_case WHERE state = 'refused'",
        "SELECT 'withdraw', 'submitted', 'withdrawn', '', submitted_at + interval '5 hours', applicant_id, "
        "NULL, id, department_id FROM approvals_case WHERE state = 'withdrawn'",
    ]
    return sum(_execute(EVENT_INSERT + select) for select in selects)


def insert_licences(size: Size) -> int:
    """Licences issued on completed approved cases whose implementation issues one, then older ones without a case."""
    issued = _execute(
        """
        INSERT INTO approvals_licence (number, holder_name, holder_cert_masked, issued_on, valid_until, revoke_reason,
                                       verification_code, data, source, created_at, case_id, holder_id,
                                       issuing_department_id, licence_type_id)
        SELECT t.number_prefix || r.code || to_char(c.completed_at, 'YYYY') || lpad(c.id::text, 8, '0'),
               u.real_name, '', (c.completed_at AT TIME ZONE 'Asia/Shanghai')::date,
               CASE WHEN t.valid_years IS NOT NULL
                    THEN (c.completed_at AT TIME ZONE 'Asia/Shanghai')::date + t.valid_years * 365 END,
               '', translate(upper(substr(md5('c' || c.id), 1, 16)), '01', 'YZ'), '{}'::jsonb, 'hall',
               c.completed_at, c.id, c.applicant_id, c.department_id, t.id
        FROM approvals_case c
        JOIN approvals_implementation i ON i.id = c.implementation_id
        JOIN approvals_licencetype t ON t.id = i.issues_licence_id
        JOIN departments_region r ON r.id = i.region_id
        JOIN portal_user u ON u.id = c.applicant_id
        WHERE c.state = 'completed' AND c.result = 'approved'
        ORDER BY c.id LIMIT %(licences)s
        """,
        {"licences": size.licences},
    )
    missing = size.licences - issued
    if missing <= 0:
        return issued
    first_citizen = _scalar("SELECT min(id) FROM portal_user WHERE mobile IS NOT NULL")
    department = _scalar("SELECT min(id) FROM departments_department WHERE parent_id IS NULL")
    return issued + _execute(
        """
        INSERT INTO approvals_licence (number, holder_name, holder_cert_masked, issued_on, valid_until, revoke_reason,
                                       verification_code, data, source, created_at, case_id, holder_id,
                                       issuing_department_id, licence_type_id)
        SELECT t.number_prefix || '500000' || 'H' || lpad(g::text, 9, '0'), u.real_name, '',
               current_date - 400 - (g %% 3000), CASE WHEN t.valid_years IS NOT NULL
                   THEN current_date - 400 - (g %% 3000) + t.valid_years * 365 END,
               '', translate(upper(substr(md5('h' || g), 1, 16)), '01', 'YZ'), '{}'::jsonb, 'legacy',
               now() - interval '400 days', NULL, u.id, %(department)s, t.id
        FROM generate_series(1, %(missing)s) g
        JOIN portal_user u ON u.id = %(first)s + (g * 7919) %% %(users)s
        JOIN approvals_licencetype t ON t.id = 1 + g %% (SELECT count(*) FROM approvals_licencetype)
        """,
        {"missing": missing, "first": first_citizen, "users": User.objects.filter(mobile__isnull=False).count(),
         "department": department},
    )  # fmt: skip


def insert_feedback(size: Size) -> dict:
    """Ratings on about a third of completed cases, rectifications of the bad ones, consultations and complaints."""
    ratings = _execute(
        """
        INSERT INTO evaluations_rating (stars, efficiency, attitude, guide_accuracy, convenience, comment, created_at,
                                        applicant_id, case_id, clerk_id, department_id, implementation_id, region_id)
        SELECT s, LEAST(5, s + (r * 10)::int % 2), s, LEAST(5, s + 1), s, '',
               LEAST(c.completed_at + (r * 3) * interval '1 day', now() - interval '1 minute'),
               c.applicant_id, c.id, c.assigned_to_id, c.department_id, c.implementation_id, i.region_id
        FROM (SELECT c.*, random() AS r FROM approvals_case c WHERE c.state = 'completed') c
        JOIN approvals_implementation i ON i.id = c.implementation_id
        CROSS JOIN LATERAL (SELECT CASE WHEN c.r < 0.002 THEN 1 WHEN c.r < 0.01 THEN 2 WHEN c.r < 0.03 THEN 3
                                         WHEN c.r < 0.10 THEN 4 ELSE 5 END AS s) stars
        WHERE c.r < 0.35
        """
    )
    rectifications = _execute(
        """
        INSERT INTO evaluations_rectification (state, due_date, is_overdue, fix_stars, appeal_reason, created_at,
                                               closed_at, department_id, rating_id)
        SELECT CASE WHEN r.created_at < now() - interval '10 days' THEN 'closed' ELSE 'open' END,
               (r.created_at AT TIME ZONE 'Asia/Shanghai')::date + 7, false, NULL, '', r.created_at,
               CASE WHEN r.created_at < now() - interval '10 days' THEN r.created_at + interval '5 days' END,
               r.department_id, r.id
        FROM evaluations_rating r WHERE r.stars <= 2
        """
    )
    inquiries = _execute(
        """
        INSERT INTO evaluations_inquiry (kind, subject, question, allow_publish, state, due_date, answer, answered_at,
                                         follow_up, created_at, answered_by_id, asker_id, case_id, department_id,
                                         implementation_id)
        SELECT CASE WHEN c.id % 5 = 0 THEN 'complaint' ELSE 'consultation' END,
               '办理进度咨询', '请问还需要补充什么材料？', c.id % 2 = 0, 'answered',
               (c.submitted_at AT TIME ZONE 'Asia/Shanghai')::date + 5, '已受理，请耐心等待。',
               c.submitted_at + interval '1 day', '', c.submitted_at + interval '1 hour', c.assigned_to_id,
               c.applicant_id, c.id, c.department_id, c.implementation_id
        FROM approvals_case c
        WHERE c.assigned_to_id IS NOT NULL AND c.id % 97 = 0
        """
    )
    return {"ratings": ratings, "rectifications": rectifications, "inquiries": inquiries}


# The same counting as evaluations.rollups.rebuild (docs/figures.md), in one grouped statement:
# received for the case's department now (after transfers), the completion cohort counted in the
# acceptance's row, the limits stored on the case, upheld reviews left out, rectified only when
# closed after being rectified, and consultations and complaints that name only a department.
ROLLUP_SQL = """
INSERT INTO evaluations_dailystat (day, department_id, implementation_id, region_id, clerk_key, received, accepted,
    accepted_completed, refused, completed, approved, on_time, overdue, days_used, days_committed, days_statutory,
    ratings, ratings_satisfied, stars, attitude, bad_reviews, rectified, consultations, complaints)
SELECT day, department_id, implementation_id, min(region_id), clerk_key,
       sum(received), sum(accepted), sum(accepted_completed), sum(refused), sum(completed), sum(approved),
       sum(on_time), sum(overdue), sum(days_used), sum(days_committed), sum(days_statutory), sum(ratings),
       sum(ratings_satisfied), sum(stars), sum(attitude), sum(bad_reviews), sum(rectified), sum(consultations),
       sum(complaints)
FROM (
    SELECT (e.created_at AT TIME ZONE %(tz)s)::date AS day,
           CASE WHEN e.action = 'submit' THEN c.department_id
                ELSE COALESCE(e.department_id, c.department_id) END AS department_id,
           c.implementation_id, i.region_id,
           CASE WHEN e.action = 'submit' THEN 0 ELSE COALESCE(e.actor_id, 0) END AS clerk_key,
           (e.action = 'submit')::int AS received, (e.action = 'accept')::int AS accepted,
           (e.action = 'accept' AND EXISTS (SELECT 1 FROM approvals_caseevent d
                                            WHERE d.case_id = e.case_id AND d.action = 'complete'))::int
               AS accepted_completed,
           (e.action = 'refuse')::int AS refused, (e.action = 'complete')::int AS completed,
           (e.action = 'complete' AND c.result = 'approved')::int AS approved,
           (e.action = 'complete' AND NOT c.is_overdue)::int AS on_time,
           (e.action = 'complete' AND c.is_overdue)::int AS overdue,
           CASE WHEN e.action = 'complete' THEN COALESCE(c.working_days_used, 0) ELSE 0 END AS days_used,
           CASE WHEN e.action = 'complete' THEN COALESCE(c.committed_limit_days, i.committed_limit_days)
                ELSE 0 END AS days_committed,
           CASE WHEN e.action = 'complete' THEN COALESCE(c.statutory_limit_days, i.statutory_limit_days)
                ELSE 0 END AS days_statutory,
           0 AS ratings, 0 AS ratings_satisfied, 0 AS stars, 0 AS attitude, 0 AS bad_reviews, 0 AS rectified,
           0 AS consultations, 0 AS complaints
    FROM approvals_caseevent e
    JOIN approvals_case c ON c.id = e.case_id
    JOIN approvals_implementation i ON i.id = c.implementation_id
    WHERE e.action IN ('submit', 'accept', 'refuse', 'complete')
  UNION ALL
    SELECT (r.created_at AT TIME ZONE %(tz)s)::date, r.department_id, r.implementation_id, r.region_id,
           COALESCE(r.clerk_id, 0), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
           1, (r.stars >= 3)::int, r.stars, r.attitude, (r.stars <= 2)::int, 0, 0, 0
    FROM evaluations_rating r
    LEFT JOIN evaluations_rectification x ON x.rating_id = r.id
    WHERE x.state IS DISTINCT FROM 'upheld'
  UNION ALL
    SELECT (r.created_at AT TIME ZONE %(tz)s)::date, r.department_id, r.implementation_id, r.region_id,
           COALESCE(r.clerk_id, 0), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0
    FROM evaluations_rectification x JOIN evaluations_rating r ON r.id = x.rating_id
    WHERE x.closed_at IS NOT NULL AND x.state = 'closed'
      AND EXISTS (SELECT 1 FROM evaluations_rectificationevent v
                  WHERE v.rectification_id = x.id AND v.action = 'close' AND v.from_state = 'rectified')
  UNION ALL
    SELECT (q.created_at AT TIME ZONE %(tz)s)::date, q.department_id,
           COALESCE(q.implementation_id, c.implementation_id),
           COALESCE(i.region_id, ci.region_id, d.region_id), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
           (q.kind = 'consultation')::int, (q.kind = 'complaint')::int
    FROM evaluations_inquiry q
    JOIN departments_department d ON d.id = q.department_id
    LEFT JOIN approvals_implementation i ON i.id = q.implementation_id
    LEFT JOIN approvals_case c ON c.id = q.case_id
    LEFT JOIN approvals_implementation ci ON ci.id = c.implementation_id
) counted
GROUP BY day, department_id, implementation_id, clerk_key
"""


def rebuild_rollups_sql() -> int:
    """Recompute the supervision store from the source tables with one grouped statement."""
    with transaction.atomic():
        _execute("DELETE FROM evaluations_dailystat")
        return _execute(ROLLUP_SQL, {"tz": str(timezone.get_current_timezone())})


def update_case_counts() -> None:
    _execute(
        """
        UPDATE approvals_implementation i SET case_count = n.count
        FROM (SELECT implementation_id, count(*) FROM approvals_case WHERE state <> 'draft'
              GROUP BY implementation_id) n
        WHERE n.implementation_id = i.id
        """
    )


def check_references() -> None:
    """Fail if a generated row points nowhere (the bulk inserts ran without foreign-key triggers)."""
    checks = {
        "case without implementation": "SELECT count(*) FROM approvals_case c LEFT JOIN approvals_implementation i "
        "ON i.id = c.implementation_id WHERE i.id IS NULL",
        "case without applicant": "SELECT count(*) FROM approvals_case c LEFT JOIN portal_user u "
        "ON u.id = c.applicant_id WHERE u.id IS NULL",
        "case with a clerk of another department": "SELECT count(*) FROM approvals_case c "
        "JOIN departments_staffmembership m ON m.user_id = c.assigned_to_id WHERE m.department_id <> c.department_id",
        "licence without holder": "SELECT count(*) FROM approvals_licence l LEFT JOIN portal_user u "
        "ON u.id = l.holder_id WHERE u.id IS NULL",
    }
    for name, sql in checks.items():
        count = _scalar(sql)
        if count:
            raise RuntimeError(f"Generated data is inconsistent: {count} {name}.")


def generate(size: Size, *, log: Callable[[str], None] = print) -> dict:
    """Replace the database's contents with a data set of ``size``; return the step timings in seconds."""
    ensure_bench_database()
    step = Step(log)
    rng = random.Random(size.seed)
    started = time.monotonic()
    _execute("SET synchronous_commit = off")
    _execute("SET work_mem = '256MB'")
    _execute("SET maintenance_work_mem = '1GB'")
    _execute("SELECT setseed(%s)", [(size.seed % 1000) / 1000])
    password_hash = make_password(PASSWORD)
    with step("empty the database"):
        _truncate()
    with step("calendar"):
        from django.core.management import call_command

        year = timezone.localdate().year
        call_command("calendar_load", year - 1, year, year + 1, stdout=io.StringIO())
    with step("regions and departments"), transaction.atomic():
        city, districts, towns = build_regions(size, rng)
        by_short, by_place = build_departments(city, districts, towns)
    with step("catalogue"), transaction.atomic():
        catalogue = build_catalogue(size, rng, by_short, by_place, districts)
    with step("staff"):
        build_staff(password_hash)
    # The large tables are filled without foreign-key triggers; check_references() verifies them after.
    _execute("SET session_replication_role = replica")
    try:
        with step("citizens"):
            insert_citizens(size, password_hash)
        with step("cases"):
            insert_cases(size)
        with step("code sequences"):
            continue_code_sequences()
        with step("timelines"):
            events = insert_events()
        with step("licences"):
            licences = insert_licences(size)
        with step("ratings, rectifications, consultations"):
            feedback = insert_feedback(size)
    finally:
        _execute("SET session_replication_role = origin")
    with step("check references"):
        check_references()
    with step("rollups"):
        rollups = rebuild_rollups_sql()
        update_case_counts()
    with step("vacuum analyze"):
        _execute("VACUUM (ANALYZE)")
    total = round(time.monotonic() - started, 1)
    counts = {
        "regions": Region.objects.count(),
        "departments": Department.objects.count(),
        **catalogue,
        "users": User.objects.count(),
        "cases": _scalar("SELECT count(*) FROM approvals_case"),
        "case_events": events,
        "licences": licences,
        **feedback,
        "daily_stats": rollups,
    }
    timings = {
        "steps": step.timings,
        "total_seconds": total,
        "counts": counts,
        "generated_on": str(datetime.date.today()),
    }
    _store_meta(size, timings)
    log(f"Generated in {total:.0f} s: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    return timings
