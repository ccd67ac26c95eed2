from django.urls import URLPattern, URLResolver

from sanfu.briefing import views

app_name = "briefing"

urlpatterns: list[URLPattern | URLResolver] = [*views.urlpatterns]
