"""Admin of evaluations: the settings row is edited here; ratings, rectifications, inquiries and statistics are
only shown, since every change to them goes through the services and their pages."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from evaluations.models import DailyStat, EvaluationSettings, Inquiry, Rating, Rectification, RectificationEvent
from portal.admin import ReadOnlyAdmin


@admin.register(EvaluationSettings)
class EvaluationSettingsAdmin(admin.ModelAdmin):
    """One row: it can be created once and changed, never deleted."""

    list_display = ["__str__", "rectification_days", "consultation_days", "complaint_days"]
    fieldsets = [
        (_("Deadlines (working days)"), {"fields": ["rectification_days", "consultation_days", "complaint_days"]}),
        (
            _("Performance weights"),
            {
                "fields": [
                    "weight_disclosure", "weight_process", "weight_deadline", "weight_satisfaction",
                    "weight_attitude", "weight_complaints",
                ],
            },
        ),
    ]  # fmt: skip

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not EvaluationSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Rating)
class RatingAdmin(ReadOnlyAdmin):
    list_display = [
        "case", "stars", "efficiency", "attitude", "guide_accuracy", "convenience", "department", "created_at",
    ]  # fmt: skip
    list_filter = ["stars", "created_at"]
    search_fields = ["case__supervision_code", "department__name", "implementation__name"]
    list_select_related = ["case", "department"]
    date_hierarchy = "created_at"


class RectificationEventInline(admin.TabularInline):
    model = RectificationEvent
    extra = 0
    fields = ["created_at", "action", "from_state", "to_state", "actor", "note"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Rectification)
class RectificationAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "department", "state", "due_date", "is_overdue", "fix_stars", "created_at"]
    list_filter = ["state", "is_overdue"]
    search_fields = ["rating__case__supervision_code", "department__name"]
    list_select_related = ["rating__case", "department"]
    readonly_fields = ["page"]
    inlines = [RectificationEventInline]

    @admin.display(description=_("page"))
    def page(self, obj):
        url = reverse("evaluations:rectification_detail", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Open the rectification page (steps are taken there)"))


@admin.register(Inquiry)
class InquiryAdmin(ReadOnlyAdmin):
    list_display = ["subject", "kind", "department", "state", "due_date", "allow_publish", "created_at"]
    list_filter = ["kind", "state", "allow_publish"]
    search_fields = ["subject", "question", "department__name"]
    list_select_related = ["department"]
    date_hierarchy = "created_at"
    readonly_fields = ["page"]

    @admin.display(description=_("page"))
    def page(self, obj):
        url = reverse("evaluations:inquiry_detail", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Open the page (answers and follow-ups are given there)"))


@admin.register(DailyStat)
class DailyStatAdmin(ReadOnlyAdmin):
    list_display = ["day", "department", "implementation", "clerk_key", "received", "completed", "ratings",
                    "bad_reviews", "rectified", "consultations", "complaints"]  # fmt: skip
    list_filter = ["day"]
    search_fields = ["department__name", "implementation__name"]
    list_select_related = ["department", "implementation"]
    date_hierarchy = "day"
