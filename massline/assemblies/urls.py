from django.urls import path

from massline.assemblies import views

urlpatterns = [
    path("", views.assembly_list, name="assembly_list"),
    path("unit/<int:pk>/new/", views.assembly_new, name="assembly_new"),
    path("unit/<int:pk>/register/", views.decision_register, name="decision_register"),
    path("unit/<int:pk>/mandates/", views.mandate_list, name="mandate_list"),
    path("<int:pk>/", views.assembly_detail, name="assembly_detail"),
    path("<int:pk>/quorum/", views.assembly_quorum, name="assembly_quorum"),
    path("<int:pk>/minutes/", views.assembly_minutes, name="assembly_minutes"),
    path("items/<int:pk>/", views.item_detail, name="item_detail"),
    path("items/<int:pk>/speakers/", views.item_speakers, name="item_speakers"),
    path("items/<int:pk>/bring-line/", views.item_bring_line, name="item_bring_line"),
    path("motions/<int:pk>/", views.motion_detail, name="motion_detail"),
    path("votes/<int:pk>/", views.vote_page, name="vote_page"),
    path("votes/<int:pk>/token/", views.vote_token, name="vote_token"),
    path("votes/<int:pk>/ballots/", views.vote_ballots, name="vote_ballots"),
    path("ballot-box/<int:pk>/", views.ballot_cast, name="ballot_cast"),
    path("decisions/<int:pk>/", views.decision_detail, name="decision_detail"),
    path("mandates/<int:pk>/", views.mandate_detail, name="mandate_detail"),
]
