from django.urls import URLPattern, URLResolver, path

from sanfu.meetings import views

app_name = "meetings"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.board, name="board"),
    path("book/", views.booking_new, name="book"),
    path("mine/", views.my_bookings, name="mine"),
    path("bookings/<int:pk>/", views.booking_detail, name="booking"),
    path("bookings/<int:pk>/cancel/", views.booking_cancel, name="cancel"),
    path("bookings/<int:pk>/move/", views.booking_move, name="move"),
    path("meetings/", views.meetings, name="meetings"),
    path("meetings/figures/", views.figures_page, name="figures"),
    path("meetings/figures.xlsx", views.figures_xlsx, name="figures_xlsx"),
    path("meetings/new/", views.meeting_new, name="meeting_new"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting"),
    path("meetings/<int:pk>/act/", views.meeting_act, name="meeting_act"),
    path("meetings/<int:pk>/materials/<int:file_id>/", views.material_file, name="material"),
    path("meetings/<int:pk>/invite.ics", views.meeting_ics, name="meeting_ics"),
    path("meetings/<int:pk>/screen/", views.meeting_screen, name="meeting_screen"),
    path("signin/<int:pk>/<str:token>/", views.signin, name="signin"),
    path("rooms/", views.rooms, name="rooms"),
    path("rooms/new/", views.room_edit, name="room_new"),
    path("rooms/<int:pk>/", views.room_edit, name="room_edit"),
]
