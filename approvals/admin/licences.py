"""Admin for licence types and electronic licences.

Licences are issued and revoked only through ``approvals.services.licences`` (on completion and
on the staff page ``/staff/licences/``), so the admin shows them read-only.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from approvals.models import Licence, LicenceType
from portal.admin import ReadOnlyAdmin

if admin.site.is_registered(LicenceType):
    admin.site.unregister(LicenceType)


@admin.register(LicenceType)
class LicenceTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "valid_years", "number_prefix"]
    search_fields = ["name", "code", "number_prefix"]


@admin.register(Licence)
class LicenceAdmin(ReadOnlyAdmin):
    list_display = ["number", "licence_type", "holder_name", "issuing_department", "issued_on", "valid_until",
                    "status_display"]  # fmt: skip
    list_filter = ["licence_type", "issuing_department"]
    search_fields = ["number", "holder_name", "verification_code"]
    list_select_related = ["licence_type", "issuing_department"]
    date_hierarchy = "issued_on"
    fields = ["licence_type", "number", "holder", "holder_name", "holder_cert_masked", "issuing_department",
              "issued_on", "valid_until", "status_display", "revoked_at", "revoke_reason", "case",
              "verification_code", "data", "source", "created_at"]  # fmt: skip
    readonly_fields = fields

    @admin.display(description=_("status"))
    def status_display(self, obj):
        return obj.get_status_display()
