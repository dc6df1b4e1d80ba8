"""/api/: the token page, the OpenAPI schema and its docs page, and the API itself at /api/v1/.

The API's own routes live in the `api` namespace; tests/test_api_visibility.py probes every
one of them with a sibling unit's token (tests/test_visibility.py probes the pages here).
"""

from csp.decorators import csp_update
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from massline.api import breakdowns, osdi, pages, views

router = SimpleRouter()
router.register("people", views.PersonViewSet, basename="person")
router.register("places", views.PlaceViewSet, basename="place")
router.register("units", views.UnitViewSet, basename="unit")
router.register("struggles", views.StruggleViewSet, basename="struggle")
router.register("assessments", views.AssessmentViewSet, basename="assessment")
router.register("conversations", views.ConversationViewSet, basename="conversation")
router.register("ideas", views.IdeaViewSet, basename="idea")
router.register("follow-ups", views.FollowUpViewSet, basename="follow-up")
router.register("rounds", views.RoundViewSet, basename="round")
router.register("lines", views.LineViewSet, basename="line")
router.register("receptions", views.ReceptionViewSet, basename="reception")
router.register("actions", views.ActionViewSet, basename="action")

v1 = [
    *router.urls,
    path("osdi/people/", osdi.PersonSignupView.as_view(), name="osdi-person-signup"),
    *breakdowns.urlpatterns,
]

urlpatterns = [
    path("tokens/", pages.token_list, name="api_tokens"),
    path("tokens/<int:pk>/revoke/", pages.token_revoke, name="api_token_revoke"),
    path("schema/", login_not_required(SpectacularAPIView.as_view()), name="api_schema"),
    path(
        "docs/",
        # Swagger UI draws its icons as data: images; allowed on this page only.
        csp_update({"img-src": ["data:"]})(
            SpectacularSwaggerSplitView.as_view(
                url_name="api_schema", template_name="api/swagger_ui.html"
            )
        ),
        name="api_docs",
    ),
    path("v1/", include((v1, "api"), namespace="api")),
]
