package data

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fifteen/geo"
)

func defaultAccess(t testing.TB, opt geo.AccessOptions) *geo.Access {
	t.Helper()
	a, err := geo.ComputeAccess(defaultCity(t), opt)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestReportInvariantsDefaultCity(t *testing.T) {
	a := defaultAccess(t, geo.AccessOptions{})
	r, err := a.Report()
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(r.Total.Population-37269) > 0.5 {
		t.Fatalf("total population %.1f", r.Total.Population)
	}
	if len(r.Communities) != 11 {
		t.Fatalf("%d communities", len(r.Communities))
	}
	prof := map[string]int{}
	for i, p := range a.Profiles {
		prof[p.ID] = i
	}
	for _, cc := range append([]geo.CommunityCoverage{r.Total}, r.Communities...) {
		adult := cc.Profiles[prof["adult"]]
		for _, slower := range []string{"senior", "wheelchair"} {
			s := cc.Profiles[prof[slower]]
			// Liechtenstein's communities give no 60+ share, so every
			// profile counts the same residents and shares compare.
			for c := range adult.Categories {
				if s.Categories[c].Share > adult.Categories[c].Share+1e-12 {
					t.Errorf("%s %s: %s share %.4f above adult %.4f", cc.Name, adult.Categories[c].Category,
						slower, s.Categories[c].Share, adult.Categories[c].Share)
				}
			}
			if s.CompleteShare > adult.CompleteShare+1e-12 || s.F15 > adult.F15+1e-12 {
				t.Errorf("%s: %s composite above adult", cc.Name, slower)
			}
		}
		for _, p := range cc.Profiles {
			for _, c := range p.Categories {
				if c.Covered+c.Unreached > c.Population+1e-6 || c.Share < 0 || c.Share > 1 {
					t.Errorf("%s %s %s: covered %.1f + unreached %.1f > population %.1f", cc.Name, p.Profile, c.Category, c.Covered, c.Unreached, c.Population)
				}
				if c.Gini < 0 || c.Gini > 1 {
					t.Errorf("%s %s: gini %v", cc.Name, c.Category, c.Gini)
				}
				if c.MeanMin != nil && c.P90Min != nil && *c.P90Min > a.Options.CutoffMin {
					t.Errorf("%s %s: p90 %v beyond the cutoff", cc.Name, c.Category, *c.P90Min)
				}
			}
		}
	}
}

func TestCoverageGrowsWithThreshold(t *testing.T) {
	a := defaultAccess(t, geo.AccessOptions{})
	share := func(c, thrMin int) float64 {
		var in, all float64
		for i, pc := range a.City.Population.Cells {
			all += pc.Pop
			if a.TimeDs[0][c][i] <= geo.MinToDs(float64(thrMin)) {
				in += pc.Pop
			}
		}
		return in / all
	}
	for c, cat := range a.City.Taxonomy.Categories {
		s5, s10, s15 := share(c, 5), share(c, 10), share(c, 15)
		if s5 > s10 || s10 > s15 {
			t.Errorf("%s: coverage 5/10/15 min = %.3f %.3f %.3f", cat.ID, s5, s10, s15)
		}
	}
}

// BenchmarkReportAll computes everything in the report for the default
// city: access for every category and profile, then the report.
func BenchmarkReportAll(b *testing.B) {
	city := defaultCity(b)
	b.ReportAllocs()
	for b.Loop() {
		a, err := geo.ComputeAccess(city, geo.AccessOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := a.Report(); err != nil {
			b.Fatal(err)
		}
	}
}

func TestUserProfileFromTaxonomyFile(t *testing.T) {
	raw, err := os.ReadFile("categories.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	doc["profiles"] = []map[string]any{
		{"id": "child", "name": "Child walking alone", "name_zh": "儿童", "speed_kmh": 3.0, "steps_factor": 2.5, "unpaved_factor": 1.2, "incline_free_pct": 4, "incline_penalty_per_pct": 0.06, "weight": "all"},
		{"id": "adult", "name": "Brisk adult", "speed_kmh": 5.0, "steps_factor": 1.5, "unpaved_factor": 1},
	}
	b, _ := json.Marshal(doc)
	path := filepath.Join(t.TempDir(), "cats.json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	city, _, err := Load(context.Background(), Config{CategoriesPath: path})
	if err != nil {
		t.Fatal(err)
	}
	a, err := geo.ComputeAccess(city, geo.AccessOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Profiles) != 4 || a.Profiles[0].SpeedKmh != 5 || a.ProfileIndex("child") != 3 {
		t.Fatalf("profiles %+v", a.Profiles)
	}
	// The child at 3 km/h, slower than the senior at 3.6 on every kind of
	// way, never arrives sooner.
	for c := range city.Taxonomy.Categories {
		for i := range city.Population.Cells {
			if a.TimeDs[3][c][i] < a.TimeDs[1][c][i] {
				t.Fatalf("child faster than senior at cell %d", i)
			}
		}
	}
	doc["profiles"] = []map[string]any{{"id": "rocket", "speed_kmh": 900}}
	b, _ = json.Marshal(doc)
	os.WriteFile(path, b, 0o644)
	if _, _, err := Load(context.Background(), Config{CategoriesPath: path}); err == nil || !strings.Contains(err.Error(), "rocket") {
		t.Errorf("a 900 km/h walker was accepted: %v", err)
	}
}

// BenchmarkReportOnly is the report alone, on computed access: coverage,
// life circles and E2SFCA. After the first iteration the per-category
// parts (cells in time order, E2SFCA) come from the access's own cache, as
// they do for a server answering the same city again.
func BenchmarkReportOnly(b *testing.B) {
	a := defaultAccess(b, geo.AccessOptions{})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.Report(); err != nil {
			b.Fatal(err)
		}
	}
}

func TestSeniorsCountedByTheirShare(t *testing.T) {
	raw, err := os.ReadFile("city/li_municipalities_population.geojson")
	if err != nil {
		t.Fatal(err)
	}
	var fc map[string]any
	if err := json.Unmarshal(raw, &fc); err != nil {
		t.Fatal(err)
	}
	shares := map[string]float64{}
	var want60 float64
	for i, f := range fc["features"].([]any) {
		props := f.(map[string]any)["properties"].(map[string]any)
		share := 0.15 + 0.01*float64(i)
		props["aged_60_share"] = share
		shares[props["name"].(string)] = share
		want60 += props["population"].(float64) * share
	}
	b, _ := json.Marshal(fc)
	path := filepath.Join(t.TempDir(), "communities.geojson")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	// The embedded OSM with this communities file.
	osmPath := filepath.Join(t.TempDir(), "li.osm.pbf")
	if err := os.WriteFile(osmPath, defaultOSM, 0o644); err != nil {
		t.Fatal(err)
	}
	city, _, err := Load(context.Background(), Config{OSMPath: osmPath, CommunitiesPath: path})
	if err != nil {
		t.Fatal(err)
	}
	a, err := geo.ComputeAccess(city, geo.AccessOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := a.Report()
	if err != nil {
		t.Fatal(err)
	}
	senior := a.ProfileIndex("senior")
	if got := r.Total.Profiles[senior].Population; math.Abs(got-want60) > 1e-6*want60 {
		t.Errorf("city: %.2f seniors counted, want %.2f", got, want60)
	}
	for _, cc := range r.Communities {
		want := cc.Population * shares[cc.Name]
		if got := cc.Profiles[senior].Population; math.Abs(got-want) > 1e-6*want {
			t.Errorf("%s: %.2f seniors, want %.2f", cc.Name, got, want)
		}
		// Within one community the share is uniform: seniors' coverage
		// is still never above adults'.
		for c, cat := range cc.Profiles[senior].Categories {
			if cat.Share > cc.Profiles[0].Categories[c].Share+1e-12 {
				t.Errorf("%s %s: senior share above adult", cc.Name, cat.Category)
			}
		}
	}
}
