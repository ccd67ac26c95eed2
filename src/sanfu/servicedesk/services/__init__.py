"""Every write of the one-stop window (re-exported: callers write ``services.<name>``)."""

from sanfu.servicedesk.services.catalogue import ServiceIn, service_save
from sanfu.servicedesk.services.feedback import complaint_answer, complaint_file, rating_review_answer, request_rate
from sanfu.servicedesk.services.requests import (
    RequestIn,
    request_handle,
    request_register,
    request_return_material,
    request_supply,
)

__all__ = [
    "RequestIn",
    "ServiceIn",
    "complaint_answer",
    "complaint_file",
    "rating_review_answer",
    "request_handle",
    "request_rate",
    "request_register",
    "request_return_material",
    "request_supply",
    "service_save",
]
