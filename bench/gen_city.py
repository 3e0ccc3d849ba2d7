"""Build a synthetic megacity registry and a year of its events, deterministic from a seed.

16 districts, 215 streets, 430 communities, 5,000 grids; 60 departments, the district and street
units, utility owners and property managers; a catalogue of 300 leaf matters (components,
events, hotline categories) with attribute domains and hit policies; department lists (some with
a second version from 2025-07-01), one street list per street and the owners' lists — over
100,000 duty rows whose leads partition every matter's condition space, except a few deliberate
overlaps (OVERLAPS component matters that their department and their owner both lead).

To exercise the dispatch and owner policies at scale (:func:`add_dispatch`): street city
operations centres for a share of the streets (``--street-centres``), a city centre
(``--no-city-centre`` leaves it out) and ``--owner-matters`` component matters led by
``@owner`` (权属单位, the owner named on the event). ``--street-centres 0 --no-city-centre
--owner-matters 0`` gives the city without them.

``--events N`` (default 1,000,000; 0 for none) writes OUT/events.jsonl (:func:`write_events`):
Zipf-like over matters and areas, a year across 2025-07-01, ~0.5% bad events.

    python bench/gen_city.py --out bench/out/city            # writes the YAML tree and events
    python bench/gen_city.py --out bench/out/city --import   # … and imports it into registry.db

The YAML tree goes to OUT/registry/; with --import, OUT/registry.db is (re)built from it and
the import time is printed.
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import itertools
import json
import random
import shutil
import time
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

DISTRICTS = 16
STREETS = 215
COMMUNITIES_PER_STREET = 2
GRIDS = 5000
DEPARTMENTS = 60
MATTERS = {"component": 120, "event": 120, "hotline": 60}

SIZES: dict[str, dict[str, Any]] = {
    "mega": {
        "DISTRICTS": DISTRICTS,
        "STREETS": STREETS,
        "GRIDS": GRIDS,
        "DEPARTMENTS": DEPARTMENTS,
        "MATTERS": MATTERS,
    },
    # street lists sample 100 event and hotline matters, so those stay above 100
    "quick": {
        "DISTRICTS": 4,
        "STREETS": 24,
        "GRIDS": 480,
        "DEPARTMENTS": 20,
        "MATTERS": {"component": 40, "event": 80, "hotline": 40},
    },
    "tiny": {
        "DISTRICTS": 2,
        "STREETS": 6,
        "GRIDS": 60,
        "DEPARTMENTS": 8,
        "MATTERS": {"component": 12, "event": 70, "hotline": 40},
    },
}
"""The city's size by name: the megacity the targets are about, a quick one for smoke runs,
a tiny one for the test that runs every benchmark (seconds)."""


def resize(size: str) -> None:
    """Build cities of ``size`` (a key of :data:`SIZES`) from now on."""
    globals().update(SIZES[size])


LOCATIONS = ["road", "pavement", "residential_compound", "park", "river", "market"]
STREET_LED = "residential_compound"  # streets lead this part of many event matters
OVERLAPS = 3  # component matters that both their department and their owner lead
OWNER_LIST = "QSDW-OWNERS"


def build(seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    city = "900000000000"
    areas: list[dict[str, Any]] = [{"code": city, "name": "巨城市", "level": "city"}]
    districts = [f"9001{d:02d}000000" for d in range(1, DISTRICTS + 1)]
    for i, code in enumerate(districts, 1):
        areas.append({"code": code, "name": f"第{i}区", "level": "district", "parent": city})
    streets: list[str] = []
    street_district: dict[str, str] = {}
    for s in range(STREETS):
        district = districts[s % DISTRICTS]
        code = f"{district[:6]}{s // DISTRICTS + 1:03d}000"
        streets.append(code)
        street_district[code] = district
        areas.append(
            {
                "code": code,
                "name": f"{district[4:6]}区第{s // DISTRICTS + 1}街道",
                "level": "street",
                "parent": district,
            }
        )
    communities: list[str] = []
    for street in streets:
        for c in range(1, COMMUNITIES_PER_STREET + 1):
            code = f"{street[:9]}{c:03d}"
            communities.append(code)
            areas.append(
                {
                    "code": code,
                    "name": f"{street[4:9]}第{c}居委",
                    "level": "community",
                    "parent": street,
                }
            )
    grids: list[tuple[str, str]] = []
    for g in range(GRIDS):
        community = communities[g % len(communities)]
        code = f"{community}{g // len(communities) + 1:02d}"
        grids.append((code, community))
        areas.append(
            {"code": code, "name": f"网格{code[4:]}", "level": "grid", "parent": community}
        )

    units: list[dict[str, Any]] = []
    departments = [f"DEPT{d:02d}" for d in range(1, DEPARTMENTS + 1)]
    for d, code in enumerate(departments, 1):
        units.append(
            {
                "code": code,
                "name": f"市第{d}职能部门",
                "aliases": [f"部门{d:02d}"],
                "kind": "line",
                "level": "city",
                "jurisdiction": city,
                "capacity": rng.randint(50, 400),
                "powers": ["administrative_enforcement"] if d % 3 == 0 else [],
            }
        )
    for code in districts:
        units.append(
            {
                "code": f"CYZX{code[4:6]}",
                "name": f"第{int(code[4:6])}区城运中心",
                "kind": "platform",
                "level": "district",
                "jurisdiction": code,
                "capacity": 30,
            }
        )
    for code in streets:
        units.append(
            {
                "code": f"JD{code[2:9]}",
                "name": f"{code[4:9]}街道办事处",
                "kind": "block",
                "level": "street",
                "jurisdiction": code,
                "capacity": rng.randint(15, 60),
            }
        )
    owners = [f"OWN{o:02d}" for o in range(1, 11)]
    for o, code in enumerate(owners, 1):
        units.append(
            {
                "code": code,
                "name": f"公用事业公司{o}",
                "kind": "owner",
                "level": "city",
                "jurisdiction": city,
            }
        )
    for code in communities:
        units.append(
            {
                "code": f"WY{code[2:]}",
                "name": f"物业{code[2:]}",
                "kind": "owner",
                "level": "community",
                "jurisdiction": code,
            }
        )

    matters: list[dict[str, Any]] = []
    leaves: list[dict[str, Any]] = []
    prefix = {"component": "BJ", "event": "SJ", "hotline": "RX"}
    for kind, count in MATTERS.items():
        groups = max(1, count // 20)
        for g in range(1, groups + 1):
            matters.append({"code": f"{prefix[kind]}{g:02d}", "name": f"{kind}组{g}", "kind": kind})
        for m in range(count):
            group = m % groups + 1
            code = f"{prefix[kind]}{group:02d}{m // groups + 1:02d}"
            matter: dict[str, Any] = {
                "code": code,
                "name": f"{kind}事项{code}",
                "parent": f"{prefix[kind]}{group:02d}",
                "kind": kind,
                "default_time_limit": rng.choice(["2小时", "4紧急工作时", "2工作日", "15天"]),
            }
            if kind == "event":
                matter["attributes"] = {
                    "location_type": {"type": "enum", "values": LOCATIONS},
                    "severity": {"type": "int", "min": 1, "max": 4},
                }
            elif kind == "component":
                matter["attributes"] = {"damaged": {"type": "bool"}}
            roll = rng.random()
            matter["hit_policy"] = (
                "priority" if roll < 0.15 else "collect" if roll < 0.2 else "unique"
            )
            matters.append(matter)
            leaves.append(matter)
    catalogue = {
        "file": "catalogue",
        "id": "CITY-CAT",
        "name": "巨城市事项目录",
        "versions": [
            {
                "version": 1,
                "status": "published",
                "effective_from": "2023-01-01",
                "matters": matters,
            }
        ],
    }

    lists: list[dict[str, Any]] = []
    lead_of = {m["code"]: departments[i % DEPARTMENTS] for i, m in enumerate(leaves)}
    street_led = {m["code"] for m in leaves if m["kind"] == "event" and rng.random() < 0.85}
    # components are led by their owners (权属单位, below); their departments supervise, except
    # for a few deliberate overlaps (职能重叠) where the department leads too
    overlaps = set([m["code"] for m in leaves if m["kind"] == "component"][:OVERLAPS])
    for d, dept in enumerate(departments):
        rows = []
        for m in leaves:
            if lead_of[m["code"]] != dept:
                continue
            for district in districts:
                row: dict[str, Any] = {
                    "matter": m["code"],
                    "unit": dept,
                    "area": district,
                    "time_limit": m["default_time_limit"],
                }
                if m["kind"] == "component" and m["code"] not in overlaps:
                    row["role"] = "supervise"  # the owner repairs; the department supervises
                if m["code"] in street_led:
                    row["when"] = {"location_type": {"not_in": [STREET_LED]}}
                rows.append(row)
                helper = departments[
                    (departments.index(dept) + 1 + rng.randrange(DEPARTMENTS - 1)) % DEPARTMENTS
                ]
                rows.append(
                    {"matter": m["code"], "unit": helper, "role": "assist", "area": district}
                )
        versions = [
            {"version": 1, "status": "published", "effective_from": "2024-01-01", "duties": rows}
        ]
        if d < 10:
            revised = [
                dict(r, time_limit="1工作日") if r.get("role", "lead") == "lead" else r
                for r in rows
            ]
            versions.append(
                {
                    "version": 2,
                    "status": "published",
                    "effective_from": "2025-07-01",
                    "note": "时限调整",
                    "duties": revised,
                }
            )
        lists.append(
            {
                "file": "list",
                "id": f"QZ-{dept}",
                "name": f"市第{d + 1}职能部门权责清单",
                "kind": "department",
                "issuer": dept,
                "versions": versions,
            }
        )
    event_codes = [m["code"] for m in leaves if m["kind"] == "event"]
    for street in streets:
        unit = f"JD{street[2:9]}"
        rows = [
            {"matter": code, "unit": unit, "when": {"location_type": STREET_LED}}
            for code in sorted(street_led)
        ]
        assists = rng.sample(
            [c for c in event_codes + [m["code"] for m in leaves if m["kind"] == "hotline"]], 100
        )
        rows += [{"matter": code, "unit": unit, "role": "assist"} for code in assists]
        lists.append(
            {
                "file": "list",
                "id": f"JB-{street[:9]}",
                "name": f"{street[4:9]}街道基本履职事项",
                "kind": "street_basic",
                "issuer": unit,
                "scope": street,
                "versions": [
                    {
                        "version": 1,
                        "status": "published",
                        "effective_from": "2024-01-01",
                        "duties": rows,
                    }
                ],
            }
        )
    component_codes = [m["code"] for m in leaves if m["kind"] == "component"]
    owner_rows = [
        {"matter": code, "unit": owners[i % len(owners)], "area": city}
        for i, code in enumerate(component_codes)
    ]
    lists.append(
        {
            "file": "list",
            "id": OWNER_LIST,
            "name": "权属单位责任清单",
            "kind": "department",
            "versions": [
                {
                    "version": 1,
                    "status": "published",
                    "effective_from": "2024-01-01",
                    "duties": owner_rows,
                }
            ],
        }
    )
    property_rows = []
    for grid, community in grids:
        for code in rng.sample(component_codes, 10):
            property_rows.append(
                {"matter": code, "unit": f"WY{community[2:]}", "role": "assist", "area": grid}
            )
    lists.append(
        {
            "file": "list",
            "id": "WY-GRIDS",
            "name": "物业网格协办清单",
            "kind": "department",
            "versions": [
                {
                    "version": 1,
                    "status": "published",
                    "effective_from": "2024-01-01",
                    "duties": property_rows,
                }
            ],
        }
    )
    return {
        "areas": {"file": "areas", "areas": areas},
        "units": {"file": "units", "units": units},
        "catalogue": catalogue,
        "lists": lists,
    }


def add_dispatch(
    city: dict[str, Any],
    seed: int,
    *,
    street_centres: float = 0.8,
    city_centre: bool = True,
    owner_matters: int = 12,
) -> dict[str, int]:
    """Exercise the dispatch and owner policies at scale: street city operations centres for a
    share of the streets (the others are dispatched by their district's centre), a city centre
    (where repeat complaints at district level escalate to), and ``owner_matters`` component
    matters whose lead is ``@owner`` (权属单位: the owner named on the event repairs).

    Draws from its own random stream, so the rest of the city stays as :func:`build` made it.
    """
    rng = random.Random(f"{seed}/dispatch")
    areas = city["areas"]["areas"]
    units = city["units"]["units"]
    city_code = next(a["code"] for a in areas if a["level"] == "city")
    added = {"street_centres": 0, "city_centre": 0, "owner_rows": 0}
    if city_centre:
        units.append(
            {
                "code": "CYZX00",
                "name": "巨城市城运中心",
                "kind": "platform",
                "level": "city",
                "jurisdiction": city_code,
                "capacity": 80,
            }
        )
        added["city_centre"] = 1
    for area in areas:
        if area["level"] == "street" and rng.random() < street_centres:
            units.append(
                {
                    "code": f"CYZX{area['code'][2:9]}",
                    "name": f"{area['name']}城运中心",
                    "aliases": [f"{area['code'][4:9]}街镇城运中心"],
                    "kind": "platform",
                    "level": "street",
                    "jurisdiction": area["code"],
                    "capacity": rng.randint(5, 20),
                }
            )
            added["street_centres"] += 1
    owners = next(doc for doc in city["lists"] if doc["id"] == OWNER_LIST)
    rows = owners["versions"][0]["duties"]
    for i in sorted(rng.sample(range(len(rows)), min(owner_matters, len(rows)))):
        rows[i] = {
            "matter": rows[i]["matter"],
            "unit": "权属单位",
            "area": city_code,
            "legal_basis": ["《城市市容和环境卫生管理条例》第十四条"],
        }
        added["owner_rows"] += 1
    return added


# ---------------------------------------------------------------------------------------------
# events

EVENT_START = dt.datetime(2025, 1, 1)  # a year across the department lists' 2025-07-01 change
EVENT_DAYS = 365
HOURS = [1, 1, 1, 1, 1, 2, 4, 8, 12, 14, 14, 12, 9, 10, 12, 12, 11, 10, 8, 7, 6, 4, 3, 2]
KIND_SHARES = {"hotline": 0.5, "event": 0.32, "component": 0.18}  # 12345 calls are most of it
AREA_LEVELS = {"grid": 0.55, "community": 0.27, "street": 0.15, "district": 0.03}
SEVERITIES = {1: 0.38, 2: 0.34, 3: 0.2, 4: 0.08}
LOCATION_WEIGHTS = [0.32, 0.14, 0.3, 0.1, 0.06, 0.08]  # over LOCATIONS
BAD_SHARE = 0.005


class _Pick:
    """Draws from fixed weights with one random number (bisect on the cumulative weights)."""

    def __init__(self, items: list[Any], weights: list[float]):
        self.items = items
        self.cumulative = list(itertools.accumulate(weights))
        self.total = self.cumulative[-1]

    def __call__(self, rng: random.Random) -> Any:
        return self.items[bisect.bisect(self.cumulative, rng.random() * self.total)]


def _zipf(items: list[Any], s: float, rng: random.Random) -> _Pick:
    """Zipf-like weights 1/rank**s over ``items`` in a seeded random order of rank."""
    ranked = list(items)
    rng.shuffle(ranked)
    return _Pick(ranked, [1 / (rank**s) for rank in range(1, len(ranked) + 1)])


def write_events(city: dict[str, Any], path: Path, count: int, seed: int) -> dict[str, int]:
    """Write ``count`` events of ``city`` to ``path`` (JSON Lines), streamed, deterministic
    from ``seed``; returns counts of what was drawn (by area level, bad events, owners named …).

    Matters and areas are Zipf-like (a few matters and hot grids carry much of the volume);
    areas are mostly grids and communities, some streets, a few districts; times spread over
    2025 with a daytime profile; attributes from each matter's domains, sometimes missing;
    owners named on component events (nearly always where ``@owner`` leads); repeat counts
    mostly 0 with a tail; about 0.5% bad events (unknown matter or area, a value outside its
    domain) so that rejects are exercised.
    """
    rng = random.Random(f"{seed}/events")
    matters = [m for m in city["catalogue"]["versions"][0]["matters"] if "parent" in m]
    pick_kind = _Pick(list(KIND_SHARES), list(KIND_SHARES.values()))
    pick_of_kind = {
        kind: _zipf([m for m in matters if m["kind"] == kind], 1.0, rng) for kind in KIND_SHARES
    }
    areas = city["areas"]["areas"]
    by_level = {level: [a for a in areas if a["level"] == level] for level in AREA_LEVELS}
    pick_in = {
        level: _zipf(found, 0.7 if level in {"grid", "community"} else 0.4, rng)
        for level, found in by_level.items()
    }
    pick_level = _Pick(list(AREA_LEVELS), list(AREA_LEVELS.values()))
    parent = {a["code"]: a.get("parent") for a in areas}
    level_of = {a["code"]: a["level"] for a in areas}
    grids_by_district: dict[str, list[str]] = {}
    for a in by_level["grid"]:
        grids_by_district.setdefault(a["code"][:6], []).append(a["code"])
    utilities = [u for u in city["units"]["units"] if u["code"].startswith("OWN")]
    owner_led = {
        row["matter"]
        for doc in city["lists"]
        for version in doc["versions"]
        for row in version["duties"]
        if row["unit"] in {"@owner", "权属单位"}
    }
    pick_hour = _Pick(list(range(24)), HOURS)
    pick_severity = _Pick(list(SEVERITIES), list(SEVERITIES.values()))
    pick_location = _Pick(LOCATIONS, LOCATION_WEIGHTS)
    source = {"component": "grid", "event": "grid", "hotline": "12345"}
    counts: Counter[str] = Counter({key: 0 for key in [*AREA_LEVELS, *KIND_SHARES]})

    def owner_for(area: str) -> str:
        community = {"grid": parent[area], "community": area}.get(level_of[area])
        if community is not None and rng.random() < 0.4:
            return f"WY{community[2:]}"  # the property manager of the compound
        unit = utilities[rng.randrange(len(utilities))]
        return unit["name"] if rng.random() < 0.2 else unit["code"]  # by name now and then

    def event(n: int) -> dict[str, Any]:
        matter = pick_of_kind[pick_kind(rng)](rng)
        level = pick_level(rng)
        area = pick_in[level](rng)["code"]
        moment = EVENT_START + dt.timedelta(
            days=rng.randrange(EVENT_DAYS),
            hours=pick_hour(rng),
            seconds=rng.randrange(3600),
        )
        attributes: dict[str, Any] = {}
        for name, domain in matter.get("attributes", {}).items():
            if rng.random() < 0.07:  # not recorded
                continue
            if domain["type"] == "enum":
                attributes[name] = pick_location(rng)
            elif domain["type"] == "int":
                attributes[name] = pick_severity(rng)
            else:
                attributes[name] = rng.random() < 0.8
        item: dict[str, Any] = {
            "id": f"E{n:07d}",
            "matter": matter["code"],
            "area": area,
            "reported_at": moment.isoformat(),
            "source": source[matter["kind"]],
        }
        if matter["kind"] == "component" and rng.random() < 0.1:
            item["source"] = "sensor"
        if attributes:
            item["attributes"] = attributes
        if matter["kind"] == "component":
            named = 0.9 if matter["code"] in owner_led else 0.08
            if rng.random() < named:
                item["owner"] = owner_for(area)
                counts["owner_named"] += 1
        if level == "grid" and rng.random() < 0.01:  # along a road into a neighbouring street
            others = grids_by_district[area[:6]]
            other = others[rng.randrange(len(others))]
            if other[:9] != area[:9]:
                item["areas"] = [other]
                counts["spans_streets"] += 1
                if str(item.get("owner", "")).startswith("WY"):  # owns nothing in the next street
                    item["owner"] = utilities[0]["code"]  # (no draw: the stream stays as it was)
        roll = rng.random()
        if roll > 0.85:
            item["repeat_count"] = 1 + min(int(rng.expovariate(0.5)), 30)
        if rng.random() < BAD_SHARE:
            kind = rng.randrange(4)
            if kind == 0:
                item["matter"] = f"ZZ{rng.randrange(10000):04d}"  # not in the catalogue
            elif kind == 1:
                item["area"] = f"9999{rng.randrange(10**8):08d}"  # no such area
            elif kind == 2 and matter["kind"] == "event":
                item["attributes"] = {**attributes, "severity": rng.choice([0, 5, 9])}
            elif kind == 2:
                item["attributes"] = {**attributes, "location_type": "airport"}  # not declared
            else:
                name = next(iter(matter.get("attributes", {})), "location_type")
                item["attributes"] = {**attributes, name: "unknown-value"}
            counts["bad"] += 1
        counts[level] += 1
        counts[matter["kind"]] += 1
        counts["after_2025_07_01"] += moment >= dt.datetime(2025, 7, 1)
        return item

    with path.open("w", encoding="utf-8") as out:
        batch: list[str] = []
        for n in range(1, count + 1):
            batch.append(json.dumps(event(n), ensure_ascii=False))
            if len(batch) == 10_000:
                out.write("\n".join(batch) + "\n")
                batch.clear()
        if batch:
            out.write("\n".join(batch) + "\n")
    counts["events"] = count
    return dict(counts)


def dump(data: Any, path: Path) -> None:
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    path.write_text(
        yaml.dump(data, Dumper=dumper, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )


def write_tree(city: dict[str, Any], root: Path) -> int:
    if root.exists():
        shutil.rmtree(root)
    (root / "lists").mkdir(parents=True)
    dump(city["areas"], root / "areas.yaml")
    dump(city["units"], root / "units.yaml")
    dump(city["catalogue"], root / "catalogue.yaml")
    rows = 0
    for doc in city["lists"]:
        dump(doc, root / "lists" / f"{doc['id']}.yaml")
        rows += sum(len(v["duties"]) for v in doc["versions"])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=Path("bench/out/city"))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--size", choices=sorted(SIZES), default="mega", help="the city's size (default mega)"
    )
    parser.add_argument(
        "--import", dest="do_import", action="store_true", help="import into OUT/registry.db"
    )
    parser.add_argument(
        "--events",
        type=int,
        default=1_000_000,
        metavar="N",
        help="events written to OUT/events.jsonl (default 1,000,000; 0: none)",
    )
    parser.add_argument(
        "--street-centres",
        type=float,
        default=0.8,
        metavar="SHARE",
        help="share of the streets with their own city operations centre (default 0.8)",
    )
    parser.add_argument(
        "--no-city-centre", action="store_true", help="no city-level operations centre"
    )
    parser.add_argument(
        "--owner-matters",
        type=int,
        default=12,
        metavar="N",
        help="component matters led by @owner, the owner named on the event (default 12)",
    )
    args = parser.parse_args()
    resize(args.size)
    started = time.perf_counter()
    city = build(args.seed)
    added = add_dispatch(
        city,
        args.seed,
        street_centres=args.street_centres,
        city_centre=not args.no_city_centre,
        owner_matters=args.owner_matters,
    )
    rows = write_tree(city, args.out / "registry")
    print(
        f"wrote {args.out / 'registry'}: {len(city['areas']['areas'])} areas, {len(city['units']['units'])} units, "
        f"{sum(1 for m in city['catalogue']['versions'][0]['matters'] if 'parent' in m)} leaf matters, "
        f"{len(city['lists'])} lists, {rows} duty rows over all versions; "
        f"{added['street_centres']} street centres, {added['city_centre']} city centre, "
        f"{added['owner_rows']} @owner lead rows ({time.perf_counter() - started:.1f} s)"
    )
    if args.events > 0:
        started = time.perf_counter()
        path = args.out / "events.jsonl"
        drawn = write_events(city, path, args.events, args.seed)
        shown = ", ".join(f"{k} {v:,}" for k, v in drawn.items() if k != "events")
        print(
            f"wrote {path}: {args.events:,} events ({shown}) in {time.perf_counter() - started:.1f} s"
        )
    if args.do_import:
        from remit import Registry

        db = args.out / "registry.db"
        db.unlink(missing_ok=True)
        registry = Registry.create(f"sqlite:///{db}")
        started = time.perf_counter()
        registry.import_files([args.out / "registry"], by="gen_city")
        print(f"imported into {db} in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
