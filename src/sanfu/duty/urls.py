from django.urls import URLPattern, URLResolver, path

from sanfu.duty import views

app_name = "duty"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.roster, name="roster"),
    path("roster.xlsx", views.export, name="export"),
    path("mine/", views.mine, name="mine"),
    path("shifts/<int:pk>/", views.shift, name="shift"),
    path("swaps/<int:pk>/", views.swap, name="swap"),
    path("rotas/", views.rotas, name="rotas"),
    path("rotas/new/", views.rota, name="rota_new"),
    path("rotas/<int:pk>/", views.rota, name="rota"),
]
