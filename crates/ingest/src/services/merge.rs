//! Which service already in the table each new service of a load is, when another source
//! describes it: the search (`sql/find_duplicates*.sql`) gives every pair that matches
//! (same category, within 50 m, similar names); one match is kept per new service and
//! per service already there.
//!
//! One-to-one, because a source describes a service once: two of its records near one
//! service of another source are two services. Letting both merge into it lost one of
//! them, and made a reload differ from the first load (a source's two neighbouring post
//! offices became one service when it was loaded again after a source that had merged
//! into the first of them).

use sqlx::PgConnection;

use crate::IngestError;

/// Keeps one match per new service and per service already there, from the pairs in
/// `service_merge_candidate`, as `service_merge` (new_id, keep_id).
pub(super) async fn keep_one_to_one(tx: &mut PgConnection) -> Result<(), IngestError> {
    let db = IngestError::database;
    let pairs: Vec<(i64, i64)> = sqlx::query_as(include_str!("sql/merge_candidates.sql"))
        .fetch_all(&mut *tx)
        .await
        .map_err(db("reading the services other sources describe"))?;
    let (new_ids, keep_ids) = one_to_one(&pairs);
    sqlx::query(include_str!("sql/create_merges.sql"))
        .bind(&new_ids)
        .bind(&keep_ids)
        .execute(&mut *tx)
        .await
        .map_err(db("keeping one match per service"))?;
    Ok(())
}

/// From (new, existing) pairs sorted by new then existing id: the new services in id
/// order, each with the earliest existing service no earlier one took, as two columns.
/// The order of ids is the order in which the sources and their records were loaded, so
/// the same data gives the same services.
fn one_to_one(pairs: &[(i64, i64)]) -> (Vec<i64>, Vec<i64>) {
    let mut taken = std::collections::HashSet::new();
    let mut new_ids = Vec::new();
    let mut keep_ids = Vec::new();
    for &(new_id, keep_id) in pairs {
        if new_ids.last() == Some(&new_id) || taken.contains(&keep_id) {
            continue;
        }
        taken.insert(keep_id);
        new_ids.push(new_id);
        keep_ids.push(keep_id);
    }
    (new_ids, keep_ids)
}

#[cfg(test)]
mod tests {
    use super::one_to_one;

    #[test]
    fn each_new_service_takes_the_earliest_match_not_taken() {
        // 10 and 11 both match 1 and 2: 10 takes 1, 11 the next one.
        assert_eq!(
            one_to_one(&[(10, 1), (10, 2), (11, 1), (11, 2)]),
            (vec![10, 11], vec![1, 2])
        );
    }

    #[test]
    fn a_new_service_whose_matches_are_all_taken_stays_new() {
        assert_eq!(one_to_one(&[(10, 1), (11, 1)]), (vec![10], vec![1]));
    }

    #[test]
    fn a_new_service_keeps_one_match() {
        assert_eq!(
            one_to_one(&[(10, 3), (10, 5), (12, 5), (12, 7)]),
            (vec![10, 12], vec![3, 5])
        );
        assert_eq!(one_to_one(&[]), (vec![], vec![]));
    }
}
