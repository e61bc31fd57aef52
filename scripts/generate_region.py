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
import bisect
import csv
import json
import math
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, "benches"))
import generate_national as grid  # noqa: E402
from generate_services import CATEGORY_WEIGHTS, LAMBERT_93  # noqa: E402

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
    for sub in ("boundaries", "population", "services"):
        os.makedirs(os.path.join(out, sub), exist_ok=True)

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
        c["arr"] = "081"
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
    be_features, sections, fr_features = [], [], []
    for c in be:
        ring = rings.ring(c["x"], c["y"], c["s"])
        be_features.append(({"id": c["code"], "names": {"fr": c["name"], "nl": None}}, ring))
        for i, (px, py, ps) in enumerate(c["parts"]):
            letter = chr(ord("A") + i)
            part_name = c["name"] if i == 0 else grid.unique(name(rng), used)
            sections.append(({"geoitem": c["code"] + letter, "naam": part_name}, rings.ring(px, py, ps)))
    for c in fr:
        fr_features.append(({"code": c["code"], "nom": c["name"]}, rings.ring(c["x"], c["y"], c["s"])))
    grid.write_collection(os.path.join(out, "boundaries/be_communes.geojson"), be_features)
    grid.write_collection(os.path.join(out, "boundaries/be_sections.geojson"), sections)
    grid.write_collection(os.path.join(out, "boundaries/fr_communes.geojson"), fr_features)

    # --- facts, attributes and populations
    with open(os.path.join(out, "arrondissements.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["country", "code", "name_nl", "name_fr", "member_prefix"])
        w.writerows(ARRONDISSEMENTS)
    with open(os.path.join(out, "population/fr_communes_cog.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["code", "nom", "type", "arrondissement", "arrondissement_nom", "departement",
                    "region", "siren", "codeEpci", "epci_nom", "codesPostaux", "population",
                    "anciensCodes"])
        for c in fr:
            w.writerow([c["code"], c["name"], "commune-actuelle", c["arr"], "Charleville-Mézières",
                        "08", "44", "", c["epci"], c["epci_name"], "08600", c["pop"], ""])
    with open(os.path.join(out, "population/fr_population_by_cog_vintage.csv"), "w", newline="",
              encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["package_version", "cog_year", "code", "nom", "population"])
        for c in fr:
            growth = random.Random(f"{args.seed}-g{c['code']}").gauss(-0.004, 0.008)
            for year in (2019, 2021, 2022, 2024, 2026):
                w.writerow(["1.1.1", year, c["code"], c["name"],
                            max(1, round(c["pop"] * (1 + growth) ** (year - 2026)))])
    with open(os.path.join(out, "population/be_population_statbel.csv"), "w", newline="",
              encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["year", "CD_REFNIS", "TX_DESCR_NL", "TX_DESCR_FR", "TX_PROV_DESCR_NL",
                    "TX_RGN_DESCR_NL", "BEL", "ETR", "total", "pct_etr"])
        for c in sorted(be, key=lambda c: c["code"]):
            growth = random.Random(f"{args.seed}-g{c['code']}").gauss(0.002, 0.006)
            for year in range(2009, 2026):
                total = max(1, round(c["pop"] * (1 + growth) ** (year - 2025)))
                etr = round(total * 0.05)
                w.writerow([year, c["code"], c["name"], c["name"], "Provincie Namen",
                            "Waals Gewest", total - etr, etr, total, round(100 * etr / total, 1)])

    # --- services
    bpe_code = {"post_office": "A206", "post_point": "A207", "town_hall": "A129", "library": "F307",
                "pharmacy": "D307", "general_practitioner": "D265", "hospital": "D106",
                "primary_school": "C108", "secondary_school": "C301", "childcare": "D502",
                "bakery": "B207", "food_shop": "B202", "bank": "A203", "rail_station": "E108"}
    words = {"post_office": "Bureau de poste", "post_point": "Point poste",
             "town_hall": "Maison communale", "library": "Bibliothèque", "pharmacy": "Pharmacie",
             "general_practitioner": "Médecin généraliste", "hospital": "Hôpital",
             "primary_school": "École primaire", "secondary_school": "Athénée",
             "childcare": "Crèche", "bakery": "Boulangerie", "food_shop": "Supérette",
             "bank": "Banque", "rail_station": "Gare"}
    # how strongly a commune's population draws each category (as the national generator)
    exponent = {"hospital": 1.6, "rail_station": 1.2, "bus_stop": 0.8, "library": 0.8,
                "post_office": 0.8, "secondary_school": 1.1}
    total_weight = sum(w for _, w in CATEGORY_WEIGHTS)
    everyone = be + fr
    paths = {k: os.path.join(out, "services", f) for k, f in
             (("FR", "fr_bpe_points.csv"), ("BE", "be_services.csv"), ("OSM", "osm_bus_stops.csv"))}
    counts = {"FR": 0, "BE": 0, "OSM": 0}
    with open(paths["FR"], "w", newline="", encoding="utf-8") as fr_f, \
            open(paths["BE"], "w", newline="", encoding="utf-8") as be_f, \
            open(paths["OSM"], "w", newline="", encoding="utf-8") as osm_f:
        fr_w = csv.writer(fr_f, delimiter=";", lineterminator="\n")
        be_w = csv.writer(be_f, lineterminator="\n")
        osm_w = csv.writer(osm_f, lineterminator="\n")
        fr_w.writerow(["IDBPE", "AN", "DEPCOM", "TYPEQU", "NOMRS", "LAMBERT_X", "LAMBERT_Y", "QUALITE_XY"])
        be_w.writerow(["id", "type", "name", "street", "postcode", "municipality", "lon", "lat"])
        osm_w.writerow(["osm_id", "tag", "name", "lon", "lat"])
        number = 0
        for category, weight in CATEGORY_WEIGHTS:
            n = max(1, round(args.services * weight / total_weight))
            if category == "town_hall":
                chosen = list(everyone)
            else:
                e = exponent.get(category, 1.0)
                cumulative = list(grid._accumulate(c["pop"] ** e for c in everyone))
                chosen = [everyone[min(len(everyone) - 1,
                                       bisect.bisect_right(cumulative, rng.random() * cumulative[-1]))]
                          for _ in range(n)]
            for c in chosen:
                number += 1
                half = c["s"] * 0.28
                ux = c["x"] + c["s"] / 2 + max(-half, min(half, rng.gauss(0, half / 2)))
                uy = c["y"] + c["s"] / 2 + max(-half, min(half, rng.gauss(0, half / 2)))
                lon, lat = grid.to_lonlat(ux, uy)
                if category == "bus_stop":
                    counts["OSM"] += 1
                    osm_w.writerow([f"node/{900000000 + number}", "highway=bus_stop",
                                    f"{c['name']} {number % 97}", f"{lon:.6f}", f"{lat:.6f}"])
                elif c["country"] == "FR":
                    counts["FR"] += 1
                    x, y = LAMBERT_93.forward(lon, lat)
                    fr_w.writerow([f"A{number:08d}", 2024, c["code"], bpe_code[category],
                                   f"{words[category]} {c['name']}", f"{x:.2f}", f"{y:.2f}", "Bonne"])
                else:
                    counts["BE"] += 1
                    be_w.writerow([f"BE-A{number:07d}", words[category], f"{words[category]} {c['name']}",
                                   f"Rue de la Meuse {number % 200 + 1}", "5500", c["name"],
                                   f"{lon:.6f}", f"{lat:.6f}"])

    write_manifest(out)
    print(f"{len(be)} BE communes ({len(sections)} sections), {len(fr)} FR communes; "
          f"{sum(c['pop'] for c in be)} + {sum(c['pop'] for c in fr)} inhabitants; services FR "
          f"{counts['FR']}, BE {counts['BE']}, bus stops {counts['OSM']}", file=sys.stderr)


MANIFEST = """# Generated by scripts/generate_region.py: a second cross-border study area, the Meuse
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

[facts]
arrondissements = "arrondissements.csv"
taxonomy = {taxonomy}
indicators = {indicators}

[[source]]
id = "ardennes-be-communes"
kind = "boundaries"
title = "Municipalities of the arrondissements of Dinant and Philippeville (generated)"
path = "boundaries/be_communes.geojson"
publisher = "generated"
licence = "generated"
reference_date = "2025-01-01"
country = "BE"
code_field = "id"
name_field = "names.fr"
name_language = "fr"
name_nl_field = "names.nl"

[[source]]
id = "ardennes-fr-communes"
kind = "boundaries"
title = "Communes of the Ardennes around Givet (generated)"
path = "boundaries/fr_communes.geojson"
publisher = "generated"
licence = "generated"
reference_date = "2026-01-01"
country = "FR"
code_field = "code"
name_field = "nom"
name_language = "fr"

[[source]]
id = "ardennes-be-sections"
kind = "sub_municipalities"
title = "Sections of the Belgian municipalities (generated)"
path = "boundaries/be_sections.geojson"
publisher = "generated"
licence = "generated"
reference_date = "2025-01-01"
country = "BE"
code_field = "geoitem"
name_field = "naam"

[[source]]
id = "ardennes-fr-communes-cog"
kind = "commune_attributes"
title = "Communes of the Ardennes with arrondissement and EPCI (generated)"
path = "population/fr_communes_cog.csv"
publisher = "generated"
licence = "generated"
reference_date = "2026-01-01"
country = "FR"
code_field = "code"
arrondissement_field = "arrondissement"
intercommunality_code_field = "codeEpci"
intercommunality_name_field = "epci_nom"

[[source]]
id = "ardennes-be-population"
kind = "population"
title = "Population on 1 January, 2009-2025 (generated)"
path = "population/be_population_statbel.csv"
publisher = "generated"
licence = "generated"
reference_date = "1 January of each year, 2009-2025"
country = "BE"
code_field = "CD_REFNIS"
year_field = "year"
population_field = "total"
name_nl_field = "TX_DESCR_NL"
name_fr_field = "TX_DESCR_FR"

[[source]]
id = "ardennes-fr-population"
kind = "population"
title = "Populations by COG vintage, 2019-2026 (generated)"
path = "population/fr_population_by_cog_vintage.csv"
publisher = "generated"
licence = "generated"
reference_date = "COG vintages 2019, 2021, 2022, 2024, 2026"
country = "FR"
code_field = "code"
year_field = "cog_year"
population_field = "population"

[[source]]
id = "ardennes-fr-bpe-points"
kind = "services"
title = "Equipment points of the Ardennes, BPE-like (generated)"
path = "services/fr_bpe_points.csv"
publisher = "generated"
licence = "generated"
reference_date = "2024"
coverage = ["FR"]
observed_on = "2024-01-01"
delimiter = ";"
id_field = "IDBPE"
name_field = "NOMRS"
category_field = "TYPEQU"
vocabulary = "bpe_codes"
x_field = "LAMBERT_X"
y_field = "LAMBERT_Y"
srid = 2154
commune_code_field = "DEPCOM"
attribute_fields = ["QUALITE_XY"]

[[source]]
id = "ardennes-be-services"
kind = "services"
title = "Services of Dinant and Philippeville typed in words (generated)"
path = "services/be_services.csv"
publisher = "generated"
licence = "generated"
reference_date = "2025-06-30"
coverage = ["BE"]
observed_on = "2025-06-30"
id_field = "id"
name_field = "name"
address_fields = ["street", "postcode", "municipality"]
category_field = "type"
vocabulary = "words"
x_field = "lon"
y_field = "lat"

[[source]]
id = "ardennes-osm-bus-stops"
kind = "services"
title = "Bus stops of the Meuse valley, OpenStreetMap-like (generated)"
path = "services/osm_bus_stops.csv"
publisher = "generated"
licence = "generated"
reference_date = "2026-07-01"
observed_on = "2026-07-01"
id_field = "osm_id"
name_field = "name"
category_field = "tag"
vocabulary = "osm_tags"
x_field = "lon"
y_field = "lat"
"""


def write_manifest(out):
    values = {key: json.dumps(value, ensure_ascii=False) for key, value in REGION.items()}
    values["view"] = json.dumps([WEST, SOUTH, EAST, NORTH])
    values["taxonomy"] = json.dumps(os.path.join(REPO, "data/taxonomy.toml"))
    values["indicators"] = json.dumps(os.path.join(REPO, "data/indicators.toml"))
    text = MANIFEST
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    with open(os.path.join(out, "ardennes.toml"), "w", encoding="utf-8") as f:
        f.write(text)


if __name__ == "__main__":
    main()
