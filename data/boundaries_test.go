package data

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	"github.com/paulmach/osm"

	"fifteen/geo"
)

// A square boundary cut by the extract's edge leaves two open pieces; they
// are chained and closed along the cut.
func TestChainCloseRepairsCutRing(t *testing.T) {
	// The square (0,0)-(4,4) with its right side (x = 4) outside the
	// extract: the pieces are the bottom-left and top.
	a := []orb.Point{{3, 0}, {0, 0}, {0, 4}}
	b := []orb.Point{{0, 4}, {3, 4}}
	rings, open := stitchOpen([][]orb.Point{b, a})
	if len(rings) != 0 || len(open) != 1 {
		t.Fatalf("rings %v, open %v: want the two pieces joined into one open chain", rings, open)
	}
	ring, ok := chainClose(open)
	if !ok {
		t.Fatal("could not close")
	}
	if !ring.Closed() || math.Abs(planar.Area(ring)) != 12 {
		t.Errorf("ring %v: area %v, want a closed ring of area 12 (3 × 4)", ring, planar.Area(ring))
	}
	if _, ok := chainClose([][]orb.Point{{{0, 0}, {1, 1}}}); ok {
		t.Error("a two-point piece was closed into a ring")
	}
}

// loadOSMOnly loads an OSM extract with no other input.
func loadOSMOnly(t *testing.T, path string) (*geo.City, *LoadStats) {
	t.Helper()
	city, st, err := Load(context.Background(), Config{OSMPath: path})
	if err != nil {
		t.Fatal(err)
	}
	return city, st
}

// checkOSMOnlyCity checks the invariants of a city made from OSM alone:
// residents, every populated cell in exactly one community, and totals
// preserved from the counts to the cells to the communities.
func checkOSMOnlyCity(t *testing.T, city *geo.City, st *LoadStats) {
	t.Helper()
	pop := city.Population
	if pop == nil || pop.Total <= 0 {
		t.Fatalf("no residents: %+v", st.Population)
	}
	if st.Communities.Source != "osm" || len(city.Communities) == 0 {
		t.Fatalf("communities from %q, %d of them", st.Communities.Source, len(city.Communities))
	}
	seen := map[[2]int64]bool{}
	var cellSum float64
	byComm := make([]float64, len(city.Communities))
	for _, c := range pop.Cells {
		if c.Community < 0 || int(c.Community) >= len(city.Communities) {
			t.Fatalf("cell %s belongs to community %d of %d", c.Cell, c.Community, len(city.Communities))
		}
		k := [2]int64{int64(c.Cell), int64(c.Community)}
		if seen[k] {
			t.Fatalf("cell %s listed twice for community %d", c.Cell, c.Community)
		}
		seen[k] = true
		if !(c.Pop > 0) {
			t.Fatalf("cell %s with population %v", c.Cell, c.Pop)
		}
		cellSum += c.Pop
		byComm[c.Community] += c.Pop
	}
	var commSum float64
	for i, c := range city.Communities {
		if math.Abs(byComm[i]-c.Population) > 1e-6*c.Population {
			t.Errorf("community %s: population %v, its cells hold %v", c.ID, c.Population, byComm[i])
		}
		if c.Source == "" {
			t.Errorf("community %s without a source", c.ID)
		}
		commSum += c.Population
	}
	counted := st.Population.FromCounts + st.Population.Estimated
	for name, v := range map[string]float64{"cells": cellSum, "communities": commSum, "Population.Total": pop.Total} {
		if math.Abs(v-counted) > 1e-6*counted {
			t.Errorf("%s sum to %v, the counts and estimate to %v", name, v, counted)
		}
	}
}

func TestOSMOnlyWilmington(t *testing.T) {
	city, st := loadOSMOnly(t, "testdata/wilmington-2016-08-10.osm.pbf")
	checkOSMOnlyCity(t, city, st)
	if st.Communities.AdminLevel != 8 || st.Communities.AdminLevelChosen != "default" {
		t.Errorf("admin level %d (%s), want 8 by default", st.Communities.AdminLevel, st.Communities.AdminLevelChosen)
	}
	if !strings.HasPrefix(city.Population.Source, geo.MethodOSMPopulation) {
		t.Errorf("population source %q, want %s first", city.Population.Source, geo.MethodOSMPopulation)
	}
	var wilm *geo.Community
	for i := range city.Communities {
		if city.Communities[i].Name == "Wilmington" {
			wilm = &city.Communities[i]
		}
	}
	if wilm == nil || wilm.Source != "osm:relation/369472 admin_level=8" {
		t.Fatalf("no Wilmington community from its boundary: %+v", wilm)
	}
	// Hexagons are named after the nearest place: Bellefonte lies in one.
	named := false
	for _, c := range city.Communities {
		if c.Source == "h3 res 8" && c.Name == "Bellefonte ("+c.ID+")" {
			named = true
		}
	}
	if !named {
		t.Error("no hexagon community named after Bellefonte")
	}
	// The state's boundary is cut by the extract's edge: repaired and
	// reported, not dropped; Wilmington's is whole.
	if !containsPrefix(st.OSM.BoundariesRepaired, "osm:relation/162110 ") || containsPrefix(st.OSM.BoundariesRepaired, "osm:relation/369472 ") {
		t.Errorf("repaired: %v; want the state (162110), not Wilmington (369472)", st.OSM.BoundariesRepaired)
	}
	// The country's boundary has no member in the extract: reported.
	if !containsPrefix(st.OSM.BoundariesDropped, "osm:relation/148838 ") {
		t.Errorf("the United States not listed as dropped: %v", st.OSM.BoundariesDropped)
	}
	// Wilmington's population=* (72,826 on its place node) is placed inside
	// its boundary less what the smaller areas in it hold; the place nodes
	// are each accounted for.
	if len(st.Population.PlaceNodes) != st.OSM.PlacesWithPopulation {
		t.Errorf("%d notes for %d place nodes", len(st.Population.PlaceNodes), st.OSM.PlacesWithPopulation)
	}
	if wilm.Population < 50000 || wilm.Population > 72826 {
		t.Errorf("Wilmington holds %v residents, want most of 72,826", wilm.Population)
	}

	// The analyses that count residents work.
	a, err := geo.ComputeAccess(city, geo.AccessOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := a.Report()
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Communities) != len(city.Communities) || math.Abs(rep.Total.Profiles[0].Categories[0].Population-city.Population.Total) > 1e-6*city.Population.Total {
		t.Errorf("report: %d communities, total population %v; want %d and %v", len(rep.Communities),
			rep.Total.Profiles[0].Categories[0].Population, len(city.Communities), city.Population.Total)
	}
	if _, err := a.Gaps(geo.GapOptions{Category: "clinic"}); err != nil {
		t.Error(err)
	}
	if _, err := a.Siting(geo.SitingOptions{Category: "clinic", K: 2}); err != nil {
		t.Error(err)
	}
}

func containsPrefix(list []string, prefix string) bool {
	for _, s := range list {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}

func TestOSMOnlyAdminLevelFlag(t *testing.T) {
	city, st, err := Load(context.Background(), Config{OSMPath: "testdata/wilmington-2016-08-10.osm.pbf", AdminLevel: 10})
	if err == nil {
		t.Fatalf("admin level 10 accepted with %d communities (%+v)", len(city.Communities), st.Communities)
	}
	if !strings.Contains(err.Error(), "admin_level 10") || !strings.Contains(err.Error(), "levels present") {
		t.Errorf("error %q does not name the level and those present", err)
	}
}

func TestNoPopulationCity(t *testing.T) {
	city, st := loadOSMOnly(t, "testdata/no_population_grid.osm")
	if city.Population == nil || len(city.Population.Cells) != 0 || city.Population.Source != geo.MethodNone {
		t.Fatalf("population %+v, want an empty one with source none", city.Population)
	}
	if st.Communities.Source != "none" {
		t.Errorf("communities from %q, want none", st.Communities.Source)
	}
	a, err := geo.ComputeAccess(city, geo.AccessOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Report(); err == nil || !errorsIs(err, geo.ErrNoResidents) {
		t.Errorf("report: %v, want ErrNoResidents", err)
	}
	if _, err := a.Gaps(geo.GapOptions{Category: "clinic"}); !errorsIs(err, geo.ErrNoResidents) {
		t.Errorf("gaps: %v, want ErrNoResidents", err)
	}
	if _, err := a.Siting(geo.SitingOptions{Category: "clinic", K: 1}); !errorsIs(err, geo.ErrNoResidents) {
		t.Errorf("siting: %v, want ErrNoResidents", err)
	}
}

// TestOSMOnlyDelaware runs on the whole state when ../shared holds it.
func TestOSMOnlyDelaware(t *testing.T) {
	const path = "../../shared/data/delaware/delaware-latest.osm.pbf"
	if _, err := os.Stat(path); err != nil || testing.Short() {
		t.Skip("the Delaware extract is not here (or -short)")
	}
	city, st := loadOSMOnly(t, path)
	checkOSMOnlyCity(t, city, st)
}

func errorsIs(err, target error) bool { return errors.Is(err, target) }

// Load tells its stages in order, with the OSM extract's bytes.
func TestLoadProgressStages(t *testing.T) {
	var stages []string
	var lastDone, total int64
	_, _, err := Load(context.Background(), Config{OSMPath: "testdata/monaco-2021-04-21.osm.pbf",
		Progress: func(stage string, done, tot int64) {
			if len(stages) == 0 || stages[len(stages)-1] != stage {
				stages = append(stages, stage)
			}
			if stage == StageReadOSM {
				lastDone, total = done, tot
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{StageReadOSM, StageIndex, StageFacilities, StagePopulation, StageCellSnap, StageLoaded}
	if strings.Join(stages, "|") != strings.Join(want, "|") {
		t.Errorf("stages %q, want %q", stages, want)
	}
	if total != 445315 || lastDone != total {
		t.Errorf("read %d of %d bytes, want all 445315", lastDone, total)
	}
}

// With --admin-level, a boundary of that level whose ring cannot be closed
// is an error naming the file and the boundary; without it, a report.
func TestAdminLevelBoundaryCannotClose(t *testing.T) {
	const osmXML = `<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6">
<node id="1" lat="43.7300" lon="7.4200"/><node id="2" lat="43.7300" lon="7.4300"/>
<node id="3" lat="43.7400" lon="7.4300"/><node id="4" lat="43.7400" lon="7.4200"/>
<node id="5" lat="43.7350" lon="7.4250"><tag k="building" v="house"/></node>
<way id="10"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="1"/><tag k="highway" v="residential"/></way>
<way id="11"><nd ref="1"/><nd ref="99"/></way>
<relation id="20"><member type="way" ref="11" role="outer"/><member type="way" ref="12" role="outer"/>
<tag k="type" v="boundary"/><tag k="boundary" v="administrative"/><tag k="admin_level" v="9"/><tag k="name" v="Broken"/></relation>
</osm>`
	path := t.TempDir() + "/broken.osm"
	if err := os.WriteFile(path, []byte(osmXML), 0o644); err != nil {
		t.Fatal(err)
	}
	_, st, err := Load(context.Background(), Config{OSMPath: path})
	if err != nil {
		t.Fatal(err)
	}
	if !containsPrefix(st.OSM.BoundariesDropped, `osm:relation/20 "Broken" admin_level=9: `) {
		t.Errorf("not reported: %v", st.OSM.BoundariesDropped)
	}
	_, _, err = Load(context.Background(), Config{OSMPath: path, AdminLevel: 9})
	if !errors.Is(err, ErrNoBoundaries) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), `osm:relation/20 "Broken"`) ||
		!strings.Contains(err.Error(), "cannot be closed") {
		t.Errorf("error %v: want one naming the file, the boundary and the problem", err)
	}
}

func TestOSMPopulationTag(t *testing.T) {
	for in, want := range map[string]float64{
		"72826": 72826, "1,234": 1234, "1 234 567": 1234567, "1.234.567": 1234567, "1.234": 1234,
		"12.5": 12.5, "about 500": 0, "-3": 0, "": 0, "NaN": 0,
	} {
		tags := osm.Tags{{Key: "population", Value: in}}
		if got := osmPopulation(tags); got != want {
			t.Errorf("population=%q: %v, want %v", in, got, want)
		}
	}
}

// A communities file of outlines without population takes its residents
// from the other inputs; households and age shares are kept.
func TestCommunityOutlinesWithoutPopulation(t *testing.T) {
	raw, err := os.ReadFile("city/li_municipalities_population.geojson")
	if err != nil {
		t.Fatal(err)
	}
	var fc map[string]any
	if err := json.Unmarshal(raw, &fc); err != nil {
		t.Fatal(err)
	}
	for _, f := range fc["features"].([]any) {
		props := f.(map[string]any)["properties"].(map[string]any)
		delete(props, "population")
		props["aged_60_share"] = 0.25
	}
	out, _ := json.Marshal(fc)
	path := t.TempDir() + "/outlines.geojson"
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadCommunities(bytes.NewReader(out), path); !errors.Is(err, geo.ErrNoPopulation) {
		t.Errorf("LoadCommunities accepted outlines: %v", err)
	}
	city, st, err := Load(context.Background(), Config{OSMPath: "city/liechtenstein-2024-03-04.osm.pbf", CommunitiesPath: path})
	if err != nil {
		t.Fatal(err)
	}
	if st.Communities.Source != "file" || !strings.HasPrefix(city.Population.Source, geo.MethodOSMPopulation) {
		t.Errorf("communities from %q, population from %q", st.Communities.Source, city.Population.Source)
	}
	if len(city.Communities)+st.Communities.Empty != 11 {
		t.Errorf("%d communities and %d empty, want 11 in all", len(city.Communities), st.Communities.Empty)
	}
	var inComms, outside float64
	for _, c := range city.Population.Cells {
		if c.Community < 0 {
			outside += c.Pop
		} else {
			inComms += c.Pop
		}
	}
	var sum float64
	for _, c := range city.Communities {
		if c.Population <= 0 || c.Aged60Share != 0.25 || c.Source != "file" {
			t.Errorf("community %s: population %v, aged 60+ %v, source %q", c.ID, c.Population, c.Aged60Share, c.Source)
		}
		sum += c.Population
	}
	if math.Abs(sum-inComms) > 1e-6*sum || math.Abs(inComms+outside-city.Population.Total) > 1e-6*sum {
		t.Errorf("communities %v, their cells %v, outside %v, total %v", sum, inComms, outside, city.Population.Total)
	}
}

// A boundary with a hole and an exclave: both polygons are kept, the hole
// too, and residents in the hole belong to another community.
func TestBoundaryHoleAndExclave(t *testing.T) {
	// Main square 0..0.02 with a hole 0.008..0.012; exclave square
	// 0.03..0.04. Coordinates are offsets from (7.40, 43.70).
	type pt struct{ x, y float64 }
	nodes := []pt{{0, 0}, {0.02, 0}, {0.02, 0.02}, {0, 0.02}, // 1-4 outer
		{0.008, 0.008}, {0.012, 0.008}, {0.012, 0.012}, {0.008, 0.012}, // 5-8 hole
		{0.03, 0}, {0.04, 0}, {0.04, 0.01}, {0.03, 0.01}} // 9-12 exclave
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><osm version="0.6">`)
	for i, p := range nodes {
		fmt.Fprintf(&b, `<node id="%d" lat="%.6f" lon="%.6f"/>`, i+1, 43.70+p.y, 7.40+p.x)
	}
	// Houses: one in the main part, one in the hole, one in the exclave;
	// a street through everything so that all are near the network.
	houses := []pt{{0.004, 0.004}, {0.01, 0.01}, {0.035, 0.005}}
	for i, h := range houses {
		id := 100 + 10*i
		for k, d := range []pt{{0, 0}, {0.0002, 0}, {0.0002, 0.0002}, {0, 0.0002}} {
			fmt.Fprintf(&b, `<node id="%d" lat="%.6f" lon="%.6f"/>`, id+k, 43.70+h.y+d.y, 7.40+h.x+d.x)
		}
	}
	fmt.Fprintf(&b, `<node id="200" lat="43.700" lon="7.395"/><node id="201" lat="43.712" lon="7.445"/>`)
	b.WriteString(`<way id="1"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="1"/></way>`)
	b.WriteString(`<way id="2"><nd ref="5"/><nd ref="6"/><nd ref="7"/><nd ref="8"/><nd ref="5"/></way>`)
	b.WriteString(`<way id="3"><nd ref="9"/><nd ref="10"/><nd ref="11"/><nd ref="12"/><nd ref="9"/></way>`)
	for i := range houses {
		id := 100 + 10*i
		fmt.Fprintf(&b, `<way id="%d"><nd ref="%d"/><nd ref="%d"/><nd ref="%d"/><nd ref="%d"/><nd ref="%d"/><tag k="building" v="house"/></way>`,
			10+i, id, id+1, id+2, id+3, id)
	}
	b.WriteString(`<way id="20"><nd ref="200"/><nd ref="5"/><nd ref="7"/><nd ref="11"/><nd ref="201"/><tag k="highway" v="residential"/></way>`)
	b.WriteString(`<relation id="30"><member type="way" ref="1" role="outer"/><member type="way" ref="2" role="inner"/>` +
		`<member type="way" ref="3" role="outer"/><tag k="type" v="boundary"/><tag k="boundary" v="administrative"/>` +
		`<tag k="admin_level" v="8"/><tag k="name" v="Holey"/><tag k="population" v="900"/></relation></osm>`)
	path := t.TempDir() + "/holey.osm"
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	d := readFixture(t, path)
	if len(d.Boundaries) != 1 {
		t.Fatalf("%d boundaries", len(d.Boundaries))
	}
	g := d.Boundaries[0].Geom
	if len(g) != 2 || len(g[0])+len(g[1]) != 3 {
		t.Fatalf("geometry: %d polygons with %d and %d rings; want 2 polygons, one with a hole", len(g), len(g[0]), len(g[len(g)-1]))
	}
	city, st, err := Load(context.Background(), Config{OSMPath: path})
	if err != nil {
		t.Fatal(err)
	}
	var holey, other float64
	for _, c := range city.Communities {
		if c.Name == "Holey" {
			holey += c.Population
		} else {
			other += c.Population
		}
	}
	// The count (900) goes to the two houses inside the boundary; the house
	// in the hole is estimated from its floor area and lands in a hexagon.
	if math.Abs(holey-900) > 1e-6 || other <= 0 {
		t.Errorf("Holey %v (want 900), others %v (want the house in the hole, > 0); %+v", holey, other, st.Communities)
	}
}
