"""URLs of bundles (一件事一次办)."""

urlpatterns = []
