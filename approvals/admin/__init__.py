"""The app's admin pages, one module per topic; importing them registers them.

``licences`` comes after ``catalogue``: it registers its own ``LicenceTypeAdmin`` in place of the catalogue's.
"""

from approvals.admin import bundles, calendar, cases, catalogue, licences, sharing  # noqa: F401
