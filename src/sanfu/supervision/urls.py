from django.urls import URLPattern, URLResolver

from sanfu.supervision import views

app_name = "supervision"

urlpatterns: list[URLPattern | URLResolver] = [*views.urlpatterns]
