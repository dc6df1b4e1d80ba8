from django.urls import path

from massline.study import views

urlpatterns = [
    path("", views.study_home, name="study_home"),
    path("groups/new/", views.study_group_new, name="study_group_new"),
    path("groups/<int:pk>/", views.study_group_detail, name="study_group_detail"),
    path("groups/<int:pk>/members/", views.study_group_members, name="study_group_members"),
    path("groups/<int:pk>/readings/new/", views.reading_new, name="reading_new"),
    path("groups/<int:pk>/sessions/new/", views.session_new, name="session_new"),
    path("readings/<int:pk>/file/", views.reading_file, name="reading_file"),
    path("sessions/<int:pk>/", views.session_detail, name="session_detail"),
    path("sessions/<int:pk>/attendance/", views.session_attendance, name="session_attendance"),
    path("sessions/<int:pk>/notes/", views.session_notes, name="session_notes"),
    path("sessions/<int:pk>/swap/", views.session_swap, name="session_swap"),
    path("sessions/<int:pk>/question/", views.session_question, name="session_question"),
    path("members/<int:pk>/", views.member_development, name="member_development"),
    path("members/<int:pk>/notes/", views.lead_note_new, name="lead_note_new"),
    path("units/<int:pk>/support/", views.unit_support, name="unit_support"),
    path("units/<int:pk>/advanced/", views.unit_advanced, name="unit_advanced"),
    path("units/<int:pk>/invite/<int:person_pk>/", views.invitation_new, name="invitation_new"),
    path("pairs/<int:pk>/end/", views.pair_end, name="pair_end"),
    path("invitations/<int:pk>/answer/", views.invitation_answer, name="invitation_answer"),
    path("invitations/<int:pk>/join/", views.invitation_join, name="invitation_join"),
]
