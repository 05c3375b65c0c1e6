"""The demo city: ``seed_demo``, the builders of every demo record and their data (``data/``).

Installed only when ``DEBUG`` or ``DEMO_DATA`` is on. Every state is built through the services
of the apps below; nothing imports this package except ``bench``.
"""
