#!/usr/bin/env python3
"""Write a synthetic national release of France and Belgium for the national-scale
benchmarks: about 35,000 communes, their populations, the Belgian sub-municipalities, and
2.5 million services, in the file formats the Westhoek manifest reads, with a manifest
(national.toml) beside them.

    benches/generate_national.py OUT_DIR [--seed 1] [--communes 35000] [--services 2500000]
    observatory ingest OUT_DIR/national.toml

The communes are a tessellation: a quadtree over an equirectangular projection of both
countries (one unit about 0.29 km), each square split while it is expected to hold more
than one commune under a commune-density surface (France one commune per 15.6 km², as
its 34,900 communes over 544,000 km²; Belgium one per 53 km², as its 565; smaller where
people live, larger in a few wide rural zones, with noise), kept where its centre lies on
the coarse outline of mainland France, Corsica or Belgium (a few dozen points each, below).
Every square's ring holds every corner of a neighbouring square that lies on its edges,
and every corner is moved by a deterministic offset of at most 18 % of the smallest
square it touches: the outlines are irregular, valid, and share their edges exactly, so
the communes never overlap and leave no gap. Belgian communes are split once or twice
more into their sub-municipalities (deelgemeenten, NIS code and a letter).

Populations follow a population-density surface (a rural base with noise and about
thirty cities as Gaussian peaks, Paris, Brussels, Lyon, Antwerp, Lille ...) times the
area, times a log-normal factor, scaled to 66 million in France and 11.8 million in
Belgium: heavy-tailed, a few communes of hundreds of thousands and many of a few hundred.
Codes are of the real form: INSEE codes (département + 3 digits, 2A/2B in Corsica),
Belgian NIS codes (arrondissement + 3 digits, with the 43 real arrondissement codes);
names are built of syllables, French, Dutch in Flanders, both in Brussels.

Services: --services points over the taxonomy's 15 categories (weights as
generate_services.py), each placed in a commune drawn in proportion to its population
(town halls one per commune, hospitals and rail stations toward larger ones), near its
centre. France: a BPE-like file (`;`, TYPEQU codes, Lambert-93 coordinates); Belgium: a
CSV typed in Dutch or French words (the taxonomy's `words` vocabulary) with longitude and
latitude; bus stops of both countries: an OpenStreetMap-like CSV (`highway=bus_stop`).

Files (under OUT_DIR):
  national.toml                              the manifest (data_dir ".", facts beside it,
                                             taxonomy and indicators of this repository)
  arrondissements.csv                        facts: arrondissement names, Belgian prefixes
  boundaries/be_vlaanderen_gemeenten.geojson Flemish and Brussels communes (geoitem, naam)
  boundaries/be_wallonie_communes.geojson    Walloon communes (id, names.fr, names.nl)
  boundaries/be_deelgemeenten.geojson        sub-municipalities (geoitem, naam)
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
import math
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import release_files as files  # noqa: E402

# --- geography ----------------------------------------------------------------------

LON0, LAT0 = -5.3, 41.2          # south-west corner of the quadtree's root
KM_PER_DEG_LAT = 111.2
KM_PER_DEG_LON = 111.32 * math.cos(math.radians(46.5))
DEPTH = 12                       # root side 2^12 units
UNIT_KM = 1200.0 / (1 << DEPTH)  # about 0.29 km

# Coarse outlines (lon, lat): enough to give both countries their shape.
BELGIUM = [
    (2.54, 51.09), (3.37, 51.37), (3.90, 51.21), (4.24, 51.37), (4.77, 51.50), (5.10, 51.43),
    (5.50, 51.30), (5.85, 51.16), (5.64, 50.85), (6.02, 50.76), (6.27, 50.62), (6.40, 50.33),
    (6.10, 50.13), (5.81, 49.55), (5.47, 49.50), (4.86, 49.79), (4.87, 50.15), (4.20, 49.96),
    (4.14, 50.27), (3.71, 50.30), (3.60, 50.49), (3.27, 50.53), (3.09, 50.78), (2.86, 50.70),
    (2.63, 50.82),
]
FRANCE = [
    (2.54, 51.09), (2.63, 50.82), (2.86, 50.70), (3.09, 50.78), (3.27, 50.53), (3.60, 50.49),
    (3.71, 50.30), (4.14, 50.27), (4.20, 49.96), (4.87, 50.15), (4.86, 49.79), (5.47, 49.50),
    (5.81, 49.55), (6.36, 49.46), (6.73, 49.16), (7.45, 49.17), (8.20, 48.97), (7.58, 47.59),
    (6.90, 47.35), (6.10, 46.60), (6.15, 46.15), (6.80, 46.40), (7.00, 45.90), (6.80, 45.15),
    (7.10, 44.85), (6.90, 44.35), (7.50, 44.15), (7.53, 43.78), (7.00, 43.55), (6.60, 43.15),
    (5.90, 43.08), (5.30, 43.20), (4.80, 43.40), (4.20, 43.47), (3.50, 43.28), (3.05, 42.90),
    (3.17, 42.43), (2.50, 42.35), (1.70, 42.50), (0.70, 42.80), (-0.30, 42.80), (-1.00, 43.00),
    (-1.79, 43.36), (-1.45, 43.65), (-1.25, 44.60), (-1.10, 45.50), (-1.20, 46.20), (-2.10, 46.80),
    (-2.50, 47.30), (-3.50, 47.70), (-4.40, 47.80), (-4.75, 48.35), (-4.50, 48.60), (-3.50, 48.83),
    (-2.70, 48.50), (-2.00, 48.65), (-1.55, 48.65), (-1.85, 49.70), (-1.25, 49.70), (-1.10, 49.35),
    (-0.20, 49.30), (0.10, 49.45), (0.20, 49.70), (1.40, 50.05), (1.60, 50.40), (1.60, 50.85),
    (1.90, 50.98),
]
CORSICA = [
    (9.35, 43.00), (9.55, 42.60), (9.40, 42.00), (9.20, 41.40), (8.80, 41.55), (8.60, 41.90),
    (8.55, 42.35), (8.75, 42.60), (9.30, 42.70),
]
# Flanders and Brussels: north of this line (lon, lat) within Belgium.
LANGUAGE_BORDER = [(2.60, 50.72), (3.20, 50.76), (3.90, 50.72), (4.60, 50.75), (5.30, 50.73),
                   (5.70, 50.76), (6.10, 50.76)]
BRUSSELS = (4.36, 50.84)

# Cities: (name, lon, lat, peak inhabitants/km², sigma km).
CITIES = [
    ("Paris", 2.35, 48.86, 20000, 6), ("Paris region", 2.35, 48.86, 3000, 25),
    ("Lyon", 4.84, 45.76, 7000, 7), ("Marseille", 5.37, 43.30, 5000, 8),
    ("Lille", 3.06, 50.63, 5000, 9), ("Toulouse", 1.44, 43.60, 4000, 7),
    ("Nice", 7.26, 43.70, 4500, 6), ("Nantes", -1.55, 47.22, 3500, 6),
    ("Strasbourg", 7.75, 48.58, 3500, 6), ("Bordeaux", -0.58, 44.84, 3500, 7),
    ("Montpellier", 3.88, 43.61, 3500, 5), ("Rennes", -1.68, 48.11, 3000, 5),
    ("Grenoble", 5.72, 45.19, 3000, 5), ("Rouen", 1.10, 49.44, 2500, 5),
    ("Toulon", 5.93, 43.12, 3000, 5), ("Saint-Étienne", 4.39, 45.44, 2500, 5),
    ("Le Havre", 0.11, 49.49, 2500, 4), ("Reims", 4.03, 49.26, 2000, 4),
    ("Dijon", 5.04, 47.32, 2000, 4), ("Clermont-Ferrand", 3.09, 45.78, 2000, 4),
    ("Tours", 0.69, 47.39, 2000, 4), ("Orléans", 1.91, 47.90, 1800, 4),
    ("Metz", 6.18, 49.12, 2000, 4), ("Nancy", 6.18, 48.69, 2200, 4),
    ("Brest", -4.49, 48.39, 2000, 4), ("Ajaccio", 8.74, 41.93, 1200, 3),
    ("Brussels", 4.36, 50.84, 9000, 7), ("Antwerp", 4.40, 51.22, 5000, 6),
    ("Ghent", 3.72, 51.05, 3000, 5), ("Charleroi", 4.44, 50.41, 2500, 5),
    ("Liège", 5.57, 50.63, 2500, 6), ("Bruges", 3.22, 51.21, 1500, 4),
    ("Leuven", 4.70, 50.88, 1800, 4), ("Namur", 4.87, 50.47, 1200, 4),
    ("Mons", 3.95, 50.45, 1200, 4),
]

BE_ARRONDISSEMENTS = [
    ("11", "Antwerpen", "Anvers"), ("12", "Mechelen", "Malines"), ("13", "Turnhout", "Turnhout"),
    ("21", "Brussel-Hoofdstad", "Bruxelles-Capitale"), ("23", "Halle-Vilvoorde", "Hal-Vilvorde"),
    ("24", "Leuven", "Louvain"), ("25", "Nijvel", "Nivelles"), ("31", "Brugge", "Bruges"),
    ("32", "Diksmuide", "Dixmude"), ("33", "Ieper", "Ypres"), ("34", "Kortrijk", "Courtrai"),
    ("35", "Oostende", "Ostende"), ("36", "Roeselare", "Roulers"), ("37", "Tielt", "Tielt"),
    ("38", "Veurne", "Furnes"), ("41", "Aalst", "Alost"), ("42", "Dendermonde", "Termonde"),
    ("43", "Eeklo", "Eeklo"), ("44", "Gent", "Gand"), ("45", "Oudenaarde", "Audenarde"),
    ("46", "Sint-Niklaas", "Saint-Nicolas"), ("51", "Aat", "Ath"), ("52", "Charleroi", "Charleroi"),
    ("53", "Bergen", "Mons"), ("55", "Zinnik", "Soignies"), ("56", "Thuin", "Thuin"),
    ("57", "Moeskroen", "Mouscron"), ("58", "La Louvière", "La Louvière"), ("61", "Hoei", "Huy"),
    ("62", "Luik", "Liège"), ("63", "Verviers", "Verviers"), ("64", "Borgworm", "Waremme"),
    ("71", "Hasselt", "Hasselt"), ("72", "Maaseik", "Maaseik"), ("73", "Tongeren", "Tongres"),
    ("81", "Aarlen", "Arlon"), ("82", "Bastenaken", "Bastogne"),
    ("83", "Marche-en-Famenne", "Marche-en-Famenne"), ("84", "Neufchâteau", "Neufchâteau"),
    ("85", "Virton", "Virton"), ("91", "Dinant", "Dinant"), ("92", "Namen", "Namur"),
    ("93", "Philippeville", "Philippeville"),
]
FLEMISH_ARR = {"11", "12", "13", "23", "24", "31", "32", "33", "34", "35", "36", "37", "38",
               "41", "42", "43", "44", "45", "46", "71", "72", "73"}

# Syllables for names.
FR_START = ["Bel", "Mont", "Ro", "Ville", "Cham", "Beau", "Saint-Ger", "Ver", "Cler", "Mar",
            "Bou", "Lan", "Ger", "Val", "Fon", "Ché", "Bré", "Mé", "Pré", "Cour", "Vi", "Au",
            "Ar", "Lé", "Ma", "Sau", "Mou", "Cas", "Til", "Rou", "Gué", "Bar", "Pon", "Sé"]
FR_MID = ["", "", "", "ra", "li", "ve", "ti", "mé", "no", "ge", "lo", "ta", "ri", "ssa"]
FR_END = ["ville", "court", "mont", "ac", "ay", "y", "é", "ières", "ange", "ois", "eux",
          "ville-le-Haut", "igny", "ans", "ourt", "erre", "ieu", "in", "ot", "euil"]
FR_PREFIX = ["", "", "", "", "", "", "Saint-", "Sainte-", "Le ", "La ", "Les ", "L'Isle-"]
FR_SUFFIX = ["", "", "", "", "", "", "", "-sur-Loire", "-sur-Mer", "-en-Bray", "-le-Château",
             "-sur-Saône", "-la-Forêt", "-d'Aunis", "-lès-Bains", "-aux-Bois", "-en-Forez"]
NL_START = ["Ooster", "Wester", "Sint-", "Zand", "Kor", "Ro", "Bree", "Heu", "Lan", "Meu",
            "Wer", "Ha", "Ne", "Ze", "Lo", "Dik", "Pop", "Ze", "Mol", "Ker", "Bo", "Vla"]
NL_MID = ["", "", "", "e", "le", "ver", "ge", "de", "ker", "ste"]
NL_END = ["kerke", "hem", "gem", "dale", "zele", "broek", "hout", "rode", "beke", "hove",
          "voorde", "dijk", "bergen", "lare", "mere", "ingen", "donk", "heide"]


def point_in_polygon(x, y, ring):
    inside = False
    n = len(ring)
    j = n - 1
    for i in range(n):
        xi, yi = ring[i]
        xj, yj = ring[j]
        if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def to_lonlat(ux, uy):
    return (LON0 + ux * UNIT_KM / KM_PER_DEG_LON, LAT0 + uy * UNIT_KM / KM_PER_DEG_LAT)


def country_at(lon, lat):
    if point_in_polygon(lon, lat, BELGIUM):
        return "BE"
    if point_in_polygon(lon, lat, FRANCE) or point_in_polygon(lon, lat, CORSICA):
        return "FR"
    return None


def north_of_language_border(lon, lat):
    for (x0, y0), (x1, y1) in zip(LANGUAGE_BORDER, LANGUAGE_BORDER[1:]):
        if x0 <= lon <= x1:
            return lat > y0 + (y1 - y0) * (lon - x0) / (x1 - x0)
    return lat > 50.75


class Field:
    """A smooth random field in [-1, 1]: a sum of a few plane waves."""

    def __init__(self, rng, waves=6, km=(60, 300)):
        self.waves = []
        for _ in range(waves):
            angle = rng.uniform(0, math.pi)
            length = rng.uniform(*km)
            self.waves.append((math.cos(angle) / length, math.sin(angle) / length,
                               rng.uniform(0, 2 * math.pi)))

    def __call__(self, lon, lat):
        x, y = lon * KM_PER_DEG_LON, lat * KM_PER_DEG_LAT
        s = sum(math.sin(2 * math.pi * (a * x + b * y) + p) for a, b, p in self.waves)
        return s / len(self.waves) * 2.0


def population_density(lon, lat, noise):
    """Inhabitants per km²."""
    d = 35.0 * math.exp(0.9 * noise(lon, lat))
    if point_in_polygon(lon, lat, BELGIUM):
        d *= 3.5 if north_of_language_border(lon, lat) else 2.0
    for _, clon, clat, peak, sigma in CITIES:
        dx = (lon - clon) * KM_PER_DEG_LON
        dy = (lat - clat) * KM_PER_DEG_LAT
        r2 = dx * dx + dy * dy
        if r2 < 16 * sigma * sigma:
            d += peak * math.exp(-r2 / (2 * sigma * sigma))
    return d


def commune_density(lon, lat, country, pop_density, size_noise):
    """Communes per km²."""
    base = 1 / 85.0 if country == "BE" else 1 / 15.6
    return base * (pop_density / 60.0) ** 0.25 * math.exp(0.6 * size_noise(lon, lat))


# --- the tessellation -----------------------------------------------------------------


def unit_hash(*values):
    """A deterministic number in [0, 1) from integers (and the seed)."""
    h = rng_seed_salt & 0xFFFFFFFFFFFFFFFF
    for v in values:
        h = ((h ^ (v & 0xFFFFFFFFFFFFFFFF)) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
        h ^= h >> 29
        h = (h * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
        h ^= h >> 32
    return h / 2.0 ** 64


_country_cache = {}
_node_cache = {}


def country_at_units(ux2, uy2):
    """country_at for a point given in half units (cached: the calibration asks again)."""
    key = (ux2, uy2)
    c = _country_cache.get(key, 0)
    if c == 0:
        c = _country_cache[key] = country_at(*to_lonlat(ux2 / 2, uy2 / 2))
    return c


def build_leaves(k, pop_noise, size_noise):
    """Quadtree leaves (x, y, size, country) in units, kept where their centre is land."""
    leaves = []
    stack = [(0, 0, 1 << DEPTH)]
    while stack:
        x, y, s = stack.pop()
        corners = [country_at_units(2 * (x + dx * s), 2 * (y + dy * s)) for dx in (0, 1) for dy in (0, 1)]
        centre_country = country_at_units(2 * x + s, 2 * y + s)
        mixed = len(set(corners + [centre_country])) > 1
        split = False
        if s > 1:
            if mixed and s * UNIT_KM > 5.0:
                split = True
            elif centre_country is None and all(c is None for c in corners):
                # sea or abroad; a big square may still hold land in its middle
                split = s * UNIT_KM > 40
            else:
                node = _node_cache.get((x, y, s))
                if node is None:
                    c = centre_country or next(c for c in corners if c)
                    cx, cy = to_lonlat(x + s / 2, y + s / 2)
                    area = (s * UNIT_KM) ** 2
                    pd = population_density(cx, cy, pop_noise)
                    # a per-square threshold: irregular sizes, not powers of four only
                    threshold = 0.55 + 1.25 * unit_hash(x, y, s)
                    node = _node_cache[(x, y, s)] = (
                        area * commune_density(cx, cy, c, pd, size_noise), threshold)
                split = node[0] * k > node[1]
        if split:
            h2 = s // 2
            stack.extend([(x, y, h2), (x + h2, y, h2), (x, y + h2, h2), (x + h2, y + h2, h2)])
        elif centre_country is not None:
            leaves.append((x, y, s, centre_country))
    return leaves


rng_seed_salt = 0


def calibrate(target, pop_noise, size_noise):
    lo, hi = 0.05, 20.0
    leaves = None
    for _ in range(18):
        mid = math.sqrt(lo * hi)
        leaves = build_leaves(mid, pop_noise, size_noise)
        if abs(len(leaves) - target) <= target * 0.01:
            return leaves
        if len(leaves) < target:
            lo = mid
        else:
            hi = mid
    return leaves


class Rings:
    """Every cell's ring: its corners and every other corner lying on its edges, each
    moved by the same deterministic offset wherever it appears."""

    def __init__(self, cells, seed):
        self.by_row = {}   # y -> sorted xs of corners on that horizontal line
        self.by_col = {}   # x -> sorted ys
        self.min_size = {}
        for x, y, s in cells:
            for vx, vy in ((x, y), (x + s, y), (x, y + s), (x + s, y + s)):
                self.min_size[(vx, vy)] = min(self.min_size.get((vx, vy), s), s)
        for vx, vy in self.min_size:
            self.by_row.setdefault(vy, []).append(vx)
            self.by_col.setdefault(vx, []).append(vy)
        for v in self.by_row.values():
            v.sort()
        for v in self.by_col.values():
            v.sort()
        self.seed = seed

    def moved(self, vx, vy):
        a = 0.18 * self.min_size[(vx, vy)]
        dx = a * (2 * unit_hash(vx, vy, 1) - 1)
        dy = a * (2 * unit_hash(vx, vy, 2) - 1)
        return to_lonlat(vx + dx, vy + dy)

    def ring(self, x, y, s):
        pts = []
        row = self.by_row[y]
        pts += [(vx, y) for vx in row[bisect.bisect_left(row, x):bisect.bisect_right(row, x + s)]][:-1]
        col = self.by_col[x + s]
        pts += [(x + s, vy) for vy in col[bisect.bisect_left(col, y):bisect.bisect_right(col, y + s)]][:-1]
        row = self.by_row[y + s]
        pts += list(reversed([(vx, y + s) for vx in row[bisect.bisect_left(row, x):bisect.bisect_right(row, x + s)]]))[:-1]
        col = self.by_col[x]
        pts += list(reversed([(x, vy) for vy in col[bisect.bisect_left(col, y):bisect.bisect_right(col, y + s)]]))[:-1]
        coords = [self.moved(*p) for p in pts]
        coords.append(coords[0])
        return [[round(lon, 6), round(lat, 6)] for lon, lat in coords]


# --- names ----------------------------------------------------------------------------


def fr_name(r):
    core = r.choice(FR_START) + r.choice(FR_MID) + r.choice(FR_END)
    prefix = r.choice(FR_PREFIX)
    if prefix == "L'Isle-":
        core = core[0].upper() + core[1:]
    return prefix + core + r.choice(FR_SUFFIX)


def nl_name(r):
    return r.choice(NL_START) + r.choice(NL_MID) + r.choice(NL_END)


def unique(name, used):
    if name not in used:
        used.add(name)
        return name
    i = 2
    while f"{name} {i}" in used:
        i += 1
    used.add(f"{name} {i}")
    return f"{name} {i}"


def nearest_groups(points, seeds, weights=None):
    """Index of the nearest seed for each point (planar, in units; squared distances
    multiplied by the seed's weight, if given)."""
    out = []
    weights = weights or [1.0] * len(seeds)
    for px, py in points:
        best, bi = None, 0
        for i, (sx, sy) in enumerate(seeds):
            d = ((px - sx) ** 2 + (py - sy) ** 2) * weights[i]
            if best is None or d < best:
                best, bi = d, i
        out.append(bi)
    return out


def balanced_groups(points, seeds, limit, rounds=12):
    """Nearest-seed groups, each seed's distances weighted up while its group is larger
    than the mean, so no group exceeds `limit` (INSEE codes hold 999 communes a
    département)."""
    weights = [1.0] * len(seeds)
    mean = len(points) / len(seeds)
    for _ in range(rounds):
        groups = nearest_groups(points, seeds, weights)
        sizes = [0] * len(seeds)
        for g in groups:
            sizes[g] += 1
        if max(sizes) <= limit:
            break
        weights = [w * (max(size, 1) / mean) ** 0.7 for w, size in zip(weights, sizes)]
    return groups


def lloyd(points, seeds, rounds=2):
    for _ in range(rounds):
        groups = nearest_groups(points, seeds)
        sums = {}
        for (px, py), g in zip(points, groups):
            a = sums.setdefault(g, [0.0, 0.0, 0])
            a[0] += px
            a[1] += py
            a[2] += 1
        seeds = [(a[0] / a[2], a[1] / a[2]) if (a := sums.get(i)) else s for i, s in enumerate(seeds)]
    return seeds


def main():
    global rng_seed_salt
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out_dir")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--communes", type=int, default=35000)
    ap.add_argument("--services", type=int, default=2_500_000)
    args = ap.parse_args()
    started = time.time()
    rng = random.Random(args.seed)
    rng_seed_salt = args.seed * 2654435761
    pop_noise = Field(random.Random(args.seed * 7 + 1))
    size_noise = Field(random.Random(args.seed * 7 + 2), km=(100, 400))
    out = args.out_dir
    files.make_folders(out)

    leaves = calibrate(args.communes, pop_noise, size_noise)
    leaves.sort(key=lambda c: (c[1], c[0]))

    # Belgian communes split into 4 sub-municipalities, one in three of those again.
    cells = []
    parts_of = {}
    for x, y, s, country in leaves:
        if country == "BE" and s >= 4:
            h = s // 2
            parts = []
            for px, py in ((x, y), (x + h, y), (x, y + h), (x + h, y + h)):
                if rng.random() < 0.3:
                    q = h // 2
                    parts += [(px, py, q), (px + q, py, q), (px, py + q, q), (px + q, py + q, q)]
                else:
                    parts.append((px, py, h))
            parts_of[(x, y, s)] = parts
            cells += parts
        else:
            cells.append((x, y, s))
    rings = Rings(cells, args.seed)

    # Identity of each commune.
    communes = []
    for x, y, s, country in leaves:
        lon, lat = to_lonlat(x + s / 2, y + s / 2)
        area = (s * UNIT_KM) ** 2
        pd = population_density(lon, lat, pop_noise)
        pop = pd * area * math.exp(rng.gauss(0, 0.8))
        communes.append({"x": x, "y": y, "s": s, "country": country, "lon": lon, "lat": lat,
                         "area": area, "pop": pop})
    for country, total in (("FR", 66_000_000), ("BE", 11_800_000)):
        members = [c for c in communes if c["country"] == country]
        scale = total / sum(c["pop"] for c in members)
        for c in members:
            c["pop"] = max(1, int(round(c["pop"] * scale)))

    # France: 94 mainland départements (01-95 without 20) and 2A/2B, by nearest seed.
    fr = [c for c in communes if c["country"] == "FR"]
    corsica = [c for c in fr if point_in_polygon(c["lon"], c["lat"], CORSICA)]
    mainland = [c for c in fr if not point_in_polygon(c["lon"], c["lat"], CORSICA)]
    pts = [(c["x"], c["y"]) for c in mainland]
    seeds = lloyd(pts, [pts[i] for i in sorted(rng.sample(range(len(pts)), 94))])
    # numbered as INSEE does, roughly alphabetical: here north-west to south-east
    order = sorted(range(94), key=lambda i: (-(seeds[i][1]) + seeds[i][0] * 0.3))
    numbers = [f"{n:02d}" for n in range(1, 96) if n != 20]
    dept_of_seed = {i: numbers[rank] for rank, i in enumerate(order)}
    for c, g in zip(mainland, balanced_groups(pts, seeds, 900)):
        c["dept"] = dept_of_seed[g]
    for c in corsica:
        c["dept"] = "2A" if c["lat"] < 42.2 else "2B"
    by_dept = {}
    for c in fr:
        by_dept.setdefault(c["dept"], []).append(c)
    arrondissements = []   # (country, code, nl, fr, prefix)
    epci_total = 0
    used_names = set()
    for dept, members in sorted(by_dept.items()):
        r = random.Random(f"{args.seed}-{dept}")
        for c in members:
            c["name"] = unique(fr_name(r), used_names)
        members.sort(key=lambda c: c["name"])
        if len(members) > 999:
            sys.exit(f"département {dept} has {len(members)} communes: more than 3 digits hold")
        for i, c in enumerate(members, 1):
            c["code"] = f"{dept}{i:03d}"
        pts = [(c["x"], c["y"]) for c in members]
        n_arr = max(1, min(9, round(len(members) / 110)))
        arr_seeds = [pts[i] for i in sorted(r.sample(range(len(pts)), n_arr))]
        for c, g in zip(members, nearest_groups(pts, arr_seeds)):
            c["arr"] = f"{dept}{g + 1}"
        for g in range(n_arr):
            capital = max((c for c in members if c["arr"] == f"{dept}{g + 1}"),
                          key=lambda c: c["pop"], default=None)
            if capital:
                arrondissements.append(("FR", f"{dept}{g + 1}", capital["name"], capital["name"], ""))
        n_epci = max(1, round(len(members) / 28))
        epci_seeds = [pts[i] for i in sorted(r.sample(range(len(pts)), n_epci))]
        for c, g in zip(members, nearest_groups(pts, epci_seeds)):
            c["epci"] = f"2{int(dept.replace('A', '0').replace('B', '1')):02d}{g:06d}"[:9]
        epci_total += n_epci
        for g in range(n_epci):
            group = [c for c in members if c["epci"].endswith(f"{g:06d}")]
            if group:
                head = max(group, key=lambda c: c["pop"])
                for c in group:
                    c["epci_name"] = f"CC de {head['name']}"

    # Belgium: 43 arrondissements by nearest seed, Flemish codes north of the language border.
    be = [c for c in communes if c["country"] == "BE"]
    for c in be:
        if abs(c["lon"] - BRUSSELS[0]) < 0.12 and abs(c["lat"] - BRUSSELS[1]) < 0.08:
            c["arr"], c["flemish"] = "21", True
    for want_flemish in (True, False):
        members = [c for c in be if "arr" not in c
                   and north_of_language_border(c["lon"], c["lat"]) == want_flemish]
        codes = [a for a in BE_ARRONDISSEMENTS if (a[0] in FLEMISH_ARR) == want_flemish]
        pts = [(c["x"], c["y"]) for c in members]
        seeds = [pts[i] for i in sorted(rng.sample(range(len(pts)), min(len(codes), len(pts))))]
        order = sorted(range(len(seeds)), key=lambda i: (-seeds[i][1], seeds[i][0]))
        for c, g in zip(members, nearest_groups(pts, seeds)):
            c["arr"] = codes[order.index(g)][0]
            c["flemish"] = want_flemish
    by_arr = {}
    for c in be:
        by_arr.setdefault(c["arr"], []).append(c)
    for code, nl, fr_, in BE_ARRONDISSEMENTS:
        arrondissements.append(("BE", code + "000", nl, fr_, code))
    for arr, members in sorted(by_arr.items()):
        r = random.Random(f"{args.seed}-BE-{arr}")
        members.sort(key=lambda c: (-c["lat"], c["lon"]))
        for i, c in enumerate(members, 1):
            c["code"] = f"{arr}{i:03d}"
            nl = unique(nl_name(r), used_names)
            frn = unique(fr_name(r), used_names)
            if arr == "21":       # Brussels: two official names
                c["name"], c["name_nl"], c["name_fr"] = nl, nl, frn
            elif c["flemish"]:
                c["name"], c["name_nl"], c["name_fr"] = nl, nl, None
            else:
                c["name"], c["name_nl"], c["name_fr"] = frn, None, frn

    # --- boundaries
    flemish, walloon, fr_features, parts = [], [], [], []
    for c in communes:
        ring = rings.ring(c["x"], c["y"], c["s"])
        if c["country"] == "FR":
            fr_features.append(files.insee_feature(c["code"], c["name"], ring))
        elif c["flemish"]:
            flemish.append(files.geoitem_feature(c["code"], c["name"], ring))
        else:
            walloon.append(files.walloon_feature(c["code"], c["name"], c["name_nl"], ring))
        parts += files.section_features(c["code"], parts_of.get((c["x"], c["y"], c["s"]), []), rings,
                                        lambda letter: f"{c['name']} (Dg.)" if letter == "A"
                                        else f"{c['name']}-{letter}")
    files.write_collection(os.path.join(out, FLEMISH_COMMUNES), flemish)
    files.write_collection(os.path.join(out, WALLOON_COMMUNES), walloon)
    files.write_collection(os.path.join(out, DEELGEMEENTEN), parts)
    files.write_collection(os.path.join(out, files.FR_COMMUNES), fr_features)

    # --- attributes and populations
    files.write_arrondissements(out, arrondissements)
    fr_by_code = sorted(fr, key=lambda c: c["code"])
    files.write_commune_attributes(out, fr_by_code, arrondissements)
    files.write_fr_population(out, fr_by_code,
                              lambda c: random.Random(f"g{c['code']}").gauss(0.003, 0.008))
    files.write_be_population(out, be, lambda c: random.Random(f"g{c['code']}").gauss(0.004, 0.006),
                              foreign_share=0.08)

    # --- services
    counts = files.write_services(
        out, communes, args.services, rng, to_lonlat,
        ids={"FR": "B{:08d}".format, "BE": "BE{:08d}".format, "OSM": "node/{}".format},
        words=lambda c: files.WORDS_NL if c.get("flemish") else files.WORDS_FR,
        street=lambda c: "Kerkstraat" if c.get("flemish") else "Rue de l’Église",
        postcode=lambda c: str(1000 + int(c["code"]) % 9000))

    write_manifest(out)
    n_fr, n_be = len(fr), len(be)
    areas = sorted(c["area"] for c in communes)
    pops = sorted(c["pop"] for c in communes)
    print(f"{len(communes)} communes ({n_fr} FR in {len(by_dept)} départements, {n_be} BE, "
          f"{len(parts)} sub-municipalities, {epci_total} EPCI); area km² median "
          f"{areas[len(areas) // 2]:.1f}, p99 {areas[int(len(areas) * 0.99)]:.0f}, max {areas[-1]:.0f}; "
          f"population median {pops[len(pops) // 2]}, max {pops[-1]}; services FR {counts['FR']}, "
          f"BE {counts['BE']}, bus stops {counts['OSM']}; {time.time() - started:.0f} s",
          file=sys.stderr)


FLEMISH_COMMUNES = "boundaries/be_vlaanderen_gemeenten.geojson"
WALLOON_COMMUNES = "boundaries/be_wallonie_communes.geojson"
DEELGEMEENTEN = "boundaries/be_deelgemeenten.geojson"

MANIFEST_HEAD = """# Generated by benches/generate_national.py: a synthetic national release of France and
# Belgium in the formats of the Westhoek sources. Paths are relative to this folder.
name = "National synthetic release (generated)"
data_dir = "."

[region]
id = "national"
name_nl = "België en Frankrijk (gegenereerd)"
name_fr = "Belgique et France (générées)"
name_en = "Belgium and France (generated)"

[area.BE]
prefixes = ["1", "2", "3", "4", "5", "6", "7", "8", "9"]
[area.FR]
prefixes = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]
"""


def write_manifest(out):
    files.write_manifest(os.path.join(out, "national.toml"), MANIFEST_HEAD, [
        files.source("flemish_communes", "be-gemeenten",
                     "Flemish and Brussels municipalities (generated)", FLEMISH_COMMUNES),
        files.source("walloon_communes", "be-communes-wallonie",
                     "Walloon municipalities (generated)", WALLOON_COMMUNES),
        files.source("fr_communes", "fr-communes",
                     "Communes of France (generated)"),
        files.source("sections", "be-deelgemeenten",
                     "Belgian sub-municipalities (generated)", DEELGEMEENTEN),
        files.source("fr_communes_cog", "fr-communes-cog",
                     "Communes of France with arrondissement and EPCI (generated)"),
        files.source("be_population", "be-population",
                     "Population on 1 January, Belgium, 2009-2025 (generated)"),
        files.source("fr_population", "fr-population",
                     "Populations of French communes by COG vintage (generated)"),
        files.source("bpe_points", "fr-bpe-points",
                     "Equipment points of France, BPE-like (generated)"),
        files.source("be_services", "be-services",
                     "Services of Belgium typed in words (generated)"),
        files.source("osm_bus_stops", "osm-bus-stops",
                     "Bus stops of France and Belgium, OpenStreetMap-like (generated)"),
    ])


if __name__ == "__main__":
    main()
