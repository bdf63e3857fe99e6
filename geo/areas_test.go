package geo_test

import (
	"math"
	"testing"

	"github.com/paulmach/orb"

	"fifteen/geo"
	"fifteen/geo/hex"
)

// square returns a lon/lat square [x0,x1]×[y0,y1] as a multipolygon.
func square(x0, y0, x1, y1 float64) orb.MultiPolygon {
	return orb.MultiPolygon{{{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}}}
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-6*math.Max(1, math.Abs(b)) }

// TestEstimatePopulationNested checks by hand: a county of 1,000 with a town
// of 300 inside; one house in the town, two in the county outside it (one
// twice the floor area of the other), one house outside both at 0.02
// persons per m².
func TestEstimatePopulationNested(t *testing.T) {
	county := square(8.0, 47.0, 8.2, 47.2)
	town := square(8.05, 47.05, 8.1, 47.1)
	b := func(lon, lat, m2 float64) geo.Building {
		return geo.Building{Centroid: orb.Point{lon, lat}, AreaM2: m2, Levels: 1, Residential: true}
	}
	in := geo.EstimateInput{
		Areas: []geo.PopulationArea{
			{ID: "county", Geom: county, Population: 1000},
			{ID: "town", Geom: town, Population: 300},
		},
		Buildings: []geo.Building{
			b(8.07, 47.07, 120),  // town
			b(8.15, 47.15, 100),  // county only
			b(8.012, 47.19, 200), // county only, twice the floor
			b(8.5, 47.5, 150),    // outside: 150 m² × 0.02 = 3 residents
			{Centroid: orb.Point{8.16, 47.16}, AreaM2: 500, Levels: 1}, // not residential, not in a residential area
		},
		PersonsPerM2: 0.02,
	}
	est, err := geo.EstimatePopulation(in)
	if err != nil {
		t.Fatal(err)
	}
	sum := map[string]float64{}
	for i, c := range est.Cells {
		if c.Community != -1 {
			t.Errorf("cell %s: community %d, want -1", c.Cell, c.Community)
		}
		switch {
		case c.Point == orb.Point{8.07, 47.07}:
			sum["town"] += c.Pop
		case c.Point == orb.Point{8.15, 47.15}:
			sum["county small"] += c.Pop
		case c.Point == orb.Point{8.012, 47.19}:
			sum["county big"] += c.Pop
		case c.Point == orb.Point{8.5, 47.5}:
			sum["outside"] += c.Pop
			if est.Methods[i] != geo.MethodFloorEstimate {
				t.Errorf("outside cell method %q, want %q", est.Methods[i], geo.MethodFloorEstimate)
			}
		default:
			t.Errorf("unexpected cell at %v", c.Point)
		}
	}
	want := map[string]float64{"town": 300, "county small": 700.0 / 3, "county big": 1400.0 / 3, "outside": 3}
	for k, w := range want {
		if !near(sum[k], w) {
			t.Errorf("%s: %v residents, want %v", k, sum[k], w)
		}
	}
	if !near(est.FromAreas, 1000) || !near(est.FromFloor, 3) {
		t.Errorf("from areas %v, from floor %v; want 1000 and 3", est.FromAreas, est.FromFloor)
	}
}

// TestEstimatePopulationInconsistentCounts: a county whose count is below
// its town's places nothing more and says so; the town keeps its own.
func TestEstimatePopulationInconsistentCounts(t *testing.T) {
	est, err := geo.EstimatePopulation(geo.EstimateInput{
		Areas: []geo.PopulationArea{
			{ID: "county", Geom: square(8.0, 47.0, 8.2, 47.2), Population: 200},
			{ID: "town", Geom: square(8.05, 47.05, 8.1, 47.1), Population: 300},
		},
		Buildings: []geo.Building{
			{Centroid: orb.Point{8.07, 47.07}, AreaM2: 100, Residential: true},
			{Centroid: orb.Point{8.15, 47.15}, AreaM2: 100, Residential: true},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	var total float64
	for _, c := range est.Cells {
		total += c.Pop
	}
	if !near(total, 300) {
		t.Errorf("placed %v, want 300 (the town only)", total)
	}
	for _, a := range est.Areas {
		if a.ID == "county" && (a.Placed != 0 || a.Note == "") {
			t.Errorf("county: placed %v, note %q; want 0 and a note", a.Placed, a.Note)
		}
	}
}

// TestEstimatePopulationNetworkFallback: an area without residential floor
// spreads its count evenly over its network cells.
func TestEstimatePopulationNetworkFallback(t *testing.T) {
	area := square(8.0, 47.0, 8.02, 47.02)
	var net []hex.Cell
	for _, p := range []orb.Point{{8.005, 47.005}, {8.015, 47.015}, {8.01, 47.01}, {8.3, 47.3}} {
		c, err := hex.FromPoint(p, geo.PopulationRes)
		if err != nil {
			t.Fatal(err)
		}
		net = append(net, c)
	}
	got, err := geo.EstimatePopulation(geo.EstimateInput{
		Areas:        []geo.PopulationArea{{ID: "a", Geom: area, Population: 90}},
		NetworkCells: func() []hex.Cell { return net },
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Cells) != 3 {
		t.Fatalf("%d cells, want the 3 network cells inside the area", len(got.Cells))
	}
	for _, c := range got.Cells {
		if !near(c.Pop, 30) {
			t.Errorf("cell %s: %v, want 30", c.Cell, c.Pop)
		}
	}
	if got.Areas[0].Method != geo.MethodNetworkCells {
		t.Errorf("method %q, want %q", got.Areas[0].Method, geo.MethodNetworkCells)
	}
}

// TestAssignCommunities: every populated cell lands in exactly one
// community, the smallest area holding it or a resolution-8 hexagon, and
// the totals are preserved.
func TestAssignCommunities(t *testing.T) {
	big := square(8.0, 47.0, 8.2, 47.2)
	small := square(8.05, 47.05, 8.1, 47.1)
	pts := []orb.Point{{8.07, 47.07}, {8.07, 47.07}, {8.15, 47.15}, {8.5, 47.5}, {8.5001, 47.5001}, {9.0, 47.0}}
	var cells []geo.PopCell
	var methods []string
	for i, p := range pts {
		c, err := hex.FromPoint(p, geo.PopulationRes)
		if err != nil {
			t.Fatal(err)
		}
		cells = append(cells, geo.PopCell{Cell: c, Pop: float64(10 * (i + 1)), Point: p, Community: -1})
		methods = append(methods, geo.MethodOSMPopulation)
	}
	methods[4] = geo.MethodFloorEstimate
	pop, comms, err := geo.AssignCommunities(cells, methods, []geo.CommunityArea{
		{ID: "big", Name: "Big", Geom: big, Source: "test admin_level=6"},
		{ID: "small", Name: "Small", Geom: small, Source: "test admin_level=8"},
		{ID: "empty", Name: "Empty", Geom: square(10, 10, 10.1, 10.1)},
	}, true)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]float64{}
	for i, c := range comms {
		byID[c.ID] = c.Population
		if c.Population != pop.PlacedByCommunity[i] {
			t.Errorf("community %s: population %v, placed %v", c.ID, c.Population, pop.PlacedByCommunity[i])
		}
	}
	if byID["small"] != 30 || byID["big"] != 30 {
		t.Errorf("small %v, big %v; want 30 and 30", byID["small"], byID["big"])
	}
	if _, ok := byID["empty"]; ok {
		t.Error("an area with nobody in it became a community")
	}
	hexes := 0
	for _, c := range comms {
		if c.Source == "h3 res 8" {
			hexes++
			if len(c.Geom) != 1 || len(c.Geom[0][0]) < 7 {
				t.Errorf("hexagon community %s: geometry %v", c.ID, c.Geom)
			}
		}
	}
	if hexes != 2 {
		t.Errorf("%d hexagon communities, want 2 (the two points outside every area)", hexes)
	}
	seen := map[[2]int64]bool{}
	var total float64
	for _, c := range pop.Cells {
		if c.Community < 0 || int(c.Community) >= len(comms) {
			t.Fatalf("cell %s in community %d", c.Cell, c.Community)
		}
		k := [2]int64{int64(c.Cell), int64(c.Community)}
		if seen[k] {
			t.Errorf("cell %s twice in community %d", c.Cell, c.Community)
		}
		seen[k] = true
		total += c.Pop
	}
	if total != 210 || pop.Total != 210 {
		t.Errorf("total %v (Population.Total %v), want 210", total, pop.Total)
	}
	if !near(pop.Estimated, 50) {
		t.Errorf("estimated %v, want 50", pop.Estimated)
	}
}

func TestChooseAdminLevel(t *testing.T) {
	for _, tc := range []struct {
		name   string
		levels map[int]geo.LevelStats
		want   int
	}{
		{"finest with half the residents", map[int]geo.LevelStats{
			6: {Coverage: 1, MedianKm2: 50}, 8: {Coverage: 0.6, MedianKm2: 5}, 10: {Coverage: 0.1, MedianKm2: 0.3}}, 8},
		{"counties are not communities, delaware", map[int]geo.LevelStats{
			4: {Coverage: 1, MedianKm2: 4800}, 6: {Coverage: 1, MedianKm2: 588}, 8: {Coverage: 0.29, MedianKm2: 2.9}, 10: {Coverage: 0.001, MedianKm2: 0.3}}, 8},
		{"no community-sized level", map[int]geo.LevelStats{4: {Coverage: 1, MedianKm2: 4800}}, 0},
		{"nobody inside", map[int]geo.LevelStats{8: {Coverage: 0, MedianKm2: 3}}, 0},
	} {
		if got := geo.ChooseAdminLevel(tc.levels); got != tc.want {
			t.Errorf("%s: level %d, want %d", tc.name, got, tc.want)
		}
	}
}

// TestPopulationAreas: a place node gives its population to the boundary
// it labels, else to one of its name around it; a node no boundary takes
// is spread over a disc; a boundary with its own count keeps it.
func TestPopulationAreas(t *testing.T) {
	bounds := []geo.Boundary{
		{ID: "r1", Name: "Alpha", AdminLevel: 8, Geom: square(8, 47, 8.1, 47.1), LabelNode: 11},
		{ID: "r2", Name: "Beta, Somewhere", AdminLevel: 8, Geom: square(8.2, 47, 8.3, 47.1)},
		{ID: "r3", Name: "Gamma", AdminLevel: 8, Geom: square(8.4, 47, 8.5, 47.1), Population: 500, PopulationSource: "tag"},
		{ID: "r4", Name: "Delta", AdminLevel: 8, Geom: square(8.6, 47, 8.7, 47.1)},
	}
	places := []geo.PlacePoint{
		{ID: "n11", NodeID: 11, Name: "Alpha town", Place: "town", Point: orb.Point{8.05, 47.05}, Population: 100},
		{ID: "n12", NodeID: 12, Name: "Beta", Place: "village", Point: orb.Point{8.25, 47.05}, Population: 200},
		{ID: "n13", NodeID: 13, Name: "Gamma", Place: "village", Point: orb.Point{8.45, 47.05}, Population: 999},
		{ID: "n14", NodeID: 14, Name: "Delta", Place: "hamlet", Point: orb.Point{9.0, 47.05}, Population: 40},
	}
	areas, notes := geo.PopulationAreas(bounds, places)
	got := map[string]float64{}
	for _, a := range areas {
		got[a.ID] = a.Population
	}
	want := map[string]float64{"r1": 100, "r2": 200, "r3": 500, "n14": 40}
	if len(got) != len(want) {
		t.Errorf("areas %v, want %v", got, want)
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: %v, want %v", k, got[k], w)
		}
	}
	if len(notes) != 4 {
		t.Errorf("%d notes, want one per place node: %v", len(notes), notes)
	}

	// A boundary reaching beyond the extract: neither its own count nor
	// its node's is placed, as both count people outside the data.
	bounds[0].Partial, bounds[2].Partial = true, true
	areas, notes = geo.PopulationAreas(bounds, places)
	for _, a := range areas {
		if a.ID == "r1" || a.ID == "r3" {
			t.Errorf("partial boundary %s placed with %v", a.ID, a.Population)
		}
	}
	if len(notes) != 5 {
		t.Errorf("%d notes, want one per place node and one for r3's own count: %v", len(notes), notes)
	}
}
