"""Build a synthetic megacity registry, deterministic from a seed.

16 districts, 215 streets, 430 communities, 5,000 grids; 60 departments, the district and street
units, utility owners and property managers; a catalogue of 300 leaf matters (components,
events, hotline categories) with attribute domains and hit policies; department lists (some with
a second version), one street list per street and a property-management list — over 100,000
duty rows whose leads partition every matter's condition space (no deliberate overlaps).

    python bench/gen_city.py --out bench/out/city            # writes the YAML tree
    python bench/gen_city.py --out bench/out/city --import   # … and imports it into registry.db

The YAML tree goes to OUT/registry/; with --import, OUT/registry.db is (re)built from it and
the import time is printed.
"""

from __future__ import annotations

import argparse
import random
import shutil
import time
from pathlib import Path
from typing import Any

import yaml

DISTRICTS = 16
STREETS = 215
COMMUNITIES_PER_STREET = 2
GRIDS = 5000
DEPARTMENTS = 60
MATTERS = {"component": 120, "event": 120, "hotline": 60}
LOCATIONS = ["road", "pavement", "residential_compound", "park", "river", "market"]
STREET_LED = "residential_compound"  # streets lead this part of many event matters
OVERLAPS = 3  # component matters that both their department and their owner lead


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
            {"code": code, "name": f"网格{code[-7:]}", "level": "grid", "parent": community}
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
            "id": "QSDW-OWNERS",
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
        "--import", dest="do_import", action="store_true", help="import into OUT/registry.db"
    )
    args = parser.parse_args()
    started = time.perf_counter()
    city = build(args.seed)
    rows = write_tree(city, args.out / "registry")
    print(
        f"wrote {args.out / 'registry'}: {len(city['areas']['areas'])} areas, {len(city['units']['units'])} units, "
        f"{sum(1 for m in city['catalogue']['versions'][0]['matters'] if 'parent' in m)} leaf matters, "
        f"{len(city['lists'])} lists, {rows} duty rows over all versions ({time.perf_counter() - started:.1f} s)"
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
