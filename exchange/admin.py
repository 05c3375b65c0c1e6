"""Admin for business systems, their API keys, the call log and idempotency records.

Systems are registered and changed, and keys issued and revoked, only through
``exchange.services``. A new key is shown once, on the page that issues it, and never
stored: neither in the database (only its digest) nor in a message.
"""

import datetime

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Q
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from exchange import selectors, services
from exchange.models import ApiCallLog, ApiKey, BusinessSystem, IdempotencyRecord
from portal.admin import ReadOnlyAdmin


def _keys_issued_page(request, issued: list[tuple[ApiKey, str]]) -> TemplateResponse:
    context = {
        **admin.site.each_context(request),
        "title": _("API keys issued"),
        "issued": issued,
        "opts": ApiKey._meta,
    }
    return TemplateResponse(request, "exchange/admin/keys_issued.html", context)


class ApiKeyInline(admin.TabularInline):
    model = ApiKey
    fields = ["prefix", "created_at", "created_by", "expires_at", "revoked_at", "last_used_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class BusinessSystemForm(forms.ModelForm):
    class Meta:
        model = BusinessSystem
        fields = ["name", "code", "department", "rate_limit", "contact", "is_active"]

    def clean_code(self):
        code = self.cleaned_data["code"]
        if self.instance.pk is None and selectors.system_code_taken(code=code):
            raise forms.ValidationError(_("A system with this code already exists."))
        return code


@admin.register(BusinessSystem)
class BusinessSystemAdmin(admin.ModelAdmin):
    form = BusinessSystemForm
    list_display = ["name", "code", "department", "is_active", "usable_keys", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "code", "department__name"]
    list_select_related = ["department"]
    autocomplete_fields = ["department"]
    actions = ["issue_key"]

    def get_inlines(self, request, obj):
        return [ApiKeyInline] if obj is not None else []

    def get_queryset(self, request):
        now = timezone.now()
        return (
            super()
            .get_queryset(request)
            .annotate(usable=Count("keys", filter=Q(keys__revoked_at__isnull=True, keys__expires_at__gt=now)))
        )

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["name", "code", "department", "rate_limit", "contact"]
        return ["name", "code", "department", "service_user", "rate_limit", "contact", "is_active", "created_at"]

    def get_readonly_fields(self, request, obj=None):
        return ["code", "department", "service_user", "created_at"] if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        return False  # disable a system instead: its calls and actions stay on record

    @admin.display(description=gettext_lazy("usable keys"), ordering="usable")
    def usable_keys(self, obj):
        return obj.usable

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            services.system_update(
                system_id=obj.pk, name=data["name"], rate_limit=data["rate_limit"], contact=data["contact"],
                is_active=data["is_active"], actor=request.user,
            )  # fmt: skip
            return
        system = services.system_register(
            name=data["name"], code=data["code"], department=data["department"], rate_limit=data["rate_limit"],
            contact=data["contact"], actor=request.user,
        )  # fmt: skip
        obj.pk, obj.service_user_id, obj.created_at = system.pk, system.service_user_id, system.created_at
        obj._state.adding, obj._state.db = False, system._state.db

    @admin.action(description=gettext_lazy("Issue an API key (shown once)"))
    def issue_key(self, request, queryset):
        issued = []
        for system in queryset:
            try:
                row, key = services.api_key_issue(system_id=system.pk, actor=request.user)
            except services.ExchangeError as exc:
                self.message_user(request, f"{system}: {exc}", messages.ERROR)
                continue
            self.log_change(request, system, _("Issued API key %(prefix)s.") % {"prefix": row.prefix})
            issued.append((row, key))
        return _keys_issued_page(request, issued) if issued else None


class ApiKeyAddForm(forms.ModelForm):
    class Meta:
        model = ApiKey
        fields = ["system", "expires_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["system"].queryset = BusinessSystem.objects.filter(is_active=True)
        self.fields["expires_at"].initial = lambda: timezone.now() + datetime.timedelta(days=365)

    def clean_expires_at(self):
        value = self.cleaned_data["expires_at"]
        if value <= timezone.now():
            raise forms.ValidationError(_("Choose a moment in the future."))
        return value


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["__str__", "system", "created_at", "expires_at", "revoked_at", "last_used_at", "state"]
    list_filter = ["system"]
    search_fields = ["prefix", "system__name", "system__code"]
    list_select_related = ["system"]
    fields = ["system", "prefix", "created_at", "created_by", "expires_at", "revoked_at", "revoked_by",
              "last_used_at"]  # fmt: skip
    readonly_fields = fields
    actions = ["revoke"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = ApiKeyAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        return ["system", "expires_at"] if obj is None else self.fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("state"))
    def state(self, obj):
        if obj.revoked_at:
            return _("revoked")
        return _("expired") if obj.is_expired else _("usable")

    def save_model(self, request, obj, form, change):
        row, key = services.api_key_issue(
            system_id=form.cleaned_data["system"].pk, actor=request.user, expires_at=form.cleaned_data["expires_at"]
        )
        obj.pk, obj.prefix, obj.created_at = row.pk, row.prefix, row.created_at
        obj._state.adding, obj._state.db = False, row._state.db
        request._exchange_issued = [(row, key)]

    def response_add(self, request, obj, post_url_continue=None):
        return _keys_issued_page(request, getattr(request, "_exchange_issued", []))

    @admin.action(description=gettext_lazy("Revoke the selected keys"), permissions=["view"])
    def revoke(self, request, queryset):
        count = 0
        for key in queryset.filter(revoked_at__isnull=True):
            services.api_key_revoke(key_id=key.pk, actor=request.user)
            self.log_change(request, key, _("Revoked."))
            count += 1
        self.message_user(request, _("%(count)d keys revoked.") % {"count": count}, messages.SUCCESS)


@admin.register(ApiCallLog)
class ApiCallLogAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "system", "method", "endpoint", "object_ref", "status_code", "result",
                    "duration_ms", "replayed"]  # fmt: skip
    list_filter = ["system", "status_code", "method", "replayed"]
    search_fields = ["path", "object_ref", "result"]
    list_select_related = ["system"]
    date_hierarchy = "created_at"
    fields = ["created_at", "system", "key", "method", "endpoint", "path", "object_ref", "status_code", "result",
              "duration_ms", "replayed"]  # fmt: skip
    readonly_fields = fields


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "system", "key", "method", "path", "status_code"]
    list_filter = ["system"]
    search_fields = ["key", "path"]
    list_select_related = ["system"]
    fields = ["created_at", "system", "key", "method", "path", "fingerprint", "status_code", "response_body"]
    readonly_fields = fields
