"""Pages through which a handling clerk sees the applicant's earlier records, each look logged by sharing."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from approvals import uploads
from approvals.selectors import cases
from approvals.services import sharing


@login_required
@require_POST
def case_records(request, pk: int):
    """Show a handling clerk the applicant's licences and earlier materials, through the logged sharing service."""
    access = cases.access_for(request.user)
    case = cases.case_get_for_user(user=request.user, case_id=pk, access=access)
    if case is None:
        raise Http404
    purpose = _("Checking materials of case %(code)s") % {"code": case.supervision_code}
    try:
        licences = sharing.shared_licences_for_case(actor=request.user, case=case, purpose=purpose)
        materials = sharing.shared_materials_for_case(actor=request.user, case=case, purpose=purpose)
    except sharing.SharingRefused as exc:
        messages.error(request, str(exc))
        return redirect("approvals:case_detail", pk=pk)
    return render(request, "approvals/case_records.html", {"case": case, "licences": licences, "materials": materials})


@login_required
def case_record_file(request, pk: int, material_id: int):
    """Download an applicant's earlier material for this case, through the logged sharing service."""
    case = cases.case_get_for_user(user=request.user, case_id=pk)
    if case is None:
        raise Http404
    purpose = _("Checking materials of case %(code)s") % {"code": case.supervision_code}
    try:
        row = sharing.shared_material_get(actor=request.user, case=case, material_id=material_id, purpose=purpose)
    except sharing.SharingRefused:
        raise Http404 from None
    response = FileResponse(
        row.file.open("rb"), as_attachment=True, filename=uploads.download_name(row.original_name, row.content_type)
    )
    response["Content-Type"] = row.content_type or "application/octet-stream"
    response["X-Content-Type-Options"] = "nosniff"
    return response
