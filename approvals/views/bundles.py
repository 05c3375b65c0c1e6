"""Pages of bundles (一件事一次办): the life events, one life event, its combined form, an application's progress."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from approvals.forms.bundles import BundleApplicationForm
from approvals.selectors import bundles as selectors
from approvals.selectors.cases import access_for
from approvals.services import bundles as services
from approvals.services.cases import WorkflowError


def bundle_list(request):
    """List the published life events with the departments that serve them."""
    return render(request, "approvals/bundle_list.html", {"bundles": list(selectors.bundle_list_published())})


def bundle_detail(request, slug: str):
    """Show what a life event covers: its parts, their departments and limits, and one list of materials."""
    bundle = selectors.bundle_get_published(slug=slug)
    if bundle is None:
        raise Http404
    parts = selectors.bundle_parts_for_form(bundle=bundle)
    context = {
        "bundle": bundle,
        "parts": parts,
        "materials": selectors.combined_materials(parts),
        "longest_limit": max((part.implementation.committed_limit_days for part in parts), default=0),
    }
    return render(request, "approvals/bundle_detail.html", context)


@login_required
def bundle_apply(request, slug: str):
    """Show and handle the combined form; one post makes the application and one case per part."""
    bundle = selectors.bundle_get_published(slug=slug)
    if bundle is None:
        raise Http404
    parts = selectors.bundle_parts_for_form(bundle=bundle)
    form = BundleApplicationForm(
        request.POST or None,
        request.FILES or None,
        fields=selectors.combined_fields(parts),
        materials=selectors.combined_materials(parts),
        initial={"token": uuid.uuid4()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            application = services.bundle_submit(
                applicant=request.user,
                bundle=bundle,
                token=form.cleaned_data["token"],
                form_data=form.answers(),
                answers=form.uploads(),
            )
        except WorkflowError as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("Application %(code)s received: each department now handles its part.") % {"code": application.code},
            )
            return redirect(application)
    return render(request, "approvals/bundle_apply.html", {"bundle": bundle, "parts": parts, "form": form})


@login_required
def bundle_application(request, pk: int):
    """Show one bundle application: its code, each part's case and state, and the whole state."""
    access = access_for(request.user)
    application = selectors.bundle_application_get_for_user(user=request.user, application_id=pk, access=access)
    if application is None:
        raise Http404
    progress = selectors.bundle_state(application)
    sees_all = application.applicant_id == request.user.pk or access.supervisor
    mine = set(access.department_ids)
    for part in progress["parts"]:
        case = part["case"]
        # Staff open only the cases their department handles or received; the others are shown, not linked.
        part["can_open"] = sees_all or bool({case.department_id, case.receiving_department_id} & mine)
    return render(
        request,
        "approvals/bundle_application.html",
        {"application": application, "progress": progress, "is_applicant": application.applicant_id == request.user.pk},
    )
