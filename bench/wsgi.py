"""The portal's WSGI application for the benchmark: the same stack, with the tracking rate limit lifted.

wrk sends every look-up from 127.0.0.1, and /track/ allows ten per address and ten minutes;
the benchmark still pays for the limiter (one cache increment per look-up), it is only never
refused. Nothing else differs from ``portal.wsgi``.
"""

from portal.wsgi import application


def _lift_track_limit() -> None:
    from approvals.views import cases as case_views  # after portal.wsgi has set Django up

    case_views.TRACK_LIMIT = 10**9


_lift_track_limit()

__all__ = ["application"]
