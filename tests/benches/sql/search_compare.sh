#!/usr/bin/env bash
# Whether two commune search statements answer the same communes in the same order: every
# query of search_bench_query (tests/benches/sql/search_queries.sql) and a few more, at
# limits 1, 10 and 50, in the database of URL. Prints the number of differing answers
# and the first ones.
#   tests/benches/sql/search_compare.sh URL BEFORE.sql AFTER.sql
set -euo pipefail
url=$1 before=$2 after=$3
{
  echo "CREATE TEMP TABLE extra_query (q text);"
  echo "INSERT INTO extra_query VALUES ('e'), ('a'), ('sai'), ('saint'), ('ville'), ('ille'), ('la'), ('le '), ('sur'), ('mont'), ('ieper'), ('ypres'), ('x'), ('zz'), ('9'), ('st'), ('de la'), ('en'), ('court'), ('dg');"
  echo "CREATE FUNCTION pg_temp.search_before(text, bigint) RETURNS TABLE (id text, country text, code text, name text, name_nl text, name_fr text, west float8, south float8, east float8, north float8) LANGUAGE sql STABLE AS \$fn\$"
  cat "$before"
  echo "\$fn\$;"
  echo "CREATE FUNCTION pg_temp.search_after(text, bigint) RETURNS TABLE (id text, country text, code text, name text, name_nl text, name_fr text, west float8, south float8, east float8, north float8) LANGUAGE sql STABLE AS \$fn\$"
  cat "$after"
  echo "\$fn\$;"
  cat <<'SQL'
CREATE TEMP TABLE compared AS
SELECT q.q, l.n,
       ARRAY(SELECT s.id FROM pg_temp.search_before(q.q, l.n) AS s) AS before,
       ARRAY(SELECT s.id FROM pg_temp.search_after(q.q, l.n) AS s) AS after
FROM (SELECT q FROM search_bench_query UNION SELECT q FROM extra_query) AS q,
     (VALUES (1), (10), (50)) AS l (n);
SELECT count(*) AS answers, count(*) FILTER (WHERE before IS DISTINCT FROM after) AS differing,
       sum(cardinality(before)) AS rows
FROM compared;
SELECT q, n, before, after FROM compared WHERE before IS DISTINCT FROM after LIMIT 5;
SQL
} | psql -X -q -v ON_ERROR_STOP=1 "$url"
