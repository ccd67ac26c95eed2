from django.urls import URLPattern, URLResolver

from sanfu.supervision import views, views_reports

app_name = "supervision"

urlpatterns: list[URLPattern | URLResolver] = [*views.urlpatterns, *views_reports.urlpatterns]
