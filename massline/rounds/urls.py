from django.urls import path

from massline.rounds import suggestion_views, views

urlpatterns = [
    path("", views.round_list, name="round_list"),
    path("new/", views.round_new, name="round_new"),
    path("<int:pk>/", views.round_detail, name="round_detail"),
    path("<int:pk>/advance/", views.round_advance, name="round_advance"),
    path("<int:pk>/units/<int:unit_pk>/", views.unit_pool, name="unit_pool"),
    path("<int:pk>/board/", views.board, name="board"),
    path("<int:pk>/lines/<int:line_pk>/", views.line_detail, name="line_detail"),
    path("<int:pk>/lines/<int:line_pk>/publish/", views.line_publish, name="line_publish"),
    path("<int:pk>/lines/<int:line_pk>/flyer/", views.line_flyer, name="line_flyer"),
    path(
        "<int:pk>/lines/<int:line_pk>/receptions/<int:person_pk>/",
        views.reception_record,
        name="reception_record",
    ),
    path("<int:pk>/actions/", views.actions, name="round_actions"),
    path("<int:pk>/actions/<int:action_pk>/", views.action_detail, name="action_detail"),
    path("<int:pk>/close/", views.round_close, name="round_close"),
    path("<int:pk>/next/", views.round_next, name="round_next"),
    path("<int:pk>/suggestions/", suggestion_views.theme_suggestions, name="theme_suggestions"),
    path(
        "<int:pk>/suggestions/status/",
        suggestion_views.suggestion_status,
        name="suggestion_status",
    ),
]
