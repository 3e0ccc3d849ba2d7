"""Open311 GeoReport v2 (docs/open311.md): services from the catalogue, requests as cases, in the
spec's JSON and XML, with the spec's error lists."""

from __future__ import annotations

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from remit.casework import CaseBook
from remit.registry import Registry
from remit.registry.catalogue_import import read_open311
from remit.registry.entities import MatterKind
from tests.conftest import ServiceClient

V2 = "/open311/v2"
SERVICE_FIELDS = [
    "service_code",
    "service_name",
    "description",
    "metadata",
    "type",
    "keywords",
    "group",
]
ATTRIBUTE_FIELDS = [
    "variable",
    "code",
    "datatype",
    "required",
    "datatype_description",
    "order",
    "description",
]
REQUEST_FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]
W3C = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$")
CASE_ID = re.compile(r"^C-\d{4}-\d{6}$")
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'


def xml_of(response: Any) -> ET.Element:
    assert response.headers["content-type"] == "text/xml; charset=utf-8"
    assert response.text.startswith(XML_DECLARATION)
    return ET.fromstring(response.content)


def json_of(response: Any) -> Any:
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    return response.json()


def spec_errors(response: Any, status: int, fmt: str = "json") -> list[str]:
    """The spec's error list of a refusal: its codes are the status; the descriptions."""
    assert response.status_code == status, response.text
    if fmt == "xml":
        root = xml_of(response)
        assert root.tag == "errors"
        found = []
        for error in root:
            assert error.tag == "error"
            assert [c.tag for c in error] == ["code", "description"]
            assert error.findtext("code") == str(status)
            found.append(error.findtext("description") or "")
        return found
    body = json_of(response)
    assert isinstance(body, list) and body
    for error in body:
        assert list(error) == ["code", "description"]
        assert error["code"] == status
    return [e["description"] for e in body]


def post(svc: ServiceClient, fmt: str = "json", who: str | None = "disp", **fields: Any) -> Any:
    data = {"api_key": svc.tokens[who]} if who else {}
    data.update(fields)
    return svc.post(f"{V2}/requests.{fmt}", data=data)


POTHOLE = {
    "service_code": "SJ0110",
    "address_id": "310101002000",
    "description": "南京东路步行街路面坑洞",
    "attribute[severity]": "3",
    "lat": "31.2353",
    "long": "121.4806",
    "address_string": "南京东路 300 号",
    "email": "resident@example.cn",
    "media_url": "https://example.cn/p/1.jpg",
    "device_id": "tt222111",
    "account_id": "123456",
    "first_name": "小明",
    "last_name": "王",
    "phone": "13800000000",
}


# --- services ---------------------------------------------------------------------------------


def test_services_json_is_every_matter_that_is_not_a_group(svc: ServiceClient) -> None:
    response = svc.get(f"{V2}/services.json")
    assert response.status_code == 200
    services = json_of(response)
    assert all(list(s) == SERVICE_FIELDS for s in services)
    by_code = {s["service_code"]: s for s in services}
    assert "BJ01" not in by_code  # a group matter is its services' group, not a service
    assert by_code["BJ0101"] == {
        "service_code": "BJ0101",
        "service_name": "上水井盖",
        "description": None,
        "metadata": False,
        "type": "realtime",
        "keywords": "自来水井盖",
        "group": "公用设施",
    }
    assert by_code["BJ0114"]["description"] == "权属不明的井盖；由属地街道先行处置、再查明权属。"
    assert by_code["BJ0117"]["keywords"] == "电杆, 线杆"
    assert by_code["SJ0102"]["metadata"] is True


def test_services_xml_has_the_spec_elements_in_order(svc: ServiceClient) -> None:
    root = xml_of(svc.get(f"{V2}/services.xml"))
    assert root.tag == "services"
    services = list(root)
    assert services and all(s.tag == "service" for s in services)
    assert all([c.tag for c in s] == SERVICE_FIELDS for s in services)
    first = {c.tag: c.text for c in services[0]}
    assert first["service_code"] == "BJ0101" and first["metadata"] == "false"
    assert first["description"] is None  # an empty element
    listed = json_of(svc.get(f"{V2}/services.json"))
    assert [s.findtext("service_code") for s in services] == [s["service_code"] for s in listed]


@pytest.mark.parametrize("jurisdiction", ["310101000000", "310101"])
def test_the_district_is_the_jurisdiction(svc: ServiceClient, jurisdiction: str) -> None:
    response = svc.get(f"{V2}/services.json", params={"jurisdiction_id": jurisdiction})
    assert response.status_code == 200


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_another_jurisdiction_is_404_in_the_spec_format(svc: ServiceClient, fmt: str) -> None:
    response = svc.get(
        f"{V2}/services.{fmt}", params={"jurisdiction_id": "sfgov.org", "lang": "en"}
    )
    (description,) = spec_errors(response, 404, fmt)
    assert "sfgov.org" in description and "310101000000" in description


def test_a_format_the_spec_lacks_is_404(svc: ServiceClient) -> None:
    (description,) = spec_errors(svc.get(f"{V2}/services.csv?lang=en"), 404)
    assert "csv" in description


def test_service_definition_json(svc: ServiceClient) -> None:
    definition = json_of(svc.get(f"{V2}/services/SJ0102.json"))
    assert list(definition) == ["service_code", "attributes"]
    assert definition["service_code"] == "SJ0102"
    (attribute,) = definition["attributes"]
    assert list(attribute) == [*ATTRIBUTE_FIELDS, "values"]
    assert attribute["variable"] is True
    assert attribute["code"] == "location_type"
    assert attribute["datatype"] == "singlevaluelist"
    assert attribute["required"] is True  # the sample's rows of SJ0102 decide on it
    assert attribute["order"] == 1
    assert attribute["description"] == "地点类型"
    assert {"key": "road", "name": "道路"} in attribute["values"]
    assert all(list(v) == ["key", "name"] for v in attribute["values"])


def test_service_definition_xml_with_a_number(svc: ServiceClient) -> None:
    root = xml_of(svc.get(f"{V2}/services/SJ0110.xml?lang=en"))
    assert root.tag == "service_definition"
    assert [c.tag for c in root] == ["service_code", "attributes"]
    (attribute,) = root.find("attributes") or []
    assert attribute.tag == "attribute"
    assert [c.tag for c in attribute] == ATTRIBUTE_FIELDS  # no values: not a list
    assert attribute.findtext("datatype") == "number"
    assert attribute.findtext("datatype_description") == "a whole number from 1 to 4"
    values = xml_of(svc.get(f"{V2}/services/BJ0117.xml")).find("attributes/attribute/values")
    assert values is not None
    assert [(v.findtext("key"), v.findtext("name")) for v in values[:1]] == [("power", "电力杆")]


@pytest.mark.parametrize("code", ["NOPE", "BJ01"])
def test_service_definition_of_no_service_is_404(svc: ServiceClient, code: str) -> None:
    for fmt in ("json", "xml"):
        (description,) = spec_errors(svc.get(f"{V2}/services/{code}.{fmt}"), 404, fmt)
        assert code in description


def test_services_round_trip_through_the_catalogue_import(
    svc: ServiceClient, tmp_path: Path
) -> None:
    """services.json and the definitions beside it, read back by the Open311 catalogue import:
    the same codes, names, groups, keywords and enumerations."""
    services = json_of(svc.get(f"{V2}/services.json"))
    listed = tmp_path / "services.json"
    listed.write_text(json.dumps(services, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "services").mkdir()
    for service in services:
        if service["metadata"]:
            code = service["service_code"]
            response = svc.get(f"{V2}/services/{code}.json")
            (tmp_path / "services" / f"{code}.json").write_bytes(response.content)
    entries = read_open311(listed, MatterKind.hotline)
    read = {e.data["code"]: e.data for e in entries}
    group_names = {e.data["code"]: e.data["name"] for e in entries if e.data["code"][0] == "G"}
    for service in services:
        matter = read[service["service_code"]]
        assert matter["name"] == service["service_name"]
        assert matter.get("description") == service["description"]
        keywords = service["keywords"].split(", ") if service["keywords"] else []
        assert matter.get("aliases", []) == keywords
        assert group_names[matter["parent"]] == service["group"]
    assert read["SJ0102"]["attributes"]["location_type"].labels["road"] == "道路"
    with Registry(svc.url) as registry:
        catalogue = registry.snapshot().matters
    assert read["SJ0102"]["attributes"]["location_type"].values == (
        catalogue["SJ0102"].attributes["location_type"].values  # type: ignore[union-attr]
    )


# --- POST requests ----------------------------------------------------------------------------


def test_post_a_request_as_a_form(svc: ServiceClient) -> None:
    response = post(svc, **POTHOLE)
    assert response.status_code == 200, response.text
    (created,) = json_of(response)
    assert list(created) == ["service_request_id", "service_notice", "account_id"]
    assert CASE_ID.match(created["service_request_id"])
    assert created["account_id"] is None
    with Registry(svc.url) as registry, CaseBook(registry) as book:
        case = book.get(created["service_request_id"])
    assert case is not None
    assert case.source == "open311"
    assert case.event.matter == "SJ0110"
    assert case.event.attributes == {"severity": "3"}
    routed = ("service_code", "attribute[severity]", "lat", "long", "address_string")
    kept = {k: v for k, v in POTHOLE.items() if k not in routed}
    assert case.event.extra["open311"] == kept  # every spec field but what routing reads
    assert case.event.location is not None
    assert case.event.location.model_dump() == {
        "lat": 31.2353,
        "long": 121.4806,
        "address": "南京东路 300 号",
    }
    assert case.event.area == "310101002000"  # address_id names the area: it wins
    assert case.steps[0].actor == "disp"
    assert case.deadline is not None
    assert case.unit_name in created["service_notice"]
    deadline = case.deadline.astimezone(dt.timezone(dt.timedelta(hours=8)))
    assert deadline.strftime("%Y-%m-%d %H:%M") in created["service_notice"]


def test_post_xml_and_the_notice_in_the_request_language(svc: ServiceClient) -> None:
    response = svc.post(
        f"{V2}/requests.xml",
        data={"api_key": svc.tokens["disp"], **POTHOLE},
        headers={"Accept-Language": "en"},
    )
    root = xml_of(response)
    assert root.tag == "service_requests"
    (request,) = root
    assert request.tag == "request"
    assert [c.tag for c in request] == ["service_request_id", "service_notice", "account_id"]
    assert request.find("account_id") is not None and request.find("account_id").text is None  # type: ignore[union-attr]
    assert (request.findtext("service_notice") or "").startswith("Assigned to ")
    zh = json_of(post(svc, **{**POTHOLE, "description": "另一处坑洞"}))[0]["service_notice"]
    assert zh.startswith("已派至") and "办理时限至" in zh


def test_the_same_post_again_is_the_same_request(svc: ServiceClient) -> None:
    first = json_of(post(svc, **POTHOLE))[0]["service_request_id"]
    again = json_of(post(svc, **POTHOLE))[0]["service_request_id"]
    assert again == first
    other = json_of(post(svc, **{**POTHOLE, "description": "另一处"}))[0]["service_request_id"]
    assert other != first
    by_admin = json_of(post(svc, who="admin", **POTHOLE))[0]["service_request_id"]
    assert by_admin not in (first, other)  # another client's report is another request


def test_the_platform_id_makes_a_retry_idempotent(svc: ServiceClient) -> None:
    given = {**POTHOLE, "remit_external_id": "APP-2026-77"}
    first = json_of(post(svc, **given))[0]["service_request_id"]
    changed = {**given, "description": "重试时描述略有不同"}
    assert json_of(post(svc, **changed))[0]["service_request_id"] == first
    with Registry(svc.url) as registry, CaseBook(registry) as book:
        case = book.by_external("open311", "APP-2026-77")
    assert case is not None and case.id == first


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_api_key_missing_or_invalid_is_403(svc: ServiceClient, fmt: str) -> None:
    spec_errors(post(svc, fmt, who=None, **POTHOLE), 403, fmt)
    response = svc.post(f"{V2}/requests.{fmt}", data={"api_key": "remit_nope", **POTHOLE})
    (description,) = spec_errors(response, 403, fmt)
    assert "api_key" in description


def test_a_key_without_the_dispatcher_role_is_403(svc: ServiceClient) -> None:
    (description,) = spec_errors(post(svc, who="nj", **POTHOLE), 403)
    assert "nj" in description and "dispatcher" in description


def test_a_bearer_token_is_an_api_key(svc: ServiceClient) -> None:
    response = svc.post(f"{V2}/requests.json", data=POTHOLE, headers=svc.auth("disp"))
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"service_code": None}, "service_code"),
        ({"service_code": "NOPE"}, "service_code"),
        ({"service_code": "BJ01"}, "service_code"),
        ({"address_id": "月球"}, "address_id"),
        ({"attribute[severity]": "9"}, "attribute[severity]"),
        ({"attribute[colour]": "red"}, "attribute[colour]"),
        ({"attribute[severity": "3"}, "attribute[severity"),
        ({"jurisdiction_id": "310104"}, "jurisdiction_id"),
        ({"remit_external_id": "two\nlines"}, "remit_external_id"),
    ],
)
def test_bad_fields_are_400_naming_the_field(
    svc: ServiceClient, change: dict[str, str | None], field: str
) -> None:
    data = {k: v for k, v in {**POTHOLE, **change}.items() if v is not None}
    descriptions = spec_errors(post(svc, **data), 404 if "jurisdiction_id" in change else 400)
    assert any(d.startswith(field) for d in descriptions), descriptions


def test_an_attribute_the_lists_decide_on_is_asked_for(svc: ServiceClient) -> None:
    data = {"service_code": "SJ0102", "address_id": "南京东路街道"}
    for fmt in ("json", "xml"):
        (description,) = spec_errors(post(svc, fmt, **data), 400, fmt)
        assert description.startswith("attribute[location_type]")
        assert "地点类型" in description
    done = post(svc, **data, **{"attribute[location_type]": "road"})
    assert done.status_code == 200, done.text


def test_several_values_of_an_attribute(svc: ServiceClient) -> None:
    data = {"service_code": "SJ0102", "address_id": "南京东路街道"}
    form = [
        ("api_key", svc.tokens["disp"]),
        *data.items(),
        ("attribute[location_type][]", "road"),
        ("attribute[location_type][]", "park"),
    ]
    response = svc.post(
        f"{V2}/requests.json?lang=en",
        content=urlencode(form),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    (description,) = spec_errors(response, 400)
    assert description.startswith("attribute[location_type]")  # one value is what it takes


def test_a_location_is_required(svc: ServiceClient) -> None:
    data = {
        k: v for k, v in POTHOLE.items() if k not in ("address_id", "lat", "long", "address_string")
    }
    (description,) = spec_errors(post(svc, **data), 400)
    assert "address_id" in description and "lat" in description


@pytest.mark.parametrize(
    ("place", "area"),
    [
        ({"lat": "31.23", "long": "121.479"}, "31010100200101"),  # 贵州居民区第一网格's shape
        ({"address_string": "福佑路豫园旅游商城东侧"}, None),  # an address alias
    ],
)
def test_a_point_or_an_address_is_placed_by_the_locator(
    svc: ServiceClient, place: dict[str, str], area: str | None
) -> None:
    response = post(svc, service_code="BJ0101", **place)
    assert response.status_code == 200, response.text
    made = json_of(response)[0]["service_request_id"]
    with Registry(svc.url) as registry, CaseBook(registry) as book:
        case = book.get(made)
    assert case is not None
    if area is not None:
        assert case.decision.area == area
    (request,) = json_of(svc.get(f"{V2}/requests/{made}.json", as_="disp"))
    assert request["lat"] == (float(place["lat"]) if "lat" in place else None)
    assert request["address"] == place.get("address_string")
    assert request["address_id"] is None


@pytest.mark.parametrize(
    ("place", "field"),
    [
        ({"lat": "31.30", "long": "121.60"}, "lat/long, address_string"),  # outside every shape
        ({"address_string": "淮海中路某商场门口"}, "address_string"),  # two streets' road
        ({"address_string": "火星"}, "lat/long, address_string"),
        ({"lat": "31.23"}, "lat/long, address_string"),  # half a point
        ({"lat": "north", "long": "121.479"}, "lat"),
    ],
)
def test_a_location_that_cannot_be_placed_is_400(
    svc: ServiceClient, place: dict[str, str], field: str
) -> None:
    (description,) = spec_errors(post(svc, service_code="BJ0101", **place), 400)
    assert description.startswith(field), description


def test_the_xml_service_list_round_trips_too(svc: ServiceClient, tmp_path: Path) -> None:
    listed = tmp_path / "services.xml"
    listed.write_bytes(svc.get(f"{V2}/services.xml").content)
    read = {e.data["code"]: e.data for e in read_open311(listed, MatterKind.hotline)}
    for service in json_of(svc.get(f"{V2}/services.json")):
        assert read[service["service_code"]]["name"] == service["service_name"]


def test_a_json_body_is_refused_as_not_a_form(svc: ServiceClient) -> None:
    response = svc.post(f"{V2}/requests.json", json={"api_key": svc.tokens["disp"], **POTHOLE})
    (description,) = spec_errors(response, 400)
    assert "application/json" in description


# --- GET requests -----------------------------------------------------------------------------


def test_requests_json_with_every_field(svc: ServiceClient) -> None:
    made = json_of(post(svc, **POTHOLE))[0]["service_request_id"]
    listed = json_of(svc.get(f"{V2}/requests.json", as_="disp"))
    (request,) = [r for r in listed if r["service_request_id"] == made]
    assert list(request) == REQUEST_FIELDS
    assert request["status"] == "open"
    assert request["service_code"] == "SJ0110"
    assert request["service_name"] == "道路破损"
    assert request["description"] == POTHOLE["description"]
    assert request["address"] == POTHOLE["address_string"]
    assert request["address_id"] == "310101002000"
    assert request["zipcode"] is None
    assert (request["lat"], request["long"]) == (31.2353, 121.4806)
    assert request["media_url"] == POTHOLE["media_url"]
    assert (
        request["agency_responsible"] and request["agency_responsible"] in request["service_notice"]
    )
    for key in ("requested_datetime", "updated_datetime", "expected_datetime"):
        assert W3C.match(request[key]), request[key]
    requested = dt.datetime.fromisoformat(request["requested_datetime"])
    assert abs(requested - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)


def test_requests_xml(svc: ServiceClient) -> None:
    made = json_of(post(svc, **{**POTHOLE, "description": "<b>坑 & 洞</b>\x01"}))[0]
    root = xml_of(svc.get(f"{V2}/requests.xml", params={"api_key": svc.tokens["disp"]}))
    assert root.tag == "service_requests"
    (request,) = [r for r in root if r.findtext("service_request_id") == made["service_request_id"]]
    assert request.tag == "request"
    assert [c.tag for c in request] == REQUEST_FIELDS
    assert request.findtext("description") == "<b>坑 & 洞</b>"  # escaped; \x01 cannot be XML
    assert W3C.match(request.findtext("expected_datetime") or "")
    assert request.find("zipcode") is not None and request.find("zipcode").text is None  # type: ignore[union-attr]


def test_one_request_by_its_id(svc: ServiceClient) -> None:
    made = json_of(post(svc, **POTHOLE))[0]["service_request_id"]
    (request,) = json_of(svc.get(f"{V2}/requests/{made}.json", as_="disp"))
    assert request["service_request_id"] == made
    (element,) = xml_of(svc.get(f"{V2}/requests/{made}.xml", as_="disp"))
    assert element.findtext("service_request_id") == made
    for fmt in ("json", "xml"):
        (description,) = spec_errors(
            svc.get(f"{V2}/requests/C-2026-999999.{fmt}", as_="disp"), 404, fmt
        )
        assert "C-2026-999999" in description


def test_reading_requests_needs_a_key(svc: ServiceClient) -> None:
    spec_errors(svc.get(f"{V2}/requests.json"), 403)
    spec_errors(svc.get(f"{V2}/requests/C-2026-000001.xml"), 403, "xml")
    (description,) = spec_errors(svc.get(f"{V2}/requests.json", as_="officer"), 403)
    assert "officer" in description  # as GET /cases: a dispatcher or a unit's user


def test_a_unit_reads_its_own_requests(svc: ServiceClient) -> None:
    """As GET /cases: a unit's user sees the cases its unit holds, and no other."""
    ours = json_of(post(svc, service_code="SJ0201", address_id="南京东路街道"))[0]
    theirs = json_of(post(svc, **POTHOLE))[0]["service_request_id"]
    assert "南京东路街道办事处" in ours["service_notice"]
    mine = ours["service_request_id"]
    listed = json_of(svc.get(f"{V2}/requests.json", as_="nj"))
    assert [r["service_request_id"] for r in listed] == [mine]
    assert json_of(svc.get(f"{V2}/requests.json", as_="wt")) == []
    assert json_of(svc.get(f"{V2}/requests/{mine}.json", as_="nj"))[0]["service_request_id"] == mine
    spec_errors(svc.get(f"{V2}/requests/{theirs}.json", as_="nj"), 404)
    both = f"{mine},{theirs}"
    listed = json_of(svc.get(f"{V2}/requests.json", params={"service_request_id": both}, as_="nj"))
    assert [r["service_request_id"] for r in listed] == [mine]


def test_requests_filtered(svc: ServiceClient) -> None:
    first = json_of(post(svc, **POTHOLE))[0]["service_request_id"]
    data = {
        "service_code": "SJ0102",
        "address_id": "南京东路街道",
        "attribute[location_type]": "road",
    }
    second = json_of(post(svc, **data))[0]["service_request_id"]

    def ids(**params: str) -> list[str]:
        response = svc.get(f"{V2}/requests.json", params=params, as_="disp")
        return [r["service_request_id"] for r in json_of(response)]

    assert ids() == [second, first]  # newest first
    assert ids(service_code="SJ0102") == [second]
    assert ids(service_request_id=f"{first}, C-2026-999999") == [first]
    assert ids(status="open") == [second, first]
    assert ids(status="closed") == []
    now = dt.datetime.now(dt.UTC)
    assert ids(start_date=(now - dt.timedelta(hours=1)).isoformat()) == [second, first]
    assert ids(end_date=(now - dt.timedelta(hours=1)).isoformat()) == []
    local = (now + dt.timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M:%S")  # no offset: Beijing
    assert ids(start_date="2026-01-01T00:00:00+08:00", end_date=local) == [second, first]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start_date": "yesterday"}, "start_date"),
        ({"end_date": "2026-13-01"}, "end_date"),
        ({"status": "pending"}, "status"),
        ({"start_date": "2026-06-01T00:00:00Z", "end_date": "2026-05-01T00:00:00Z"}, "end_date"),
    ],
)
def test_bad_filters_are_400(svc: ServiceClient, params: dict[str, str], field: str) -> None:
    response = svc.get(f"{V2}/requests.json", params=params, as_="disp")
    (description,) = spec_errors(response, 400)
    assert description.startswith(field)


def test_a_resolved_case_is_closed_with_its_notes(svc: ServiceClient) -> None:
    made = json_of(post(svc, **POTHOLE))[0]["service_request_id"]
    with Registry(svc.url) as registry, CaseBook(registry) as book:
        case = book.get(made)
        assert case is not None
        book.accept(made, "张三", case.unit)
        book.resolve(made, "张三", case.unit, note="已修补")
    (request,) = json_of(svc.get(f"{V2}/requests/{made}.json?lang=en", as_="disp"))
    assert request["status"] == "closed"
    assert request["status_notes"] == "resolved: 已修补"
    assert [
        r["service_request_id"]
        for r in json_of(svc.get(f"{V2}/requests.json", params={"status": "closed"}, as_="disp"))
    ] == [made]


def test_cases_from_other_sources_are_service_requests_too(svc: ServiceClient) -> None:
    with Registry(svc.url) as registry, CaseBook(registry) as book:
        from remit.routing.router import Router

        event = {
            "id": "HP-2026-0001",
            "matter": "BJ0101",
            "area": "310101002000",
            "reported_at": dt.datetime.now().isoformat(timespec="seconds"),
            "source": "grid",
        }
        with Router(registry) as router:
            case, _ = book.record(event, router.route(event), actor="grid")
    (request,) = json_of(svc.get(f"{V2}/requests/{case.id}.json", as_="disp"))
    assert request["service_code"] == "BJ0101"
    assert request["service_name"] == "上水井盖"
    assert request["description"] is None and request["lat"] is None


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_tokens_are_never_issued(svc: ServiceClient, fmt: str) -> None:
    (description,) = spec_errors(svc.get(f"{V2}/tokens/12345.{fmt}?lang=en"), 404, fmt)
    assert "12345" in description and "service_request_id" in description


def test_a_form_in_utf8_as_is_or_percent_encoded(svc: ServiceClient) -> None:
    """curl -d sends UTF-8 text as is; browsers and most clients percent-encode it: both read
    as the same text; bytes that are not UTF-8 are refused in the spec's format."""
    token = svc.tokens["disp"]
    form = "application/x-www-form-urlencoded"
    raw = f"api_key={token}&service_code=BJ0101&lat=31.23&long=121.479&description=井盖破损"
    sent = svc.client.post(
        "/open311/v2/requests.json", content=raw.encode(), headers={"Content-Type": form}
    )
    assert sent.status_code == 200, sent.text
    case = sent.json()[0]["service_request_id"]
    read = svc.get(f"/open311/v2/requests/{case}.json", "disp").json()[0]
    assert read["description"] == "井盖破损"
    encoded = svc.client.post(
        "/open311/v2/requests.json",
        data={
            "api_key": token,
            "service_code": "BJ0101",
            "lat": "31.23",
            "long": "121.479",
            "description": "井盖破损",
        },
    )
    assert encoded.json()[0]["service_request_id"] == case  # the same request: the same case
    bad = svc.client.post(
        "/open311/v2/requests.json",
        content=b"api_key=" + token.encode() + b"&description=\xff\xfe",
        headers={"Content-Type": form},
    )
    assert bad.status_code == 400 and "UTF-8" in bad.json()[0]["description"]
