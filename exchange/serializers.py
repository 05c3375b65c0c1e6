"""What the exchange API reads and writes: input checks and the shapes of its answers."""

import re

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from approvals.models import Case, CaseEvent, CaseMaterial, Licence, LicenceType, SupplementRequest
from exchange.pagination import storable
from portal.models import User
from portal.validators import normalize_credit_code, normalize_id_number, validate_credit_code, validate_id_number

VERIFICATION_CODE_RE = re.compile(r"^[0-9A-Z]{12,16}$")
MAX_DATA_KEYS = 30


def _absolute(request, url: str) -> str:
    return request.build_absolute_uri(url) if request is not None else url


# --- errors (for the schema) ---------------------------------------------------------------


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text=_("Stable machine-readable code, e.g. transition_refused."))
    message = serializers.CharField(help_text=_("What went wrong, for people."))
    fields = serializers.DictField(
        child=serializers.JSONField(), required=False, help_text=_("Invalid input: the messages per field.")
    )
    retry_after = serializers.IntegerField(required=False, help_text=_("Rate limited: seconds to wait."))


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


# --- the system ----------------------------------------------------------------------------


class SystemSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    department = serializers.CharField(source="department.name")
    department_code = serializers.CharField(source="department.code")
    rate_limit = serializers.CharField()
    key_prefix = serializers.CharField()
    key_expires_at = serializers.DateTimeField()


# --- cases ---------------------------------------------------------------------------------


class ImplementationRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class ApplicantSerializer(serializers.Serializer):
    name = serializers.CharField(source="get_full_name")
    kind = serializers.ChoiceField(choices=User.Kind.choices)
    cert_type = serializers.CharField()
    cert_masked = serializers.CharField()
    mobile_masked = serializers.CharField()


class CaseSerializer(serializers.ModelSerializer):
    """A case as listed: enough to tell what changed."""

    implementation = ImplementationRefSerializer()
    applicant = ApplicantSerializer()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "id", "supervision_code", "state", "implementation", "applicant", "submitted_at", "accepted_at",
            "decided_at", "completed_at", "due_date", "is_overdue", "result", "updated_at", "url",
        ]  # fmt: skip

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, case) -> str:
        return _absolute(self.context.get("request"), reverse("exchange:case_detail", args=[case.pk]))


class CaseMaterialSerializer(serializers.ModelSerializer):
    material_id = serializers.IntegerField(allow_null=True)
    material_name = serializers.SerializerMethodField()
    licence_number = serializers.SerializerMethodField()
    file_url = serializers.SerializerMethodField()

    class Meta:
        model = CaseMaterial
        fields = [
            "id", "material_id", "material_name", "source", "original_name", "content_type", "size", "sha256",
            "uploaded_at", "licence_number", "file_url",
        ]  # fmt: skip

    def get_material_name(self, row) -> str:
        return row.material.name if row.material_id else ""

    def get_licence_number(self, row) -> str:
        return str(row.licence) if row.licence_id else ""

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_file_url(self, row) -> str | None:
        if not row.file:
            return None
        url = reverse("exchange:case_material_file", args=[row.case_id, row.pk])
        return _absolute(self.context.get("request"), url)


class CaseEventSerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()
    actor_department = serializers.CharField(source="actor_department.name", default="")

    class Meta:
        model = CaseEvent
        fields = ["id", "action", "from_state", "to_state", "actor", "actor_department", "comment", "created_at"]

    def get_actor(self, event) -> str:
        return event.actor.get_full_name() if event.actor_id else ""


class SupplementRequestSerializer(serializers.ModelSerializer):
    class Meta:
        model = SupplementRequest
        fields = ["id", "items", "requested_at", "resolved_at"]


class IssuedLicenceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    verification_code = serializers.CharField()


class CaseDetailSerializer(CaseSerializer):
    """A case with its answers, materials, timeline, supplement requests and what the system may do next."""

    materials = CaseMaterialSerializer(many=True)
    events = CaseEventSerializer(many=True)
    supplement_requests = SupplementRequestSerializer(many=True)
    licence = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()

    class Meta(CaseSerializer.Meta):
        fields = [
            *CaseSerializer.Meta.fields, "form_data", "decision_reason", "current_step", "extended_days",
            "working_days_used", "materials", "events", "supplement_requests", "licence", "allowed_actions",
        ]  # fmt: skip

    @extend_schema_field(IssuedLicenceSerializer(allow_null=True))
    def get_licence(self, case) -> dict | None:
        licence = getattr(case, "licence", None)
        if licence is None:
            return None
        return {"id": licence.pk, "number": licence.number, "verification_code": licence.verification_code}

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_allowed_actions(self, case) -> list[str]:
        return self.context.get("allowed_actions", {}).get(case.pk, [])


class BoundedDateTimeField(serializers.DateTimeField):
    """A date-time that also rejects moments near year 1 or 9999, which DRF lets overflow into a server error."""

    def enforce_timezone(self, value):
        try:
            value = super().enforce_timezone(value)
        except OverflowError:
            self.fail("overflow")
        if not storable(value):
            self.fail("overflow")
        return value


class CaseFilterSerializer(serializers.Serializer):
    updated_since = BoundedDateTimeField(
        required=False, help_text=_("ISO 8601; only cases changed at or after this moment.")
    )
    state = serializers.ChoiceField(choices=[c for c in Case.State.choices if c[0] != Case.State.DRAFT], required=False)


# --- transitions ---------------------------------------------------------------------------


class CommentInputSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class ReasonInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, help_text=_("The legal reason, told to the applicant."))


class SupplementItemSerializer(serializers.Serializer):
    material = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, help_text=_("Id of one of the item's materials, if any.")
    )
    name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")


class SupplementInputSerializer(serializers.Serializer):
    items = SupplementItemSerializer(many=True, allow_empty=False, max_length=50)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")

    def validate_items(self, items):
        materials = {m.pk: m.name for m in self.context["materials"]}
        errors, cleaned = {}, []
        for index, item in enumerate(items):
            material_id, name = item.get("material"), (item.get("name") or "").strip()
            if material_id is not None and material_id not in materials:
                errors[index] = {"material": [_("This is not one of the item's materials.")]}
                continue
            name = name or materials.get(material_id, "")
            if not name:
                errors[index] = {"name": [_("Name the material, or give the id of one of the item's materials.")]}
                continue
            cleaned.append({"material": material_id, "name": name, "reason": item.get("reason", "")})
        if errors:
            raise serializers.ValidationError([errors.get(i, {}) for i in range(len(items))])
        return cleaned


# --- licences ------------------------------------------------------------------------------


class LicenceTypeRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class LicenceSerializer(serializers.ModelSerializer):
    licence_type = LicenceTypeRefSerializer()
    issuing_department = serializers.CharField(source="issuing_department.name")
    status = serializers.ChoiceField(choices=Licence.Status.choices)
    case = serializers.CharField(source="case.supervision_code", default=None, allow_null=True)
    verify_url = serializers.SerializerMethodField()

    class Meta:
        model = Licence
        fields = [
            "id", "licence_type", "number", "holder_name", "holder_cert_masked", "issuing_department", "issued_on",
            "valid_until", "status", "revoked_at", "revoke_reason", "verification_code", "verify_url", "data",
            "source", "case", "created_at",
        ]  # fmt: skip

    @extend_schema_field(OpenApiTypes.URI)
    def get_verify_url(self, licence) -> str:
        url = f"{reverse('approvals:licence_verify')}?code={licence.verification_code}"
        return _absolute(self.context.get("request"), url)


class LicencePublishSerializer(serializers.Serializer):
    """A licence the department issued in its own system, published to the hall."""

    licence_type = serializers.SlugRelatedField(
        slug_field="code", queryset=LicenceType.objects.all(), help_text=_("Code of a licence type of the hall.")
    )
    number = serializers.CharField(max_length=50)
    holder_name = serializers.CharField(max_length=100)
    holder_cert_type = serializers.ChoiceField(choices=User.CertType.choices, required=False)
    holder_cert_number = serializers.CharField(
        required=False, max_length=32, help_text=_("Resident ID number or credit code; links the holder's account.")
    )
    issued_on = serializers.DateField()
    valid_until = serializers.DateField(required=False, allow_null=True)
    data = serializers.DictField(
        child=serializers.CharField(max_length=500, allow_blank=True), required=False,
        help_text=_("Fields printed on the licence (at most 30)."),
    )  # fmt: skip
    verification_code = serializers.CharField(
        required=False,
        max_length=40,
        help_text=_("The code printed on the licence, 12 to 16 letters and digits; empty: the hall issues one."),
    )

    def validate_data(self, data):
        if len(data) > MAX_DATA_KEYS:
            raise serializers.ValidationError(_("At most %(n)d fields.") % {"n": MAX_DATA_KEYS})
        if any(not key or len(key) > 50 or "\x00" in key for key in data):
            raise serializers.ValidationError(_("Field names are 1 to 50 characters."))
        return data

    def validate_verification_code(self, code):
        code = code.strip().upper().replace(" ", "").replace("-", "")
        if not VERIFICATION_CODE_RE.match(code):
            raise serializers.ValidationError(_("Use 12 to 16 letters and digits."))
        return code

    def validate_issued_on(self, day):
        if day > timezone.localdate():
            raise serializers.ValidationError(_("A licence cannot be issued in the future."))
        return day

    def validate(self, attrs):
        cert_type, cert_number = attrs.get("holder_cert_type"), attrs.get("holder_cert_number")
        if bool(cert_type) != bool(cert_number):
            raise serializers.ValidationError(
                {"holder_cert_number": [_("Give the certificate type and number together.")]}
            )
        if cert_number:
            if cert_type == User.CertType.RESIDENT_ID:
                normalize, check = normalize_id_number, validate_id_number
            else:
                normalize, check = normalize_credit_code, validate_credit_code
            cert_number = attrs["holder_cert_number"] = normalize(cert_number)
            try:
                check(cert_number)
            except DjangoValidationError as exc:
                raise serializers.ValidationError({"holder_cert_number": list(exc.messages)}) from None
        valid_until = attrs.get("valid_until")
        if valid_until is not None and valid_until < attrs["issued_on"]:
            raise serializers.ValidationError({"valid_until": [_("The licence cannot expire before it is issued.")]})
        return attrs


# --- sharing -------------------------------------------------------------------------------


class SharingQuerySerializer(serializers.Serializer):
    purpose = serializers.CharField(
        required=False, allow_blank=True, max_length=200, help_text=_("Why the records are read; kept in the log.")
    )


class SharedMaterialSerializer(serializers.ModelSerializer):
    material_name = serializers.CharField(source="material.name")
    from_case = serializers.CharField(source="case.supervision_code")
    file_url = serializers.SerializerMethodField()

    class Meta:
        model = CaseMaterial
        fields = ["id", "material_name", "from_case", "original_name", "content_type", "size", "sha256",
                  "uploaded_at", "file_url"]  # fmt: skip

    @extend_schema_field(OpenApiTypes.URI)
    def get_file_url(self, row) -> str:
        url = reverse("exchange:case_shared_material_file", args=[self.context["case"].pk, row.pk])
        return _absolute(self.context.get("request"), url)
