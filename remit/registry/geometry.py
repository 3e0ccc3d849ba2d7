"""An area's shape: a GeoJSON geometry (RFC 7946), a Polygon or a MultiPolygon, its positions
``[longitude, latitude]`` in WGS 84 degrees, written inline in an areas file under
``geometry:``.

What is checked when a file is read (each a problem located at the file, line and field): the
type is ``Polygon`` or ``MultiPolygon``; a position is two finite numbers, the longitude in
[-180, 180] and the latitude in [-90, 90]; a ring has four positions at least and ends where it
begins; the shape is valid as shapely (GEOS) understands it — no ring crossing itself or
another, no hole outside its shell. Stored shapes were checked when they were written and are
read back without the check.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal, Self

from pydantic import Field, ValidationInfo, model_validator

from remit.errors import MessageError
from remit.model import Value, stored

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry

Longitude = Annotated[float, Field(ge=-180, le=180)]
Latitude = Annotated[float, Field(ge=-90, le=90)]
Position = tuple[Longitude, Latitude]
"""``[longitude, latitude]``, as GeoJSON writes it (no altitude)."""
Ring = Annotated[tuple[Position, ...], Field(min_length=4)]
"""A closed ring: its last position is its first."""
Rings = Annotated[tuple[Ring, ...], Field(min_length=1)]
"""A polygon: its outer ring (the shell), then its holes."""


class _Shape(Value):
    """What a Polygon and a MultiPolygon share: the checks, the shapely shape."""

    def polygons(self) -> tuple[tuple[tuple[Position, ...], ...], ...]:
        raise NotImplementedError

    @model_validator(mode="after")
    def _valid(self, info: ValidationInfo) -> Self:
        if stored(info):
            return self
        for polygon in self.polygons():
            for ring in polygon:
                if ring[0] != ring[-1]:
                    raise MessageError("geometry.not_closed", first=ring[0], last=ring[-1])
        from shapely.validation import explain_validity

        shape = self.shape()
        if not shape.is_valid:
            raise MessageError("geometry.invalid", type=self.type, reason=explain_validity(shape))
        return self

    type: str

    def shape(self) -> BaseGeometry:
        """The shape as a shapely geometry (x the longitude, y the latitude)."""
        from shapely.geometry import MultiPolygon as ShapelyMulti
        from shapely.geometry import Polygon as ShapelyPolygon

        polygons = [ShapelyPolygon(rings[0], rings[1:]) for rings in self.polygons()]
        return polygons[0] if self.type == "Polygon" else ShapelyMulti(polygons)


class Polygon(_Shape):
    """A GeoJSON Polygon: one shell, perhaps with holes."""

    type: Literal["Polygon"]
    coordinates: Rings

    def polygons(self) -> tuple[tuple[tuple[Position, ...], ...], ...]:
        return (self.coordinates,)


class MultiPolygon(_Shape):
    """A GeoJSON MultiPolygon: several polygons (an area in parts)."""

    type: Literal["MultiPolygon"]
    coordinates: Annotated[tuple[Rings, ...], Field(min_length=1)]

    def polygons(self) -> tuple[tuple[tuple[Position, ...], ...], ...]:
        return self.coordinates


Geometry = Annotated[Polygon | MultiPolygon, Field(discriminator="type")]
"""An area's shape: a GeoJSON Polygon or MultiPolygon, lon/lat in WGS 84."""
