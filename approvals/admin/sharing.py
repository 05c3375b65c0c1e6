"""Admin for the data-sharing log, which is append-only: nobody adds, changes or deletes its rows here."""

from django.contrib import admin

from approvals.models import SharingLog
from portal.admin import ReadOnlyAdmin


@admin.register(SharingLog)
class SharingLogAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "department", "actor", "subject", "what", "description", "case"]
    list_filter = ["department", "what"]
    search_fields = ["description", "case__supervision_code"]
    list_select_related = ["department", "actor", "subject", "case"]
    date_hierarchy = "created_at"
    fields = ["created_at", "department", "actor", "subject", "what", "object_id", "description", "case", "purpose"]
    readonly_fields = fields
