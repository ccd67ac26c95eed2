"""Writes of 资源共享; callers write ``services.<name>``."""

from sanfu.resources.services.asset_import import ImportResult, asset_import
from sanfu.resources.services.assets import (
    AssetIn,
    asset_create,
    asset_repair,
    asset_set_condition,
    asset_transfer,
    renewal_rule_update,
    rule_of,
)
from sanfu.resources.services.vehicles import (
    CarRequestIn,
    TripIn,
    VehicleIn,
    car_request_approve,
    car_request_dispatch,
    car_request_resubmit,
    car_request_return,
    car_request_submit,
    driver_create,
    may_act,
    trip_record,
    vehicle_create,
    vehicle_update,
)

__all__ = [
    "AssetIn",
    "CarRequestIn",
    "ImportResult",
    "TripIn",
    "VehicleIn",
    "asset_create",
    "asset_import",
    "asset_repair",
    "asset_set_condition",
    "asset_transfer",
    "car_request_approve",
    "car_request_dispatch",
    "car_request_resubmit",
    "car_request_return",
    "car_request_submit",
    "driver_create",
    "may_act",
    "renewal_rule_update",
    "rule_of",
    "trip_record",
    "vehicle_create",
    "vehicle_update",
]
