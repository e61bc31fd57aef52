use std::collections::BTreeMap;

use observatory_tests::{ingest_westhoek, shared_data, TestDb};

#[tokio::test]
async fn loads_711_communes_of_both_countries() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    let summary = ingest_westhoek(&db.pool).await?;

    let counts: Vec<(String, i64)> = sqlx::query_as(
        "SELECT country::text, count(*) FROM commune GROUP BY country ORDER BY country",
    )
    .fetch_all(&db.pool)
    .await?;
    assert_eq!(counts, vec![("BE".to_owned(), 63), ("FR".to_owned(), 648)]);

    // Rows outside the study area (Mouscron, 54007 then 57096) are skipped and counted;
    // rows under former codes are carried to their successors.
    let statbel = summary
        .get("be-population-statbel")
        .expect("statbel in summary");
    assert_eq!(
        (
            statbel.read,
            statbel.skipped_outside_area,
            statbel.carried_to_successor
        ),
        (1120, 17, 74)
    );
    assert_eq!(statbel.loaded, 63 * 17);
    db.drop_database().await
}

#[tokio::test]
async fn every_commune_has_a_population_for_every_year_its_sources_cover() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;

    let per_year: Vec<(String, i16, i64)> = sqlx::query_as(
        "SELECT country::text, year, count(*) FROM commune_population GROUP BY 1, 2 ORDER BY 1, 2",
    )
    .fetch_all(&db.pool)
    .await?;
    let per_year: BTreeMap<(String, i16), i64> =
        per_year.into_iter().map(|(c, y, n)| ((c, y), n)).collect();
    for year in 2009..=2025 {
        assert_eq!(
            per_year.get(&("BE".into(), year)),
            Some(&63),
            "Belgian communes with a population in {year}"
        );
    }
    for year in [2019, 2021, 2022, 2024] {
        assert_eq!(
            per_year.get(&("FR".into(), year)),
            Some(&648),
            "French communes with a population in {year}"
        );
    }
    // 2026: L'Orée de Mormal (59006) counts Amfroipret and Bermeries together.
    assert_eq!(per_year.get(&("FR".into(), 2026)), Some(&647));
    let covers: Vec<String> =
        sqlx::query_scalar("SELECT unnest(covers) FROM commune_population WHERE country = 'FR' AND code = '59006' AND year = 2026")
            .fetch_all(&db.pool)
            .await?;
    assert_eq!(covers, vec!["59006", "59070"]);

    let missing: i64 = sqlx::query_scalar("SELECT count(*) FROM commune WHERE population IS NULL")
        .fetch_one(&db.pool)
        .await?;
    assert_eq!(
        missing, 0,
        "every commune has a latest population of its own territory"
    );
    db.drop_database().await
}

/// Reads the Statbel file directly, independently of the ingest.
fn statbel(code: &str, year: &str) -> anyhow::Result<i64> {
    let mut reader = csv::Reader::from_path(
        shared_data().join("population/be_wvl_population_statbel_2009_2025.csv"),
    )?;
    for row in reader.records() {
        let row = row?;
        if &row[0] == year && &row[1] == code {
            return Ok(row[8].parse()?);
        }
    }
    anyhow::bail!("no Statbel row for {code} in {year}")
}

#[tokio::test]
async fn population_series_continue_across_mergers_and_recodings() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    let population = |code: &'static str, year: i16| {
        let pool = db.pool.clone();
        async move {
            sqlx::query_scalar::<_, i32>("SELECT population FROM commune_population WHERE country = 'BE' AND code = $1 AND year = $2")
                .bind(code)
                .bind(year)
                .fetch_one(&pool)
                .await
        }
    };
    // Wingene (37021) = Wingene (37018) + Ruiselede (37012) before 2025.
    assert_eq!(
        i64::from(population("37021", 2015).await?),
        statbel("37018", "2015")? + statbel("37012", "2015")?
    );
    // Tielt (37022) = Tielt (37015) + Meulebeke (37007).
    assert_eq!(
        i64::from(population("37022", 2009).await?),
        statbel("37015", "2009")? + statbel("37007", "2009")?
    );
    assert_eq!(
        i64::from(population("37022", 2025).await?),
        statbel("37022", "2025")?
    );
    // Comines-Warneton was 54010 until 2018.
    assert_eq!(
        i64::from(population("57097", 2012).await?),
        statbel("54010", "2012")?
    );
    assert_eq!(
        i64::from(population("57097", 2020).await?),
        statbel("57097", "2020")?
    );
    db.drop_database().await
}

#[tokio::test]
async fn communes_carry_both_languages_and_their_arrondissement() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    let row = |id: &'static str| {
        let pool = db.pool.clone();
        async move {
            sqlx::query_as::<_, (String, Option<String>, Option<String>, Option<String>, Option<String>, Option<String>)>(
                "SELECT name, name_nl, name_fr, arrondissement_code, arrondissement_nl, intercommunality_code
                 FROM commune WHERE country || '-' || code = $1",
            )
            .bind(id)
            .fetch_one(&pool)
            .await
        }
    };
    let ieper = row("BE-33011").await?;
    assert_eq!(
        (ieper.0.as_str(), ieper.1.as_deref(), ieper.2.as_deref()),
        ("Ieper", Some("Ieper"), Some("Ypres"))
    );
    assert_eq!(
        (ieper.3.as_deref(), ieper.4.as_deref()),
        (Some("33000"), Some("Ieper"))
    );

    let dunkerque = row("FR-59183").await?;
    assert_eq!(
        (dunkerque.1.as_deref(), dunkerque.2.as_deref()),
        (Some("Duinkerke"), Some("Dunkerque"))
    );
    assert_eq!(
        (dunkerque.3.as_deref(), dunkerque.4.as_deref()),
        (Some("594"), Some("Duinkerke"))
    );
    assert_eq!(dunkerque.5.as_deref(), Some("245900428"), "CU de Dunkerque");

    let comines = row("BE-57097").await?;
    assert_eq!(
        (comines.0.as_str(), comines.1.as_deref()),
        ("Comines-Warneton", Some("Komen-Waasten"))
    );
    assert_eq!(comines.3.as_deref(), Some("57000"));

    // Bermeries has no row of its own in COG 2026: it takes its successor's attributes.
    let bermeries = row("FR-59070").await?;
    assert_eq!(
        (bermeries.3.as_deref(), bermeries.5.as_deref()),
        (Some("591"), Some("200043321"))
    );
    db.drop_database().await
}

#[tokio::test]
async fn loading_the_same_release_again_replaces_it() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    ingest_westhoek(&db.pool).await?;
    let (communes, population, releases): (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM commune), (SELECT count(*) FROM commune_population), (SELECT count(*) FROM data_release)",
    )
    .fetch_one(&db.pool)
    .await?;
    assert_eq!(
        (communes, population, releases),
        (711, 63 * 17 + 648 * 4 + 647, 2)
    );
    db.drop_database().await
}

#[tokio::test]
async fn the_national_border_is_drawn_between_the_countries() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    ingest_westhoek(&db.pool).await?;
    // The Belgian–French border is about 620 km long in all; within this area, from the
    // North Sea to beyond Comines-Warneton, about 110 km.
    let km: f64 =
        sqlx::query_scalar("SELECT ST_Length(geom::geography) / 1000 FROM national_border")
            .fetch_one(&db.pool)
            .await?;
    assert!((80.0..200.0).contains(&km), "border length {km} km");
    let touches: Vec<String> = sqlx::query_scalar(
        "SELECT c.country || '-' || c.code FROM commune c, national_border n
         WHERE c.code IN ('38008', '59183', '57097') AND ST_DWithin(c.geom, n.geom, 0.01) ORDER BY 1",
    )
    .fetch_all(&db.pool)
    .await?;
    // De Panne and Comines-Warneton touch it; Dunkerque (about 10 km away) does not.
    assert_eq!(touches, vec!["BE-38008", "BE-57097"]);
    db.drop_database().await
}
