"""Admin for the catalogue: full editing with inlines, filters, history, publish/retire, import/export."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from import_export.admin import ImportExportModelAdmin
from import_export.formats.base_formats import CSV, XLSX
from simple_history.admin import SimpleHistoryAdmin

from approvals import services
from approvals.models import (
    FAQ,
    FormField,
    Implementation,
    Item,
    LicenceType,
    Material,
    ReviewStep,
    Theme,
)
from approvals.resources import ImplementationResource, ItemResource
from portal.admin import run_for_each


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "name_en", "sort_order"]
    search_fields = ["name", "slug", "name_en"]
    prepopulated_fields = {"slug": ["name_en"]}


@admin.register(LicenceType)
class LicenceTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]


class MaterialInline(admin.TabularInline):
    model = Material
    extra = 0
    fields = [
        "sort_order", "name", "required", "form", "copies", "medium", "licence_type", "commitment_allowed",
        "may_be_missing", "template", "notes",
    ]  # fmt: skip
    autocomplete_fields = ["licence_type"]


class FAQInline(admin.StackedInline):
    model = FAQ
    extra = 0
    fields = ["sort_order", "question", "answer"]


ITEM_DONE = {
    "publish": lambda n: ngettext("%(n)d item published.", "%(n)d items published.", n) % {"n": n},
    "retire": lambda n: ngettext("%(n)d item retired.", "%(n)d items retired.", n) % {"n": n},
}
IMPLEMENTATION_DONE = {
    "publish": lambda n: ngettext("%(n)d implementation published.", "%(n)d implementations published.", n) % {"n": n},
    "retire": lambda n: ngettext("%(n)d implementation retired.", "%(n)d implementations retired.", n) % {"n": n},
}


class FormFieldInline(admin.TabularInline):
    model = FormField
    extra = 0
    fields = ["sort_order", "name", "label", "kind", "required", "choices", "help_text"]


class ReviewStepInline(admin.TabularInline):
    model = ReviewStep
    extra = 0
    fields = ["order", "name", "department", "role", "is_co_review", "co_departments", "limit_days"]
    autocomplete_fields = ["department", "co_departments"]


class ImplementationInline(admin.TabularInline):
    model = Implementation
    extra = 0
    fields = ["code", "department", "region", "committed_limit_days", "visits", "status"]
    readonly_fields = ["code", "department", "region", "committed_limit_days", "visits", "status"]
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Item)
class ItemAdmin(ImportExportModelAdmin, SimpleHistoryAdmin):
    resource_classes = [ItemResource]
    formats = [CSV, XLSX]
    list_display = ["code", "name", "kind", "audience", "statutory_limit_days", "status"]
    list_filter = ["status", "kind", "audience", "themes"]
    search_fields = ["code", "name", "keywords"]
    filter_horizontal = ["themes"]
    readonly_fields = ["updated_at"]
    inlines = [ImplementationInline]
    actions = ["publish", "retire"]

    @admin.action(description=_("Publish the selected items"))
    def publish(self, request, queryset):
        run_for_each(self, request, queryset, services.item_publish, "item", ITEM_DONE["publish"])

    @admin.action(description=_("Retire the selected items and their implementations"))
    def retire(self, request, queryset):
        run_for_each(self, request, queryset, services.item_retire, "item", ITEM_DONE["retire"])


@admin.register(Implementation)
class ImplementationAdmin(ImportExportModelAdmin, SimpleHistoryAdmin):
    resource_classes = [ImplementationResource]
    formats = [CSV, XLSX]
    list_display = ["code", "name", "department", "region", "committed_limit_days", "visits", "status"]
    list_filter = ["status", "item__kind", "visits", "online_depth", "region__level", "region", "department"]
    search_fields = ["code", "name", "item__code", "item__name", "department__name"]
    list_select_related = ["department", "region"]
    autocomplete_fields = ["item", "department", "region", "issues_licence"]
    readonly_fields = ["code", "published_at", "case_count", "updated_at"]
    inlines = [MaterialInline, FAQInline, FormFieldInline, ReviewStepInline]
    actions = ["publish", "retire"]
    fieldsets = [
        (None, {"fields": ["code", "item", "department", "region", "name", "status", "published_at"]}),
        (_("Guide"), {"fields": ["conditions", "fees", "is_free", "process", "location", "office_hours"]}),
        (
            _("Limits and visits"),
            {"fields": ["statutory_limit_days", "committed_limit_days", "visits", "online_depth"]},
        ),
        (_("Result"), {"fields": ["issues_licence", "case_count", "updated_at"]}),
        (_("Applying"), {"fields": ["missing_grace_days"]}),
    ]

    @admin.action(description=_("Publish the selected implementations"))
    def publish(self, request, queryset):
        run_for_each(
            self, request, queryset, services.implementation_publish, "implementation", IMPLEMENTATION_DONE["publish"]
        )

    @admin.action(description=_("Retire the selected implementations"))
    def retire(self, request, queryset):
        run_for_each(
            self, request, queryset, services.implementation_retire, "implementation", IMPLEMENTATION_DONE["retire"]
        )


@admin.register(Material)
class MaterialAdmin(SimpleHistoryAdmin):
    list_display = ["name", "implementation", "required", "form", "medium", "licence_type"]
    list_filter = ["required", "medium", "licence_type"]
    search_fields = ["name", "implementation__code", "implementation__name"]
    autocomplete_fields = ["implementation", "licence_type"]
    list_select_related = ["implementation", "licence_type"]
