//! Geometries in Web Mercator metres turned into a tile's drawing commands: moved into the
//! tile's coordinates, clipped to the tile and its buffer, snapped to the integer grid and,
//! for polygons, made valid on that grid (rings that neither cross nor touch, exterior
//! rings of positive area and holes of negative area, as specification 2.1 requires).

use geo_traits::{
    CoordTrait, GeometryTrait, GeometryType, LineStringTrait, LineTrait, MultiLineStringTrait,
    MultiPointTrait, MultiPolygonTrait, PointTrait, PolygonTrait,
};
use i_overlay::core::fill_rule::FillRule;
use i_overlay::core::overlay::{Overlay, ShapeType};
use i_overlay::core::overlay_rule::OverlayRule;
use i_overlay::i_float::int::point::IntPoint;

use super::proto::GeomType;
use super::{BUFFER, EXTENT};

/// Half the width of the Web Mercator world, in metres (the bounds `ST_TileEnvelope` uses).
const HALF_WORLD: f64 = 20_037_508.342_789_244;

/// Where a tile lies in Web Mercator metres: the transform into its coordinates, x to the
/// right and y downwards from its top left corner, `EXTENT` units across.
#[derive(Debug, Clone, Copy)]
pub struct TileFrame {
    left: f64,
    top: f64,
    units_per_metre: f64,
}

impl TileFrame {
    pub fn new(z: u8, x: u32, y: u32) -> TileFrame {
        let size = 2.0 * HALF_WORLD / f64::from(z).exp2();
        TileFrame {
            left: -HALF_WORLD + f64::from(x) * size,
            top: HALF_WORLD - f64::from(y) * size,
            units_per_metre: f64::from(EXTENT) / size,
        }
    }

    fn project(&self, c: impl CoordTrait<T = f64>) -> Pt {
        Pt {
            x: (c.x() - self.left) * self.units_per_metre,
            y: (self.top - c.y()) * self.units_per_metre,
        }
    }
}

/// A point in tile coordinates, before snapping.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Pt {
    x: f64,
    y: f64,
}

impl Pt {
    fn snap(self) -> IntPoint {
        // Clipped points lie within the buffer: far inside i32.
        IntPoint::new(self.x.round() as i32, self.y.round() as i32)
    }
}

/// The clipping box: the tile and its buffer, in tile coordinates.
const LOW: f64 = -(BUFFER as f64);
const HIGH: f64 = (EXTENT + BUFFER) as f64;

fn inside(p: Pt) -> bool {
    (LOW..=HIGH).contains(&p.x) && (LOW..=HIGH).contains(&p.y)
}

/// One feature's geometry as the tile stores it.
#[derive(Debug, Clone, PartialEq)]
pub struct TileGeometry {
    pub(super) kind: GeomType,
    pub(super) commands: Vec<u32>,
}

#[derive(Debug, thiserror::Error)]
pub enum GeometryError {
    #[error(
        "a tile feature must be points, lines or polygons, not a {0}: \
         change the layer's query to give one of those"
    )]
    Unsupported(&'static str),
}

/// Turns the geometries of one tile into drawing commands, keeping its working buffers
/// from one feature to the next (a tile of communes repairs dozens of outlines).
pub struct GeometryEncoder {
    frame: TileFrame,
    overlay: Overlay,
    ring: Vec<Pt>,
    /// Working space of the ring's clipping.
    spare: Vec<Pt>,
    snapped: Vec<IntPoint>,
}

impl GeometryEncoder {
    pub fn new(frame: TileFrame) -> GeometryEncoder {
        GeometryEncoder {
            frame,
            overlay: Overlay::new(256),
            ring: Vec::new(),
            spare: Vec::new(),
            snapped: Vec::new(),
        }
    }

    /// The geometry within the tile, or `None` when nothing of it is left there once
    /// clipped and snapped.
    pub fn encode(
        &mut self,
        geometry: &impl GeometryTrait<T = f64>,
    ) -> Result<Option<TileGeometry>, GeometryError> {
        let frame = self.frame;
        Ok(match geometry.as_type() {
            GeometryType::Point(p) => points(p.coord().into_iter().map(|c| frame.project(c))),
            GeometryType::MultiPoint(mp) => points(
                mp.points()
                    .filter_map(|p| p.coord().map(|c| frame.project(c))),
            ),
            GeometryType::Line(l) => lines(std::iter::once(vec![
                frame.project(l.start()),
                frame.project(l.end()),
            ])),
            GeometryType::LineString(ls) => lines(std::iter::once(projected(&frame, ls))),
            GeometryType::MultiLineString(mls) => {
                lines(mls.line_strings().map(|ls| projected(&frame, &ls)))
            }
            GeometryType::Polygon(p) => {
                self.overlay.clear();
                self.add_rings(p);
                self.polygons()
            }
            GeometryType::MultiPolygon(mp) => {
                self.overlay.clear();
                for p in mp.polygons() {
                    self.add_rings(&p);
                }
                self.polygons()
            }
            GeometryType::Rect(_) => return Err(GeometryError::Unsupported("rectangle")),
            GeometryType::Triangle(_) => return Err(GeometryError::Unsupported("triangle")),
            GeometryType::GeometryCollection(_) => {
                return Err(GeometryError::Unsupported("geometry collection"))
            }
        })
    }

    /// Adds the rings of a polygon, clipped and snapped, to the overlay.
    fn add_rings(&mut self, polygon: &impl PolygonTrait<T = f64>) {
        for ring in polygon.exterior().into_iter().chain(polygon.interiors()) {
            self.ring.clear();
            self.ring
                .extend(ring.coords().map(|c| self.frame.project(c)));
            clip_ring(&mut self.ring, &mut self.spare);
            self.snapped.clear();
            self.snapped.extend(self.ring.iter().map(|p| p.snap()));
            self.snapped.dedup();
            while self.snapped.len() > 1 && self.snapped.first() == self.snapped.last() {
                self.snapped.pop();
            }
            if self.snapped.len() >= 3 {
                self.overlay.add_contour(&self.snapped, ShapeType::Subject);
            }
        }
    }

    /// The polygons of the rings added, made valid on the grid.
    fn polygons(&mut self) -> Option<TileGeometry> {
        // Clipping leaves edges along the box and snapping can make rings cross or touch:
        // resolving the rings' even-odd area on the integer grid gives valid rings,
        // exterior rings counter-clockwise in numbers (positive area, clockwise on screen
        // with y downwards) and holes the other way, collinear points removed.
        let shapes = self
            .overlay
            .overlay(OverlayRule::Subject, FillRule::EvenOdd);
        let mut commands = Commands::default();
        for contour in shapes.iter().flatten() {
            if contour.len() >= 3 {
                commands.move_to(&contour[..1]);
                commands.line_to(&contour[1..]);
                commands.close_path();
            }
        }
        (!commands.is_empty()).then(|| commands.finish(GeomType::Polygon))
    }
}

fn projected(frame: &TileFrame, line: &impl LineStringTrait<T = f64>) -> Vec<Pt> {
    line.coords().map(|c| frame.project(c)).collect()
}

fn points(projected: impl Iterator<Item = Pt>) -> Option<TileGeometry> {
    let kept: Vec<IntPoint> = projected.filter(|&p| inside(p)).map(Pt::snap).collect();
    if kept.is_empty() {
        return None;
    }
    let mut commands = Commands::default();
    commands.move_to(&kept);
    Some(commands.finish(GeomType::Point))
}

fn lines(lines: impl Iterator<Item = Vec<Pt>>) -> Option<TileGeometry> {
    let mut commands = Commands::default();
    for line in lines {
        for piece in clip_line(&line) {
            let mut snapped: Vec<IntPoint> = piece.into_iter().map(Pt::snap).collect();
            snapped.dedup();
            if snapped.len() >= 2 {
                commands.move_to(&snapped[..1]);
                commands.line_to(&snapped[1..]);
            }
        }
    }
    (!commands.is_empty()).then(|| commands.finish(GeomType::Linestring))
}

/// Whether a point lies on the kept side of one side of the box.
type Keeps = fn(Pt) -> bool;
/// Where a segment crosses one side of the box.
type Cut = fn(Pt, Pt) -> Pt;

/// Clips a closed ring to the box in place (Sutherland–Hodgman, one side of the box at a
/// time; `spare` is working space). Where the ring leaves the box and comes back, the
/// result runs along the box's side: such edges enclose no area and the even-odd
/// resolution removes them.
fn clip_ring(ring: &mut Vec<Pt>, spare: &mut Vec<Pt>) {
    if ring.iter().all(|&p| inside(p)) {
        return;
    }
    let sides: [(Keeps, Cut); 4] = [
        (|p| p.x >= LOW, |a, b| at_x(a, b, LOW)),
        (|p| p.x <= HIGH, |a, b| at_x(a, b, HIGH)),
        (|p| p.y >= LOW, |a, b| at_y(a, b, LOW)),
        (|p| p.y <= HIGH, |a, b| at_y(a, b, HIGH)),
    ];
    for (keeps, cut) in sides {
        let Some(&last) = ring.last() else {
            return;
        };
        spare.clear();
        let mut previous = last;
        for &point in ring.iter() {
            match (keeps(previous), keeps(point)) {
                (true, true) => spare.push(point),
                (true, false) => spare.push(cut(previous, point)),
                (false, true) => {
                    spare.push(cut(previous, point));
                    spare.push(point);
                }
                (false, false) => {}
            }
            previous = point;
        }
        std::mem::swap(ring, spare);
    }
}

/// Where segment a–b crosses the vertical line at `x` (a and b on either side of it).
fn at_x(a: Pt, b: Pt, x: f64) -> Pt {
    Pt {
        x,
        y: a.y + (b.y - a.y) * (x - a.x) / (b.x - a.x),
    }
}

/// Where segment a–b crosses the horizontal line at `y` (a and b on either side of it).
fn at_y(a: Pt, b: Pt, y: f64) -> Pt {
    Pt {
        x: a.x + (b.x - a.x) * (y - a.y) / (b.y - a.y),
        y,
    }
}

/// The parts of a line within the box (Liang–Barsky on each segment): a new part starts
/// wherever the line comes back into the box.
fn clip_line(line: &[Pt]) -> Vec<Vec<Pt>> {
    let mut parts = Vec::new();
    let mut part: Vec<Pt> = Vec::new();
    for segment in line.windows(2) {
        let (a, b) = (segment[0], segment[1]);
        match clip_segment(a, b) {
            None => {
                if part.len() >= 2 {
                    parts.push(std::mem::take(&mut part));
                }
                part.clear();
            }
            Some((start, end)) => {
                if start != a || part.is_empty() {
                    if part.len() >= 2 {
                        parts.push(std::mem::take(&mut part));
                    }
                    part.clear();
                    part.push(start);
                }
                part.push(end);
                if end != b {
                    parts.push(std::mem::take(&mut part));
                }
            }
        }
    }
    if part.len() >= 2 {
        parts.push(part);
    }
    parts
}

/// The part of segment a–b within the box, if any.
fn clip_segment(a: Pt, b: Pt) -> Option<(Pt, Pt)> {
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let (mut t0, mut t1) = (0.0_f64, 1.0_f64);
    for (p, q) in [
        (-dx, a.x - LOW),
        (dx, HIGH - a.x),
        (-dy, a.y - LOW),
        (dy, HIGH - a.y),
    ] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else {
            let t = q / p;
            if p < 0.0 {
                t0 = t0.max(t);
            } else {
                t1 = t1.min(t);
            }
        }
    }
    if t0 > t1 {
        return None;
    }
    let at = |t: f64| {
        if t == 0.0 {
            a
        } else if t == 1.0 {
            b
        } else {
            Pt {
                x: a.x + t * dx,
                y: a.y + t * dy,
            }
        }
    };
    Some((at(t0), at(t1)))
}

/// Drawing commands with the cursor they move (section 4.3 of the specification).
#[derive(Debug, Default)]
struct Commands {
    out: Vec<u32>,
    cursor: IntPoint,
}

impl Commands {
    const MOVE_TO: u32 = 1;
    const LINE_TO: u32 = 2;
    const CLOSE_PATH: u32 = 7;

    fn is_empty(&self) -> bool {
        self.out.is_empty()
    }

    fn move_to(&mut self, points: &[IntPoint]) {
        self.command(Self::MOVE_TO, points);
    }

    fn line_to(&mut self, points: &[IntPoint]) {
        self.command(Self::LINE_TO, points);
    }

    fn close_path(&mut self) {
        self.out.push(Self::CLOSE_PATH | (1 << 3));
    }

    fn command(&mut self, id: u32, points: &[IntPoint]) {
        self.out.push(id | ((points.len() as u32) << 3));
        for p in points {
            self.out.push(zigzag(p.x - self.cursor.x));
            self.out.push(zigzag(p.y - self.cursor.y));
            self.cursor = *p;
        }
    }

    fn finish(self, kind: GeomType) -> TileGeometry {
        TileGeometry {
            kind,
            commands: self.out,
        }
    }
}

fn zigzag(v: i32) -> u32 {
    ((v << 1) ^ (v >> 31)) as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{polygon, Coord, Geometry, LineString, Point, Polygon};

    /// The tile 10/0/0 in metres: x from its left edge, y from its top edge, in tile units.
    fn frame_and_metres() -> (TileFrame, impl Fn(f64, f64) -> Coord<f64>) {
        let frame = TileFrame::new(10, 0, 0);
        let size = 2.0 * HALF_WORLD / 1024.0;
        let unit = size / f64::from(EXTENT);
        (frame, move |x: f64, y: f64| Coord {
            x: -HALF_WORLD + x * unit,
            y: HALF_WORLD - y * unit,
        })
    }

    /// The rings of polygon commands, in absolute tile coordinates.
    fn rings(g: &TileGeometry) -> Vec<Vec<(i32, i32)>> {
        assert_eq!(g.kind, GeomType::Polygon);
        let (mut x, mut y) = (0, 0);
        let mut rings = Vec::new();
        let mut i = 0;
        let unzig = |v: u32| ((v >> 1) as i32) ^ -((v & 1) as i32);
        let mut ring = Vec::new();
        while i < g.commands.len() {
            let (id, count) = (g.commands[i] & 7, g.commands[i] >> 3);
            i += 1;
            if id == 7 {
                rings.push(std::mem::take(&mut ring));
                continue;
            }
            for _ in 0..count {
                x += unzig(g.commands[i]);
                y += unzig(g.commands[i + 1]);
                i += 2;
                ring.push((x, y));
            }
        }
        rings
    }

    fn area(ring: &[(i32, i32)]) -> i64 {
        let n = ring.len();
        (0..n)
            .map(|i| {
                let (a, b) = (ring[i], ring[(i + 1) % n]);
                i64::from(a.0) * i64::from(b.1) - i64::from(b.0) * i64::from(a.1)
            })
            .sum::<i64>()
            / 2
    }

    #[test]
    fn the_tile_frame_matches_the_tile_envelope() {
        let frame = TileFrame::new(0, 0, 0);
        let p = frame.project(Coord {
            x: -HALF_WORLD,
            y: HALF_WORLD,
        });
        assert_eq!((p.x, p.y), (0.0, 0.0));
        let q = frame.project(Coord { x: 0.0, y: 0.0 });
        assert!(
            (q.x - 2048.0).abs() < 1e-9 && (q.y - 2048.0).abs() < 1e-9,
            "{q:?}"
        );
        let r = TileFrame::new(14, 8320, 5461).project(Coord {
            x: 313_086.067_856,
            y: 6_679_984.775_898,
        });
        // PostGIS: ST_TileEnvelope(14, 8320, 5461) has xmin 313086.067856, ymax 6679984.775898
        assert!(r.x.abs() < 1e-3 && r.y.abs() < 1e-3, "{r:?}");
    }

    #[test]
    fn a_polygon_inside_keeps_its_vertices_with_a_positive_exterior_and_a_negative_hole() {
        let (frame, m) = frame_and_metres();
        let square = Polygon::new(
            LineString::from(vec![
                m(100., 100.),
                m(100., 300.),
                m(300., 300.),
                m(300., 100.),
            ]),
            vec![LineString::from(vec![
                m(150., 150.),
                m(250., 150.),
                m(250., 250.),
                m(150., 250.),
            ])],
        );
        let g = GeometryEncoder::new(frame)
            .encode(&Geometry::Polygon(square))
            .expect("a polygon")
            .expect("inside the tile");
        let rings = rings(&g);
        assert_eq!(rings.len(), 2);
        assert_eq!(area(&rings[0]), 200 * 200);
        assert_eq!(area(&rings[1]), -100 * 100);
        assert_eq!(rings[0].len(), 4);
    }

    #[test]
    fn a_polygon_larger_than_the_tile_is_cut_to_its_buffer() {
        let (frame, m) = frame_and_metres();
        let big = polygon![
            m(-9000., -9000.),
            m(-9000., 9000.),
            m(9000., 9000.),
            m(9000., -9000.)
        ];
        let g = GeometryEncoder::new(frame)
            .encode(&Geometry::Polygon(big))
            .expect("a polygon")
            .expect("covers the tile");
        let rings = rings(&g);
        assert_eq!(rings.len(), 1);
        let side = i64::from(EXTENT + 2 * BUFFER);
        assert_eq!(area(&rings[0]), side * side);
        assert!(rings[0]
            .iter()
            .all(|&(x, y)| (x == -64 || x == 4160) && (y == -64 || y == 4160)));
    }

    #[test]
    fn a_ring_leaving_the_tile_and_coming_back_leaves_no_edge_along_the_buffer() {
        // A C whose back lies outside the tile's left side: clipping alone joins its two
        // arms by an edge along the buffer's side, across the gap between them.
        let (frame, m) = frame_and_metres();
        let c = polygon![
            m(200., 100.),
            m(200., 200.),
            m(-400., 200.),
            m(-400., 300.),
            m(200., 300.),
            m(200., 400.),
            m(-500., 400.),
            m(-500., 100.)
        ];
        let g = GeometryEncoder::new(frame)
            .encode(&Geometry::Polygon(c))
            .expect("a polygon")
            .expect("in the tile");
        let rings = rings(&g);
        assert_eq!(rings.len(), 2, "{rings:?}");
        for ring in &rings {
            assert_eq!(area(ring), 264 * 100, "{ring:?}");
            let coords: Vec<Coord<f64>> = ring
                .iter()
                .map(|&(x, y)| Coord {
                    x: f64::from(x),
                    y: f64::from(y),
                })
                .collect();
            use geo::Validation;
            assert!(Polygon::new(LineString::from(coords), vec![]).is_valid());
        }
    }

    #[test]
    fn a_polygon_snapped_to_a_point_is_left_out() {
        let (frame, m) = frame_and_metres();
        let tiny = polygon![m(10.1, 10.1), m(10.2, 10.1), m(10.2, 10.2)];
        assert_eq!(
            GeometryEncoder::new(frame)
                .encode(&Geometry::Polygon(tiny))
                .expect("a polygon"),
            None
        );
    }

    #[test]
    fn points_outside_the_buffer_are_left_out() {
        let (frame, m) = frame_and_metres();
        let inside = GeometryEncoder::new(frame)
            .encode(&Geometry::Point(Point(m(10.4, 20.6))))
            .expect("a point")
            .expect("inside");
        assert_eq!(inside.kind, GeomType::Point);
        assert_eq!(inside.commands, vec![1 | (1 << 3), zigzag(10), zigzag(21)]);
        let outside = GeometryEncoder::new(frame).encode(&Geometry::Point(Point(m(-65., 20.))));
        assert_eq!(outside.expect("a point"), None);
    }

    #[test]
    fn a_line_through_the_tile_is_cut_where_it_leaves_and_comes_back() {
        let (frame, m) = frame_and_metres();
        // In at the left, out at the top, in again at the top, ending inside.
        let line = LineString::from(vec![
            m(-1000., 1000.),
            m(1000., 1000.),
            m(1000., -1000.),
            m(2000., -1000.),
            m(2000., 1000.),
        ]);
        let g = GeometryEncoder::new(frame)
            .encode(&Geometry::LineString(line))
            .expect("a line")
            .expect("in the tile");
        assert_eq!(g.kind, GeomType::Linestring);
        // Two parts: MoveTo(1) LineTo(2), then MoveTo(1) LineTo(1).
        assert_eq!(
            g.commands,
            vec![
                1 | (1 << 3),
                zigzag(-64),
                zigzag(1000),
                2 | (2 << 3),
                zigzag(1064),
                zigzag(0),
                zigzag(0),
                zigzag(-1064),
                1 | (1 << 3),
                zigzag(1000),
                zigzag(0),
                2 | (1 << 3),
                zigzag(0),
                zigzag(1064),
            ]
        );
    }

    #[test]
    fn a_geometry_collection_is_refused() {
        let frame = TileFrame::new(0, 0, 0);
        let collection = Geometry::GeometryCollection(geo::GeometryCollection::default());
        assert!(GeometryEncoder::new(frame).encode(&collection).is_err());
    }
}
