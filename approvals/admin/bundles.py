"""Admin for bundles (一件事一次办): life events made of implementations, published by an action.

A bundle's status changes only through the publish and retire actions, which call the
services in ``approvals.services.bundles`` (publishing checks that every part is a
published implementation). Bundle applications are read here; their cases change only
through the workflow on the staff desk.
"""

from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from approvals.models import Bundle, BundleApplication, BundlePart, Case
from approvals.services import bundles as services
from portal.admin import ReadOnlyAdmin, run_for_each


class BundlePartInline(admin.TabularInline):
    model = BundlePart
    extra = 0
    fields = ["order", "implementation"]
    autocomplete_fields = ["implementation"]
    ordering = ["order", "id"]


@admin.register(Bundle)
class BundleAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "status", "part_count"]
    list_filter = ["status"]
    search_fields = ["name", "slug", "description", "parts__implementation__name"]
    readonly_fields = ["status"]
    fields = ["name", "slug", "description", "status"]
    inlines = [BundlePartInline]
    actions = ["publish", "retire"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(part_count=Count("parts"))

    @admin.display(description=_("parts"), ordering="part_count")
    def part_count(self, obj) -> int:
        return obj.part_count

    @admin.action(description=_("Publish the selected bundles"))
    def publish(self, request, queryset):
        run_for_each(
            self,
            request,
            queryset,
            services.bundle_publish,
            "bundle",
            lambda n: ngettext("%(n)d bundle published.", "%(n)d bundles published.", n) % {"n": n},
        )

    @admin.action(description=_("Retire the selected bundles"))
    def retire(self, request, queryset):
        run_for_each(
            self,
            request,
            queryset,
            services.bundle_retire,
            "bundle",
            lambda n: ngettext("%(n)d bundle retired.", "%(n)d bundles retired.", n) % {"n": n},
        )


class BundleCaseInline(admin.TabularInline):
    model = Case
    fk_name = "bundle_application"
    extra = 0
    fields = ["supervision_code", "implementation", "department", "state", "result", "decision_reason"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(BundleApplication)
class BundleApplicationAdmin(ReadOnlyAdmin):
    """Read only: an application is made by ``bundle_submit`` and its cases move on the staff desk."""

    list_display = ["code", "bundle", "applicant", "submitted_at"]
    list_filter = ["bundle"]
    search_fields = ["code", "bundle__name", "cases__supervision_code"]
    list_select_related = ["bundle", "applicant"]
    date_hierarchy = "submitted_at"
    exclude = ["form_data", "submission_token"]
    inlines = [BundleCaseInline]

    def get_readonly_fields(self, request, obj=None):
        return ["code", "bundle", "applicant", "submitted_at"]
