"""Locator benchmark: a synthetic city of grid squares, every figure in one run.

    .venv/bin/python bench/locate.py                  # 100 × 60 = 6,000 grids, 50,000 lookups
    .venv/bin/python bench/locate.py --tiny           # 10 × 6 grids, 2,000 lookups (the test's size)

The city (made in memory, no registry): a district rectangle around lat 31.2, long 121.4,
cut into ``--columns`` × ``--rows`` streets' worth of grid squares — each street a block of
10 × 10 grids (fewer at the edges), each grid a square with two address aliases (a road and a
compound, 小区) — so a point is held by three shapes: its grid, its street, the district. It
prints, each with what it measured:

- the build: :class:`remit.events.locate.Locator` made from the snapshot (the STRtree over
  every shape, the address index), and ``locator_for`` handing the same one back (cached by the
  snapshot's hash);
- points/s: ``Locator.at`` on ``--lookups`` random points inside the district, every one
  checked to land in the grid it was drawn in; the floor beside it: a bare shapely
  ``STRtree.query(point, predicate="intersects")`` over the same shapes, in the same run (what
  any locator built on the tree pays);
- addresses/s: ``Locator.address`` on ``--lookups`` texts each naming one grid's road among
  other words.

then the target with PASS or MISS.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from remit.events.locate import Locator, locator_for
from remit.registry.entities import Area, Level
from remit.registry.geometry import Polygon
from remit.registry.snapshot import Snapshot

WEST, SOUTH, SIZE = 121.4, 31.2, 0.002  # a grid about 200 m a side
STREET = 10  # grids a street is wide and high
TARGET_POINTS_PER_S = 20_000  # 12345 takes far fewer calls a second; a batch of 1M in < 1 min
TARGET_BUILD_S = 5.0


def box(west: float, south: float, east: float, north: float) -> Polygon:
    ring = ((west, south), (east, south), (east, north), (west, north), (west, south))
    return Polygon(type="Polygon", coordinates=(ring,))


def city(columns: int, rows: int) -> Snapshot:
    """A district of ``columns`` × ``rows`` grids, in streets of 10 × 10."""
    east, north = WEST + columns * SIZE, SOUTH + rows * SIZE
    areas = {"D": Area("D", "合成区", Level.district, geometry=box(WEST, SOUTH, east, north))}
    for si in range(0, columns, STREET):
        for sj in range(0, rows, STREET):
            code = f"S{si // STREET:03d}{sj // STREET:03d}"
            w, s = WEST + si * SIZE, SOUTH + sj * SIZE
            e = WEST + min(si + STREET, columns) * SIZE
            n = SOUTH + min(sj + STREET, rows) * SIZE
            areas[code] = Area(code, f"第{code}街道", Level.street, "D", geometry=box(w, s, e, n))
    for i in range(columns):
        for j in range(rows):
            code = f"G{i:04d}{j:04d}"
            street = f"S{i // STREET:03d}{j // STREET:03d}"
            w, s = WEST + i * SIZE, SOUTH + j * SIZE
            areas[code] = Area(
                code,
                f"第{i}列第{j}行网格",
                Level.grid,
                street,
                addresses=(f"合成{i}路{j}弄", f"合成{i}-{j}小区"),
                geometry=box(w, s, w + SIZE, s + SIZE),
            )
    stamp = f"bench-{columns}x{rows}"
    return Snapshot(dt.date(2026, 1, 1), stamp, areas, {}, None, {}, (), ())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--columns", type=int, default=100, help="grids west to east")
    parser.add_argument("--rows", type=int, default=60, help="grids south to north")
    parser.add_argument("--lookups", type=int, default=50_000, help="points and addresses")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--tiny", action="store_true", help="10 × 6 grids, 2,000 lookups")
    args = parser.parse_args()
    if args.tiny:
        args.columns, args.rows, args.lookups = 10, 6, 2_000
    from shapely import Point, STRtree

    rng = random.Random(args.seed)
    snapshot = city(args.columns, args.rows)
    grids = args.columns * args.rows
    print(f"city: {grids:,} grids, {len(snapshot.areas):,} areas with a shape")

    started = time.perf_counter()
    locator = Locator(snapshot)
    build = time.perf_counter() - started
    started = time.perf_counter()
    cached = locator_for(snapshot) is locator_for(snapshot)
    print(f"build: {build:.3f} s (STRtree over {locator.shaped:,} shapes, address index)")
    print(f"cached by the snapshot's hash: {'yes' if cached else 'no'}")

    drawn = [
        (rng.randrange(args.columns), rng.randrange(args.rows), rng.random(), rng.random())
        for _ in range(args.lookups)
    ]
    points = [
        (i, j, SOUTH + (j + 0.01 + 0.98 * y) * SIZE, WEST + (i + 0.01 + 0.98 * x) * SIZE)
        for i, j, x, y in drawn
    ]
    at = locator.at
    started = time.perf_counter()
    found = [at(lat, long) for _, _, lat, long in points]
    took_at = time.perf_counter() - started
    right = all(
        f is not None and f.code == f"G{i:04d}{j:04d}"
        for f, (i, j, _, _) in zip(found, points, strict=True)
    )

    shapes = [a.geometry.shape() for a in snapshot.areas.values() if a.geometry is not None]
    tree = STRtree(shapes)
    query = tree.query
    started = time.perf_counter()
    for _, _, lat, long in points:
        query(Point(long, lat), predicate="intersects")
    took_floor = time.perf_counter() - started

    texts = [f"上海市合成区合成{i}路{j}弄{rng.randrange(1, 300)}号门前" for i, j, _, _ in drawn]
    address = locator.address
    started = time.perf_counter()
    named = [address(text) for text in texts]
    took_address = time.perf_counter() - started
    right_address = all(
        a is not None and a.code == f"G{i:04d}{j:04d}"
        for a, (i, j, _, _) in zip(named, drawn, strict=True)
    )

    n = args.lookups
    at_rate, floor_rate, address_rate = n / took_at, n / took_floor, n / took_address
    print(
        f"points: {at_rate:,.0f} lookups/s (Locator.at, {n:,} points); "
        f"floor {floor_rate:,.0f} lookups/s (bare STRtree.query); "
        f"{at_rate / floor_rate:.0%} of the floor"
    )
    print(f"addresses: {address_rate:,.0f} lookups/s (Locator.address, {n:,} texts)")
    print(f"every point found in its own grid: {'yes' if right else 'NO'}")
    print(f"every address found in its own grid: {'yes' if right_address else 'NO'}")
    points_ok = at_rate >= TARGET_POINTS_PER_S
    build_ok = build <= TARGET_BUILD_S
    print(
        f"targets: build <= {TARGET_BUILD_S:.0f} s {'PASS' if build_ok else 'MISS'}; "
        f"points >= {TARGET_POINTS_PER_S:,}/s {'PASS' if points_ok else 'MISS'}"
    )
    if not (right and right_address and cached):
        sys.exit(1)


if __name__ == "__main__":
    main()
