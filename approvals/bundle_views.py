"""Pages of bundles (一件事一次办): the life events, one life event, its combined form, an application's progress."""

import datetime
import hashlib
import uuid

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from approvals.case_selectors import access_for
from approvals.forms import ACCEPT, CheckedFileField, _field_for
from approvals.models import FormField
from approvals.services import bundles as services
from approvals.services.cases import WorkflowError
from portal.validators import MOBILE_RE, normalize_id_number, normalize_mobile


def material_key(name: str) -> str:
    """Return the form key of a combined material: stable for its name, safe in HTML whatever the name."""
    return "m_" + hashlib.sha256(name.encode()).hexdigest()[:12]


class BundleApplicationForm(forms.Form):
    """One form for every part: each field name once, one upload per material name."""

    token = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, fields: list[FormField], materials: list[services.CombinedMaterial], **kwargs):
        self.definitions = fields
        self.material_list = materials
        super().__init__(*args, **kwargs)
        for definition in fields:
            field = _field_for(definition)  # required as defined: a bundle has no drafts
            self.fields[f"f_{definition.name}"] = field
        for entry in materials:
            self.fields[material_key(entry.name)] = CheckedFileField(
                label=entry.name, required=entry.required, widget=forms.ClearableFileInput(attrs={"accept": ACCEPT})
            )

    def field_rows(self):
        return [self[f"f_{definition.name}"] for definition in self.definitions]

    def material_rows(self):
        return [{"entry": entry, "upload": self[material_key(entry.name)]} for entry in self.material_list]

    def answers(self) -> dict:
        """Return the typed answers as JSON-ready values, as the single-item form does."""
        data = {}
        for definition in self.definitions:
            if definition.kind == FormField.Kind.FILE:
                continue
            value = self.cleaned_data.get(f"f_{definition.name}")
            if isinstance(value, datetime.date):
                value = value.isoformat()
            elif definition.kind == FormField.Kind.NUMBER and value is not None:
                value = str(value)
            elif definition.kind == FormField.Kind.ID_NUMBER and value:
                value = normalize_id_number(value)
            elif definition.kind == FormField.Kind.PHONE and value and MOBILE_RE.match(normalize_mobile(value)):
                value = normalize_mobile(value)
            data[definition.name] = value if value is not None else ""
        return data

    def uploads(self) -> dict:
        """Return the uploads by material name (what ``bundle_submit`` takes)."""
        result = {}
        for entry in self.material_list:
            upload = self.cleaned_data.get(material_key(entry.name))
            if upload:
                result[entry.name] = upload
        return result


def bundle_list(request):
    """List the published life events with the departments that serve them."""
    return render(request, "approvals/bundle_list.html", {"bundles": list(services.bundle_list_published())})


def bundle_detail(request, slug: str):
    """Show what a life event covers: its parts, their departments and limits, and one list of materials."""
    bundle = services.bundle_get_published(slug=slug)
    if bundle is None:
        raise Http404
    parts = services.bundle_parts_for_form(bundle=bundle)
    context = {
        "bundle": bundle,
        "parts": parts,
        "materials": services.combined_materials(parts),
        "longest_limit": max((part.implementation.committed_limit_days for part in parts), default=0),
    }
    return render(request, "approvals/bundle_detail.html", context)


@login_required
def bundle_apply(request, slug: str):
    """Show and handle the combined form; one post makes the application and one case per part."""
    bundle = services.bundle_get_published(slug=slug)
    if bundle is None:
        raise Http404
    parts = services.bundle_parts_for_form(bundle=bundle)
    form = BundleApplicationForm(
        request.POST or None,
        request.FILES or None,
        fields=services.combined_fields(parts),
        materials=services.combined_materials(parts),
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
    application = services.bundle_application_get_for_user(user=request.user, application_id=pk, access=access)
    if application is None:
        raise Http404
    progress = services.bundle_state(application)
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
