//! Hostile and broken data files: every reader of the ingest (GeoJSON feature collections,
//! CSV in UTF-8 and Latin-1 with `,` and `;`, the manifest, the quick import of one file)
//! refuses them with an error naming the file, the line or feature and the field, never
//! panics, and leaves every table of the database exactly as it was.

use std::path::{Path, PathBuf};

use observatory_ingest::{IngestError, IngestOptions, QuickImport};
use observatory_tests::{
    ingest_westhoek, lonlat_csv_import, shared_data, westhoek_manifest, TestDb,
};
use sqlx::PgPool;

/// Every table of the schema: its row count and a checksum of its rows.
async fn fingerprint(pool: &PgPool) -> anyhow::Result<Vec<(String, i64, String)>> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT format('%I.%I', schemaname, tablename) FROM pg_tables
         WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1",
    )
    .fetch_all(pool)
    .await?;
    let mut out = Vec::new();
    for table in tables {
        let (count, sum): (i64, Option<String>) = sqlx::query_as(&format!(
            "SELECT count(*), md5(string_agg(t::text, '|' ORDER BY t::text)) FROM {table} t"
        ))
        .fetch_one(pool)
        .await?;
        out.push((table, count, sum.unwrap_or_default()));
    }
    Ok(out)
}

/// A data folder of the test's own: links to the real data's folders, and `broken/` for
/// the test's files (a source's path must lie inside the data folder).
fn data_dir(dir: &Path) -> anyhow::Result<PathBuf> {
    let data = dir.join("data");
    std::fs::create_dir_all(data.join("broken"))?;
    for sub in ["boundaries", "population", "services"] {
        std::os::unix::fs::symlink(shared_data().canonicalize()?.join(sub), data.join(sub))?;
    }
    Ok(data)
}

/// The Westhoek manifest in `dir`, its facts made absolute, `data_dir` the test's own,
/// with `edit` applied to its table.
fn manifest(dir: &Path, edit: impl FnOnce(&mut toml::Table)) -> anyhow::Result<PathBuf> {
    let mut table: toml::Table = toml::from_str(&std::fs::read_to_string(westhoek_manifest())?)?;
    table.insert(
        "data_dir".into(),
        toml::Value::String(dir.join("data").display().to_string()),
    );
    let facts_dir = westhoek_manifest()
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    if let Some(facts) = table.get_mut("facts").and_then(toml::Value::as_table_mut) {
        for (_, path) in facts.iter_mut() {
            if let Some(p) = path.as_str() {
                *path = toml::Value::String(facts_dir.join(p).display().to_string());
            }
        }
    }
    edit(&mut table);
    let path = dir.join("manifest.toml");
    std::fs::write(&path, toml::to_string(&table)?)?;
    Ok(path)
}

/// The manifest's `[region]` table.
fn region(table: &mut toml::Table) -> &mut toml::Table {
    match table.get_mut("region") {
        Some(toml::Value::Table(region)) => region,
        _ => panic!("the Westhoek manifest has a [region]"),
    }
}

/// The source `id` of a manifest table.
fn source<'t>(table: &'t mut toml::Table, id: &str) -> &'t mut toml::Table {
    table
        .get_mut("source")
        .and_then(toml::Value::as_array_mut)
        .and_then(|sources| {
            sources
                .iter_mut()
                .filter_map(toml::Value::as_table_mut)
                .find(|s| s.get("id").and_then(toml::Value::as_str) == Some(id))
        })
        .unwrap_or_else(|| panic!("no source {id}"))
}

/// Runs the ingest of `manifest`, expecting a failure; checks that nothing changed and
/// returns the error's text.
async fn refused(pool: &PgPool, manifest: PathBuf) -> anyhow::Result<(IngestError, String)> {
    let before = fingerprint(pool).await?;
    let options = IngestOptions {
        manifest,
        data_dir: None,
        progress: false,
    };
    let error = match observatory_ingest::run(pool, &options).await {
        Ok(_) => anyhow::bail!("the ingest succeeded"),
        Err(e) => e,
    };
    let message = error.to_string();
    assert!(
        fingerprint(pool).await? == before,
        "the database changed after: {message}"
    );
    Ok((error, message))
}

/// One broken file standing for the source `id`; `expected` must all be in the error.
struct Case {
    source: &'static str,
    file: &'static str,
    bytes: Vec<u8>,
    /// Extra keys of the source (delimiter, encoding).
    keys: &'static [(&'static str, &'static str)],
    expected: &'static [&'static str],
}

fn case(
    source: &'static str,
    file: &'static str,
    bytes: impl Into<Vec<u8>>,
    expected: &'static [&'static str],
) -> Case {
    Case {
        source,
        file,
        bytes: bytes.into(),
        keys: &[],
        expected,
    }
}

const SQUARE: &str = "[[[2.8,50.8],[2.9,50.8],[2.9,50.9],[2.8,50.9],[2.8,50.8]]]";

fn commune(code: &str, geometry: &str) -> String {
    format!(
        r#"{{"type":"Feature","properties":{{"geoitem":{code},"naam":"Ieper"}},"geometry":{geometry}}}"#
    )
}

fn collection(features: &[String]) -> String {
    format!(
        r#"{{"type":"FeatureCollection","features":[{}]}}"#,
        features.join(",")
    )
}

fn polygon() -> String {
    format!(r#"{{"type":"Polygon","coordinates":{SQUARE}}}"#)
}

const POPULATION_HEADER: &str = "year,CD_REFNIS,TX_DESCR_NL,TX_DESCR_FR,total\n";

fn latin1(text: &str) -> Vec<u8> {
    encoding_rs::WINDOWS_1252.encode(text).0.into_owned()
}

fn cases() -> Vec<Case> {
    let good = commune("\"33011\"", &polygon());
    let real =
        std::fs::read_to_string(shared_data().join("boundaries/be_wvl_gemeenten_2025.geojson"))
            .unwrap_or_default();
    let half = real.len() / 2;
    let deep = format!(
        r#"{{"type":"Polygon","coordinates":{}0{}}}"#,
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let mut long_line = POPULATION_HEADER.as_bytes().to_vec();
    long_line.extend_from_slice(b"2024,33011,Ieper,Ypres,35000\n2024,33021,");
    long_line.resize(long_line.len() + (64 << 20), b'x');
    long_line.extend_from_slice(b",Poperinge,1\n");
    vec![
        // GeoJSON boundaries
        case("be-gemeenten-2025", "cut.geojson", real.get(..half).unwrap_or_default(), &["cut.geojson, feature", "cut short"]),
        case("be-gemeenten-2025", "cut_early.geojson", r#"{"type":"FeatureCollection","feat"#, &["cut_early.geojson", "cut short"]),
        case("be-gemeenten-2025", "object_code.geojson", collection(&[commune(r#"{"nl":"33011"}"#, &polygon())]), &["feature 0, field `geoitem`", "found an object"]),
        case("be-gemeenten-2025", "huge_code.geojson", collection(&[commune("99999999999999999999", &polygon())]), &["feature 0, field `geoitem`", "1e+20"]),
        case("be-gemeenten-2025", "string_coordinate.geojson", collection(&[commune("\"33011\"", r#"{"type":"Polygon","coordinates":[[["2.8",50.8],[2.9,50.8],[2.9,50.9],[2.8,50.8]]]}"#)]), &["feature 0", "Expected a floating-point value"]),
        case("be-gemeenten-2025", "overflow.geojson", collection(&[commune("\"33011\"", r#"{"type":"Polygon","coordinates":[[[1e400,50.8],[2.9,50.8],[2.9,50.9],[2.8,50.8]]]}"#)]), &["feature 0", "number out of range"]),
        case("be-gemeenten-2025", "far.geojson", collection(&[commune("\"33011\"", r#"{"type":"Polygon","coordinates":[[[450000,50.8],[450001,50.8],[450001,50.9],[450000,50.8]]]}"#)]), &["feature 0 (code 33011), field `geometry`", "outside longitude/latitude range"]),
        case("be-gemeenten-2025", "deep.geojson", collection(&[commune("\"33011\"", &deep)]), &["feature 0", "recursion limit exceeded"]),
        case("be-gemeenten-2025", "point.geojson", collection(&[good.clone(), commune("\"33021\"", r#"{"type":"Point","coordinates":[2.7,50.8]}"#)]), &["feature 1 (code 33021), field `geometry`", "found a Point"]),
        case("be-gemeenten-2025", "collection.geojson", collection(&[commune("\"33021\"", &format!(r#"{{"type":"GeometryCollection","geometries":[{}]}}"#, polygon()))]), &["feature 0 (code 33021), field `geometry`", "found a GeometryCollection"]),
        case("be-gemeenten-2025", "null.geojson", collection(&[good.clone(), commune("\"33021\"", "null")]), &["feature 1 (code 33021), field `geometry`", "no geometry"]),
        case("be-gemeenten-2025", "joined.geojson", format!("{real}\u{feff}{real}"), &["joined.geojson", "trailing characters", "byte order mark"]),
        case("be-gemeenten-2025", "empty.geojson", "", &["empty.geojson", "the file is empty"]),
        case("be-deelgemeenten-2025", "none.geojson", collection(&[]), &["none.geojson", "holds no record"]),
        case("be-gemeenten-2025", "twice.geojson", collection(&[good.clone(), good.clone()]), &["feature 1 (code 33011), field `geoitem`", "already defined"]),
        case("be-gemeenten-2025", "feature.geojson", good.clone(), &["feature.geojson", "found a Feature"]),
        case("be-deelgemeenten-2025", "parts_twice.geojson", {
            let part = format!(r#"{{"type":"Feature","properties":{{"geoitem":"33011A","naam":"Ieper"}},"geometry":{}}}"#, polygon());
            collection(&[part.clone(), part])
        }, &["feature 1 (code 33011A), field `geoitem`", "already given by feature 0"]),
        // CSV, UTF-8 and `,`
        case("be-population-statbel", "cut.csv", format!("{POPULATION_HEADER}2024,33011,Ieper,Ypres,35000\n2024,33021,Pop"), &["cut.csv, line 3", "found record with 3 fields"]),
        case("be-population-statbel", "huge_population.csv", format!("{POPULATION_HEADER}2024,33011,Ieper,Ypres,99999999999999999999\n"), &["line 2, field `total`", "not a whole number"]),
        case("be-population-statbel", "huge_code.csv", format!("{POPULATION_HEADER}2024,99999999999999999999,Ieper,Ypres,35000\n"), &["line 2, field `CD_REFNIS`"]),
        case("be-population-statbel", "nan.csv", format!("{POPULATION_HEADER}2024,33011,Ieper,Ypres,NaN\n2024,33021,P,P,inf\n"), &["line 2, field `total`", "\"NaN\""]),
        case("be-population-statbel", "year.csv", format!("{POPULATION_HEADER}1e400,33011,Ieper,Ypres,35000\n"), &["line 2, field `year`"]),
        case("be-population-statbel", "header.csv", POPULATION_HEADER, &["header.csv", "holds no record"]),
        case("be-population-statbel", "empty.csv", "", &["empty.csv", "the file is empty"]),
        case("be-population-statbel", "long.csv", long_line, &["long.csv, line 3", "longer than 1 MiB"]),
        case("be-population-statbel", "joined.csv", format!("\u{feff}{POPULATION_HEADER}2024,33011,Ieper,Ypres,35000\n\u{feff}{POPULATION_HEADER}"), &["joined.csv, line 3, field `year`", "byte order mark"]),
        Case {
            keys: &[("measure_fields", "ticket_vending_machine")],
            ..case("be-rail-facilities", "facilities.csv", "URI,ticket_vending_machine\nhttp://irail.be/stations/NMBS/008892007,NaN\n", &["line 2, field `ticket_vending_machine`", "not a finite number"])
        },
        Case {
            keys: &[("measure_fields", "average_weekday_embarkments")],
            ..case("be-rail-embarkments-2023", "embarkments.csv", "URI,average_weekday_embarkments\nhttp://irail.be/stations/NMBS/008892007,1e400\n", &["line 2, field `average_weekday_embarkments`", "not a finite number"])
        },
        case("fr-bpe-2009", "bpe.csv", "INSEECOM,Total de NB_EQUIP,Bureau de poste\n59183,1,99999999999999999999\n", &["line 2, field `Bureau de poste`", "is not a count"]),
        // CSV, Latin-1 and `;`
        Case {
            keys: &[("delimiter", ";"), ("encoding", "latin-1")],
            ..case("be-population-statbel", "latin1.csv", latin1("year;CD_REFNIS;TX_DESCR_NL;TX_DESCR_FR;total\n2024;33011;Ieper;Ypres;35000\n2024;33021;Poperinge;Poperinghe;{\"n\":1}\n"), &["latin1.csv, line 3, field `total`", "not a whole number"])
        },
        Case {
            keys: &[("delimiter", ";"), ("encoding", "latin-1")],
            ..case("be-population-statbel", "utf8_bom.csv", "\u{feff}year;CD_REFNIS;TX_DESCR_NL;TX_DESCR_FR;total\n", &["utf8_bom.csv, line 1", "not Latin-1"])
        },
        Case {
            keys: &[("delimiter", ";"), ("encoding", "latin-1")],
            ..case("be-population-statbel", "latin1_cut.csv", latin1("year;CD_REFNIS;TX_DESCR_NL;TX_DESCR_FR;total\n2024;33011;Ieper;Ypres;35000\n2024;33021;Poperinge;Popéri"), &["latin1_cut.csv, line 3", "found record with 4 fields"])
        },
    ]
}

#[tokio::test]
async fn broken_source_files_of_a_manifest_change_nothing() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    let dir = tempfile::tempdir()?;
    data_dir(dir.path())?;
    let mut failures = Vec::new();
    for case in cases() {
        let relative = format!("broken/{}", case.file);
        std::fs::write(dir.path().join("data").join(&relative), &case.bytes)?;
        let manifest = manifest(dir.path(), |table| {
            let source = source(table, case.source);
            source.insert("path".into(), toml::Value::String(relative.clone()));
            for (key, value) in case.keys {
                let value = toml::Value::String((*value).into());
                let value = if *key == "measure_fields" {
                    toml::Value::Array(vec![value])
                } else {
                    value
                };
                source.insert((*key).into(), value);
            }
        })?;
        let (error, message) = refused(&db.pool, manifest).await?;
        println!("{} ({}): {message}", case.file, case.source);
        let ok = matches!(error, IngestError::Input { .. })
            && case.expected.iter().all(|e| message.contains(e))
            && message.len() < 1500;
        if !ok {
            failures.push(format!("{}: {message}", case.file));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    db.drop_database().await
}

#[tokio::test]
async fn broken_manifests_change_nothing() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    let dir = tempfile::tempdir()?;
    data_dir(dir.path())?;
    let count = std::cell::Cell::new(0);
    let with = |edit: &dyn Fn(&mut toml::Table)| -> anyhow::Result<PathBuf> {
        let written = manifest(dir.path(), |t| edit(t))?;
        count.set(count.get() + 1);
        let path = dir.path().join(format!("manifest-{}.toml", count.get()));
        std::fs::rename(written, &path)?;
        Ok(path)
    };
    let cases: Vec<(PathBuf, &[&str])> = vec![
        (
            with(&|t| {
                source(t, "fr-bpe-2009").insert("yaer".into(), toml::Value::Integer(2009));
            })?,
            &["unknown field `yaer`", "line"],
        ),
        (
            with(&|t| {
                source(t, "fr-bpe-2009").insert("year".into(), toml::Value::String("2009".into()));
            })?,
            &["invalid type: string \"2009\", expected i32", "line"],
        ),
        (
            with(&|t| {
                source(t, "fr-bpe-2009").insert("year".into(), toml::Value::Float(1e300));
            })?,
            &["expected i32"],
        ),
        (
            with(&|t| {
                source(t, "fr-bpe-2009")
                    .insert("title".into(), toml::Value::Table(toml::Table::new()));
            })?,
            &["invalid type: map, expected a string"],
        ),
        (
            with(&|t| {
                source(t, "fr-bpe-2009").insert(
                    "path".into(),
                    toml::Value::String("broken/missing.csv".into()),
                );
            })?,
            &["fr-bpe-2009", "missing.csv does not exist"],
        ),
        (
            with(&|t| {
                source(t, "fr-bpe-2009").insert(
                    "path".into(),
                    toml::Value::String("../../../../etc/passwd".into()),
                );
            })?,
            &["fr-bpe-2009", "leads outside the data folder"],
        ),
        (
            with(&|t| {
                source(t, "fr-bpe-2009")
                    .insert("path".into(), toml::Value::String("/etc/passwd".into()));
            })?,
            &["fr-bpe-2009", "leads outside the data folder"],
        ),
        (
            with(&|t| {
                region(t).insert("id".into(), toml::Value::String("West Hoek".into()));
            })?,
            &["[region] id", "\"West Hoek\" is not a region id"],
        ),
        (
            with(&|t| {
                region(t).insert(
                    "view".into(),
                    toml::Value::Array(
                        [3.8, 50.0, 2.0, 51.4]
                            .map(toml::Value::Float)
                            .into_iter()
                            .collect(),
                    ),
                );
            })?,
            &["[region] view", "west < east"],
        ),
        (
            with(&|t| {
                region(t).insert("name_fr".into(), toml::Value::String(" ".into()));
            })?,
            &["[region] name_fr"],
        ),
    ];
    // Cut in the middle of a line, and not TOML at all.
    let text = std::fs::read_to_string(&cases[0].0)?;
    let cut = dir.path().join("cut.toml");
    std::fs::write(&cut, &text[..text.len() / 2 + 7])?;
    let binary = dir.path().join("binary.toml");
    std::fs::write(&binary, [0xff, 0xfe, 0x00, 0x01])?;
    let huge = dir.path().join("huge.toml");
    std::fs::write(&huge, "#".repeat(2 << 20))?;
    for (path, expected) in cases.into_iter().chain([
        (cut, &["cut.toml", "TOML parse error"][..]),
        (binary, &["binary.toml", "valid UTF-8"][..]),
        (huge, &["huge.toml", "a manifest is a few kilobytes"][..]),
    ]) {
        let (error, message) = refused(&db.pool, path).await?;
        println!("{message}");
        assert!(matches!(error, IngestError::Manifest { .. }), "{error:?}");
        for e in expected {
            assert!(message.contains(e), "{e:?} not in: {message}");
        }
    }
    db.drop_database().await
}

/// The error of a quick import, after checking that nothing changed.
async fn quick_refused(pool: &PgPool, import: &QuickImport) -> anyhow::Result<String> {
    let before = fingerprint(pool).await?;
    let message = match observatory_ingest::run_quick(pool, import, false).await {
        Ok(_) => anyhow::bail!("the import of {} succeeded", import.file.display()),
        Err(IngestError::NothingLoaded {
            message, summary, ..
        }) => {
            let notes = summary
                .get(&import.source_id)
                .map(|s| s.notes.join("; "))
                .unwrap_or_default();
            format!("{}: {message} [{notes}]", import.file.display())
        }
        Err(e) => e.to_string(),
    };
    assert!(
        fingerprint(pool).await? == before,
        "the database changed after: {message}"
    );
    Ok(message)
}

#[tokio::test]
async fn broken_files_of_a_quick_import_change_nothing() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    let dir = tempfile::tempdir()?;
    let header = "id,category,name,lon,lat\n";
    let point = |id: u32, coordinates: &str| {
        format!(
            r#"{{"type":"Feature","properties":{{"id":"{id}","category":"pharmacy","name":"A"}},"geometry":{{"type":"Point","coordinates":{coordinates}}}}}"#
        )
    };
    let points = |features: &[String]| collection(features);
    let mut long = header.as_bytes().to_vec();
    long.extend_from_slice(b"1,pharmacy,");
    long.resize(long.len() + (64 << 20), b'x');
    long.extend_from_slice(b",2.88,50.85\n");
    let csv = |name: &str,
               bytes: Vec<u8>,
               semicolon: bool,
               latin1: bool|
     -> anyhow::Result<QuickImport> {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes)?;
        let mut import = lonlat_csv_import(&path, "t-hostile");
        if semicolon {
            import.delimiter = ';';
        }
        import.latin1 = latin1;
        Ok(import)
    };
    let geojson = |name: &str, text: String| -> anyhow::Result<QuickImport> {
        let path = dir.path().join(name);
        std::fs::write(&path, text)?;
        let mut import = lonlat_csv_import(&path, "t-hostile");
        import.x_field = None;
        import.y_field = None;
        Ok(import)
    };
    let mut projected = csv(
        "projected.csv",
        format!("{header}1,pharmacy,A,1e20,1e20\n2,pharmacy,B,-4e8,172000\n").into_bytes(),
        false,
        false,
    )?;
    projected.srid = 31370;
    let cases: Vec<(QuickImport, &[&str])> = vec![
        (csv("nan.csv", format!("{header}1,pharmacy,A,NaN,50.85\n2,pharmacy,B,2.88,inf\n3,pharmacy,C,1e400,50.85\n").into_bytes(), false, false)?,
            &["nan.csv", "none of its 3 records was loaded", "line 2: `lon`/`lat`: coordinates (NaN, 50.85) are not finite", "line 3", "line 4"]),
        (csv("nan_latin1.csv", latin1("id;category;name;lon;lat\n1;pharmacy;Évêché;NaN;50,85\n2;pharmacy;Évêché;-inf;50,85\n"), true, true)?,
            &["nan_latin1.csv", "none of its 2 records", "line 2: `lon`/`lat`", "not finite"]),
        (csv("far.csv", format!("{header}1,pharmacy,A,2000,50.85\n2,pharmacy,B,99999999999999999999,50.85\n").into_bytes(), false, false)?,
            &["far.csv", "none of its 2 records", "line 2: `lon`/`lat`", "out of range"]),
        (projected, &["projected.csv", "line 2: `lon`/`lat`", "outside any projected reference system", "line 3"]),
        (csv("long.csv", long, false, false)?, &["long.csv, line 2", "longer than 1 MiB"]),
        (csv("cut.csv", format!("{header}1,pharmacy,A,2.88,50.85\n2,pharm").into_bytes(), false, false)?, &["cut.csv, line 3", "found record with 2 fields"]),
        (csv("cut_latin1.csv", latin1("id;category;name;lon;lat\n1;pharmacy;Évê"), true, true)?, &["cut_latin1.csv, line 2", "found record with 3 fields"]),
        (csv("joined.csv", format!("\u{feff}{header}1,pharmacy,A,2.88,50.85\n\u{feff}{header}").into_bytes(), false, false)?, &["joined.csv, line 3, field `id`", "byte order mark"]),
        (csv("empty.csv", Vec::new(), true, true)?, &["empty.csv", "the file is empty"]),
        (csv("header.csv", header.into(), false, false)?, &["header.csv", "holds no record"]),
        (geojson("cut.geojson", points(&[point(1, "[2.88,50.85]")])[..150].to_owned())?, &["cut.geojson, feature 0", "cut short"]),
        (geojson("overflow.geojson", points(&[point(1, "[2.88,50.85]"), point(2, "[1e999,50.85]")]))?, &["overflow.geojson, feature 1", "number out of range"]),
        (geojson("string.geojson", points(&[point(1, "[\"2.88\",50.85]")]))?, &["string.geojson, feature 0", "Expected a floating-point value"]),
        (geojson("deep.geojson", points(&[point(1, &format!("{}2.88{}", "[".repeat(100_000), "]".repeat(100_000)))]))?, &["deep.geojson, feature 0", "recursion limit exceeded"]),
        (geojson("mixed.geojson", points(&[
            format!(r#"{{"type":"Feature","properties":{{"id":"1","category":"pharmacy"}},"geometry":{}}}"#, polygon()),
            r#"{"type":"Feature","properties":{"id":"2","category":"pharmacy"},"geometry":null}"#.into(),
            format!(r#"{{"type":"Feature","properties":{{"id":"3","category":"pharmacy"}},"geometry":{{"type":"GeometryCollection","geometries":[{}]}}}}"#, polygon()),
            point(4, "[450000,50.85]"),
        ]))?, &["mixed.geojson", "none of its 4 records", "feature 0: expected a Point, found a Polygon", "feature 1: the feature has no geometry", "feature 2: expected a Point, found a GeometryCollection", "feature 3: `geometry`"]),
        (geojson("joined.geojson", format!("{}\u{feff}{}", points(&[point(1, "[2.88,50.85]")]), points(&[point(2, "[2.88,50.85]")])))?, &["joined.geojson", "byte order mark"]),
        (geojson("empty.geojson", String::new())?, &["empty.geojson", "the file is empty"]),
        (geojson("none.geojson", points(&[]))?, &["none.geojson", "holds no record"]),
    ];
    for (import, expected) in cases {
        let message = quick_refused(&db.pool, &import).await?;
        println!("{message}");
        for e in expected {
            assert!(message.contains(e), "{e:?} not in: {message}");
        }
        assert!(message.len() < 2000, "a short message: {message}");
    }
    // A UTF-8 BOM at the start of a GeoJSON file is accepted.
    let bom = geojson(
        "bom.geojson",
        format!("\u{feff}{}", points(&[point(1, "[2.88,50.85]")])),
    )?;
    let summary = observatory_ingest::run_quick(&db.pool, &bom, false).await?;
    assert_eq!(summary.get("t-hostile").map(|s| s.loaded), Some(1));
    db.drop_database().await
}
