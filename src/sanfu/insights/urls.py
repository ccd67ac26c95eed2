from django.urls import URLPattern, URLResolver, path

from sanfu.insights import views

app_name = "insights"

urlpatterns: list[URLPattern | URLResolver] = [
    path("review/", views.review_page, name="review"),
    path("review.xlsx", views.review_xlsx, name="review_xlsx"),
    path("review/instances/", views.drill_down, name="drill_down"),
]
