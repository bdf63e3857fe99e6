package main

import (
	"encoding/json"
	"os"
	"path/filepath"
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
		Diff struct {
			Total struct {
				Profiles []struct {
					Categories []struct {
						Category     string  `json:"category"`
						CoveredDelta float64 `json:"covered_delta"`
					}
				}
			}
		}
		Cells []json.RawMessage
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	gain := 0.0
	for _, c := range res.Diff.Total.Profiles[0].Categories {
		if c.Category == "clinic" {
			gain = c.CoveredDelta
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
