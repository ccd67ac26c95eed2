from django.urls import URLPattern, URLResolver, path

from sanfu.insights import views, views_advice, views_compare, views_more, views_whatif

app_name = "insights"

urlpatterns: list[URLPattern | URLResolver] = [
    path("review/", views.review_page, name="review"),
    path("review.xlsx", views.review_xlsx, name="review_xlsx"),
    path("review.docx", views.review_docx, name="review_docx"),
    path("review/instances/", views.drill_down, name="drill_down"),
    path("review/people/", views.review_people, name="review_people"),
    path("advice/", views_advice.advice_page, name="advice"),
    path("advice.xlsx", views_advice.advice_xlsx, name="advice_xlsx"),
    path("advice/instances/", views_advice.advice_drill_down, name="advice_drill_down"),
    path("advice/apply/", views_advice.advice_apply, name="advice_apply"),
    path("compare/", views_compare.compare_page, name="compare"),
    path("compare.xlsx", views_compare.compare_xlsx, name="compare_xlsx"),
    path("eventlog.xes", views_compare.eventlog_download, {"fmt": "xes"}, name="eventlog_xes"),
    path("eventlog.ocel", views_compare.eventlog_download, {"fmt": "ocel"}, name="eventlog_ocel"),
    path("eta/", views_more.eta_fragment, name="eta"),
    path("map/", views_more.map_page, name="map"),
    path("whatif/", views_whatif.whatif_page, name="whatif"),
    path("whatif/run/", views_whatif.whatif_run, name="whatif_run"),
]
