"""Admin for users and the notification outbox. Personal numbers appear only masked."""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm
from django.contrib.auth.forms import UserChangeForm as BaseUserChangeForm
from django.utils.translation import gettext_lazy as _

from portal import notifications, services
from portal.models import AuditEvent, Delivery, Message, Notification, User
from portal.validators import MOBILE_RE, normalize_mobile, validate_mobile


class ReadOnlyAdmin(admin.ModelAdmin):
    """Show rows and their fields; add, change and delete belong to the services (every app's read-only admin)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class UserChangeForm(BaseUserChangeForm):
    """Edit an account; a certificate number can be replaced but is never shown."""

    new_cert_number = forms.CharField(
        label=_("New certificate number"),
        required=False,
        help_text=_("Leave empty to keep the stored number. It is stored encrypted and shown only masked."),
    )
    # Wider than the 11 stored digits, so that "+86 138-1234-5678" reaches clean_mobile.
    mobile = forms.CharField(label=_("mobile number"), max_length=30, required=False)

    class Meta(BaseUserChangeForm.Meta):
        model = User
        fields = "__all__"

    def clean_mobile(self):
        mobile = normalize_mobile(self.cleaned_data.get("mobile") or "")
        if not mobile:
            return None
        validate_mobile(mobile)
        return mobile

    def clean(self):
        cleaned = super().clean()
        number = cleaned.get("new_cert_number", "").strip()
        if number:
            if not cleaned.get("cert_type"):
                self.add_error("cert_type", _("Choose the certificate type of the new number."))
            else:
                try:
                    self.instance.set_cert_number(cleaned["cert_type"], number)
                except forms.ValidationError as exc:
                    self.add_error("new_cert_number", exc)
                else:
                    if User.objects.filter(User.cert_lookup(cleaned["cert_type"], number)).exclude(pk=self.instance.pk):
                        self.add_error("new_cert_number", _("Another account already holds this number."))
        return cleaned


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserChangeForm
    add_form = AdminUserCreationForm
    list_display = ["username", "real_name", "kind", "masked_mobile", "cert_masked", "is_staff", "is_active"]
    list_filter = ["kind", "is_staff", "is_superuser", "is_active"]
    search_fields = ["username", "real_name", "mobile"]
    ordering = ["username"]
    readonly_fields = ["cert_masked", "last_login", "date_joined"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Real name"), {"fields": ["real_name", "kind", "mobile", "email"]}),
        (_("Messages"), {"fields": ["language", "notify_by_email", "notify_by_sms"]}),
        (_("Certificate"), {"fields": ["cert_type", "cert_masked", "new_cert_number"]}),
        (_("Permissions"), {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["username", "usable_password", "password1", "password2"]})]

    def get_search_results(self, request, queryset, search_term):
        """Find an account by any spelling of its mobile number, as the log-in does."""
        mobile = normalize_mobile(search_term)
        if MOBILE_RE.match(mobile):
            search_term = mobile
        return super().get_search_results(request, queryset, search_term)

    @admin.display(description=_("mobile number"), ordering="mobile")
    def masked_mobile(self, obj):
        return obj.mobile_masked


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    can_delete = False
    fields = ["channel", "status", "sent_at", "last_error"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """The outbox. Failed rows are the dead letters: fix the cause, then send them again."""

    list_display = ["id", "title", "kind_label", "addressee", "status", "attempts", "created_at"]
    list_filter = ["status", "kind", "deliveries__channel"]
    search_fields = ["event_key", "kind", "recipient__username", "department__name"]
    raw_id_fields = ["recipient", "department"]
    readonly_fields = [f.name for f in Notification._meta.fields]
    inlines = [DeliveryInline]
    actions = ["resend"]
    date_hierarchy = "created_at"

    @admin.display(description=_("kind"), ordering="kind")
    def kind_label(self, obj):
        kind = notifications.REGISTRY.get(obj.kind)
        return kind.label if kind else obj.kind

    @admin.display(description=_("to"))
    def addressee(self, obj):
        return obj.recipient or obj.department

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("recipient", "department")

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "outbox": services.outbox_health()}
        return super().changelist_view(request, extra_context=extra_context)

    @admin.action(description=_("Send the selected failed notifications again"))
    def resend(self, request, queryset):
        count = services.notification_resend(notification_ids=queryset.values_list("pk", flat=True))
        self.message_user(request, _("%(count)d notifications put back in the outbox.") % {"count": count})

    def has_add_permission(self, request):
        return False


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["id", "title", "recipient", "department", "kind", "created_at", "read_at"]
    list_filter = ["kind"]
    search_fields = ["title", "recipient__username", "department__name"]
    raw_id_fields = ["recipient", "department", "notification", "read_by"]
    readonly_fields = [
        "notification", "recipient", "department", "kind", "title", "body", "link", "created_at", "read_at", "read_by",
    ]  # fmt: skip

    def has_add_permission(self, request):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """The audit log, read-only: nobody adds, changes or deletes a line here."""

    list_display = ["at", "actor_label", "ip", "action", "object_type", "object_id", "result"]
    list_filter = ["result", "action"]
    search_fields = ["actor_label", "action", "object_id", "ip"]
    date_hierarchy = "at"
    readonly_fields = [f.name for f in AuditEvent._meta.fields]


def run_for_each(modeladmin, request, queryset, service, argument: str, done_message) -> None:
    """Call ``service`` for each selected object as the admin who asked; report refusals one by one, successes together.

    ``service`` takes the object as ``argument`` and ``actor`` (for its audit row), and refuses with
    ``ValidationError``; ``done_message(n)`` says what was done to ``n`` objects.
    """
    from django.contrib import messages
    from django.core.exceptions import ValidationError

    done = 0
    for obj in queryset:
        try:
            service(**{argument: obj}, actor=request.user)
        except ValidationError as exc:
            modeladmin.message_user(request, f"{obj}: {' '.join(exc.messages)}", messages.ERROR)
        else:
            done += 1
    if done:
        modeladmin.message_user(request, done_message(done), messages.SUCCESS)
