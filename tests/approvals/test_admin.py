"""Catalogue admin: editing pages, publish and retire actions, CSV/XLSX import that is all-or-nothing, export."""

import csv
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from approvals.models import Implementation, Item, Status
from tests.factories import DepartmentFactory, ImplementationFactory, ItemFactory

pytestmark = pytest.mark.django_db

HEADER = ["code", "item", "department", "region", "name", "conditions", "fees", "is_free", "statutory_limit_days",
          "committed_limit_days", "visits", "online_depth", "location", "office_hours", "process", "issues_licence",
          "status"]  # fmt: skip


def implementation_row(item, department, *, committed=5, statutory=20, name="导入的事项") -> list:
    return ["", item.code, department.code, department.region.code, name, "条件", "不收费", "1", statutory,
            committed, 1, 3, "", "", "申请", "", "draft"]  # fmt: skip


def csv_file(rows) -> SimpleUploadedFile:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return SimpleUploadedFile("implementations.csv", buffer.getvalue().encode("utf-8"), content_type="text/csv")


def xlsx_file(rows) -> SimpleUploadedFile:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("implementations.xlsx", buffer.getvalue())


def post_import(admin_client, upload, format_index):
    return admin_client.post(
        reverse("admin:approvals_implementation_import"),
        {"resource": "0", "format": str(format_index), "import_file": upload},
    )


def confirm_import(admin_client, response):
    form = response.context["confirm_form"]
    data = {name: field.value() for name, field in ((n, form[n]) for n in form.fields)}
    return admin_client.post(reverse("admin:approvals_implementation_process_import"), data)


@pytest.mark.parametrize(("maker", "format_index"), [(csv_file, 0), (xlsx_file, 1)])
def test_a_good_file_imports_every_row(admin_client, maker, format_index):
    item, department = ItemFactory(), DepartmentFactory()
    other = DepartmentFactory()
    response = post_import(admin_client, maker([implementation_row(item, department), implementation_row(item, other)]),
                           format_index)  # fmt: skip
    assert response.status_code == 200
    assert not response.context["result"].has_errors() and not response.context["result"].has_validation_errors()
    confirm_import(admin_client, response)
    assert Implementation.objects.filter(item=item).count() == 2
    created = Implementation.objects.get(department=department)
    assert created.code == created.expected_code()


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ({"committed": 30, "statutory": 20}, "committed"),
        ({"department": "11500000MB9999999X"}, "department"),
    ],
)
def test_one_bad_row_imports_nothing_and_names_the_row(admin_client, bad, reason):
    item, good_department, second = ItemFactory(), DepartmentFactory(), DepartmentFactory()
    rows = [implementation_row(item, good_department), implementation_row(item, second, name="第二行")]
    if "committed" in bad:
        rows[1][9], rows[1][8] = bad["committed"], bad["statutory"]
    else:
        rows[1][2] = bad["department"]
    response = post_import(admin_client, csv_file(rows), 0)
    assert response.status_code == 200
    result = response.context["result"]
    assert result.has_errors() or result.has_validation_errors()
    body = response.content.decode()
    assert "confirm_form" not in response.context or response.context["confirm_form"] is None
    invalid_rows = [row.number for row in result.invalid_rows] + [
        number for number, errors in result.row_errors() if errors
    ]
    assert invalid_rows == [2]
    if reason == "committed":
        assert "committed_limit_days" in result.invalid_rows[0].error_dict
    else:
        assert "department" in str([result.invalid_rows[0].error_dict if result.invalid_rows else result.row_errors()])
    assert "2" in body  # the row number is shown to the admin
    assert Implementation.objects.count() == 0


def test_export_as_csv_and_xlsx(admin_client):
    implementation = ImplementationFactory()
    for index, content_type in [(0, "text/csv"), (1, "spreadsheetml")]:
        response = admin_client.post(
            reverse("admin:approvals_implementation_export"),
            {"resource": "0", "format": str(index), **{f"implementationresource_{f}": "on" for f in HEADER}},
        )
        assert response.status_code == 200
        assert content_type in response["Content-Type"]
        if index == 0:
            assert implementation.code in response.content.decode("utf-8-sig")


def test_item_import_with_a_bad_code_imports_nothing(admin_client):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["code", "name", "kind", "audience", "legal_basis", "statutory_limit_days", "keywords", "status",
                     "themes"])  # fmt: skip
    writer.writerow(["XK00001001", "好事项", "XK", "both", "法", 20, "", "draft", ""])
    writer.writerow(["XK0000100", "坏编码", "XK", "both", "法", 20, "", "draft", ""])
    upload = SimpleUploadedFile("items.csv", buffer.getvalue().encode(), content_type="text/csv")
    response = admin_client.post(
        reverse("admin:approvals_item_import"), {"resource": "0", "format": "0", "import_file": upload}
    )
    result = response.context["result"]
    assert result.has_validation_errors()
    assert [row.number for row in result.invalid_rows] == [2]
    assert not Item.objects.exists()


def test_admin_pages_and_actions(admin_client):
    implementation = ImplementationFactory(draft=True)
    for name in ["approvals_item", "approvals_implementation", "approvals_material", "approvals_theme"]:
        assert admin_client.get(reverse(f"admin:{name}_changelist"), {"q": "XK"}).status_code == 200
    change = reverse("admin:approvals_implementation_change", args=[implementation.pk])
    assert admin_client.get(change).status_code == 200
    assert (
        admin_client.get(reverse("admin:approvals_implementation_history", args=[implementation.pk])).status_code == 200
    )
    admin_client.post(
        reverse("admin:approvals_implementation_changelist"),
        {"action": "publish", "_selected_action": [implementation.pk]},
    )
    implementation.refresh_from_db()
    assert implementation.status == Status.PUBLISHED


def test_cases_are_read_only_in_admin(admin_client):
    from tests.approvals.workflow_helpers import World

    case = World().submitted()
    response = admin_client.get(reverse("admin:approvals_case_changelist"), {"q": case.supervision_code})
    assert response.status_code == 200 and case.supervision_code in response.content.decode()
    assert admin_client.get(reverse("admin:approvals_case_change", args=[case.pk])).status_code == 200
    assert admin_client.get(reverse("admin:approvals_case_add")).status_code == 403
    implementation_page = admin_client.get(
        reverse("admin:approvals_implementation_change", args=[case.implementation_id])
    )
    assert (
        "review_steps" in implementation_page.content.decode() and "form_fields" in implementation_page.content.decode()
    )
