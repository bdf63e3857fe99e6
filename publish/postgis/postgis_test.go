package postgis_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"fifteen/data"
	"fifteen/geo"
	"fifteen/geo/hex"
	"fifteen/publish"
	"fifteen/publish/postgis"
	"fifteen/publish/postgis/postgistest"
)

var (
	accessOnce sync.Once
	access     *geo.Access
	report     *geo.CoverageReport
	accessErr  error
)

// defaultCity loads the embedded default city once.
func defaultCity(t testing.TB) (*geo.Access, *geo.CoverageReport) {
	t.Helper()
	accessOnce.Do(func() {
		city, _, err := data.Load(context.Background(), data.Config{})
		if err != nil {
			accessErr = err
			return
		}
		if access, accessErr = geo.ComputeAccess(city, geo.AccessOptions{}); accessErr != nil {
			return
		}
		report, accessErr = access.Report()
	})
	if accessErr != nil {
		t.Fatal(accessErr)
	}
	return access, report
}

func cellLayer(t *testing.T) publish.Layer {
	a, _ := defaultCity(t)
	l, err := publish.Cells(a, 0, geo.PopulationRes)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// byParent splits l's features into those whose distribution key at res
// is in keys and the others.
func byParent(t *testing.T, l publish.Layer, res int, keys map[string]bool) (in, out publish.Subset) {
	in, out = publish.Subset{L: l}, publish.Subset{L: l}
	for i := 0; i < l.Len(); i++ {
		p, err := postgis.Parent(l, i, res)
		if err != nil {
			t.Fatal(err)
		}
		if keys[p] {
			in.Index = append(in.Index, i)
		} else {
			out.Index = append(out.Index, i)
		}
	}
	return in, out
}

func run(shard string) postgis.Run {
	return postgis.Run{Dataset: "test-city", Shard: shard, ParentRes: 6, Fingerprint: "f", Version: "test",
		Attribution: "© OpenStreetMap contributors"}
}

// Rewriting shard a replaces a's rows and leaves b's alone (issue 14:
// "re-running a shard replaces exactly its rows").
func TestRewritingAShardReplacesOnlyItsRows(t *testing.T) {
	ctx := context.Background()
	url := postgistest.Database(t, true)
	a, r := defaultCity(t)
	cells := cellLayer(t)
	comms := publish.Communities(a.City, r, a.Options.K)
	// Shard a: the parents holding the first cell and its community's
	// point; shard b: the rest.
	first, _ := postgis.Parent(cells, 0, 6)
	keys := map[string]bool{first: true}
	cellsA, cellsB := byParent(t, cells, 6, keys)
	commsA, commsB := byParent(t, comms, 6, keys)
	if len(cellsA.Index) == 0 || len(cellsB.Index) == 0 || len(commsB.Index) == 0 {
		t.Fatalf("a split with an empty side: %d/%d cells, %d/%d communities", len(cellsA.Index), len(cellsB.Index), len(commsA.Index), len(commsB.Index))
	}
	write := func(shard string, c, m publish.Layer) {
		t.Helper()
		if err := postgis.Write(ctx, url, run(shard), []postgis.Table{{Name: "cells", Layer: c}, {Name: "communities", Layer: m}}); err != nil {
			t.Fatal(err)
		}
	}
	write("a", cellsA, commsA)
	write("b", cellsB, commsB)
	sums := func(shard string) [3]string {
		var out [3]string
		for k, tab := range []string{"cells", "communities", "runs"} {
			n, s := postgistest.Checksum(t, url, "fifteen", tab, "dataset = $1 AND shard = $2", "test-city", shard)
			out[k] = fmt.Sprint(n, s)
		}
		return out
	}
	b := sums("b")
	aFull := sums("a")

	// Rewrite a with only half its cells and none of its communities.
	half := publish.Subset{L: cells, Index: cellsA.Index[:len(cellsA.Index)/2]}
	write("a", half, publish.Subset{L: comms})
	if got := sums("b"); got != b {
		t.Errorf("shard b changed when a was rewritten: %v, was %v", got, b)
	}
	n, _ := postgistest.Checksum(t, url, "fifteen", "cells", "dataset = $1 AND shard = 'a'", "test-city")
	if n != int64(len(half.Index)) {
		t.Errorf("shard a has %d cells after the rewrite, want %d", n, len(half.Index))
	}
	if n, _ := postgistest.Checksum(t, url, "fifteen", "communities", "dataset = $1 AND shard = 'a'", "test-city"); n != 0 {
		t.Errorf("shard a kept %d communities", n)
	}
	counts := postgistest.Query(t, url, "SELECT row_counts->>'cells', row_counts->>'communities' FROM fifteen.runs WHERE shard = 'a'")
	if fmt.Sprintf("%v %v", counts[0]...) != fmt.Sprintf("%d 0", len(half.Index)) {
		t.Errorf("runs row of a: %v", counts)
	}
	// Writing a in full again gives the first contents back.
	write("a", cellsA, commsA)
	if got := sums("a"); got != aFull {
		t.Errorf("shard a rewritten in full: %v, first %v", got, aFull)
	}
	// Every cell is in the table once, with its figures.
	n, _ = postgistest.Checksum(t, url, "fifteen", "cells", "true")
	if n != int64(cells.Len()) {
		t.Errorf("%d cells in the table, want %d", n, cells.Len())
	}

	// A shard at another parent resolution is refused.
	other := run("c")
	other.ParentRes = 5
	err := postgis.Write(ctx, url, other, []postgis.Table{{Name: "cells", Layer: publish.Subset{L: cells}}})
	if !errors.Is(err, postgis.ErrResMismatch) {
		t.Errorf("shard at resolution 5 in a dataset at 6: %v, want ErrResMismatch", err)
	}
	// The same feature written by two shards is refused, not doubled.
	err = postgis.Write(ctx, url, run("c"), []postgis.Table{{Name: "cells", Layer: publish.Subset{L: cells, Index: cellsB.Index[:1]}}})
	if err == nil || !strings.Contains(err.Error(), "duplicate key") {
		t.Errorf("a cell of shard b written again as shard c: %v, want a duplicate key error", err)
	}
}

// Shards written at once into tables that do not exist yet all succeed:
// table creation is serialised, rows are not.
func TestConcurrentShardsCreateTheTablesOnce(t *testing.T) {
	ctx := context.Background()
	url := postgistest.Database(t, true)
	cells := cellLayer(t)
	const shards = 4
	parts := make([]publish.Subset, shards)
	for i := 0; i < cells.Len(); i++ {
		p := &parts[i%shards]
		p.L = cells
		p.Index = append(p.Index, i)
	}
	errs := make(chan error, shards)
	for k := range parts {
		go func() {
			errs <- postgis.Write(ctx, url, run(fmt.Sprint("s", k)), []postgis.Table{{Name: "cells", Layer: parts[k]}})
		}()
	}
	for range shards {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if n, _ := postgistest.Checksum(t, url, "fifteen", "cells", "true"); n != int64(cells.Len()) {
		t.Errorf("%d rows, want %d", n, cells.Len())
	}
	if n, _ := postgistest.Checksum(t, url, "fifteen", "runs", "true"); n != shards {
		t.Errorf("%d runs, want %d", n, shards)
	}
}

// Bad input gives an error naming the database and what was wrong, never
// the password, and no panic.
func TestWriteErrors(t *testing.T) {
	ctx := context.Background()
	cells := publish.Subset{L: cellLayer(t), Index: []int{0, 1}}
	tables := []postgis.Table{{Name: "cells", Layer: cells}}
	noPostGIS := postgistest.Database(t, false)
	withPostGIS := postgistest.Database(t, true)
	withPassword := strings.Replace(noPostGIS, "postgres@", "postgres:sekret@", 1)
	for _, tc := range []struct {
		name   string
		url    string
		run    postgis.Run
		tables []postgis.Table
		is     error
		says   []string
	}{
		{"not a postgres URL", "mysql://u:sekret@localhost/db", run("a"), tables, postgis.ErrBadURL, []string{"mysql://u:xxxxx@localhost/db", "postgres://"}},
		{"unparsable URL", "postgres://u:sekret@[::1/db", run("a"), tables, postgis.ErrBadURL, []string{"connection string not shown"}},
		{"no server", "postgres://u:sekret@127.0.0.1:1/db?sslmode=disable&connect_timeout=5", run("a"), tables, nil,
			[]string{"postgres://u:xxxxx@127.0.0.1:1/db", "connect"}},
		{"no PostGIS", withPassword, run("a"), tables, postgis.ErrNoPostGIS, []string{"CREATE EXTENSION postgis", ":xxxxx@"}},
		{"no dataset", withPostGIS, postgis.Run{Shard: "a"}, tables, postgis.ErrBadRun, []string{"dataset"}},
		{"no shard", withPostGIS, postgis.Run{Dataset: "d"}, tables, postgis.ErrBadRun, []string{"shard"}},
		{"parent finer than the cells", withPostGIS, postgis.Run{Dataset: "d", Shard: "a", ParentRes: 11}, tables, postgis.ErrBadRun, []string{"resolution 11"}},
		{"bad schema name", withPostGIS, postgis.Run{Dataset: "d", Shard: "a", Schema: "Robert'); DROP"}, tables, postgis.ErrBadRun, []string{"schema"}},
		{"bad table name", withPostGIS, run("a"), []postgis.Table{{Name: "cells; drop", Layer: cells}}, postgis.ErrBadRun, []string{"table name"}},
		{"the runs table's name", withPostGIS, run("a"), []postgis.Table{{Name: "runs", Layer: cells}}, postgis.ErrBadRun, []string{"runs"}},
		{"a table twice", withPostGIS, run("a"), []postgis.Table{{Name: "cells", Layer: cells}, {Name: "cells", Layer: cells}}, postgis.ErrBadRun, []string{"twice"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := postgis.Write(ctx, tc.url, tc.run, tc.tables)
			if err == nil {
				t.Fatal("no error")
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("%v, want %v", err, tc.is)
			}
			for _, s := range tc.says {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("%q does not say %q", err, s)
				}
			}
			if strings.Contains(err.Error(), "sekret") {
				t.Errorf("%q shows the password", err)
			}
		})
	}
	// Ping says the same before anything is computed.
	if err := postgis.Ping(ctx, withPassword, postgis.Run{}); !errors.Is(err, postgis.ErrNoPostGIS) || strings.Contains(err.Error(), "sekret") {
		t.Errorf("Ping of a database without PostGIS: %v", err)
	}
	if err := postgis.Ping(ctx, withPostGIS, postgis.Run{}); err != nil {
		t.Errorf("Ping of a database with PostGIS: %v", err)
	}
	// The tables were not created by the failed runs.
	if n := postgistest.Query(t, withPostGIS, "SELECT count(*) FROM pg_namespace WHERE nspname = 'fifteen'"); n[0][0].(int64) != 0 {
		t.Error("a failed run created the schema")
	}

	// A table of the same name with other columns is refused, naming
	// the difference.
	if err := postgis.Write(ctx, withPostGIS, run("a"), tables); err != nil {
		t.Fatal(err)
	}
	a, _ := defaultCity(t)
	err := postgis.Write(ctx, withPostGIS, run("b"), []postgis.Table{{Name: "cells", Layer: publish.Facilities(a.City, "", false)}})
	if !errors.Is(err, postgis.ErrTableMismatch) || !strings.Contains(err.Error(), "no column capacity") {
		t.Errorf("facilities into the cells table: %v, want ErrTableMismatch naming capacity", err)
	}
	// and leaves the table as it was.
	if n, _ := postgistest.Checksum(t, withPostGIS, "fifteen", "cells", "true"); n != 2 {
		t.Errorf("%d rows after the refused write, want 2", n)
	}
}

// A cell's key is its own H3 parent; any other feature's is the parent
// of the resolution-10 cell holding its representative point.
func TestParent(t *testing.T) {
	a, r := defaultCity(t)
	cells := cellLayer(t).(*publish.CellLayer)
	for i := range cells.Len() {
		got, err := postgis.Parent(cells, i, 6)
		if err != nil {
			t.Fatal(err)
		}
		if want := cells.Rows[i].Cell.Parent(6).String(); got != want {
			t.Fatalf("cell %v: %s, want %s", cells.Rows[i].Cell, got, want)
		}
	}
	fac := publish.Facilities(a.City, "", false)
	for i := range fac.Len() {
		got, _ := postgis.Parent(fac, i, 7)
		c, err := hex.FromPoint(fac.Geometry(i).(orb.Point), 10)
		if err != nil {
			t.Fatal(err)
		}
		if want := c.Parent(7).String(); got != want {
			t.Fatalf("facility %d: %s, want %s", i, got, want)
		}
	}
	cov := publish.Coverage(a.City, r)
	if got, err := postgis.Parent(cov, cov.Len()-1, 6); err != nil || got != "" {
		t.Errorf("the whole city's row (no geometry): %q, %v; want the empty key", got, err)
	}
	if _, err := postgis.Parent(cells, 0, 11); !errors.Is(err, postgis.ErrBadRun) {
		t.Errorf("resolution 11: %v", err)
	}
	coarse, err := publish.Cells(a, 0, 7)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := postgis.Parent(coarse, 0, 8); !errors.Is(err, postgis.ErrBadRun) {
		t.Errorf("parent finer than the cell: %v", err)
	}
}

// The representative point lies inside the polygon, where a centroid
// would not: a U, a ring with a hole, and every community of the city.
func TestRepresentativePointIsInside(t *testing.T) {
	u := orb.Polygon{{{0, 0}, {3, 0}, {3, 3}, {2, 3}, {2, 1}, {1, 1}, {1, 3}, {0, 3}, {0, 0}}}
	donut := orb.Polygon{{{0, 0}, {4, 0}, {4, 4}, {0, 4}, {0, 0}}, {{1, 1}, {3, 1}, {3, 3}, {1, 3}, {1, 1}}}
	small := orb.Polygon{{{10, 10}, {10.1, 10}, {10.1, 10.1}, {10, 10}}}
	cases := map[string]orb.Geometry{"U": u, "donut": donut, "multi, largest part": orb.MultiPolygon{small, donut}}
	a, _ := defaultCity(t)
	for _, c := range a.City.Communities {
		cases["community "+c.ID] = c.Geom
	}
	for name, g := range cases {
		p, ok := postgis.RepresentativePoint(g)
		var mp orb.MultiPolygon
		switch g := g.(type) {
		case orb.Polygon:
			mp = orb.MultiPolygon{g}
		case orb.MultiPolygon:
			mp = g
		}
		if !ok || !planar.MultiPolygonContains(mp, p) {
			t.Errorf("%s: %v (ok %v) is not inside", name, p, ok)
		}
	}
	if p, _ := postgis.RepresentativePoint(orb.MultiPolygon{small, donut}); !planar.PolygonContains(donut, p) {
		t.Errorf("multipolygon: %v is not in its largest part", p)
	}
	if _, ok := postgis.RepresentativePoint(orb.MultiPolygon{}); ok {
		t.Error("empty multipolygon has a point")
	}
}

// BenchmarkWriteDefaultCity writes (replaces) every collection of the
// default city as one shard, as fifteen export --to does after computing.
func BenchmarkWriteDefaultCity(b *testing.B) {
	ctx := context.Background()
	url := postgistest.Database(b, true)
	a, r := defaultCity(b)
	var tables []postgis.Table
	rows := 0
	for _, c := range publish.Catalogue() {
		l, err := c.Layer(publish.Source{Access: a, Report: r}, publish.Params{})
		if err != nil {
			b.Fatal(err)
		}
		tables = append(tables, postgis.Table{Name: c.ID, Layer: l})
		rows += l.Len()
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := postgis.Write(ctx, url, postgis.Run{Dataset: "bench", Shard: postgis.AllShards, ParentRes: 6}, tables); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(rows), "rows")
}
