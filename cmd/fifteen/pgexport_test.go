package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
	"github.com/paulmach/orb/geojson"

	"fifteen/publish"
	"fifteen/publish/postgis/postgistest"
)

// ownColumns are the columns the PostGIS writer adds before the fields.
var ownColumns = []string{"dataset", "shard", "h3_parent", "feature_id", "geom"}

// tableNames are the tables fifteen export --to writes: every collection.
func tableNames() []string {
	var out []string
	for _, c := range publish.Catalogue() {
		out = append(out, c.ID)
	}
	return out
}

// geoJSONFeatures runs fifteen export --collection id and returns its
// features by id.
func geoJSONFeatures(t *testing.T, id string) (map[string]*geojson.Feature, map[string]map[string]any) {
	t.Helper()
	out, _, err := callCmd(export, "--collection", id)
	if err != nil {
		t.Fatal(err)
	}
	fc, err := geojson.UnmarshalFeatureCollection([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	var raw struct {
		Features []struct {
			ID         any            `json:"id"`
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}
	if err := json.Unmarshal([]byte(out), &raw); err != nil {
		t.Fatal(err)
	}
	feats, props := map[string]*geojson.Feature{}, map[string]map[string]any{}
	for i, f := range raw.Features {
		id := fmt.Sprint(f.ID)
		feats[id], props[id] = fc.Features[i], f.Properties
	}
	return feats, props
}

// The tables hold what fifteen export writes as GeoJSON: the same
// features, each with the same values and geometry (issue 14).
func TestExportToPostGISMatchesGeoJSON(t *testing.T) {
	t.Parallel()
	url := postgistest.Database(t, true)
	out, _, err := callCmd(export, "--to", url, "--dataset", "city")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "wrote dataset city shard all") {
		t.Errorf("output: %s", out)
	}
	for _, c := range publish.Catalogue() {
		t.Run(c.ID, func(t *testing.T) {
			feats, props := geoJSONFeatures(t, c.ID)
			// row_to_json writes numbers with PostgreSQL's shortest
			// exact output, so they decode to the same float64.
			rows := postgistest.Query(t, url, fmt.Sprintf(
				"SELECT feature_id::text, ST_AsBinary(geom), row_to_json(t)::text FROM fifteen.%s t WHERE dataset = 'city'", c.ID))
			if len(rows) != len(feats) || len(rows) == 0 {
				t.Fatalf("%d rows, %d GeoJSON features", len(rows), len(feats))
			}
			for _, r := range rows {
				id := r[0].(string)
				f, ok := feats[id]
				if !ok {
					t.Fatalf("row %s is not in the GeoJSON", id)
				}
				var got map[string]any
				if err := json.Unmarshal([]byte(r[2].(string)), &got); err != nil {
					t.Fatal(err)
				}
				for _, k := range ownColumns {
					delete(got, k)
				}
				if !reflect.DeepEqual(got, props[id]) {
					t.Fatalf("feature %s:\ntable   %v\ngeojson %v", id, got, props[id])
				}
				switch {
				case r[1] == nil && f.Geometry == nil:
				case r[1] == nil || f.Geometry == nil:
					t.Fatalf("feature %s: geometry %v in the table, %v in the GeoJSON", id, r[1] != nil, f.Geometry != nil)
				default:
					g, err := wkb.Unmarshal(r[1].([]byte))
					if err != nil {
						t.Fatal(err)
					}
					if want := publish.PromoteGeometry(f.Geometry, g.GeoJSONType()); !orb.Equal(g, want) {
						t.Fatalf("feature %s: geometry differs:\ntable   %v\ngeojson %v", id, g, want)
					}
				}
			}
		})
	}
	// Tables and columns carry the schema's descriptions and units.
	comments := postgistest.Query(t, url, `SELECT obj_description('fifteen.cells'::regclass),
		col_description('fifteen.cells'::regclass, (SELECT attnum FROM pg_attribute WHERE attrelid = 'fifteen.cells'::regclass AND attname = 'population')),
		col_description('fifteen.cells'::regclass, (SELECT attnum FROM pg_attribute WHERE attrelid = 'fifteen.cells'::regclass AND attname = 'h3_parent'))`)[0]
	if c, _ := comments[0].(string); !strings.HasPrefix(c, "H3 cells: Populated H3 cells") || !strings.Contains(c, "© OpenStreetMap contributors") {
		t.Errorf("comment on fifteen.cells: %q", c)
	}
	if c, _ := comments[1].(string); c != "Residents on the cell [people]" {
		t.Errorf("comment on cells.population: %q", c)
	}
	if c, _ := comments[2].(string); !strings.Contains(c, "Distribution key") {
		t.Errorf("comment on cells.h3_parent: %q", c)
	}
	// The run's row: the city's fingerprint, the credit, rows per table.
	run := postgistest.Query(t, url, "SELECT shard, h3_res, length(fingerprint), attribution, row_counts::text FROM fifteen.runs WHERE dataset = 'city'")
	if len(run) != 1 || run[0][0] != "all" || run[0][1] != int32(6) || run[0][2] != int32(24) ||
		!strings.HasPrefix(run[0][3].(string), "© OpenStreetMap contributors") {
		t.Errorf("runs: %v", run)
	}
	var counts map[string]int
	json.Unmarshal([]byte(run[0][4].(string)), &counts)
	for _, name := range tableNames() {
		if n, _ := postgistest.Checksum(t, url, "fifteen", name, "dataset = 'city'"); int(n) != counts[name] || n == 0 {
			t.Errorf("%s: %d rows, runs says %d", name, n, counts[name])
		}
	}
}

// gdalSource is the GDAL connection string of the database at url.
func gdalSource(t *testing.T, url string) string {
	cfg, err := pgconn.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("PG:host=%s port=%d dbname=%s user=%s", cfg.Host, cfg.Port, cfg.Database, cfg.User)
}

// GDAL (as QGIS) reads the tables with the schema's types: Real for
// minutes and shares, integers for counts, lists, the declared geometry
// type in EPSG:4326; a filter counts what fifteen counts.
func TestGDALReadsThePostGISTables(t *testing.T) {
	if _, err := exec.LookPath("ogrinfo"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("ogrinfo is not on PATH: CI must install gdal-bin (apt-get install -y gdal-bin)")
		}
		t.Skip("ogrinfo is not on PATH: install gdal-bin to run this test")
	}
	t.Parallel()
	url := postgistest.Database(t, true)
	if _, _, err := callCmd(export, "--to", url, "--collection", "cells,communities,facilities,underserved,coverage"); err != nil {
		t.Fatal(err)
	}
	src := gdalSource(t, url)
	ogrinfo := func(args ...string) string {
		t.Helper()
		out, err := exec.Command("ogrinfo", append([]string{"-ro", "-so", src}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("ogrinfo %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	_, cellProps := geoJSONFeatures(t, "cells")
	var minutes string
	for k := range cellProps[firstKey(cellProps)] {
		if strings.HasPrefix(k, "minutes_") {
			minutes = k
			break
		}
	}
	for table, want := range map[string][]string{
		"cells": {"Geometry: Polygon", "population: Real", minutes + ": Real", "res: Integer64", "h3: String",
			fmt.Sprintf("Feature Count: %d", len(cellProps))},
		"communities": {"Geometry: Multi Polygon", "complete_share_adult: Real", "missing_15_adult: StringList", "name: String"},
		"facilities":  {"Geometry: Point", "snap_m: Real", "on_island: Integer(Boolean)", "capacity: Real"},
		"underserved": {"Geometry: Multi Polygon", "rank: Integer64", "cells: Integer64", "mean_min: Real", "h3_cells: StringList"},
		"coverage":    {"Geometry: Multi Polygon", "threshold_min: Real", "covered: Real"},
	} {
		out := ogrinfo("fifteen." + table)
		for _, w := range append(want, `ID["EPSG",4326]`, "Geometry Column = geom", "h3_parent: String") {
			if !strings.Contains(out, w) {
				t.Errorf("ogrinfo fifteen.%s does not say %q:\n%s", table, w, out)
			}
		}
	}
	// A filter GDAL sends to the database counts what fifteen counts.
	for _, limit := range []float64{5, 10, 20} {
		want := 0
		for _, p := range cellProps {
			if m, ok := p[minutes].(float64); ok && m > limit {
				want++
			}
		}
		out := ogrinfo("-where", fmt.Sprintf("%s > %g", minutes, limit), "fifteen.cells")
		if !strings.Contains(out, fmt.Sprintf("Feature Count: %d\n", want)) {
			t.Errorf("%s > %g: fifteen counts %d cells, ogrinfo says\n%s", minutes, limit, want, regexp.MustCompile(`Feature Count: \d+`).FindString(out))
		}
	}
}

func firstKey[V any](m map[string]V) string {
	for k := range m {
		return k
	}
	return ""
}

// datasetSums is the checksum of every table's rows of a dataset (and of
// its runs rows, without the time they were written).
func datasetSums(t *testing.T, url, dataset string) map[string]string {
	out := map[string]string{}
	for _, name := range append(tableNames(), "runs") {
		n, s := postgistest.Checksum(t, url, "fifteen", name, "dataset = $1", dataset)
		out[name] = strconv.FormatInt(n, 10) + " " + s
	}
	return out
}

// A writer killed while COPY runs leaves none of the shard's rows, and
// writing it again gives the same contents as before (issue 14: "a
// shard killed mid-export leaves no partial rows; re-running it gives the
// same table contents").
func TestKilledExportLeavesNoRows(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the command")
	}
	t.Parallel()
	ctx := context.Background()
	bin := buildBinary(t)
	url := postgistest.Database(t, true)
	exportCmd := func() *exec.Cmd {
		cmd := exec.Command(bin, "export", "--to", url, "--dataset", "killed")
		cmd.Dir = t.TempDir()
		return cmd
	}
	if out, err := exportCmd().CombinedOutput(); err != nil {
		t.Fatalf("export: %v\n%s", err, out)
	}
	first := datasetSums(t, url, "killed")

	// Make COPY wait halfway through the cells: a cell's key is moved to
	// another shard, whose row a transaction of ours deletes without
	// committing, so the writer's insert of that key waits for us. The
	// rest of the dataset is removed, as if never written.
	mid := postgistest.Query(t, url, `SELECT feature_id FROM fifteen.cells WHERE dataset = 'killed'
		ORDER BY feature_id OFFSET (SELECT count(*) / 2 FROM fifteen.cells WHERE dataset = 'killed') LIMIT 1`)[0][0].(string)
	postgistest.Query(t, url, "UPDATE fifteen.cells SET shard = 'blocker' WHERE dataset = 'killed' AND feature_id = $1", mid)
	for _, name := range append(tableNames(), "runs") {
		postgistest.Query(t, url, fmt.Sprintf("DELETE FROM fifteen.%s WHERE dataset = 'killed' AND shard = 'all'", name))
	}
	blocker, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer blocker.Close(ctx)
	tx, err := blocker.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "DELETE FROM fifteen.cells WHERE shard = 'blocker'"); err != nil {
		t.Fatal(err)
	}

	cmd := exportCmd()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var backend int32
	for deadline := time.Now().Add(2 * time.Minute); backend == 0; time.Sleep(50 * time.Millisecond) {
		rows := postgistest.Query(t, url, `SELECT pid FROM pg_stat_activity WHERE datname = current_database()
			AND application_name = 'fifteen' AND wait_event_type = 'Lock' AND query ILIKE 'copy%cells%'`)
		if len(rows) > 0 {
			backend = rows[0][0].(int32)
		}
		select {
		case err := <-done:
			t.Fatalf("export ended before its COPY waited: %v\n%s", err, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("the export's COPY into cells never waited\n%s", stderr.String())
		}
	}
	// Rows of facilities, communities and coverage, and half the cells,
	// are in the writer's transaction now.
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-done
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(50 * time.Millisecond) {
		if len(postgistest.Query(t, url, "SELECT 1 FROM pg_stat_activity WHERE pid = $1", backend)) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the killed writer's backend is still there after a minute")
		}
	}
	for name, sum := range datasetSums(t, url, "killed") {
		if !strings.HasPrefix(sum, "0 ") {
			t.Errorf("%s: %s rows left by the killed export", name, strings.Fields(sum)[0])
		}
	}

	// Written again, twice: the same contents as the first time.
	for range 2 {
		if out, err := exportCmd().CombinedOutput(); err != nil {
			t.Fatalf("export: %v\n%s", err, out)
		}
		if got := datasetSums(t, url, "killed"); !reflect.DeepEqual(got, first) {
			t.Errorf("after the rewrite:\n%v\nfirst:\n%v", got, first)
		}
	}
}

// A bad URL, no server or no PostGIS: a clear error that names the
// database without its password and says what to do, exit status 1 or 2,
// no panic.
func TestExportToBadDatabase(t *testing.T) {
	t.Parallel()
	noPostGIS := strings.Replace(postgistest.Database(t, false), "postgres@", "postgres:sekret@", 1)
	for _, tc := range []struct {
		name string
		args []string
		says []string
	}{
		{"not a postgres URL", []string{"--to", "http://u:sekret@example.org/db"}, []string{"http://u:xxxxx@example.org/db", "want postgres://"}},
		{"no server", []string{"--to", "postgres://u:sekret@127.0.0.1:1/db?connect_timeout=5"}, []string{"postgres://u:xxxxx@127.0.0.1:1/db", "connect"}},
		{"no PostGIS", []string{"--to", noPostGIS}, []string{"CREATE EXTENSION postgis", "postgres:xxxxx@127.0.0.1"}},
		{"bad schema", []string{"--to", noPostGIS, "--schema", "A-B"}, []string{"schema \"A-B\""}},
		{"bad parent resolution", []string{"--to", noPostGIS, "--parent-res", "12"}, []string{"resolution 12"}},
		{"res for all collections", []string{"--to", noPostGIS, "--res", "8"}, []string{"--res: give one --collection"}},
		{"unknown collection", []string{"--to", noPostGIS, "--collection", "cells,nope"}, []string{"no collection \"nope\""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := callCmd(export, tc.args...)
			if err == nil {
				t.Fatal("no error")
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
}
