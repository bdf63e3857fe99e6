// Package postgistest gives tests a PostgreSQL database of their own on
// the test server (scripts/pgtest.sh starts one; .ci/run exports its URL
// as FIFTEEN_TEST_POSTGRES), with or without PostGIS.
package postgistest

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"fifteen/store/sqlstore"
)

var seq atomic.Int64

// Server returns the test server's URL. Without it the test skips, except
// in CI, where it fails: CI must run the PostgreSQL tests.
func Server(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv("FIFTEEN_TEST_POSTGRES")
	if dsn == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("FIFTEEN_TEST_POSTGRES is not set: CI must run the PostgreSQL tests (.ci/run starts a server)")
		}
		t.Skip("FIFTEEN_TEST_POSTGRES not set (scripts/pgtest.sh start DIR prints it)")
	}
	return dsn
}

// Database creates a database of the test's own (tests of other packages
// use the same server at the same time), with the PostGIS extension when
// postGIS, and returns its URL; it is dropped when the test ends.
func Database(t testing.TB, postGIS bool) string {
	t.Helper()
	ctx := context.Background()
	dsn := Server(t)
	name := fmt.Sprintf("fifteen_pg_%d_%d_%d", os.Getpid(), time.Now().UnixNano(), seq.Add(1))
	url, err := sqlstore.CreateDatabase(ctx, dsn, name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sqlstore.DropDatabase(ctx, dsn, name) })
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	q := "DROP EXTENSION IF EXISTS postgis" // in case template1 has it
	if postGIS {
		q = "CREATE EXTENSION IF NOT EXISTS postgis"
	}
	if _, err := conn.Exec(ctx, q); err != nil {
		t.Fatalf("%s: %v (is PostGIS installed? apt-get install postgresql-<major>-postgis-3)", q, err)
	}
	return url
}

// Query runs q on the database at url and returns every row's values.
func Query(t testing.TB, url, q string, args ...any) [][]any {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) ([]any, error) { return r.Values() })
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return out
}

// Checksum returns the number of rows of schema.table that match where
// (an SQL condition on the row, with args) and an MD5 digest of them,
// every column in a fixed order; for the runs table, every column but
// created (the time of writing).
func Checksum(t testing.TB, url, schema, table, where string, args ...any) (rows int64, sum string) {
	t.Helper()
	row := "t::text"
	if table == "runs" {
		row = "(t.dataset, t.shard, t.h3_res, t.fingerprint, t.version, t.attribution, t.options, t.row_counts)::text"
	}
	q := fmt.Sprintf("SELECT count(*), coalesce(md5(string_agg(%s, E'\\n' ORDER BY %s)), '') FROM %s t WHERE %s",
		row, row, pgx.Identifier{schema, table}.Sanitize(), where)
	r := Query(t, url, q, args...)
	return r[0][0].(int64), r[0][1].(string)
}
