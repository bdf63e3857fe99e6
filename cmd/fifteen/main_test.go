package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runCmd(args ...string) (string, string, error) {
	var out, errb bytes.Buffer
	err := run(context.Background(), args, &out, &errb)
	return out.String(), errb.String(), err
}

func TestInspectJSONDefaultCity(t *testing.T) {
	out, _, err := runCmd("inspect", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	// The documented, stable top-level keys.
	for _, k := range []string{"city", "attribution", "inputs", "osm", "network", "facilities",
		"communities", "population", "load_sec_by_stage", "load_sec_total"} {
		if _, ok := got[k]; !ok {
			t.Errorf("missing key %q", k)
		}
	}
	var in struct {
		Attribution string
		Network     struct {
			WalkableKm float64 `json:"walkable_km"`
		}
		Communities struct{ Count int }
		Population  struct{ Placed float64 }
	}
	if err := json.Unmarshal([]byte(out), &in); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(in.Attribution, "© OpenStreetMap contributors") {
		t.Errorf("attribution %q", in.Attribution)
	}
	if in.Communities.Count != 11 || in.Population.Placed < 37268.5 || in.Population.Placed > 37269.5 {
		t.Errorf("communities %d, placed %.1f", in.Communities.Count, in.Population.Placed)
	}
}

func TestInspectTable(t *testing.T) {
	out, _, err := runCmd("inspect", "--osm", "../../data/testdata/monaco-2021-04-21.osm.pbf")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"© OpenStreetMap contributors", "network:", "pharmacy"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestBadInputNamesTheFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	notFC := write("not-fc.geojson", `{"type":"Feature","properties":{},"geometry":null}`)
	// One polygon with a population and one without: a file of outlines
	// (no population at all) is valid, a mixed one is not.
	noPop := write("nopop.geojson", `{"type":"FeatureCollection","features":[`+
		`{"type":"Feature","properties":{"name":"B","population":100},"geometry":{"type":"Polygon","coordinates":[[[9.52,47.1],[9.53,47.1],[9.53,47.11],[9.52,47.1]]]}},`+
		`{"type":"Feature","properties":{"name":"A"},"geometry":{"type":"Polygon","coordinates":[[[9.5,47.1],[9.51,47.1],[9.51,47.11],[9.5,47.1]]]}}]}`)
	unknownCat := write("fac.csv", "lon,lat,category\n9.52,47.14,space_port\n")
	badCoord := write("fac2.csv", "lon,lat,category\n200,47.14,clinic\n")
	truncated := write("trunc.osm.pbf", "\x00\x00\x00\x0d\n\tOSMHeader")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"missing OSM file", []string{"--osm", filepath.Join(dir, "nope.osm.pbf")}, "nope.osm.pbf"},
		{"truncated OSM file", []string{"--osm", truncated}, "trunc.osm.pbf"},
		{"communities not a FeatureCollection", []string{"--communities", notFC}, "not-fc.geojson"},
		{"polygon with no population", []string{"--communities", noPop}, "population"},
		{"unknown category", []string{"--facilities", unknownCat}, "space_port"},
		{"coordinates outside WGS84", []string{"--facilities", badCoord}, "fac2.csv"},
		{"bad snap distance", []string{"--snap-m", "-3"}, "--snap-m"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := runCmd(append([]string{"inspect"}, tc.args...)...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error mentioning %q", err, tc.want)
			}
		})
	}
}

func TestUsage(t *testing.T) {
	var ue usageError
	if _, _, err := runCmd(); !errors.As(err, &ue) {
		t.Errorf("no command: %v", err)
	}
	if _, _, err := runCmd("frobnicate"); !errors.As(err, &ue) {
		t.Errorf("unknown command: %v", err)
	}
	if out, _, err := runCmd("version"); err != nil || !strings.HasPrefix(out, "fifteen ") {
		t.Errorf("version: %q %v", out, err)
	}
}

// TestHelpExitsZero: every command prints its flags on --help and -h to
// standard output and succeeds.
func TestHelpExitsZero(t *testing.T) {
	var buf bytes.Buffer
	old := helpOut
	helpOut = &buf
	t.Cleanup(func() { helpOut = old })
	for _, cmd := range []string{"serve", "inspect", "report", "cells", "gaps", "site", "whatif", "isochrone", "nearest", "export"} {
		for _, flag := range []string{"--help", "-h"} {
			buf.Reset()
			_, _, err := runCmd(cmd, flag)
			if !errors.Is(err, errHelp) {
				t.Errorf("%s %s: %v, want the help ending", cmd, flag, err)
			}
			if !strings.Contains(buf.String(), "-") {
				t.Errorf("%s %s printed no flags: %q", cmd, flag, buf.String())
			}
		}
	}
	// The process exits 0 on errHelp (main), 2 on a usage error.
	var ue usageError
	if errors.As(errHelp, &ue) {
		t.Error("errHelp is a usage error")
	}
}

// TestUnknownNamesListTheValidOnes: an unknown category or walker gets an
// error that lists the valid ones.
func TestUnknownNamesListTheValidOnes(t *testing.T) {
	_, _, err := runCmd("report", "--category", "zoo")
	if err == nil || !strings.Contains(err.Error(), "clinic") || !strings.Contains(err.Error(), "kindergarten") {
		t.Errorf("unknown category: %v", err)
	}
	_, _, err = runCmd("cells", "--profile", "runner")
	if err == nil || !strings.Contains(err.Error(), "wheelchair") {
		t.Errorf("unknown walker: %v", err)
	}
}
