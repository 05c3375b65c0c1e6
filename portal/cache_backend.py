"""Redis caches that keep the hall answering when their Redis goes away.

Django's ``RedisCache`` raises on every call while Redis is unreachable, so a cache outage
turns every page with a ``{% cache %}`` fragment, the page cache or a session read into a 500.
The two backends here catch Redis and socket errors instead:

- ``ResilientRedisCache`` (the page and fragment caches, cached sessions): a failed call is a
  miss. ``get`` returns the default, ``set`` and ``delete`` do nothing, and the page is built
  from the database, uncached.
- ``FailClosedRedisCache`` (the ``security`` cache: rate limits, verification codes and
  cool-downs): a failed call raises ``CacheUnavailable``. A counter that cannot be read must not
  read as zero, so the caller refuses and says why (see ``portal.middleware``).

Both share a small circuit breaker per Redis location. After a failure the location counts as
down for ``RETRY_AFTER`` seconds (default 2), and calls answer at once without a network
round trip, so a page stays within a few times its normal time even when connecting would hang
until the socket timeout. The outage is logged once per ``LOG_EVERY`` seconds (default 60),
not once per request, and its end is logged once. Functions registered with ``on_recover`` run
in the process that sees Redis come back: the page cache uses this to make the pages it could
not invalidate during the outage stale.

Options (``CACHES[...]["OPTIONS"]``): ``RETRY_AFTER`` and ``LOG_EVERY`` in seconds; everything
else goes to redis-py, with ``socket_connect_timeout`` 0.5 s and ``socket_timeout`` 1 s unless
given.
"""

import logging
import threading
import time
from collections.abc import Callable

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger("portal.cache")

FAILURES = (RedisError, OSError)


class CacheUnavailable(Exception):
    """The security store cannot be reached; the action that needs it is refused, not allowed."""


class _Circuit:
    """Whether one Redis location is down, shared by every thread of the process."""

    def __init__(self, location: str, retry_after: float, log_every: float):
        self.location = location
        self.retry_after = retry_after
        self.log_every = log_every
        self.down_until = 0.0
        self.down_since: float | None = None
        self.last_logged = 0.0
        self.failures = 0
        self.lock = threading.Lock()

    def is_open(self) -> bool:
        return self.down_until > time.monotonic()

    def failed(self, exc: BaseException) -> None:
        now = time.monotonic()
        with self.lock:
            self.down_until = now + self.retry_after
            self.failures += 1
            if self.down_since is None:
                self.down_since = now
            log = now - self.last_logged >= self.log_every
            if log:
                self.last_logged = now
                count, self.failures = self.failures, 0
        if log:
            logger.warning(
                "Cache %s unreachable (%s failed calls since the last report): %r; pages are served uncached",
                self.location,
                count,
                exc,
            )

    def succeeded(self) -> bool:
        """Record a call that worked; return True if it ended an outage (the recovery hooks have run)."""
        if self.down_since is None:
            return False
        with self.lock:
            if self.down_since is None:
                return False
            seconds = time.monotonic() - self.down_since
            self.down_since, self.down_until, self.failures, self.last_logged = None, 0.0, 0, 0.0
        logger.warning("Cache %s reachable again after %.1f s", self.location, seconds)
        for callback in list(_recover_callbacks):
            try:
                callback()
            except Exception:  # a hook must not break the request that saw the recovery
                logger.exception("Cache recovery hook %r failed", callback)
        return True


_circuits: dict[str, _Circuit] = {}
_circuits_lock = threading.Lock()
_recover_callbacks: list[Callable[[], None]] = []


def _circuit(location: str, retry_after: float, log_every: float) -> _Circuit:
    with _circuits_lock:
        if location not in _circuits:
            _circuits[location] = _Circuit(location, retry_after, log_every)
        return _circuits[location]


def on_recover(callback: Callable[[], None]) -> Callable[[], None]:
    """Run ``callback`` (no arguments) whenever a cache of this process is reachable again after an outage."""
    if callback not in _recover_callbacks:
        _recover_callbacks.append(callback)
    return callback


def reset_circuits() -> None:
    """Forget every outage (for tests that stop and start Redis)."""
    with _circuits_lock:
        _circuits.clear()


class ResilientRedisCache(RedisCache):
    """``RedisCache`` whose calls answer as a miss while Redis is unreachable."""

    fail_closed = False

    def __init__(self, server, params):
        options = dict(params.get("OPTIONS") or {})
        retry_after = float(options.pop("RETRY_AFTER", 2.0))
        log_every = float(options.pop("LOG_EVERY", 60.0))
        options.setdefault("socket_connect_timeout", 0.5)
        options.setdefault("socket_timeout", 1.0)
        super().__init__(server, {**params, "OPTIONS": options})
        self._circuit = _circuit(",".join(self._servers), retry_after, log_every)

    def _guard(self, unavailable, call, *args, **kwargs):
        if self._circuit.is_open():
            return self._unavailable(unavailable)
        try:
            result = call(*args, **kwargs)
        except FAILURES as exc:
            self._circuit.failed(exc)
            return self._unavailable(unavailable)
        if self._circuit.succeeded():
            # The recovery hooks may have changed what this call read (a page cache version
            # bumped for a change made during the outage): ask again, once per outage.
            return self._guard(unavailable, call, *args, **kwargs)
        return result

    def _unavailable(self, unavailable):
        if self.fail_closed:
            raise CacheUnavailable(f"Cache {self._circuit.location} is unreachable")
        if isinstance(unavailable, BaseException):
            raise unavailable
        return unavailable() if callable(unavailable) else unavailable

    def is_down(self) -> bool:
        """Whether the last call found Redis unreachable (and it has not answered since)."""
        return self._circuit.down_since is not None

    def guard(self, unavailable, call, *args, **kwargs):
        """Run a raw Redis ``call`` under the breaker, answering ``unavailable`` (or refusing) while down."""
        return self._guard(unavailable, call, *args, **kwargs)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard(False, super().add, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._guard(default, super().get, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard(None, super().set, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard(False, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return self._guard(False, super().delete, key, version)

    def get_many(self, keys, version=None):
        return self._guard(dict, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._guard(False, super().has_key, key, version)

    def incr(self, key, delta=1, version=None):
        # Django's contract for a key that cannot be counted: ValueError, which callers handle.
        return self._guard(ValueError(f"Key {key!r} could not be counted"), super().incr, key, delta, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard(lambda: list(data), super().set_many, data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._guard(None, super().delete_many, keys, version)

    def clear(self):
        return self._guard(False, super().clear)


class FailClosedRedisCache(ResilientRedisCache):
    """``RedisCache`` for security state: while Redis is unreachable every call raises ``CacheUnavailable``."""

    fail_closed = True
