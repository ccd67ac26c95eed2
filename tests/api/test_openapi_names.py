"""The OpenAPI document names each schema by its class: two routers' classes of one name would silently become
one component, and one router's responses would be documented (and checked) with the other's fields."""

from __future__ import annotations

from collections import defaultdict

from ninja import Schema

from sanfu.api.site import api


def _subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found.add(sub)
        found |= _subclasses(sub)
    return found


def test_no_two_schema_classes_of_the_api_share_a_name() -> None:
    api()  # every router is included, so every module defining the API's schemas is imported
    modules = defaultdict(set)
    for cls in _subclasses(Schema):
        if cls.__module__.startswith("sanfu."):
            modules[cls.__name__].add(cls.__module__)
    shared = {name: sorted(where) for name, where in modules.items() if len(where) > 1}
    assert shared == {}


def test_the_document_keeps_each_routers_own_request_schema() -> None:
    components = api().get_openapi_schema()["components"]["schemas"]
    assert "service_id" in components["ServiceRequestOut"]["properties"]
    assert "service_id" not in components["RequestOut"]["properties"]
