"""Import and export of the catalogue (django-import-export), used by the admin.

Rows refer to other records by code, never by database id, so a file moves between
installations. Every row is validated with the model's own rules; with
``IMPORT_EXPORT_USE_TRANSACTIONS`` one bad row rolls the whole import back.
"""

from import_export import fields, resources, widgets

from approvals.models import Implementation, Item, LicenceType, Theme
from departments.models import Department, Region


class ItemResource(resources.ModelResource):
    themes = fields.Field(
        attribute="themes", column_name="themes", widget=widgets.ManyToManyWidget(Theme, field="slug", separator="|")
    )

    class Meta:
        model = Item
        import_id_fields = ["code"]
        fields = [
            "code",
            "name",
            "kind",
            "audience",
            "legal_basis",
            "statutory_limit_days",
            "keywords",
            "status",
            "themes",
        ]
        export_order = fields
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = False


class ImplementationResource(resources.ModelResource):
    item = fields.Field(attribute="item", column_name="item", widget=widgets.ForeignKeyWidget(Item, field="code"))
    department = fields.Field(
        attribute="department", column_name="department", widget=widgets.ForeignKeyWidget(Department, field="code")
    )
    region = fields.Field(
        attribute="region", column_name="region", widget=widgets.ForeignKeyWidget(Region, field="code")
    )
    issues_licence = fields.Field(
        attribute="issues_licence",
        column_name="issues_licence",
        widget=widgets.ForeignKeyWidget(LicenceType, field="code"),
    )

    class Meta:
        model = Implementation
        import_id_fields = ["item", "department", "region"]
        fields = [
            "code", "item", "department", "region", "name", "conditions", "fees", "is_free",
            "statutory_limit_days", "committed_limit_days", "visits", "online_depth", "location",
            "office_hours", "process", "issues_licence", "status",
        ]  # fmt: skip
        export_order = fields
        # The code is derived from item, region and department; a file's value is checked, not trusted.
        readonly_fields = ["code"]
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = False
