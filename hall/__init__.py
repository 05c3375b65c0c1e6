"""The citizen shell: home, log-in and registration, My hall, the message centre and two-factor log-in.

The top floor of the project: it may import every app below it and nothing imports it. It has
no models; its pages are rendered from ``templates/portal/`` and its URLs keep the ``portal``
namespace.
"""
