from django.urls import path

from massline.aid import views

urlpatterns = [
    path("", views.program_list, name="aid_programs"),
    path("new/", views.program_new, name="aid_program_new"),
    path("<int:pk>/", views.program_detail, name="aid_program"),
    path("<int:pk>/edit/", views.program_edit, name="aid_program_edit"),
    path("<int:pk>/team/", views.team, name="aid_team"),
    path("<int:pk>/board/", views.board, name="aid_board"),
    path("<int:pk>/requests/new/", views.request_new, name="aid_request_new"),
    path("<int:pk>/offers/", views.offers, name="aid_offers"),
    path("<int:pk>/stock/", views.stock, name="aid_stock"),
    path("<int:pk>/funds/", views.funds, name="aid_funds"),
    path("<int:pk>/load/", views.load, name="aid_load"),
    path("requests/<int:pk>/", views.request_detail, name="aid_request"),
    path("requests/<int:pk>/step/", views.request_step, name="aid_request_step"),
    path("deliveries/<int:pk>/", views.delivery_detail, name="aid_delivery"),
    path("deliveries/<int:pk>/claim/", views.delivery_claim, name="aid_delivery_claim"),
    path("deliveries/<int:pk>/step/", views.delivery_step, name="aid_delivery_step"),
    path("deliveries/<int:pk>/doorstep/", views.doorstep, name="aid_doorstep"),
    path("offers/<int:pk>/state/", views.offer_state, name="aid_offer_state"),
    path("help/<str:token>/", views.public_request, name="aid_public_request"),
    path("give/<str:token>/", views.public_offer, name="aid_public_offer"),
]
