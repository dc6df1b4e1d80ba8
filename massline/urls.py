from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from massline.consultations import views as consultations
from massline.conversations import views as conversations
from massline.organization import views as organization
from massline.people import views as people
from massline.rounds import views as rounds
from massline.web import views as web

urlpatterns = [
    path("", web.my_work, name="my_work"),
    path("ties/", web.ties, name="ties"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/", include("massline.accounts.urls")),
    path("people/", people.people_list, name="people_list"),
    path("people/new/", people.person_new, name="person_new"),
    path("people/<int:pk>/", people.person_detail, name="person_detail"),
    path("people/<int:pk>/edit/", people.person_edit, name="person_edit"),
    path("people/<int:pk>/seal/", people.person_seal, name="person_seal"),
    path("people/<int:pk>/sealed/", people.person_sealed, name="person_sealed"),
    path("conversations/new/", conversations.new_conversation, name="conversation_new"),
    path("conversations/new/people/", conversations.person_rows, name="conversation_person_rows"),
    path("conversations/new/idea/", conversations.idea_row, name="conversation_idea_row"),
    path("conversations/pick/", conversations.person_picker, name="person_picker"),
    path("conversations/<int:pk>/", conversations.conversation_detail, name="conversation_detail"),
    path("follow-ups/<int:pk>/done/", conversations.follow_up_done, name="follow_up_done"),
    path("manage/", organization.manage_list, name="manage"),
    path(
        "manage/members/<int:pk>/remove/", organization.membership_remove, name="membership_remove"
    ),
    path("manage/<slug:kind>/", organization.manage_list, name="manage_list"),
    path("manage/<slug:kind>/new/", organization.manage_edit, name="manage_new"),
    path("manage/<slug:kind>/<int:pk>/", organization.manage_edit, name="manage_edit"),
    path("rounds/", include("massline.rounds.urls")),
    path("ideas/", include("massline.ideas.urls")),
    path("audit/", include("massline.audit.urls")),
    path("r/<str:token>/", rounds.public_idea, name="public_idea"),
    path("consultations/", include("massline.consultations.urls")),
    path("c/<str:token>/", consultations.consultation_vote, name="consultation_vote"),
    path("aid/", include("massline.aid.urls")),
    path("study/", include("massline.study.urls")),
    path("assemblies/", include("massline.assemblies.urls")),
    path("sections/", include("massline.sections.urls")),
    path("exchange/", include("massline.exchange.urls")),
    path("field/", include("massline.field.urls")),
    path("api/", include("massline.api.urls")),
    path("admin/", admin.site.urls),
]
