"""Views of the exchange API (``/api/v1/``): thin, like the desk's.

Each view finds its object through a selector scoped to the calling system's department,
validates the body with a serializer and calls one service: the case transitions and the
sharing service are the very functions the clerk's desk calls, with the system's service
account as the actor. Every call is logged; POSTs honour ``Idempotency-Key``.
"""

import hashlib
import json
import re
import time
from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.http import FileResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from approvals import uploads
from approvals.forms.cases import CASE_ACTIONS
from approvals.selectors import cases as case_selectors
from approvals.selectors import catalogue
from approvals.services import cases as case_services
from approvals.services import sharing
from exchange import selectors, serializers, services
from exchange.auth import system_of
from exchange.errors import ApiError, error_body
from exchange.pagination import UpdatedCursorPagination

IDEMPOTENCY_KEY_RE = re.compile(r"^[\x21-\x7e]{1,255}$")
REPLAYED_HEADER = "Idempotent-Replayed"

ERRORS = {
    400: OpenApiResponse(serializers.ErrorSerializer, description="Malformed body or invalid fields."),
    401: OpenApiResponse(serializers.ErrorSerializer, description="Missing, unknown, expired or revoked key."),
    403: OpenApiResponse(serializers.ErrorSerializer, description="Refused."),
    404: OpenApiResponse(serializers.ErrorSerializer, description="No such object in the system's department."),
    409: OpenApiResponse(serializers.ErrorSerializer, description="Refused by the workflow or a duplicate."),
    415: OpenApiResponse(serializers.ErrorSerializer, description="The body is not JSON."),
    422: OpenApiResponse(serializers.ErrorSerializer, description="Idempotency key reused for another request."),
    429: OpenApiResponse(serializers.ErrorSerializer, description="Rate limit reached."),
}
IDEMPOTENCY_PARAMETER = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="Any unique string (≤ 255 printable ASCII characters); a repeated request returns the first answer.",
)


def errors(*codes: int) -> dict:
    return {code: ERRORS[code] for code in (400, 401, 404, 429, *codes)}


@csrf_exempt
def api_not_found(request, *args, **kwargs):
    """Answer unknown paths under ``/api/`` in the API's own error format."""
    return JsonResponse(error_body("not_found", _("There is no such endpoint.")), status=404)


class ExchangeView(APIView):
    """Base of the API's views: call log, idempotent POSTs, domain errors turned into API errors."""

    object_kind = ""

    def dispatch(self, request, *args, **kwargs):
        self.started = time.monotonic()
        self.object_ref = f"{self.object_kind}:{kwargs['pk']}" if self.object_kind and "pk" in kwargs else ""
        response = super().dispatch(request, *args, **kwargs)
        self._log(self.request, response)
        return response

    def _log(self, request, response) -> None:
        key = request.auth if getattr(request, "_auth", None) is not None else None
        key = key or getattr(request._request, "exchange_key", None)
        if key is None:
            return  # no system to charge the call to: an unknown or missing key
        if response.status_code < 400:
            result = "ok"
        else:
            data = getattr(response, "data", None)
            result = data.get("error", {}).get("code", "error") if isinstance(data, dict) else "error"
        match = request._request.resolver_match
        services.call_log_write(
            key=key, method=request.method, endpoint=match.view_name if match else "", path=request.path,
            object_ref=self.object_ref, status_code=response.status_code, result=result,
            duration_ms=int((time.monotonic() - self.started) * 1000),
            replayed=response.headers.get(REPLAYED_HEADER) == "true",
        )  # fmt: skip

    @property
    def system(self):
        return system_of(self.request)

    def validated(self, serializer_class, data, **context):
        serializer = serializer_class(data=data, context={"request": self.request, **context})
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def get_case(self, pk: int):
        case = selectors.case_get_for_system(system=self.system, case_id=pk)
        if case is None:
            raise exceptions.NotFound(_("No such case in your department."))
        return case

    def case_body(self, case) -> dict:
        allowed = [a.action for a in case_selectors.available_actions(case=case, user=self.request.user)]
        context = {"request": self.request, "allowed_actions": {case.pk: [a for a in allowed if a in ACTIONS]}}
        return serializers.CaseDetailSerializer(case, context=context).data

    # --- idempotency

    def idempotent(self, request, act: Callable[[], Response]) -> Response:
        """Run ``act`` once per ``Idempotency-Key``: a repeat of the same request replays the first answer."""
        key = request.headers.get("Idempotency-Key")
        if key is None:
            return self._run(act)
        if not IDEMPOTENCY_KEY_RE.match(key):
            raise ApiError(
                status_code=400,
                code="invalid_idempotency_key",
                message=_("An Idempotency-Key is 1 to 255 printable ASCII characters."),
            )
        fingerprint = _fingerprint(request)
        with transaction.atomic():
            record, new = services.idempotency_claim(
                system_id=self.system.pk, key=key, method=request.method, path=request.path, fingerprint=fingerprint
            )
            if not new:
                if record.fingerprint != fingerprint:
                    raise ApiError(
                        status_code=422,
                        code="idempotency_key_reused",
                        message=_("This Idempotency-Key was used for another request."),
                    )
                body = json.loads(record.response_body) if record.response_body else None
                self.object_ref = self.object_ref or _object_ref_of(body)
                return Response(body, status=record.status_code, headers={REPLAYED_HEADER: "true"})
            response = self._run(act)
            # Kept as rendered: parsed again, it renders to the very same bytes (key order included).
            body = JSONRenderer().render(response.data).decode() if response.data is not None else ""
            services.idempotency_store(record=record, status_code=response.status_code, body=body)
        return response

    def _run(self, act: Callable[[], Response]) -> Response:
        try:
            return act()
        except case_services.WorkflowError as exc:
            return self.handle_exception(ApiError(status_code=409, code="transition_refused", message=str(exc)))
        except sharing.SharingRefused as exc:
            return self.handle_exception(ApiError(status_code=403, code="sharing_refused", message=str(exc)))
        except services.ExchangeRefused as exc:
            return self.handle_exception(ApiError(status_code=403, code=exc.code, message=str(exc)))
        except services.ExchangeError as exc:
            return self.handle_exception(ApiError(status_code=409, code=exc.code, message=str(exc)))
        except exceptions.APIException as exc:
            return self.handle_exception(exc)


def _fingerprint(request) -> str:
    raw = request.body  # read before DRF parses it; Django keeps it for the parser
    try:
        body = json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":")).encode()
    except (ValueError, UnicodeDecodeError):
        body = raw
    return hashlib.sha256(b"\n".join([request.method.encode(), request.path.encode(), body])).hexdigest()


def _object_ref_of(body) -> str:
    if isinstance(body, dict) and isinstance(body.get("id"), int):
        return f"{'licence' if 'verification_code' in body else 'case'}:{body['id']}"
    return ""


def _file_response(row) -> FileResponse:
    try:
        handle = row.file.open("rb")
    except FileNotFoundError:
        raise exceptions.NotFound(_("The file is missing from the store.")) from None
    response = FileResponse(
        handle, as_attachment=True, filename=uploads.download_name(row.original_name, row.content_type)
    )
    response["Content-Type"] = row.content_type or "application/octet-stream"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- the system ----------------------------------------------------------------------------


class SystemView(ExchangeView):
    """The system the key belongs to."""

    @extend_schema(
        operation_id="system_get",
        summary="The calling system",
        description="Tell which system and department the key belongs to, its rate limit and when the key expires.",
        responses={200: serializers.SystemSerializer, **errors()},
    )
    def get(self, request):
        system, key = self.system, request.auth
        return Response(
            serializers.SystemSerializer(
                {
                    "code": system.code,
                    "name": system.name,
                    "department": system.department,
                    "rate_limit": system.rate_limit or settings.EXCHANGE_RATE,
                    "key_prefix": key.prefix,
                    "key_expires_at": key.expires_at,
                }
            ).data
        )


# --- cases ---------------------------------------------------------------------------------


class CaseListView(ExchangeView):
    """The department's cases, oldest change first, in keyset pages."""

    pagination_class = UpdatedCursorPagination

    @extend_schema(
        operation_id="case_list",
        summary="The department's new and changed cases",
        description=(
            "Cases of the system's department (drafts excepted), oldest change first. Follow `next` until it is "
            "null; keep the last `updated_at` seen and pass it as `updated_since` next time."
        ),
        parameters=[serializers.CaseFilterSerializer],
        responses={200: serializers.CaseSerializer(many=True), **errors()},
    )
    def get(self, request):
        # A plain dict, so that an empty ``updated_since=`` is an error rather than no filter.
        filters = self.validated(serializers.CaseFilterSerializer, request.query_params.dict())
        cases = selectors.case_list_for_system(
            system=self.system, updated_since=filters.get("updated_since"), state=filters.get("state", "")
        )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(cases, request, view=self)
        data = serializers.CaseSerializer(page, many=True, context={"request": request}).data
        return paginator.get_paginated_response(data)


class CaseDetailView(ExchangeView):
    """One case of the department with its materials, timeline and the actions the system may take now."""

    object_kind = "case"

    @extend_schema(
        operation_id="case_get",
        summary="One case with its materials and timeline",
        responses={200: serializers.CaseDetailSerializer, **errors()},
    )
    def get(self, request, pk: int):
        return Response(self.case_body(self.get_case(pk)))


class CaseMaterialFileView(ExchangeView):
    """A file provided with one of the department's cases, as an attachment."""

    object_kind = "case"

    @extend_schema(
        operation_id="case_material_file",
        summary="Download a file provided with the case",
        responses={(200, "*/*"): OpenApiTypes.BINARY, **errors()},
    )
    def get(self, request, pk: int, material_id: int):
        row = selectors.case_material_get_for_system(system=self.system, case_id=pk, material_id=material_id)
        if row is None:
            raise exceptions.NotFound(_("No such file in this case."))
        return _file_response(row)


class TransitionView(ExchangeView):
    """POST one workflow action on a case; the answer is the case as it is afterwards."""

    object_kind = "case"
    action = ""
    input_serializer = serializers.CommentInputSerializer

    def post(self, request, pk: int):
        return self.idempotent(request, lambda: self.act(request, pk))

    def act(self, request, pk: int) -> Response:
        case = self.get_case(pk)
        context = {"materials": catalogue.material_list(implementation_id=case.implementation_id)}
        data = self.validated(self.input_serializer, request.data, **context)
        CASE_ACTIONS[self.action].call(case_id=case.pk, actor=request.user, data=data)
        return Response(self.case_body(self.get_case(pk)))


class Action:
    """One workflow action the API exposes: its body and its description in the schema.

    The service it calls, and which fields of the body it takes, come from ``CASE_ACTIONS``,
    the table the clerk's desk uses too.
    """

    def __init__(self, name: str, serializer, summary: str, description: str):
        self.name, self.serializer = name, serializer
        self.summary, self.description = summary, description


ACTIONS = {
    a.name: a
    for a in [
        Action("accept", serializers.CommentInputSerializer, "Accept",
               "Accept (受理): the clock starts; the due date is the committed limit in working days."),
        Action("refuse", serializers.ReasonInputSerializer, "Refuse",
               "Refuse at acceptance (不予受理) with the legal reason."),
        Action("request_supplement", serializers.SupplementInputSerializer, "Request a supplement",
               "Ask for every missing or faulty material at once; the clock stops if it ran."),
        Action("start_review", serializers.CommentInputSerializer, "Start review",
               "Start the review of an accepted case."),
        Action("approve", serializers.CommentInputSerializer, "Approve",
               "Approve (准予许可) once every configured review step is done."),
        Action("deny", serializers.ReasonInputSerializer, "Deny", "Deny (不予许可) with the legal reason."),
        Action("complete", serializers.CommentInputSerializer, "Complete",
               "Complete (办结): the clock stops; an approved case's licence is issued."),
    ]
}  # fmt: skip


def transition_view(action: Action) -> type[TransitionView]:
    """Return the view of one action, with its own request schema."""

    def post(self, request, pk: int):
        return TransitionView.post(self, request, pk)

    post = extend_schema(
        operation_id=f"case_{action.name}",
        summary=action.summary,
        description=(
            f"{action.description} Calls the same service as the clerk's desk; a transition the workflow does not "
            "allow now answers 409 `transition_refused` with the reason, and nothing changes."
        ),
        request=action.serializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={200: serializers.CaseDetailSerializer, **errors(409, 415, 422)},
    )(post)
    name = f"{action.name.title().replace('_', '')}View"
    return type(name, (TransitionView,), {"action": action.name, "input_serializer": action.serializer, "post": post})


# --- sharing -------------------------------------------------------------------------------


class SharedRecordsView(ExchangeView):
    """Reads of the applicant's records through the hall's sharing service (each read is logged)."""

    object_kind = "case"

    def purpose(self, request, case) -> str:
        query = self.validated(serializers.SharingQuerySerializer, request.query_params)
        return query.get("purpose") or _("Checking materials of case %(code)s") % {"code": case.supervision_code}


SHARING_PARAMETERS = [serializers.SharingQuerySerializer]


class SharedLicencesView(SharedRecordsView):
    """The applicant's licences that the case's materials accept."""

    @extend_schema(
        operation_id="case_shared_licences",
        summary="The applicant's licences this case needs",
        description=(
            "Through the hall's sharing service: allowed only for an open case whose materials accept such "
            "licences; every licence read is logged (who used my data). Refused: 403 `sharing_refused`."
        ),
        parameters=SHARING_PARAMETERS,
        responses={200: serializers.LicenceSerializer(many=True), **errors(403)},
    )
    def get(self, request, pk: int):
        case = self.get_case(pk)
        purpose = self.purpose(request, case)
        return self._run(
            lambda: Response(
                serializers.LicenceSerializer(
                    sharing.shared_licences_for_case(actor=request.user, case=case, purpose=purpose),
                    many=True,
                    context={"request": request},
                ).data
            )
        )


class SharedMaterialsView(SharedRecordsView):
    """The applicant's earlier materials that match the case's materials."""

    @extend_schema(
        operation_id="case_shared_materials",
        summary="The applicant's earlier materials this case needs",
        description="Through the hall's sharing service; every material read is logged. Refused: 403.",
        parameters=SHARING_PARAMETERS,
        responses={200: serializers.SharedMaterialSerializer(many=True), **errors(403)},
    )
    def get(self, request, pk: int):
        case = self.get_case(pk)
        purpose = self.purpose(request, case)
        return self._run(
            lambda: Response(
                serializers.SharedMaterialSerializer(
                    sharing.shared_materials_for_case(actor=request.user, case=case, purpose=purpose),
                    many=True,
                    context={"request": request, "case": case},
                ).data
            )
        )


class SharedMaterialFileView(SharedRecordsView):
    """One earlier material of the applicant, as an attachment."""

    @extend_schema(
        operation_id="case_shared_material_file",
        summary="Download an earlier material of the applicant",
        description="Through the hall's sharing service; the read is logged. Refused: 403.",
        parameters=SHARING_PARAMETERS,
        responses={(200, "*/*"): OpenApiTypes.BINARY, **errors(403)},
    )
    def get(self, request, pk: int, material_id: int):
        case = self.get_case(pk)
        purpose = self.purpose(request, case)
        return self._run(
            lambda: _file_response(
                sharing.shared_material_get(actor=request.user, case=case, material_id=material_id, purpose=purpose)
            )
        )


# --- licences ------------------------------------------------------------------------------


class LicencePagination(UpdatedCursorPagination):
    """Licences in the order they reached the hall."""

    field = "created_at"


class LicenceListView(ExchangeView):
    """Licences of the department: list them, or publish one issued outside the hall."""

    pagination_class = LicencePagination

    @extend_schema(
        operation_id="licence_list",
        summary="Licences the department issued",
        description="In the hall or published through this API, oldest first.",
        responses={200: serializers.LicenceSerializer(many=True), **errors()},
    )
    def get(self, request):
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(selectors.licence_list_for_system(system=self.system), request, self)
        return paginator.get_paginated_response(
            serializers.LicenceSerializer(page, many=True, context={"request": request}).data
        )

    @extend_schema(
        operation_id="licence_publish",
        summary="Publish a licence issued outside the hall",
        description=(
            "The licence is issued by the system's department; it can then be verified on the hall's public "
            "verification page with its code and shared for cases like any other. Only the licence types the "
            "department issues (one of its implementations issues the type) may be published; any other type "
            "answers 403 `licence_type_not_issued`. A licence type and number that exist already answer 409 "
            "`duplicate_licence`."
        ),
        request=serializers.LicencePublishSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={201: serializers.LicenceSerializer, **errors(403, 409, 415, 422)},
    )
    def post(self, request):
        return self.idempotent(request, lambda: self.publish(request))

    def publish(self, request) -> Response:
        data = self.validated(serializers.LicencePublishSerializer, request.data)
        licence = services.licence_publish(system=self.system, **data)
        self.object_ref = f"licence:{licence.pk}"
        licence = selectors.licence_get_for_system(system=self.system, licence_id=licence.pk)
        body = serializers.LicenceSerializer(licence, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)


class LicenceDetailView(ExchangeView):
    """One licence the department issued."""

    object_kind = "licence"

    @extend_schema(
        operation_id="licence_get",
        summary="One licence the department issued",
        responses={200: serializers.LicenceSerializer, **errors()},
    )
    def get(self, request, pk: int):
        licence = selectors.licence_get_for_system(system=self.system, licence_id=pk)
        if licence is None:
            raise exceptions.NotFound(_("No such licence of your department."))
        return Response(serializers.LicenceSerializer(licence, context={"request": request}).data)
