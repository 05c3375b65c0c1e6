"""Forms of bundles: the one combined form of a life event's parts."""

import datetime
import hashlib

from django import forms

from approvals.forms.cases import ACCEPT, CheckedFileField, _field_for
from approvals.models import FormField
from approvals.services.bundles import CombinedMaterial
from portal.validators import MOBILE_RE, normalize_id_number, normalize_mobile


def material_key(name: str) -> str:
    """Return the form key of a combined material: stable for its name, safe in HTML whatever the name."""
    return "m_" + hashlib.sha256(name.encode()).hexdigest()[:12]


class BundleApplicationForm(forms.Form):
    """One form for every part: each field name once, one upload per material name."""

    token = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, fields: list[FormField], materials: list[CombinedMaterial], **kwargs):
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
