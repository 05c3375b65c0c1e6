"""URLs of the exchange API, included under ``api/``: ``v1/…``, the OpenAPI schema and its documentation page."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from exchange import api

app_name = "exchange"

v1 = [
    path("system/", api.SystemView.as_view(), name="system"),
    path("cases/", api.CaseListView.as_view(), name="case_list"),
    path("cases/<int:pk>/", api.CaseDetailView.as_view(), name="case_detail"),
    path(
        "cases/<int:pk>/materials/<int:material_id>/file/",
        api.CaseMaterialFileView.as_view(),
        name="case_material_file",
    ),
    *[
        path(f"cases/<int:pk>/{name.replace('_', '-')}/", api.transition_view(action).as_view(), name=f"case_{name}")
        for name, action in api.ACTIONS.items()
    ],
    path("cases/<int:pk>/shared-licences/", api.SharedLicencesView.as_view(), name="case_shared_licences"),
    path("cases/<int:pk>/shared-materials/", api.SharedMaterialsView.as_view(), name="case_shared_materials"),
    path(
        "cases/<int:pk>/shared-materials/<int:material_id>/file/",
        api.SharedMaterialFileView.as_view(),
        name="case_shared_material_file",
    ),
    path("licences/", api.LicenceListView.as_view(), name="licence_list"),
    path("licences/<int:pk>/", api.LicenceDetailView.as_view(), name="licence_detail"),
]

urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="exchange:schema", template_name="exchange/swagger_ui.html"),
        name="docs",
    ),
    re_path(r"^", api.api_not_found),
]
