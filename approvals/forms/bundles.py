"""Forms of bundles: the one combined form of a life event's parts."""

import hashlib

from django import forms

from approvals.forms.cases import ACCEPT, CheckedFileField, _field_for, typed_answers
from approvals.models import FormField
from approvals.selectors.bundles import CombinedMaterial


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
        return typed_answers(self.definitions, self.cleaned_data)

    def uploads(self) -> dict:
        """Return the uploads by material name (what ``bundle_submit`` takes)."""
        result = {}
        for entry in self.material_list:
            upload = self.cleaned_data.get(material_key(entry.name))
            if upload:
                result[entry.name] = upload
        return result
