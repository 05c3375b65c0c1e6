"""Fixtures of the approvals tests."""

import datetime

import pytest
import time_machine
from django.core.cache import cache

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Pages, throttles and cached catalogue reads live in the cache; each test starts with none."""
    cache.clear()


@pytest.fixture
def on_day():
    """Freeze the clock at 10:00 Beijing time on a given date (``on_day(date)``); later calls move it."""
    travellers = []

    def move(day: datetime.date):
        if travellers:
            travellers.pop().stop()
        traveller = time_machine.travel(
            datetime.datetime(day.year, day.month, day.day, 10, tzinfo=SHANGHAI), tick=False
        )
        traveller.start()
        travellers.append(traveller)

    yield move
    for traveller in travellers:
        traveller.stop()
