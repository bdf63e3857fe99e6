package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"

	"fifteen/publish"
	"fifteen/publish/postgis"
	"fifteen/publish/postgis/postgistest"
)

// pgServerFor exports the test city's cells, communities and facilities
// into a PostGIS database of the test's own, as fifteen export --to does,
// and serves them with a real HTTP server from PostGIS.
func pgServerFor(t *testing.T) (*httptest.Server, string) {
	t.Helper()
	ctx := context.Background()
	url := postgistest.Database(t, true)
	d := testDeps(t)
	rep, err := d.Access.Report()
	if err != nil {
		t.Fatal(err)
	}
	var tables []postgis.Table
	for _, id := range []string{"cells", "communities", "facilities"} {
		pc, err := publish.Lookup(id)
		if err != nil {
			t.Fatal(err)
		}
		l, err := pc.Layer(publish.Source{Access: d.Access, Report: rep}, publish.Params{})
		if err != nil {
			t.Fatal(err)
		}
		tables = append(tables, postgis.Table{Name: id, Layer: l})
	}
	run := postgis.Run{Dataset: "monaco", Shard: postgis.AllShards, ParentRes: 6, Fingerprint: d.Access.Fingerprint(),
		Version: "test", Attribution: d.City.Attribution}
	if err := postgis.Write(ctx, url, run, tables); err != nil {
		t.Fatal(err)
	}
	pool, err := postgis.OpenPool(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	e, err := NewFromPostGIS(ctx, testConfig(), PGSource{DB: pool, Dataset: "monaco"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return srv, url
}

func httpGet(t *testing.T, url string) (int, http.Header, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

// fcByID parses a FeatureCollection into its features by id (without
// links, which name the server) and its numberMatched.
func fcByID(t *testing.T, body []byte) (map[string]any, float64) {
	t.Helper()
	var fc struct {
		NumberMatched float64          `json:"numberMatched"`
		Features      []map[string]any `json:"features"`
	}
	if err := json.Unmarshal(body, &fc); err != nil {
		t.Fatalf("%v: %.300s", err, body)
	}
	out := map[string]any{}
	for _, f := range fc.Features {
		out[fmt.Sprint(f["id"])] = f
	}
	if len(out) != len(fc.Features) {
		t.Fatalf("%d features, %d ids", len(fc.Features), len(out))
	}
	return out, fc.NumberMatched
}

// The server from PostGIS serves the same features, values and
// geometries as the in-memory server for the same request, a populated
// tile, and a clear 501 for what needs the network (issue 14 part 4).
func TestServeFromPostGISMatchesInMemory(t *testing.T) {
	srv, _ := pgServerFor(t)
	mem, _ := testServer(t)
	for _, q := range []string{
		"/collections/cells/items?limit=10000",
		"/collections/communities/items?limit=10000",
		"/collections/facilities/items?limit=10000",
		"/collections/cells/items?limit=10000&bbox=7.415,43.728,7.425,43.736",
		"/collections/communities/items?limit=10000&bbox=7.415,43.728,7.425,43.736",
	} {
		rec := do(t, mem, "GET", q, nil)
		if rec.Code != 200 {
			t.Fatalf("in memory %s: %d %s", q, rec.Code, rec.Body)
		}
		want, wantN := fcByID(t, rec.Body.Bytes())
		code, hdr, body := httpGet(t, srv.URL+q)
		if code != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), ogcMediaGeoJSON) {
			t.Fatalf("from PostGIS %s: %d %s %.300s", q, code, hdr.Get("Content-Type"), body)
		}
		got, gotN := fcByID(t, body)
		if len(want) == 0 || len(got) != len(want) || gotN != wantN {
			t.Fatalf("%s: %d features (%v matched) from PostGIS, %d (%v) in memory", q, len(got), gotN, len(want), wantN)
		}
		for id, w := range want {
			if g := got[id]; !reflect.DeepEqual(g, w) {
				t.Fatalf("%s: feature %s from PostGIS\n%v\nin memory\n%v", q, id, g, w)
			}
		}
	}
	// Paging: the pages are the collection, once.
	seen := map[string]bool{}
	for off := 0; ; off += 7 {
		code, _, body := httpGet(t, fmt.Sprintf("%s/collections/communities/items?limit=7&offset=%d", srv.URL, off))
		if code != 200 {
			t.Fatalf("page at %d: %d %s", off, code, body)
		}
		page, n := fcByID(t, body)
		for id := range page {
			if seen[id] {
				t.Fatalf("community %s on two pages", id)
			}
			seen[id] = true
		}
		if len(page) < 7 {
			if len(seen) != int(n) {
				t.Fatalf("pages held %d communities, %v matched", len(seen), n)
			}
			break
		}
	}
	// One feature, as in memory.
	rec := do(t, mem, "GET", "/collections/communities/items?limit=1", nil)
	one, _ := fcByID(t, rec.Body.Bytes())
	for id, w := range one {
		code, _, body := httpGet(t, srv.URL+"/collections/communities/items/"+id)
		var g map[string]any
		if code != 200 || json.Unmarshal(body, &g) != nil {
			t.Fatalf("item %s: %d %.300s", id, code, body)
		}
		wf := w.(map[string]any)
		if !reflect.DeepEqual(g["properties"], wf["properties"]) || !reflect.DeepEqual(g["geometry"], wf["geometry"]) {
			t.Fatalf("item %s from PostGIS differs from in memory", id)
		}
	}
	if code, _, body := httpGet(t, srv.URL+"/collections/communities/items/nothing"); code != 404 {
		t.Fatalf("missing item: %d %s", code, body)
	}
	// The collections are those exported.
	code, _, body := httpGet(t, srv.URL+"/collections")
	var colls struct{ Collections []struct{ ID string } }
	if code != 200 || json.Unmarshal(body, &colls) != nil || len(colls.Collections) != 3 {
		t.Fatalf("/collections: %d %.500s", code, body)
	}
	// A tile over the first cell has features; the same tile in memory too.
	var fc struct {
		Features []struct {
			Geometry struct{ Coordinates [][][2]float64 }
		}
	}
	_, _, body = httpGet(t, srv.URL+"/collections/cells/items?limit=1")
	if err := json.Unmarshal(body, &fc); err != nil || len(fc.Features) == 0 {
		t.Fatalf("cells: %v %.300s", err, body)
	}
	p := fc.Features[0].Geometry.Coordinates[0][0]
	tile := maptile.At([2]float64{p[0], p[1]}, 14)
	for _, layer := range []string{"cells", "communities"} {
		path := fmt.Sprintf("/tiles/%s/14/%d/%d.mvt", layer, tile.X, tile.Y)
		code, hdr, body := httpGet(t, srv.URL+path)
		if code != 200 || hdr.Get("Content-Type") != mvtContentType || len(body) == 0 {
			t.Fatalf("%s from PostGIS: %d %s %d bytes", path, code, hdr.Get("Content-Type"), len(body))
		}
		rec := do(t, mem, "GET", path, nil)
		if rec.Code != 200 {
			t.Fatalf("%s in memory: %d", path, rec.Code)
		}
		if layer != "cells" {
			continue // the table holds every walker's figures, the tile in memory one walker's
		}
		// The same features with the same properties (ids are positions).
		props := func(b []byte) []string {
			ls, err := mvt.Unmarshal(b)
			if err != nil || len(ls) != 1 {
				t.Fatalf("%s: %v, %d layers", path, err, len(ls))
			}
			var out []string
			for _, f := range ls[0].Features {
				j, _ := json.Marshal(f.Properties)
				out = append(out, string(j))
			}
			slices.Sort(out)
			return out
		}
		if got, want := props(body), props(rec.Body.Bytes()); len(want) == 0 || !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: %d features from PostGIS, %d in memory, or other properties", path, len(got), len(want))
		}
	}
	// Bad requests name what was wrong.
	for q, want := range map[string]int{
		"/collections/cells/items?bbox=1,2,3": 400, "/collections/cells/items?limit=0": 400,
		"/collections/cells/items?f=html": 400, "/collections/nothing/items": 404,
		"/tiles/cells/3/0/0.mvt": 400, "/tiles/network/14/0/0.mvt": 404, "/tiles/cells/14/0/0.mvt?profile=x": 400,
	} {
		code, hdr, body := httpGet(t, srv.URL+q)
		if code != want || hdr.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: %d %s %s, want %d", q, code, hdr.Get("Content-Type"), body, want)
		}
	}
	// A tile that would read more than the bound asks to zoom in.
	bound := pgTileMaxFeatures
	pgTileMaxFeatures = 2
	code, _, body = httpGet(t, srv.URL+fmt.Sprintf("/tiles/cells/14/%d/%d.mvt", tile.X, tile.Y))
	pgTileMaxFeatures = bound
	if code != 400 || !strings.Contains(string(body), "zoom in") {
		t.Fatalf("a tile past the bound: %d %s", code, body)
	}
	if code, _, _ := httpGet(t, srv.URL+"/tiles/cells/14/0/0.mvt"); code != 204 {
		t.Fatalf("empty tile: %d", code)
	}
	// What needs the network: a clear 501.
	for _, q := range []string{"/v1/isochrone?lat=43.73&lon=7.42", "/v1/report", "/v1/nearest?lat=43.73&lon=7.42", "/map",
		"/collections/cells/items?profile=wheelchair"} {
		code, hdr, body := httpGet(t, srv.URL+q)
		var p Problem
		if json.Unmarshal(body, &p) != nil || !strings.Contains(p.Detail, "fifteen serve --osm") ||
			hdr.Get("Content-Type") != "application/problem+json" || (code != 501 && code != 400) {
			t.Fatalf("%s: %d %s %s", q, code, hdr.Get("Content-Type"), body)
		}
	}
}

// GDAL's OAPIF driver reads the server from PostGIS: it lists the
// exported collections and reads every feature, following next links,
// with the field types of the schema.
func TestGDALReadsFromPostGIS(t *testing.T) {
	needGDAL(t)
	srv, _ := pgServerFor(t)
	ds := "OAPIF:" + srv.URL
	listing := gdal(t, "ogrinfo", "-ro", "-so", ds)
	for _, id := range []string{"cells", "communities", "facilities"} {
		if !strings.Contains(listing, ": "+id+" (") {
			t.Errorf("ogrinfo does not list collection %s:\n%s", id, listing)
		}
	}
	checkGDALCells(t, ds)
	for _, id := range []string{"cells", "communities"} {
		matched := numberMatched(t, srv.URL+"/collections/"+id+"/items?limit=1")
		out := gdal(t, "ogr2ogr", "-f", "GeoJSON", "/vsistdout/", "-oo", "PAGE_SIZE=50", ds, id)
		var fc struct {
			Features []struct{ Geometry *struct{ Type string } }
		}
		if err := json.Unmarshal([]byte(out), &fc); err != nil {
			t.Fatalf("ogr2ogr output is not GeoJSON: %v\n%.500s", err, out)
		}
		if len(fc.Features) != matched || matched == 0 {
			t.Errorf("%s: GDAL read %d features, numberMatched is %d", id, len(fc.Features), matched)
		}
	}
}

// A database that stops taking connections while the server runs gives a
// 503 that says so (with Retry-After), not a 500.
func TestServeFromPostGISDatabaseGone(t *testing.T) {
	srv, url := pgServerFor(t)
	if code, _, body := httpGet(t, srv.URL+"/collections/cells/items?limit=3"); code != http.StatusOK {
		t.Fatalf("before: %d %s", code, body)
	}
	var name string
	for _, r := range postgistest.Query(t, url, "SELECT current_database()") {
		name = r[0].(string)
	}
	admin := strings.Replace(url, "/"+name+"?", "/postgres?", 1)
	postgistest.Query(t, admin, fmt.Sprintf("ALTER DATABASE %q ALLOW_CONNECTIONS false", name))
	t.Cleanup(func() { postgistest.Query(t, admin, fmt.Sprintf("ALTER DATABASE %q ALLOW_CONNECTIONS true", name)) })
	postgistest.Query(t, admin, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", name)
	code, h, body := httpGet(t, srv.URL+"/collections/cells/items?limit=4")
	if code != http.StatusServiceUnavailable || h.Get("Retry-After") == "" || !strings.Contains(string(body), "database") {
		t.Errorf("database gone: %d (Retry-After %q) %s, want 503 naming the database", code, h.Get("Retry-After"), body)
	}
}
