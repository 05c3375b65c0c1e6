"""Elder mode (适老化): large text, high contrast and large touch targets, chosen with a header toggle.

The choice is kept in the session and, for a logged-in person, on the account, so that it
follows them to their next log-in. The session's choice wins over the account's: a visitor
who switched it on before logging in keeps it on.
"""

SESSION_KEY = "portal.elder_mode"


def elder_mode_active(request) -> bool:
    """Return whether ``request`` is shown in elder mode."""
    session = getattr(request, "session", None)
    if session is not None and SESSION_KEY in session:
        return bool(session[SESSION_KEY])
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and user.elder_mode)
