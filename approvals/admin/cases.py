"""Admin for cases: read-only pages with their timeline; every change goes through the workflow."""

from django.contrib import admin

from approvals.models import Case, CaseEvent


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    extra = 0
    fields = ["created_at", "action", "from_state", "to_state", "actor", "actor_department", "comment"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    """Cases are read here; every change goes through the workflow on the staff desk."""

    list_display = [
        "supervision_code",
        "implementation",
        "department",
        "state",
        "due_date",
        "is_overdue",
        "submitted_at",
    ]
    list_filter = ["state", "is_overdue", "department__region", "implementation__item__kind"]
    search_fields = ["supervision_code", "implementation__name", "implementation__code"]
    list_select_related = ["implementation", "department"]
    date_hierarchy = "submitted_at"
    inlines = [CaseEventInline]
    exclude = ["form_data", "submission_token"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Case._meta.fields if f.name not in {"form_data", "submission_token"}]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
