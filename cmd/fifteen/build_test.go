package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Every command answers from a snapshot exactly as from the load it was
// built from: the same bytes out (inspect but for its load times and the
// snapshot's own input).
func TestSnapshotAnswersAsTheLoad(t *testing.T) {
	dir := t.TempDir()
	snap := filepath.Join(dir, "li.snap")
	if _, _, err := runCmd("build", "--out", snap); err != nil {
		t.Fatal(err)
	}
	scen := filepath.Join(dir, "scenario.json")
	if err := os.WriteFile(scen, []byte(`{"name": "test", "add": [{"category": "clinic", "lon": 9.529, "lat": 47.107}],
		"add_links": [[[9.52, 47.14], [9.522, 47.141]]]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	// inspect's load times are the build's own; the snapshot is one more
	// input.
	stripTimes := func(s string) string {
		var m map[string]any
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			t.Fatal(err)
		}
		delete(m, "load_sec_by_stage")
		delete(m, "load_sec_total")
		delete(m["inputs"].(map[string]any), "snapshot")
		delete(m["osm"].(map[string]any), "decode_sec")
		delete(m["osm"].(map[string]any), "graph_sec")
		b, _ := json.Marshal(m)
		return string(b)
	}
	for _, args := range [][]string{
		{"report", "--format", "json"},
		{"report", "--format", "csv", "--k", "3"},
		{"cells", "--format", "csv"},
		{"gaps", "--category", "clinic", "--format", "geojson"},
		{"site", "--category", "pharmacy", "--k", "3", "--format", "csv"},
		{"whatif", "--scenario", scen, "--format", "json"},
		{"isochrone", "--lon", "9.52", "--lat", "47.14", "--edges"},
		{"inspect", "--json"},
	} {
		want, _, err := runCmd(args...)
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		got, _, err := runCmd(append(args, "--snapshot", snap)...)
		if err != nil {
			t.Fatalf("%v --snapshot: %v", args, err)
		}
		if args[0] == "inspect" {
			want, got = stripTimes(want), stripTimes(got)
		}
		if want != got {
			t.Errorf("%v: the snapshot's answer (%d bytes) differs from the load's (%d bytes)", args, len(got), len(want))
			for i := 0; i < len(want) && i < len(got); i++ {
				if want[i] != got[i] {
					t.Logf("first difference at byte %d: %q vs %q", i, want[max(0, i-80):min(len(want), i+80)], got[max(0, i-80):min(len(got), i+80)])
					break
				}
			}
		}
	}
	if _, _, err := runCmd("report", "--snapshot", snap, "--osm", "x.pbf"); err == nil || !strings.Contains(err.Error(), "no other input") {
		t.Errorf("--snapshot with --osm: %v", err)
	}
	if _, _, err := runCmd("build"); err == nil {
		t.Error("build without --out succeeded")
	}
}
