"""The layers hold in templates too: a page of a lower app loads no tag library of a higher app.

import-linter (``make lint``) checks the Python imports; a template's ``{% load %}`` is an
import it cannot see. Where a lower page must show what a higher app knows, it leaves a
named slot (``portal.slots``) that the higher app fills.
"""

import re
from pathlib import Path

from django.template import engines

from portal import slots

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
# Lowest first; an app may load the libraries of its own layer or below.
RANK = {"portal": 0, "departments": 1, "approvals": 2, "evaluations": 3, "exchange": 3, "hall": 4}
# Template folders not named after the app whose pages they are.
FOLDER_APP = {"includes": "portal", "notifications": "portal", "admin": "portal", "portal": "hall"}
LOAD = re.compile(r"\{%\s*load\s+([^%]+?)\s*%\}")


def _owner(library: str) -> str | None:
    """Return the project app that defines the tag library ``library`` (None for Django's and third parties')."""
    libraries = engines["django"].engine.get_template_libraries({})
    app = libraries[library].__module__.split(".")[0] if library in libraries else ""
    return app if app in RANK else None


def test_no_template_loads_a_tag_library_of_a_higher_app():
    wrong = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        parts = path.relative_to(TEMPLATES).parts
        app = FOLDER_APP.get(parts[0], parts[0]) if len(parts) > 1 else "portal"
        for match in LOAD.finditer(path.read_text(encoding="utf-8")):
            for library in match.group(1).split():
                owner = _owner(library)
                if app in RANK and owner is not None and RANK[owner] > RANK[app]:
                    wrong.append(f"{path.relative_to(ROOT)} loads {library} of {owner}")
    assert not wrong, wrong


def test_a_slot_no_app_fills_renders_nothing():
    page = engines["django"].from_string('{% load slots %}<p>{% slot "nobody.fills.this" 1 2 %}</p>')
    assert page.render({}) == "<p></p>"


def test_evaluations_fills_every_slot_approvals_leaves():
    names = ("case_detail.html", "item_detail.html", "staff_desk.html", "includes/my_cases.html")
    text = " ".join((TEMPLATES / "approvals" / name).read_text(encoding="utf-8") for name in names)
    left = set(re.findall(r'\{%\s*slot\s+"([^"]+)"', text))
    assert left == {"case.rating", "item.published_answers", "desk.feedback_inbox"}
    assert left <= set(slots._fillers)
