package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestWhatIfCommand(t *testing.T) {
	dir := t.TempDir()
	sc := filepath.Join(dir, "clinic.json")
	os.WriteFile(sc, []byte(`{"name":"A clinic in Triesen","add":[{"category":"clinic","lon":9.5290,"lat":47.1070}]}`), 0o644)
	out, _, err := runCmd("whatif", "--scenario", sc)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "Triesen") || !strings.Contains(out, "clinic") {
		t.Errorf("table lacks the change:\n%s", out)
	}
	out, _, err = runCmd("whatif", "--scenario", sc, "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Communities []struct {
			ID         string `json:"id"`
			Profile    string `json:"profile"`
			Categories []struct {
				Category string `json:"category"`
				Before   struct {
					Covered float64 `json:"covered"`
				} `json:"before"`
				After struct {
					Covered float64 `json:"covered"`
				} `json:"after"`
			} `json:"categories"`
		} `json:"communities"`
		Cells []json.RawMessage
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	gain := 0.0
	for _, cc := range res.Communities {
		for _, c := range cc.Categories {
			if cc.ID == "" && cc.Profile == "adult" && c.Category == "clinic" {
				gain = c.After.Covered - c.Before.Covered
			}
		}
	}
	if gain <= 0 || len(res.Cells) == 0 {
		t.Errorf("a new clinic covered %v more people, %d cells changed", gain, len(res.Cells))
	}
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"close":["osm:way/0"]}`), 0o644)
	if _, _, err := runCmd("whatif", "--scenario", bad); err == nil || !strings.Contains(err.Error(), "bad.json") {
		t.Errorf("closing a facility that does not exist: %v", err)
	}
	if _, _, err := runCmd("whatif"); err == nil {
		t.Errorf("no scenario accepted")
	}
}

func TestIsochroneCommand(t *testing.T) {
	out, _, err := runCmd("isochrone", "--lon", "9.5209", "--lat", "47.1410", "--minutes", "5,10")
	if err != nil {
		t.Fatal(err)
	}
	var fc struct {
		Type        string
		Attribution string
		Features    []struct {
			Geometry   struct{ Type string }
			Properties map[string]any
		}
	}
	if err := json.Unmarshal([]byte(out), &fc); err != nil {
		t.Fatal(err)
	}
	if fc.Type != "FeatureCollection" || len(fc.Features) != 2 || fc.Features[0].Properties["minutes"].(float64) != 10 ||
		fc.Features[0].Geometry.Type != "MultiPolygon" || !strings.Contains(fc.Attribution, "OpenStreetMap") {
		t.Fatalf("isochrone output: %+v", fc)
	}
	for _, args := range [][]string{
		{"isochrone", "--lon", "9.52"},
		{"isochrone", "--lon", "9.52", "--lat", "95"},
		{"isochrone", "--lon", "9.52", "--lat", "47.14", "--minutes", "0"},
		{"isochrone", "--lon", "9.52", "--lat", "47.14", "--profile", "runner"},
		{"isochrone", "--lon", "8.0", "--lat", "47.14"},
	} {
		if _, _, err := runCmd(args...); err == nil {
			t.Errorf("%v: accepted", args)
		}
	}
}

func TestReportAndCellsCommands(t *testing.T) {
	out, _, err := runCmd("report", "--format", "csv", "--profile", "senior", "--category", "clinic")
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(out, "\n"); lines != 1+12 {
		t.Errorf("%d CSV lines, want 13 (header, city, 11 communities)", lines)
	}
	out, _, err = runCmd("cells", "--res", "8")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out, "h3,res,community,population,profile,minutes_kindergarten") {
		t.Errorf("cells header: %q", out[:80])
	}
	for _, args := range [][]string{
		{"report", "--format", "xml"}, {"report", "--profile", "runner"}, {"report", "--category", "zoo"},
		{"cells", "--res", "11"}, {"cells", "--format", "shp"}, {"report", "--cutoff", "-1"},
	} {
		if _, _, err := runCmd(args...); err == nil {
			t.Errorf("%v: accepted", args)
		}
	}
}

// TestWhatIfForms: the compact answer is the default of whatif --format
// json, the full one comes with --report full, and both agree on the
// summary and the cells; a third form is refused, naming the flag.
func TestWhatIfForms(t *testing.T) {
	sc := filepath.Join(t.TempDir(), "clinic.json")
	os.WriteFile(sc, []byte(`{"name":"A clinic in Triesen","add":[{"category":"clinic","lon":9.5290,"lat":47.1070}]}`), 0o644)
	type doc struct {
		Summary     map[string]any    `json:"summary"`
		Communities []json.RawMessage `json:"communities"`
		Cells       []json.RawMessage `json:"cells"`
		Diff        json.RawMessage   `json:"diff"`
		Report      json.RawMessage   `json:"report"`
	}
	var forms [2]doc
	for i, args := range [][]string{{}, {"--report", "full"}} {
		out, _, err := runCmd(append([]string{"whatif", "--scenario", sc, "--format", "json"}, args...)...)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(out), &forms[i]); err != nil {
			t.Fatal(err)
		}
	}
	c, f := forms[0], forms[1]
	if len(c.Communities) == 0 || c.Diff != nil || c.Report != nil {
		t.Errorf("compact: %d communities, diff %s, report %.20s", len(c.Communities), c.Diff, c.Report)
	}
	if f.Communities != nil || f.Diff == nil || f.Report == nil {
		t.Errorf("full: communities %v, diff %.20s, report %.20s", f.Communities, f.Diff, f.Report)
	}
	if !reflect.DeepEqual(c.Summary, f.Summary) || len(c.Cells) != len(f.Cells) || len(c.Cells) == 0 {
		t.Errorf("summaries %v and %v, %d and %d cells", c.Summary, f.Summary, len(c.Cells), len(f.Cells))
	}
	if _, _, err := runCmd("whatif", "--scenario", sc, "--format", "json", "--report", "long"); err == nil || !strings.Contains(err.Error(), "--report") {
		t.Errorf("--report long: %v", err)
	}
}
