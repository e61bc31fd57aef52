//! Finding the commune a longitude/latitude point lies in, and whether it lies within the
//! study area's 5 km margin, in Rust while the file streams: the already subdivided
//! `commune_part` and `study_area_part` polygons are read once from PostGIS (coordinates
//! as exact binary doubles) into R-trees of their bounding boxes, and each point is tested
//! against the few pieces whose box holds it (boundary included, as `ST_Intersects`).

use geo::{Coord, Intersects, LineString, Polygon};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, AABB};
use sqlx::PgConnection;

use crate::IngestError;

/// The commune a point lies in: country (ISO 3166-1 alpha-2) and code.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Commune {
    pub country: String,
    pub code: String,
}

/// Where a point lies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place<'a> {
    /// In this commune.
    In(&'a Commune),
    /// In no commune, but within 5 km of the study area: kept for cross-border access.
    Margin,
    /// More than 5 km from the study area: rejected.
    Far,
}

/// Polygons indexed by their bounding boxes, each with a value.
struct Pieces<T> {
    tree: RTree<GeomWithData<Rectangle<[f64; 2]>, usize>>,
    polygons: Vec<(Polygon<f64>, T)>,
}

impl<T> Pieces<T> {
    fn new(polygons: Vec<(Polygon<f64>, T)>) -> Self {
        let boxes = polygons
            .iter()
            .enumerate()
            .filter_map(|(i, (polygon, _))| {
                let rect = geo::BoundingRect::bounding_rect(polygon)?;
                Some(GeomWithData::new(
                    Rectangle::from_corners(
                        [rect.min().x, rect.min().y],
                        [rect.max().x, rect.max().y],
                    ),
                    i,
                ))
            })
            .collect();
        Pieces {
            tree: RTree::bulk_load(boxes),
            polygons,
        }
    }

    /// The least value of the pieces that hold the point (boundary included): a point on
    /// a shared border, or where two sources' outlines overlap, gets the same answer
    /// whatever the order of the tree.
    fn find(&self, x: f64, y: f64) -> Option<&T>
    where
        T: Ord,
    {
        let point = Coord { x, y };
        self.tree
            .locate_in_envelope_intersecting(&AABB::from_point([x, y]))
            .map(|piece| &self.polygons[piece.data])
            .filter(|(polygon, _)| polygon.intersects(&point))
            .map(|(_, value)| value)
            .min()
    }
}

/// The communes and the widened study area, ready to locate points in EPSG:4326.
pub struct Locator {
    communes: Pieces<Commune>,
    area: Pieces<()>,
}

/// One ring of a polygon piece, as `sql/*_rings.sql` return it.
#[derive(sqlx::FromRow)]
struct Ring {
    part: i64,
    country: Option<String>,
    code: Option<String>,
    xs: Vec<f64>,
    ys: Vec<f64>,
}

impl Locator {
    /// Reads the pieces of the communes and of the widened study area from the database.
    pub async fn load(tx: &mut PgConnection) -> Result<Locator, IngestError> {
        let db = IngestError::database;
        let communes: Vec<Ring> = sqlx::query_as(include_str!("sql/commune_part_rings.sql"))
            .fetch_all(&mut *tx)
            .await
            .map_err(db("reading the communes to locate services"))?;
        let area: Vec<Ring> = sqlx::query_as(include_str!("sql/study_area_part_rings.sql"))
            .fetch_all(&mut *tx)
            .await
            .map_err(db("reading the study area to locate services"))?;
        let communes = polygons(communes)
            .into_iter()
            .filter_map(|(polygon, country, code)| {
                Some((
                    polygon,
                    Commune {
                        country: country?,
                        code: code?,
                    },
                ))
            })
            .collect();
        let area = polygons(area)
            .into_iter()
            .map(|(polygon, _, _)| (polygon, ()))
            .collect();
        Ok(Locator {
            communes: Pieces::new(communes),
            area: Pieces::new(area),
        })
    }

    /// Where the point (longitude, latitude) lies.
    pub fn place(&self, x: f64, y: f64) -> Place<'_> {
        if let Some(commune) = self.communes.find(x, y) {
            Place::In(commune)
        } else if self.area.find(x, y).is_some() {
            Place::Margin
        } else {
            Place::Far
        }
    }
}

/// A polygon piece being assembled from its rings.
struct Assembling {
    part: i64,
    exterior: LineString<f64>,
    holes: Vec<LineString<f64>>,
    country: Option<String>,
    code: Option<String>,
}

impl Assembling {
    fn finish(self) -> (Polygon<f64>, Option<String>, Option<String>) {
        (
            Polygon::new(self.exterior, self.holes),
            self.country,
            self.code,
        )
    }
}

/// Rings in order (exterior first, per piece) to polygons with their commune.
fn polygons(rings: Vec<Ring>) -> Vec<(Polygon<f64>, Option<String>, Option<String>)> {
    let mut out = Vec::new();
    let mut current: Option<Assembling> = None;
    for ring in rings {
        let line: LineString<f64> = ring
            .xs
            .iter()
            .zip(&ring.ys)
            .map(|(&x, &y)| Coord { x, y })
            .collect();
        match &mut current {
            Some(piece) if piece.part == ring.part => piece.holes.push(line),
            _ => {
                out.extend(current.take().map(Assembling::finish));
                current = Some(Assembling {
                    part: ring.part,
                    exterior: line,
                    holes: Vec::new(),
                    country: ring.country,
                    code: ring.code,
                });
            }
        }
    }
    out.extend(current.map(Assembling::finish));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(x0: f64, y0: f64, size: f64) -> Polygon<f64> {
        Polygon::new(
            LineString::from(vec![
                (x0, y0),
                (x0 + size, y0),
                (x0 + size, y0 + size),
                (x0, y0 + size),
                (x0, y0),
            ]),
            vec![],
        )
    }

    #[test]
    fn a_point_is_in_its_piece_on_the_boundary_too_and_nowhere_else() {
        let a = Commune {
            country: "BE".into(),
            code: "33011".into(),
        };
        let b = Commune {
            country: "FR".into(),
            code: "59183".into(),
        };
        let locator = Locator {
            communes: Pieces::new(vec![
                (square(0.0, 0.0, 1.0), a.clone()),
                (square(1.0, 0.0, 1.0), b.clone()),
            ]),
            area: Pieces::new(vec![(square(-0.5, -0.5, 3.0), ())]),
        };
        assert_eq!(locator.place(0.5, 0.5), Place::In(&a));
        assert_eq!(locator.place(1.5, 0.999), Place::In(&b));
        assert_eq!(locator.place(0.0, 0.3), Place::In(&a));
        // on the shared edge: the least of the two, whatever the tree's order
        assert_eq!(locator.place(1.0, 0.5), Place::In(&a));
        assert_eq!(locator.place(-0.2, 0.3), Place::Margin);
        assert_eq!(locator.place(2.6, 0.3), Place::Far);
    }

    #[test]
    fn rings_of_one_piece_make_one_polygon_with_its_holes() {
        let ring = |part, xs: Vec<f64>, ys: Vec<f64>| Ring {
            part,
            country: Some("BE".into()),
            code: Some(format!("{part}")),
            xs,
            ys,
        };
        let pieces = polygons(vec![
            ring(1, vec![0., 4., 4., 0., 0.], vec![0., 0., 4., 4., 0.]),
            ring(1, vec![1., 2., 2., 1., 1.], vec![1., 1., 2., 2., 1.]),
            ring(2, vec![5., 6., 6., 5., 5.], vec![0., 0., 1., 1., 0.]),
        ]);
        assert_eq!(pieces.len(), 2);
        assert_eq!(pieces[0].0.interiors().len(), 1);
        assert!(!pieces[0].0.intersects(&Coord { x: 1.5, y: 1.5 }));
        assert!(pieces[0].0.intersects(&Coord { x: 3.0, y: 3.0 }));
        assert_eq!(pieces[1].2.as_deref(), Some("2"));
    }
}
