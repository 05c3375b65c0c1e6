"""Send the supervision pages' reads to a read replica (active only when ``DATABASE_REPLICA_URL`` is set).

The supervision figures come from the ``DailyStat`` store and tolerate the replica's lag of
a second or so; every other page reads its own writes and stays on the primary. Two rules:

- every read of ``DailyStat`` goes to the replica, wherever it happens (the digest task, the API);
- while a view named in ``REPLICA_VIEWS`` runs, every read goes there (the page's department
  names, implementation summary, the supervisor's memberships).

Writes always go to the primary, and migrations run only there: the replica receives the
schema through replication.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.urls import Resolver404, resolve

REPLICA = "replica"
REPLICA_MODELS = frozenset({"evaluations.DailyStat"})
REPLICA_VIEWS = frozenset({"evaluations:overview", "evaluations:performance", "evaluations:disclosure"})

_reading_from_replica: ContextVar[bool] = ContextVar("reading_from_replica", default=False)


@contextmanager
def replica_reads():
    """Send every read inside the block to the replica."""
    token = _reading_from_replica.set(True)
    try:
        yield
    finally:
        _reading_from_replica.reset(token)


class ReplicaRouter:
    """Reads of the supervision store and of the supervision pages from the replica; the rest from the primary."""

    def db_for_read(self, model, **hints):
        if _reading_from_replica.get() or model._meta.label in REPLICA_MODELS:
            return REPLICA
        return None

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica holds the same rows as the primary

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db != REPLICA


class ReplicaReadMiddleware:
    """Run the views named in ``REPLICA_VIEWS`` inside ``replica_reads()``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            view_name = resolve(request.path_info, getattr(request, "urlconf", None)).view_name
        except Resolver404:
            view_name = ""
        if view_name not in REPLICA_VIEWS:
            return self.get_response(request)
        with replica_reads():
            return self.get_response(request)
