"""The files of a generated release, in the formats of the Westhoek sources, and the
[[source]] tables of a manifest that reads them: shared by benches/generate_national.py
(France and Belgium) and scripts/generate_region.py (the Ardennes). The generators decide
what goes in them (the communes, their codes, names and populations, the services'
identifiers and words); this module lays each file out, and draws and places the services
of both in the same way.

Standard library only.
"""

import bisect
import contextlib
import csv
import json
import os

from generate_services import CATEGORY_WEIGHTS, LAMBERT_93

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Paths under the release folder of the files every release has.
ARRONDISSEMENTS = "arrondissements.csv"
FR_COMMUNES = "boundaries/fr_communes.geojson"
FR_COMMUNES_COG = "population/fr_communes_cog.csv"
BE_POPULATION = "population/be_population_statbel.csv"
FR_POPULATION = "population/fr_population_by_cog_vintage.csv"
BPE_POINTS = "services/fr_bpe_points.csv"
BE_SERVICES = "services/be_services.csv"
OSM_BUS_STOPS = "services/osm_bus_stops.csv"

FR_YEARS = (2019, 2021, 2022, 2024, 2026)   # the INSEE COG vintages
BE_YEARS = range(2009, 2026)                # Statbel's series

BPE_CODE = {"post_office": "A206", "post_point": "A207", "town_hall": "A129", "library": "F307",
            "pharmacy": "D307", "general_practitioner": "D265", "hospital": "D106",
            "primary_school": "C108", "secondary_school": "C301", "childcare": "D502",
            "bakery": "B207", "food_shop": "B202", "bank": "A203", "rail_station": "E108"}
# The taxonomy's `words` vocabulary, in both languages.
WORDS_NL = {"post_office": "Postkantoor", "post_point": "Postpunt", "town_hall": "Gemeentehuis",
            "library": "Bibliotheek", "pharmacy": "Apotheek", "general_practitioner": "Huisarts",
            "hospital": "Ziekenhuis", "primary_school": "Basisschool",
            "secondary_school": "Secundaire school", "childcare": "Kinderopvang",
            "bakery": "Bakkerij", "food_shop": "Supermarkt", "bank": "Bank",
            "rail_station": "Station"}
WORDS_FR = {"post_office": "Bureau de poste", "post_point": "Point poste", "town_hall": "Maison communale",
            "library": "Bibliothèque", "pharmacy": "Pharmacie",
            "general_practitioner": "Médecin généraliste", "hospital": "Hôpital",
            "primary_school": "École primaire", "secondary_school": "Athénée",
            "childcare": "Crèche", "bakery": "Boulangerie", "food_shop": "Supérette",
            "bank": "Banque", "rail_station": "Gare"}
# Per category, how strongly a commune's population draws it: most services follow
# people; hospitals and stations gather in towns.
EXPONENT = {"hospital": 1.6, "rail_station": 1.2, "bus_stop": 0.8, "library": 0.8,
            "post_office": 0.8, "secondary_school": 1.1}


def make_folders(out):
    for sub in ("boundaries", "population", "services"):
        os.makedirs(os.path.join(out, sub), exist_ok=True)


@contextlib.contextmanager
def csv_file(path, header, delimiter=","):
    """A writer of the file at path, its header written."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, delimiter=delimiter, lineterminator="\n")
        w.writerow(header)
        yield w


def accumulate(values):
    total = 0.0
    for v in values:
        total += v
        yield total


# --- boundaries -----------------------------------------------------------------------

# The properties of a feature, as each source names them.
def geoitem_feature(code, name, ring):
    """Flemish communes and sub-municipalities: geoitem, naam."""
    return {"geoitem": code, "naam": name}, ring


def walloon_feature(code, name_fr, name_nl, ring):
    """Walloon communes: id, names.fr, names.nl."""
    return {"id": code, "names": {"fr": name_fr, "nl": name_nl}}, ring


def insee_feature(code, name, ring):
    """French communes: code, nom."""
    return {"code": code, "nom": name}, ring


def section_features(code, parts, rings, name_of):
    """A Belgian commune's sub-municipalities (x, y, size squares), coded with a letter
    after its NIS code, A first; name_of(letter) names each, called in order (so it may
    draw from a generator)."""
    features = []
    for i, (px, py, ps) in enumerate(parts):
        letter = chr(ord("A") + i)
        features.append(geoitem_feature(code + letter, name_of(letter), rings.ring(px, py, ps)))
    return features


def write_collection(path, features):
    with open(path, "w", encoding="utf-8") as f:
        f.write('{"type":"FeatureCollection","features":[\n')
        first = True
        for props, ring in features:
            if not first:
                f.write(",\n")
            first = False
            f.write(json.dumps({"type": "Feature", "properties": props,
                                "geometry": {"type": "Polygon", "coordinates": [ring]}},
                               ensure_ascii=False, separators=(",", ":")))
        f.write("\n]}\n")


# --- facts, attributes and populations ------------------------------------------------


def write_arrondissements(out, arrondissements):
    """arrondissements: (country, code, name_nl, name_fr, member prefix) rows."""
    with csv_file(os.path.join(out, ARRONDISSEMENTS),
                  ["country", "code", "name_nl", "name_fr", "member_prefix"]) as w:
        w.writerows(arrondissements)


def write_commune_attributes(out, communes, arrondissements, region="", postcode=None):
    """The COG attributes of French communes (code, name, arr, dept, epci, epci_name,
    pop), in the order given; the arrondissement names are the name_fr of the French
    rows of `arrondissements`. postcode: the same for all, or by default the code (2A
    and 2B as 20)."""
    arr_names = {a[1]: a[3] for a in arrondissements if a[0] == "FR"}
    with csv_file(os.path.join(out, FR_COMMUNES_COG),
                  ["code", "nom", "type", "arrondissement", "arrondissement_nom", "departement",
                   "region", "siren", "codeEpci", "epci_nom", "codesPostaux", "population",
                   "anciensCodes"]) as w:
        for c in communes:
            w.writerow([c["code"], c["name"], "commune-actuelle", c["arr"], arr_names.get(c["arr"], ""),
                        c["dept"], region, "", c["epci"], c["epci_name"],
                        postcode or c["code"].replace("A", "0").replace("B", "0"), c["pop"], ""])


def write_fr_population(out, communes, growth):
    """Each French commune's population in the COG vintages, in the order given, back
    from its latest one at growth(c) a year."""
    with csv_file(os.path.join(out, FR_POPULATION),
                  ["package_version", "cog_year", "code", "nom", "population"]) as w:
        for c in communes:
            g = growth(c)
            for year in FR_YEARS:
                w.writerow(["1.1.1", year, c["code"], c["name"],
                            max(1, round(c["pop"] * (1 + g) ** (year - FR_YEARS[-1])))])


def write_be_population(out, communes, growth, foreign_share, province="", gewest=""):
    """Each Belgian commune's Statbel series, by code, back from 2025 at growth(c) a
    year, foreign_share of it foreign; names in Dutch and French where the commune has
    them (name_nl, name_fr), else its one name."""
    with csv_file(os.path.join(out, BE_POPULATION),
                  ["year", "CD_REFNIS", "TX_DESCR_NL", "TX_DESCR_FR", "TX_PROV_DESCR_NL",
                   "TX_RGN_DESCR_NL", "BEL", "ETR", "total", "pct_etr"]) as w:
        for c in sorted(communes, key=lambda c: c["code"]):
            g = growth(c)
            for year in BE_YEARS:
                total = max(1, round(c["pop"] * (1 + g) ** (year - BE_YEARS[-1])))
                etr = round(total * foreign_share)
                w.writerow([year, c["code"], c.get("name_nl") or c["name"], c.get("name_fr") or c["name"],
                            province, gewest, total - etr, etr, total, round(100 * etr / total, 1)])


# --- services -------------------------------------------------------------------------


def write_services(out, communes, count, rng, to_lonlat, ids, words, street, postcode, minimum=0,
                   extra_town_halls=True):
    """About `count` points over the taxonomy's categories (CATEGORY_WEIGHTS, at least
    `minimum` each), each in a commune drawn in proportion to its population to the
    category's EXPONENT, near its centre; town halls one a commune, and with
    extra_town_halls the rest of their share in communes drawn by population. Bus stops
    go to the OpenStreetMap-like file, the others by the commune's country to the
    BPE-like file (French words) or the Belgian one: typed in words(c), at
    "street(c) number" in postcode(c). ids[kind](number) names a point of the file "FR",
    "BE" or "OSM"; to_lonlat is the grid's projection. Returns the count of each file's
    points."""
    total_weight = sum(w for _, w in CATEGORY_WEIGHTS)
    counts = {"FR": 0, "BE": 0, "OSM": 0}
    with csv_file(os.path.join(out, BPE_POINTS),
                  ["IDBPE", "AN", "DEPCOM", "TYPEQU", "NOMRS", "LAMBERT_X", "LAMBERT_Y", "QUALITE_XY"],
                  delimiter=";") as fr_w, \
            csv_file(os.path.join(out, BE_SERVICES),
                     ["id", "type", "name", "street", "postcode", "municipality", "lon", "lat"]) as be_w, \
            csv_file(os.path.join(out, OSM_BUS_STOPS), ["osm_id", "tag", "name", "lon", "lat"]) as osm_w:
        number = 0
        for category, weight in CATEGORY_WEIGHTS:
            n = max(minimum, round(count * weight / total_weight))
            if category == "town_hall":
                chosen = list(communes)
                extra = max(0, n - len(chosen)) if extra_town_halls else 0
                if extra:
                    cumulative = list(accumulate(c["pop"] for c in communes))
                    chosen += [communes[bisect.bisect_right(cumulative, rng.random() * cumulative[-1])]
                               for _ in range(extra)]
            else:
                e = EXPONENT.get(category, 1.0)
                cumulative = list(accumulate(c["pop"] ** e for c in communes))
                chosen = [communes[min(len(communes) - 1,
                                       bisect.bisect_right(cumulative, rng.random() * cumulative[-1]))]
                          for _ in range(n)]
            for c in chosen:
                number += 1
                # around the centre, within the middle half of the square
                half = c["s"] * 0.28
                ux = c["x"] + c["s"] / 2 + max(-half, min(half, rng.gauss(0, half / 2)))
                uy = c["y"] + c["s"] / 2 + max(-half, min(half, rng.gauss(0, half / 2)))
                lon, lat = to_lonlat(ux, uy)
                if category == "bus_stop":
                    counts["OSM"] += 1
                    osm_w.writerow([ids["OSM"](number), "highway=bus_stop", f"{c['name']} {number % 97}",
                                    f"{lon:.6f}", f"{lat:.6f}"])
                elif c["country"] == "FR":
                    counts["FR"] += 1
                    x, y = LAMBERT_93.forward(lon, lat)
                    fr_w.writerow([ids["FR"](number), 2024, c["code"], BPE_CODE[category],
                                   f"{WORDS_FR[category]} {c['name']}", f"{x:.2f}", f"{y:.2f}", "Bonne"])
                else:
                    counts["BE"] += 1
                    word = words(c)[category]
                    be_w.writerow([ids["BE"](number), word, f"{word} {c['name']}",
                                   f"{street(c)} {number % 200 + 1}", postcode(c), c["name"],
                                   f"{lon:.6f}", f"{lat:.6f}"])
    return counts


# --- the manifest ---------------------------------------------------------------------

# Per file layout: its kind, default path, reference date and the fields the manifest
# reads it by, in their order; a field of None is written only when given.
SOURCES = {
    "flemish_communes": ("boundaries", None, "2025-01-01", {
        "country": "BE", "code_field": "geoitem", "name_field": "naam", "name_language": "nl"}),
    "walloon_communes": ("boundaries", None, "2025-01-01", {
        "country": "BE", "code_field": "id", "name_field": "names.fr", "name_language": "fr",
        "name_nl_field": "names.nl"}),
    "fr_communes": ("boundaries", FR_COMMUNES, "2026-01-01", {
        "country": "FR", "code_field": "code", "name_field": "nom", "name_language": "fr"}),
    "sections": ("sub_municipalities", None, "2025-01-01", {
        "country": "BE", "code_field": "geoitem", "name_field": "naam"}),
    "fr_communes_cog": ("commune_attributes", FR_COMMUNES_COG, "2026-01-01", {
        "country": "FR", "code_field": "code", "arrondissement_field": "arrondissement",
        "intercommunality_code_field": "codeEpci", "intercommunality_name_field": "epci_nom"}),
    "be_population": ("population", BE_POPULATION, "1 January of each year, 2009-2025", {
        "country": "BE", "code_field": "CD_REFNIS", "year_field": "year", "population_field": "total",
        "name_nl_field": "TX_DESCR_NL", "name_fr_field": "TX_DESCR_FR"}),
    "fr_population": ("population", FR_POPULATION, "COG vintages 2019, 2021, 2022, 2024, 2026", {
        "country": "FR", "code_field": "code", "year_field": "cog_year",
        "population_field": "population"}),
    "bpe_points": ("services", BPE_POINTS, "2024", {
        "coverage": ["FR"], "observed_on": "2024-01-01", "delimiter": ";", "id_field": "IDBPE",
        "name_field": "NOMRS", "category_field": "TYPEQU", "vocabulary": "bpe_codes",
        "x_field": "LAMBERT_X", "y_field": "LAMBERT_Y", "srid": 2154, "commune_code_field": None,
        "attribute_fields": ["QUALITE_XY"]}),
    "be_services": ("services", BE_SERVICES, "2025-06-30", {
        "coverage": ["BE"], "observed_on": "2025-06-30", "id_field": "id", "name_field": "name",
        "address_fields": ["street", "postcode", "municipality"], "category_field": "type",
        "vocabulary": "words", "x_field": "lon", "y_field": "lat"}),
    "osm_bus_stops": ("services", OSM_BUS_STOPS, "2026-07-01", {
        "observed_on": "2026-07-01", "id_field": "osm_id", "name_field": "name",
        "category_field": "tag", "vocabulary": "osm_tags", "x_field": "lon", "y_field": "lat"}),
}


def toml_value(value):
    # TOML's basic strings, arrays and integers read as JSON writes them
    return json.dumps(value, ensure_ascii=False)


def source(layout, id, title, path=None, **optional):
    """The [[source]] table of a generated file of one of SOURCES' layouts."""
    kind, default_path, reference_date, fields = SOURCES[layout]
    table = {"id": id, "kind": kind, "title": title, "path": path or default_path,
             "publisher": "generated", "licence": "generated", "reference_date": reference_date}
    for key, value in fields.items():
        value = optional.get(key, value)
        if value is not None:
            table[key] = value
    return "[[source]]\n" + "".join(f"{key} = {toml_value(value)}\n" for key, value in table.items())


def write_manifest(path, head, sources):
    """head: the manifest down to its [area] tables; then the facts (the arrondissements
    beside it, this repository's taxonomy and indicators) and the sources."""
    facts = (f"[facts]\narrondissements = {json.dumps(ARRONDISSEMENTS)}\n"
             f"taxonomy = {json.dumps(os.path.join(REPO, 'data/taxonomy.toml'))}\n"
             f"indicators = {json.dumps(os.path.join(REPO, 'data/indicators.toml'))}\n")
    with open(path, "w", encoding="utf-8") as f:
        f.write(head + "\n" + facts + "".join("\n" + s for s in sources))
