#!/usr/bin/env python3
"""Write a synthetic file of everyday services for the ingest benchmarks.

N points (--count) of the 15 taxonomy categories, weighted roughly as they occur in the
Westhoek and French Flanders (many bus stops and food shops, few hospitals), spread
uniformly over the land of the study region's bounding box (lon 2.05-4.25, lat
49.97-51.37). Points north-west of the straight line from (2.05, 51.02) to (3.37, 51.37),
roughly the North Sea coast, are rejected and drawn again. The box is coarse: it also
covers parts of Hainaut, East Flanders, Zeeland, Pas-de-Calais and Aisne, so some points
fall outside the study area's communes on purpose.

Formats:
  --format csv      columns id,category,name,lon,lat (or id,category,name,x,y with
                    --projected), UTF-8, RFC 4180 quoting (some names hold commas)
  --format geojson  an RFC 7946 FeatureCollection of Points with properties
                    id/category/name; with --projected the coordinates are Lambert-93 and
                    the file carries the legacy "crs" member, which RFC 7946 does not
                    allow, since that RFC only knows WGS 84

--projected writes Lambert-93 (EPSG:2154) x/y in metres, computed here with the Lambert
conformal conic (2SP) formulas on GRS80 (EPSG Guidance Note 7-2, method 9802).

The output is streamed; the same --seed always gives the same file. Only a one-line
summary goes to stderr. --self-check compares the projection with reference values from
PROJ and exits.

Standard library only.
"""

import argparse
import bisect
import csv
import io
import json
import math
import os
import random
import sys
import time

# --- the taxonomy and how common each category is -------------------------------------

# Relative weights: a rough picture of the region's counts (thousands of bus stops, many
# shops, bakeries and doctors, a few dozen hospitals).
CATEGORY_WEIGHTS = [
    ("bus_stop", 30.0),
    ("food_shop", 16.0),
    ("bakery", 9.0),
    ("general_practitioner", 9.0),
    ("childcare", 7.0),
    ("primary_school", 6.0),
    ("pharmacy", 5.0),
    ("post_point", 4.0),
    ("bank", 3.0),
    ("secondary_school", 2.0),
    ("post_office", 2.0),
    ("library", 1.5),
    ("town_hall", 1.5),
    ("rail_station", 0.6),
    ("hospital", 0.2),
]
CATEGORIES = [c for c, _ in CATEGORY_WEIGHTS]

# Name stems per category: (Dutch, French).
NAME_STEMS = {
    "bus_stop": ("Halte", "Arrêt"),
    "food_shop": ("Buurtwinkel", "Épicerie"),
    "bakery": ("Bakkerij", "Boulangerie"),
    "general_practitioner": ("Huisartsenpraktijk", "Cabinet médical"),
    "childcare": ("Kinderopvang", "Crèche"),
    "primary_school": ("Basisschool", "École primaire"),
    "pharmacy": ("Apotheek", "Pharmacie"),
    "post_point": ("Postpunt", "Relais poste"),
    "bank": ("Bankkantoor", "Agence bancaire"),
    "secondary_school": ("Secundaire school", "Collège"),
    "post_office": ("Postkantoor", "Bureau de poste"),
    "library": ("Bibliotheek", "Médiathèque"),
    "town_hall": ("Gemeentehuis", "Mairie"),
    "rail_station": ("Station", "Gare"),
    "hospital": ("AZ", "Centre hospitalier"),
}
NAME_TAILS = (
    ("De Molen", "du Moulin"),
    ("Sint-Elooi", "Saint-Éloi"),
    ("Kerkplein", "de la Place"),
    ("Ter Duinen", "des Dunes"),
    ("Zuid", "du Sud"),
    ("Centrum", "du Centre"),
    ("'t Hof", "de l'Abbaye"),
    ("Yzer", "de l'Yser"),
    ("Leie", "de la Lys"),
    ("Kruisstraat", "de la Croix"),
)
PLACES = (
    ("Ieper", "Poperinge", "Diksmuide", "Veurne", "Kortrijk", "Roeselare", "Brugge",
     "Oostende", "Tielt", "Wervik", "Menen", "Heuvelland", "Koekelare", "Kuurne"),
    ("Dunkerque", "Hazebrouck", "Bailleul", "Cassel", "Lille", "Armentières",
     "Steenvoorde", "Bergues", "Wormhout", "Hondschoote", "Roubaix", "Douai", "Cambrai",
     "Valenciennes"),
)

# --- the region -----------------------------------------------------------------------

LON_MIN, LON_MAX = 2.05, 4.25
LAT_MIN, LAT_MAX = 49.97, 51.37
# The coast, simplified to one straight line; land lies south-east of it.
COAST_A = (2.05, 51.02)
COAST_B = (3.37, 51.37)


def in_sea(lon, lat):
    """True north-west of the coast line (left of the direction A -> B)."""
    (ax, ay), (bx, by) = COAST_A, COAST_B
    return (bx - ax) * (lat - ay) - (by - ay) * (lon - ax) > 0.0


def side_of_border(lon, lat):
    """0 for the Flemish side, 1 for the French one: a cosmetic, crude border (De Panne
    to the Lys near Wervik, then along latitude 50.72) that only picks the names'
    language."""
    if lat >= 50.72:
        # the line from De Panne (2.55, 51.09) to (3.10, 50.72)
        return 0 if (lon - 2.55) * (50.72 - 51.09) - (lat - 51.09) * (3.10 - 2.55) < 0.0 else 1
    return 1


# --- Lambert-93 -----------------------------------------------------------------------


class LambertConformalConic2SP:
    """EPSG method 9802 on an ellipsoid, forward only (degrees -> metres)."""

    def __init__(self, a, inv_f, lat_1, lat_2, lat_0, lon_0, x_0, y_0):
        f = 1.0 / inv_f
        self.a = a
        self.e = math.sqrt(2.0 * f - f * f)
        self.lon_0 = math.radians(lon_0)
        self.x_0 = x_0
        self.y_0 = y_0
        phi_1, phi_2, phi_0 = (math.radians(v) for v in (lat_1, lat_2, lat_0))
        m_1, m_2 = self._m(phi_1), self._m(phi_2)
        t_1, t_2, t_0 = self._t(phi_1), self._t(phi_2), self._t(phi_0)
        self.n = (math.log(m_1) - math.log(m_2)) / (math.log(t_1) - math.log(t_2))
        self.aF = a * m_1 / (self.n * t_1 ** self.n)
        self.r_0 = self.aF * t_0 ** self.n

    def _m(self, phi):
        s = math.sin(phi)
        return math.cos(phi) / math.sqrt(1.0 - self.e * self.e * s * s)

    def _t(self, phi):
        es = self.e * math.sin(phi)
        return math.tan(math.pi / 4.0 - phi / 2.0) / ((1.0 - es) / (1.0 + es)) ** (self.e / 2.0)

    def forward(self, lon, lat):
        phi = math.radians(lat)
        es = self.e * math.sin(phi)
        t = math.tan(math.pi / 4.0 - phi / 2.0) / ((1.0 - es) / (1.0 + es)) ** (self.e / 2.0)
        r = self.aF * t ** self.n
        theta = self.n * (math.radians(lon) - self.lon_0)
        return self.x_0 + r * math.sin(theta), self.y_0 + self.r_0 - r * math.cos(theta)


# EPSG:2154, RGF93 v1 / Lambert-93, on GRS80.
LAMBERT_93 = LambertConformalConic2SP(
    a=6378137.0, inv_f=298.257222101,
    lat_1=49.0, lat_2=44.0, lat_0=46.5, lon_0=3.0, x_0=700000.0, y_0=6600000.0,
)

# (lon, lat) -> (x, y) as PROJ 9 computes EPSG:4326 -> EPSG:2154 (RGF93 and WGS 84 are
# taken as equal there, so no datum shift is involved).
PROJ_REFERENCE = [
    ((3.0, 46.5), (700000.000, 6600000.000)),           # the projection's origin
    ((2.3499, 48.8530), (652296.973, 6861636.359)),     # Paris, Notre-Dame
    ((2.05, 49.97), (631786.932, 6986125.426)),         # the box's south-west corner
    ((4.25, 51.37), (787282.804, 7142420.170)),         # its north-east corner
    ((2.5, 50.5), (664471.509, 7044852.338)),
    ((3.0, 51.0), (700000.000, 7100464.586)),
]


def self_check():
    worst = 0.0
    for (lon, lat), (x_ref, y_ref) in PROJ_REFERENCE:
        x, y = LAMBERT_93.forward(lon, lat)
        worst = max(worst, abs(x - x_ref), abs(y - y_ref))
    ok = worst < 0.005
    print(f"Lambert-93 self-check: {len(PROJ_REFERENCE)} points, worst difference from "
          f"PROJ {worst * 1000:.3f} mm: {'ok' if ok else 'FAILED'}", file=sys.stderr)
    return 0 if ok else 1


# --- writing --------------------------------------------------------------------------


def features(count, seed, projected):
    """Yields (id, category, name, a, b): lon/lat, or x/y with projected."""
    rng = random.Random(seed)
    cum_weights = []
    total = 0.0
    for _, w in CATEGORY_WEIGHTS:
        total += w
        cum_weights.append(total)
    uniform = rng.random
    forward = LAMBERT_93.forward
    dlon, dlat = LON_MAX - LON_MIN, LAT_MAX - LAT_MIN
    for i in range(1, count + 1):
        while True:
            lon = LON_MIN + uniform() * dlon
            lat = LAT_MIN + uniform() * dlat
            if not in_sea(lon, lat):
                break
        category = CATEGORIES[bisect.bisect_right(cum_weights, uniform() * total)]
        lang = side_of_border(lon, lat)
        stem = NAME_STEMS[category][lang]
        tail = NAME_TAILS[int(uniform() * len(NAME_TAILS))][lang]
        pick = uniform()
        if pick < 0.1:
            # one name in ten carries its place after a comma, as addresses often do
            place = PLACES[lang][int(uniform() * len(PLACES[lang]))]
            name = f"{stem} {tail}, {place}"
        elif pick < 0.12:
            name = f'{stem} "{tail}"'
        else:
            name = f"{stem} {tail}"
        if projected:
            x, y = forward(lon, lat)
            yield f"syn{i:07d}", category, name, f"{x:.2f}", f"{y:.2f}"
        else:
            yield f"syn{i:07d}", category, name, f"{lon:.6f}", f"{lat:.6f}"


def write_csv(out, rows, projected):
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["id", "category", "name"] + (["x", "y"] if projected else ["lon", "lat"]))
    n = 0
    for row in rows:
        writer.writerow(row)
        n += 1
    return n


def write_geojson(out, rows, projected):
    out.write('{"type":"FeatureCollection",')
    if projected:
        out.write('"crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::2154"}},')
    out.write('"features":[\n')
    dumps = json.JSONEncoder(ensure_ascii=False).encode
    n = 0
    for fid, category, name, a, b in rows:
        if n:
            out.write(",\n")
        out.write(
            '{"type":"Feature","properties":{"id":"%s","category":"%s","name":%s},'
            '"geometry":{"type":"Point","coordinates":[%s,%s]}}'
            % (fid, category, dumps(name), a, b)
        )
        n += 1
    out.write("\n]}\n")
    return n


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=500_000, help="number of points (default 500000)")
    parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    parser.add_argument("--format", choices=("csv", "geojson"), default="csv")
    parser.add_argument("--projected", action="store_true",
                        help="write Lambert-93 (EPSG:2154) x,y in metres instead of lon,lat")
    parser.add_argument("--output", "-o", default="-", help="file to write (default: stdout)")
    parser.add_argument("--self-check", action="store_true",
                        help="check the Lambert-93 projection against PROJ's values and exit")
    args = parser.parse_args(argv)
    if args.self_check:
        return self_check()
    if args.count < 0:
        parser.error("--count must be 0 or more")

    started = time.perf_counter()
    if args.output == "-":
        out = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="")
    else:
        out = open(args.output, "w", encoding="utf-8", newline="", buffering=1 << 20)
    rows = features(args.count, args.seed, args.projected)
    try:
        with out:
            if args.format == "csv":
                n = write_csv(out, rows, args.projected)
            else:
                n = write_geojson(out, rows, args.projected)
    except BrokenPipeError:
        # the reader stopped early (`| head`): not an error worth a traceback
        os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
        return 1
    elapsed = time.perf_counter() - started
    crs = "EPSG:2154 x/y" if args.projected else "EPSG:4326 lon/lat"
    where = "stdout" if args.output == "-" else args.output
    print(f"wrote {n} services ({args.format}, {crs}, seed {args.seed}) to {where} in {elapsed:.2f} s",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
