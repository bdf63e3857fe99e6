package server

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"fifteen/publish"
)

func TestExport(t *testing.T) {
	e, city := testServer(t)
	comm := city.Communities[0]
	for _, tc := range []struct {
		name, target string
		status       int
		ct           string
	}{
		{"communities as csv", "/v1/export?collection=communities&format=csv&profile=adult", 200, "text/csv; charset=utf-8"},
		{"facilities as geojson by default", "/v1/export?collection=facilities&category=clinic", 200, "application/geo+json"},
		{"one community as geojson", "/v1/export?collection=communities&format=geojson&id=" + url.QueryEscape(comm.ID), 200, "application/geo+json"},
		{"network as gpkg", "/v1/export?collection=network&format=gpkg", 200, "application/geopackage+sqlite3"},
		{"unknown collection names the collections", "/v1/export?collection=nope", 400, "application/problem+json"},
		{"unknown format", "/v1/export?collection=facilities&format=shp", 400, "application/problem+json"},
		{"parameter the collection does not take", "/v1/export?collection=network&category=clinic", 400, "application/problem+json"},
		{"unknown category", "/v1/export?collection=facilities&category=nope", 400, "application/problem+json"},
		{"unknown parameter", "/v1/export?collection=facilities&bbox=1,2,3,4", 400, "application/problem+json"},
		{"res out of range", "/v1/export?collection=cells&res=12", 400, "application/problem+json"},
		{"unknown feature", "/v1/export?collection=communities&id=nope", 404, "application/problem+json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := do(t, e, http.MethodGet, tc.target, nil)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, rec.Body)
			}
			if ct := rec.Header().Get("Content-Type"); ct != tc.ct {
				t.Errorf("Content-Type %q, want %q", ct, tc.ct)
			}
			cd := rec.Header().Get("Content-Disposition")
			if (tc.status == 200) != strings.HasPrefix(cd, "attachment; filename=\"fifteen-") {
				t.Errorf("Content-Disposition %q", cd)
			}
		})
	}

	// The CSV is the catalogue's: header from the schema, one row per community.
	rec := do(t, e, http.MethodGet, "/v1/export?collection=communities&format=csv&profile=adult", nil)
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(rec.Body.String(), "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	coll, _ := publish.Lookup("communities")
	d := testDeps(t)
	rep, err := d.Access.Report()
	if err != nil {
		t.Fatal(err)
	}
	l, _ := coll.Layer(publish.Source{Access: d.Access, Report: rep}, publish.Params{Profile: "adult"})
	if want := publish.CSVHeader(l.Schema(), publish.CSVOptions{Attribution: "x"}); strings.Join(rows[0], ",") != strings.Join(want, ",") {
		t.Errorf("header %v, want %v", rows[0], want)
	}
	if len(rows)-1 != len(city.Communities) {
		t.Errorf("%d rows for %d communities", len(rows)-1, len(city.Communities))
	}

	// One community: one feature, the right one.
	rec = do(t, e, http.MethodGet, "/v1/export?collection=communities&id="+url.QueryEscape(comm.ID), nil)
	var fc struct {
		Attribution string `json:"attribution"`
		Features    []struct {
			ID any `json:"id"`
		} `json:"features"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &fc); err != nil {
		t.Fatal(err)
	}
	if len(fc.Features) != 1 || fc.Features[0].ID != comm.ID || !strings.Contains(fc.Attribution, "OpenStreetMap") {
		t.Errorf("one community: %+v", fc)
	}

	// GDAL opens the GeoPackage with every edge.
	rec = do(t, e, http.MethodGet, "/v1/export?collection=network&format=gpkg", nil)
	if _, err := exec.LookPath("ogrinfo"); err != nil {
		t.Skip("no ogrinfo")
	}
	p := filepath.Join(t.TempDir(), "network.gpkg")
	if err := os.WriteFile(p, rec.Body.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("ogrinfo", "-ro", "-so", "-al", p).CombinedOutput()
	if err != nil {
		t.Fatalf("ogrinfo: %v\n%s", err, out)
	}
	if want := "Feature Count: " + strconv.Itoa(city.Graph.NumEdges()); !strings.Contains(string(out), want) || !strings.Contains(string(out), "Geometry: Line String") {
		t.Errorf("ogrinfo lacks %q or line strings:\n%.2000s", want, out)
	}

	// Every collection: GDAL reads each feature without a complaint (a
	// geometry of another type than the table declares would warn).
	for _, pc := range publish.Catalogue() {
		rec := do(t, e, http.MethodGet, "/v1/export?collection="+pc.ID+"&format=gpkg", nil)
		if rec.Code != 200 {
			t.Errorf("%s: %d %s", pc.ID, rec.Code, rec.Body)
			continue
		}
		p := filepath.Join(t.TempDir(), pc.ID+".gpkg")
		if err := os.WriteFile(p, rec.Body.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command("ogrinfo", "-ro", "-al", "-q", p).CombinedOutput()
		if err != nil || strings.Contains(string(out), "Warning") || strings.Contains(string(out), "ERROR") {
			t.Errorf("ogrinfo %s: %v\n%.1500s", pc.ID, err, out)
		}
	}
}

func TestSearch(t *testing.T) {
	e, city := testServer(t)
	var named string
	for _, f := range city.Facilities {
		if len([]rune(f.Name)) > 4 {
			named = f.Name
			break
		}
	}
	type result struct {
		Results []searchHit `json:"results"`
	}
	get := func(q string) result {
		t.Helper()
		rec := do(t, e, http.MethodGet, "/v1/search?q="+url.QueryEscape(q), nil)
		if rec.Code != 200 {
			t.Fatalf("search %q: %d %s", q, rec.Code, rec.Body)
		}
		var r result
		if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	// A facility by part of its name, in another case.
	part := strings.ToUpper(string([]rune(named)[1:4]))
	r := get(part)
	found := false
	for _, h := range r.Results {
		if h.Kind == "facility" && h.Name == named {
			found = true
		}
		if !strings.Contains(strings.ToLower(h.Name+h.NameZH+h.ID), strings.ToLower(part)) {
			t.Errorf("%q matched %+v", part, h)
		}
	}
	if !found {
		t.Errorf("searching %q did not find %q: %+v", part, named, r.Results)
	}
	// A category by its Chinese name; a community by its name.
	clinic, _ := city.Taxonomy.Category("clinic")
	if r := get(clinic.NameZH); len(r.Results) == 0 || r.Results[0].Kind != "category" || r.Results[0].ID != "clinic" {
		t.Errorf("%s: %+v", clinic.NameZH, r.Results)
	}
	c := city.Communities[0]
	if r := get(c.Name); len(r.Results) == 0 || r.Results[0].Kind != "community" || r.Results[0].ID != c.ID || r.Results[0].BBox[0] >= r.Results[0].BBox[2] {
		t.Errorf("%q: %+v", c.Name, r.Results)
	}
	for _, target := range []string{"/v1/search", "/v1/search?q=" + strings.Repeat("x", 101), "/v1/search?q=a&limit=0"} {
		if rec := do(t, e, http.MethodGet, target, nil); rec.Code != 400 {
			t.Errorf("%s: %d", target, rec.Code)
		}
	}
}
