#!/usr/bin/env python3
"""Write a generated second cross-border study area, the Meuse valley of the Ardennes
around Givet (FR) and Dinant (BE), with its manifest (ardennes.toml) beside the files, in
the file formats the Westhoek and national manifests read:

    scripts/generate_region.py OUT_DIR [--seed 1]
    observatory ingest OUT_DIR/ardennes.toml

The region lies about 100 km east of the Westhoek and shares no commune with it. Its
communes are squares of the national generator's grid (benches/generate_national.py:
one unit about 0.29 km) over lon 4.40-5.20, lat 49.78-50.30, with the same irregular,
shared edges: Belgian squares of 32 units (about 9 km, 85 km2) split into four sections
(sub-municipalities) where all four lie in Belgium, French squares of 16 units, the
country of each taken from the national generator's coarse outlines (the Givet tip
included). Codes are of the real form and do not collide with the Westhoek's: NIS codes
of the arrondissements of Dinant (91) and Philippeville (93), INSEE codes of the
Ardennes (08). Names are built of syllables; the data is generated, not observed.

Populations follow a rural density with the valley's towns as Gaussian peaks (Dinant,
Givet, Fumay, Revin, Beauraing, Philippeville, Couvin) times a log-normal factor; series
over the years of the Westhoek's sources (Statbel 2009-2025, INSEE COG vintages
2019-2026). Services: about --services points over the taxonomy's 15 categories,
weighted as benches/generate_services.py weighs them, placed in communes drawn in
proportion to their population, near their centre: France a BPE-like file (`;`, TYPEQU
codes, Lambert-93 coordinates), Belgium a CSV typed in French words, bus stops of both
an OpenStreetMap-like CSV (`highway=bus_stop`).

Files (under OUT_DIR):
  ardennes.toml                              the manifest (data_dir ".", facts beside it,
                                             taxonomy and indicators of this repository)
  arrondissements.csv                        facts: arrondissement names, Belgian prefixes
  boundaries/be_communes.geojson             Belgian communes (id, names.fr, names.nl)
  boundaries/be_sections.geojson             their sections (geoitem, naam)
  boundaries/fr_communes.geojson             French communes (code, nom)
  population/fr_communes_cog.csv             COG attributes (arrondissement, EPCI)
  population/be_population_statbel.csv       Statbel series 2009-2025
  population/fr_population_by_cog_vintage.csv INSEE populations 2019-2026
  services/fr_bpe_points.csv                 BPE-like points
  services/be_services.csv                   Belgian points typed in words
  services/osm_bus_stops.csv                 bus stops of both countries

The same --seed always gives the same files. Standard library only; a summary goes to
stderr.
"""

import argparse
import json
import math
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, "benches"))
import generate_national as grid  # noqa: E402
import release_files as files  # noqa: E402

REGION = {
    "id": "ardennes",
    "name_nl": "Ardennen – Maasvallei (gegenereerd)",
    "name_fr": "Ardenne – vallée de la Meuse (générée)",
    "name_en": "Ardennes – Meuse valley (generated)",
}
WEST, SOUTH, EAST, NORTH = 4.40, 49.78, 5.20, 50.30
BIG = 32     # a Belgian commune of four sections, in grid units
SMALL = 16   # a French commune, or a Belgian one on the border

# Towns: (lon, lat, peak inhabitants/km², sigma km).
TOWNS = [
    (4.911, 50.261, 700, 2.5),   # Dinant
    (4.825, 50.137, 700, 2.0),   # Givet
    (4.707, 49.996, 450, 2.0),   # Fumay
    (4.636, 49.941, 550, 2.0),   # Revin
    (4.956, 50.109, 250, 2.5),   # Beauraing
    (4.543, 50.196, 250, 2.5),   # Philippeville
    (4.493, 50.051, 250, 2.5),   # Couvin
]
RURAL = 22.0

ARRONDISSEMENTS = [
    # country, code, name_nl, name_fr, member prefix (Belgium: the NIS codes' first digits)
    ("BE", "91000", "Dinant", "Dinant", "91"),
    ("BE", "93000", "Philippeville", "Philippeville", "93"),
    ("FR", "081", "Charleville-Mézières", "Charleville-Mézières", ""),
]

START = ["Vi", "Her", "Ham", "Ro", "Fal", "Mon", "Bou", "Cha", "An", "Gi", "Fro", "Sor",
         "Bla", "Ma", "Hei", "Ché", "Sau", "Wan", "Ave", "Fla", "Ron", "Gé", "Haut", "Mor"]
MIDDLE = ["", "", "", "me", "li", "ve", "re", "ni", "lo", "si"]
END = ["ville", "court", "mont", "sart", "fays", "ry", "elle", "ignies", "aux", "in", "ée",
       "hon", "ennes", "oy", "ière", "champs", "ois", "ieux"]
SUFFIX = ["", "", "", "", "", "", "-sur-Meuse", "-en-Ardenne", "-Saint-Pierre", "-la-Forêt",
          "-sur-Houille", "-aux-Bois", "-lès-Givet"]


VOWELS = set("aeiouyéè")


def name(r):
    head, end = r.choice(START) + r.choice(MIDDLE), r.choice(END)
    if head[-1] in VOWELS and end[0] in VOWELS:
        end = end[1:]    # one vowel where two meet: Chaville, not Chaaville
    return head + end + r.choice(SUFFIX)


def units(lon, lat):
    return ((lon - grid.LON0) * grid.KM_PER_DEG_LON / grid.UNIT_KM,
            (lat - grid.LAT0) * grid.KM_PER_DEG_LAT / grid.UNIT_KM)


def density(lon, lat):
    d = RURAL
    for tlon, tlat, peak, sigma in TOWNS:
        dx = (lon - tlon) * grid.KM_PER_DEG_LON
        dy = (lat - tlat) * grid.KM_PER_DEG_LAT
        d += peak * math.exp(-(dx * dx + dy * dy) / (2 * sigma * sigma))
    return d


def country_of(x, y, s):
    lon, lat = grid.to_lonlat(x + s / 2, y + s / 2)
    return grid.country_at(lon, lat)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out_dir")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--services", type=int, default=4000)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    # the national generator's corner offsets are keyed by its seed salt
    grid.rng_seed_salt = args.seed * 2654435761
    out = args.out_dir
    files.make_folders(out)

    # The squares: a Belgian commune of four sections where the whole big square lies in
    # Belgium, otherwise four small communes, each of its centre's country.
    x0, y0 = units(WEST, SOUTH)
    x1, y1 = units(EAST, NORTH)
    x0, y0 = int(x0) // BIG * BIG, int(y0) // BIG * BIG
    communes, cells = [], []
    for y in range(y0, int(y1) + 1, BIG):
        for x in range(x0, int(x1) + 1, BIG):
            quarters = [(x + dx, y + dy, SMALL) for dy in (0, SMALL) for dx in (0, SMALL)]
            countries = [country_of(*q) for q in quarters]
            if all(c == "BE" for c in countries):
                communes.append({"x": x, "y": y, "s": BIG, "country": "BE", "parts": quarters})
                cells += quarters
            else:
                for q, c in zip(quarters, countries):
                    if c is not None:
                        communes.append({"x": q[0], "y": q[1], "s": SMALL, "country": c, "parts": []})
                        cells.append(q)
    rings = grid.Rings(cells, args.seed)

    used = set()
    for c in communes:
        c["lon"], c["lat"] = grid.to_lonlat(c["x"] + c["s"] / 2, c["y"] + c["s"] / 2)
        c["area"] = (c["s"] * grid.UNIT_KM) ** 2
        c["pop"] = max(20, round(density(c["lon"], c["lat"]) * c["area"] * math.exp(rng.gauss(0, 0.45))))
        c["name"] = grid.unique(name(rng), used)
    be = sorted((c for c in communes if c["country"] == "BE"), key=lambda c: (-c["lat"], c["lon"]))
    fr = sorted((c for c in communes if c["country"] == "FR"), key=lambda c: c["name"])
    serial = {"91": 0, "93": 0}
    for c in be:
        arr = "93" if c["lon"] < 4.72 else "91"
        serial[arr] += 1
        c["code"] = f"{arr}{serial[arr]:03d}"
    for i, c in enumerate(fr, 1):
        c["code"] = f"08{i:03d}"
        c["dept"], c["arr"] = "08", "081"
    # Three intercommunalities of French communes, by nearest seed; each named after its
    # most populous member.
    points = [(c["x"], c["y"]) for c in fr]
    seeds = [points[i] for i in sorted(rng.sample(range(len(points)), 3))]
    for c, g in zip(fr, grid.nearest_groups(points, seeds)):
        c["epci"] = f"2000{args.seed % 100:02d}{g + 1:03d}"
    for code in sorted({c["epci"] for c in fr}):
        members = [c for c in fr if c["epci"] == code]
        head = max(members, key=lambda c: c["pop"])
        for c in members:
            c["epci_name"] = f"CC de {head['name']}"

    # --- boundaries
    be_features, sections = [], []
    for c in be:
        ring = rings.ring(c["x"], c["y"], c["s"])
        be_features.append(files.walloon_feature(c["code"], c["name"], None, ring))
        sections += files.section_features(c["code"], c["parts"], rings,
                                           lambda letter: c["name"] if letter == "A"
                                           else grid.unique(name(rng), used))
    fr_features = [files.insee_feature(c["code"], c["name"], rings.ring(c["x"], c["y"], c["s"]))
                   for c in fr]
    files.write_collection(os.path.join(out, BE_COMMUNES), be_features)
    files.write_collection(os.path.join(out, BE_SECTIONS), sections)
    files.write_collection(os.path.join(out, files.FR_COMMUNES), fr_features)

    # --- facts, attributes and populations
    files.write_arrondissements(out, ARRONDISSEMENTS)
    files.write_commune_attributes(out, fr, ARRONDISSEMENTS, region="44", postcode="08600")
    files.write_fr_population(
        out, fr, lambda c: random.Random(f"{args.seed}-g{c['code']}").gauss(-0.004, 0.008))
    files.write_be_population(
        out, be, lambda c: random.Random(f"{args.seed}-g{c['code']}").gauss(0.002, 0.006),
        foreign_share=0.05, province="Provincie Namen", gewest="Waals Gewest")

    # --- services: the Belgian ones typed in French, all in the valley's street
    counts = files.write_services(
        out, be + fr, args.services, rng, grid.to_lonlat,
        ids={"FR": "A{:08d}".format, "BE": "BE-A{:07d}".format,
             "OSM": lambda n: f"node/{900000000 + n}"},
        words=lambda c: files.WORDS_FR, street=lambda c: "Rue de la Meuse", postcode=lambda c: "5500",
        minimum=1, extra_town_halls=False)

    write_manifest(out)
    print(f"{len(be)} BE communes ({len(sections)} sections), {len(fr)} FR communes; "
          f"{sum(c['pop'] for c in be)} + {sum(c['pop'] for c in fr)} inhabitants; services FR "
          f"{counts['FR']}, BE {counts['BE']}, bus stops {counts['OSM']}", file=sys.stderr)


BE_COMMUNES = "boundaries/be_communes.geojson"
BE_SECTIONS = "boundaries/be_sections.geojson"

MANIFEST_HEAD = """# Generated by scripts/generate_region.py: a second cross-border study area, the Meuse
# valley of the Ardennes around Givet and Dinant, in the formats of the Westhoek sources.
# Paths are relative to this folder. The data is generated, not observed.
name = "Ardennes – Meuse valley (generated)"
data_dir = "."

[region]
id = {id}
name_nl = {name_nl}
name_fr = {name_fr}
name_en = {name_en}
view = {view}

[area.BE]
prefixes = ["91", "93"]   # arrondissements of Dinant and Philippeville
[area.FR]
prefixes = ["08"]         # Ardennes
"""


def write_manifest(out):
    values = {key: json.dumps(value, ensure_ascii=False) for key, value in REGION.items()}
    values["view"] = json.dumps([WEST, SOUTH, EAST, NORTH])
    head = MANIFEST_HEAD
    for key, value in values.items():
        head = head.replace("{" + key + "}", value)
    files.write_manifest(os.path.join(out, "ardennes.toml"), head, [
        files.source("walloon_communes", "ardennes-be-communes",
                     "Municipalities of the arrondissements of Dinant and Philippeville (generated)",
                     BE_COMMUNES),
        files.source("fr_communes", "ardennes-fr-communes",
                     "Communes of the Ardennes around Givet (generated)"),
        files.source("sections", "ardennes-be-sections",
                     "Sections of the Belgian municipalities (generated)", BE_SECTIONS),
        files.source("fr_communes_cog", "ardennes-fr-communes-cog",
                     "Communes of the Ardennes with arrondissement and EPCI (generated)"),
        files.source("be_population", "ardennes-be-population",
                     "Population on 1 January, 2009-2025 (generated)"),
        files.source("fr_population", "ardennes-fr-population",
                     "Populations by COG vintage, 2019-2026 (generated)"),
        files.source("bpe_points", "ardennes-fr-bpe-points",
                     "Equipment points of the Ardennes, BPE-like (generated)",
                     commune_code_field="DEPCOM"),
        files.source("be_services", "ardennes-be-services",
                     "Services of Dinant and Philippeville typed in words (generated)"),
        files.source("osm_bus_stops", "ardennes-osm-bus-stops",
                     "Bus stops of the Meuse valley, OpenStreetMap-like (generated)"),
    ])


if __name__ == "__main__":
    main()
