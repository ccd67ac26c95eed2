from django.urls import URLPattern, URLResolver, path

from sanfu.meetings import views

app_name = "meetings"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.board, name="board"),
    path("book/", views.booking_new, name="book"),
    path("mine/", views.my_bookings, name="mine"),
    path("bookings/<int:pk>/", views.booking_detail, name="booking"),
    path("bookings/<int:pk>/cancel/", views.booking_cancel, name="cancel"),
    path("rooms/", views.rooms, name="rooms"),
    path("rooms/new/", views.room_edit, name="room_new"),
    path("rooms/<int:pk>/", views.room_edit, name="room_edit"),
]
