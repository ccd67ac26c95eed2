from django.urls import URLPattern, URLResolver, path

from sanfu.resources.views import assets, supplies, vehicles

app_name = "resources"

urlpatterns: list[URLPattern | URLResolver] = [
    path("vehicles/", vehicles.requests_list, name="vehicles"),
    path("vehicles/new/", vehicles.request_new, name="request_new"),
    path("vehicles/requests/<int:pk>/", vehicles.request_detail, name="request"),
    path("vehicles/requests/<int:pk>/edit/", vehicles.request_new, name="request_edit"),
    path("vehicles/requests/<int:pk>/act/", vehicles.request_act, name="request_act"),
    path("vehicles/fleet/", vehicles.fleet, name="fleet"),
    path("vehicles/fleet/new/", vehicles.vehicle_edit, name="vehicle_new"),
    path("vehicles/fleet/<int:pk>/", vehicles.vehicle_edit, name="vehicle_edit"),
    path("vehicles/drivers/new/", vehicles.driver_new, name="driver_new"),
    path("vehicles/costs/", vehicles.costs, name="costs"),
    path("vehicles/costs.xlsx", vehicles.costs_xlsx, name="costs_xlsx"),
    path("assets/", assets.register, name="assets"),
    path("assets/register.xlsx", assets.register_xlsx, name="assets_xlsx"),
    path("assets/new/", assets.asset_new, name="asset_new"),
    path("assets/import/", assets.asset_import, name="asset_import"),
    path("assets/<int:pk>/", assets.asset_detail, name="asset"),
    path("assets/<int:pk>/act/", assets.asset_act, name="asset_act"),
    path("assets/renewal/", assets.renewal_page, name="renewal"),
    path("assets/renewal/rules/", assets.renewal_rules, name="renewal_rules"),
    path("assets/renewal.xlsx", assets.renewal_xlsx, name="renewal_xlsx"),
    path("supplies/", supplies.requests_list, name="supplies"),
    path("supplies/new/", supplies.request_new, name="supply_new"),
    path("supplies/requests/<int:pk>/", supplies.request_detail, name="supply"),
    path("supplies/requests/<int:pk>/act/", supplies.request_act, name="supply_act"),
    path("supplies/stock/", supplies.stock, name="supplies_stock"),
    path("supplies/stock/act/", supplies.stock_act, name="supplies_stock_act"),
    path("supplies/consumption/", supplies.consumption, name="supplies_consumption"),
    path("supplies/consumption.xlsx", supplies.consumption_xlsx, name="supplies_consumption_xlsx"),
]
