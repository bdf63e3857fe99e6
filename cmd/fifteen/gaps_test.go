package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fifteen/publish"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// callCmd runs one command function on the default city.
func callCmd(fn func(context.Context, []string, io.Writer, io.Writer) error, args ...string) (string, string, error) {
	var out, errb bytes.Buffer
	err := fn(context.Background(), args, &out, &errb)
	return out.String(), errb.String(), err
}

// checkRounded fails unless every coordinate has at most 6 decimals.
func checkRounded(t *testing.T, pts ...orb.Point) {
	t.Helper()
	for _, p := range pts {
		for _, v := range p {
			if s := strconv.FormatFloat(v, 'f', -1, 64); strings.Contains(s, ".") && len(s)-strings.Index(s, ".")-1 > 6 {
				t.Fatalf("coordinate %s has more than 6 decimals", s)
			}
		}
	}
}

func TestGapsCommandDefaultCity(t *testing.T) {
	out, _, err := callCmd(gaps, "--category", "clinic")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"© OpenStreetMap contributors", "clusters", "population", "mean min", "a clinic within 15 min"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}

	out, _, err = callCmd(gaps, "--category", "clinic", "--format", "csv", "--min-population", "100")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	wantHead := publish.CSVHeader(publish.ClusterSchema(), publish.CSVOptions{Attribution: "x"})
	if len(rows) < 2 || strings.Join(rows[0], ",") != strings.Join(wantHead, ",") {
		t.Fatalf("csv: %d rows, header %v", len(rows), rows[0])
	}
	prev := math.Inf(1)
	for i, r := range rows[1:] {
		pop, err := strconv.ParseFloat(r[4], 64)
		if err != nil || pop < 100 || pop > prev || r[0] != strconv.Itoa(i+1) {
			t.Errorf("csv row %d: %v", i, r)
		}
		prev = pop
	}

	out, _, err = callCmd(gaps, "--tier", "10", "--profile", "senior", "--format", "geojson")
	if err != nil {
		t.Fatal(err)
	}
	fc, err := geojson.UnmarshalFeatureCollection([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	if a, _ := fc.ExtraMembers["attribution"].(string); !strings.Contains(a, "© OpenStreetMap contributors") {
		t.Errorf("geojson attribution %q", a)
	}
	if fc.ExtraMembers["tier"] != 10.0 || fc.ExtraMembers["profile"] != "senior" || len(fc.Features) == 0 {
		t.Errorf("geojson: members %v, %d features", fc.ExtraMembers, len(fc.Features))
	}
	for _, f := range fc.Features {
		mp, ok := f.Geometry.(orb.MultiPolygon)
		if !ok {
			t.Fatalf("feature %v: geometry %T, want a MultiPolygon", f.ID, f.Geometry)
		}
		for _, poly := range mp {
			for _, ring := range poly {
				checkRounded(t, ring...)
			}
		}
		if _, ok := f.Properties["population"].(float64); !ok {
			t.Errorf("feature %v: population %v", f.ID, f.Properties["population"])
		}
	}
}

func TestSiteCommandDefaultCity(t *testing.T) {
	out, _, err := callCmd(site, "--category", "clinic", "--k", "3", "--format", "csv")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	wantHead := publish.CSVHeader(publish.SiteSchema(), publish.CSVOptions{Attribution: "x"})
	if len(rows) != 4 || strings.Join(rows[0], ",") != strings.Join(wantHead, ",") {
		t.Fatalf("csv:\n%s", out)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	prev := math.Inf(1)
	var pts []orb.Point
	for i, r := range rows[1:] {
		gain, _ := strconv.ParseFloat(r[col["gain"]], 64)
		lon, _ := strconv.ParseFloat(r[col["lon"]], 64)
		lat, _ := strconv.ParseFloat(r[col["lat"]], 64)
		if r[0] != strconv.Itoa(i+1) || !(gain > 0) || gain > prev || r[col["community"]] == "" {
			t.Errorf("csv row %d: %v", i, r)
		}
		prev = gain
		pts = append(pts, orb.Point{lon, lat})
	}

	// The chosen sites as candidates, with one far from any street.
	fc := geojson.NewFeatureCollection()
	for _, p := range pts {
		fc.Append(geojson.NewFeature(p))
	}
	fc.Append(geojson.NewFeature(orb.MultiPoint{{9.0, 46.0}}))
	b, _ := json.Marshal(fc)
	path := filepath.Join(t.TempDir(), "candidates.geojson")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err = callCmd(site, "--category", "clinic", "--k", "5", "--candidates", path, "--capacity", "500")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"© OpenStreetMap contributors", "4 candidates (1 too far", "each with 500 places", "cumulative"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}

	out, _, err = callCmd(site, "--category", "clinic", "--k", "2", "--profile", "wheelchair", "--format", "geojson")
	if err != nil {
		t.Fatal(err)
	}
	got, err := geojson.UnmarshalFeatureCollection([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	if a, _ := got.ExtraMembers["attribution"].(string); !strings.Contains(a, "© OpenStreetMap contributors") {
		t.Errorf("geojson attribution %q", a)
	}
	if len(got.Features) != 2 || got.ExtraMembers["profile"] != "wheelchair" {
		t.Fatalf("geojson: %d features, members %v", len(got.Features), got.ExtraMembers)
	}
	for _, f := range got.Features {
		p, ok := f.Geometry.(orb.Point)
		if !ok {
			t.Fatalf("feature %v: geometry %T", f.ID, f.Geometry)
		}
		checkRounded(t, p)
	}
}

func TestGapsAndSiteBadInput(t *testing.T) {
	dir := t.TempDir()
	file := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	notJSON := file("not.geojson", "lon,lat\n9.5,47.1\n")
	line := file("line.geojson", `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"LineString","coordinates":[[9.5,47.1],[9.51,47.1]]},"properties":{}}]}`)
	empty := file("empty.geojson", `{"type":"FeatureCollection","features":[]}`)
	swapped := file("swapped.geojson", `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[47.1,147.5]},"properties":{}}]}`)
	noGeom := file("nogeom.geojson", `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":null,"properties":{}}]}`)

	tests := []struct {
		name  string
		fn    func(context.Context, []string, io.Writer, io.Writer) error
		args  []string
		usage bool   // a usage error (exit 2)
		msg   string // in the error
	}{
		{"gaps unknown category", gaps, []string{"--category", "dentist"}, true, `"dentist"`},
		{"gaps unknown profile", gaps, []string{"--category", "clinic", "--profile", "runner"}, true, `"runner"`},
		{"gaps unknown community", gaps, []string{"--category", "clinic", "--community", "atlantis"}, true, `"atlantis"`},
		{"gaps neither category nor tier", gaps, nil, true, "--category or --tier"},
		{"gaps both category and tier", gaps, []string{"--category", "clinic", "--tier", "15"}, true, "not both"},
		{"gaps tier 7", gaps, []string{"--tier", "7"}, true, "--tier 7"},
		{"gaps negative min population", gaps, []string{"--category", "clinic", "--min-population", "-1"}, true, "--min-population"},
		{"gaps bad format", gaps, []string{"--category", "clinic", "--format", "json"}, true, "--format"},
		{"gaps stray argument", gaps, []string{"--category", "clinic", "extra"}, true, "unexpected argument"},
		{"site unknown category", site, []string{"--category", "dentist", "--k", "1"}, true, `"dentist"`},
		{"site k 0", site, []string{"--category", "clinic", "--k", "0"}, true, "--k 0"},
		{"site no k", site, []string{"--category", "clinic"}, true, "--k 0"},
		{"site k not a number", site, []string{"--category", "clinic", "--k", "three"}, true, "three"},
		{"site no category", site, []string{"--k", "1"}, true, "--category"},
		{"site negative capacity", site, []string{"--category", "clinic", "--k", "1", "--capacity", "-5"}, true, "--capacity"},
		{"site candidates missing file", site, []string{"--category", "clinic", "--k", "1", "--candidates", filepath.Join(dir, "nope.geojson")}, false, "nope.geojson"},
		{"site candidates not geojson", site, []string{"--category", "clinic", "--k", "1", "--candidates", notJSON}, false, "not a GeoJSON FeatureCollection"},
		{"site candidates line", site, []string{"--category", "clinic", "--k", "1", "--candidates", line}, false, "LineString, want a Point"},
		{"site candidates empty", site, []string{"--category", "clinic", "--k", "1", "--candidates", empty}, false, "no points"},
		{"site candidates swapped lat lon", site, []string{"--category", "clinic", "--k", "1", "--candidates", swapped}, false, "latitude 147.5"},
		{"site candidates no geometry", site, []string{"--category", "clinic", "--k", "1", "--candidates", noGeom}, false, "no geometry"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := callCmd(tc.fn, tc.args...)
			if err == nil {
				t.Fatal("no error")
			}
			var ue usageError
			if errors.As(err, &ue) != tc.usage {
				t.Errorf("error %v: usage error %v, want %v", err, !tc.usage, tc.usage)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q does not mention %q", err, tc.msg)
			}
		})
	}
}
