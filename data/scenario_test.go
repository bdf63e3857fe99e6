package data

import (
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"

	"fifteen/geo"
	"fifteen/publish"
)

// sameAccess compares an incrementally updated access with a full
// recomputation: times, counts and means exactly; nearest facilities may
// differ only between open facilities of the category (ties).
func sameAccess(t *testing.T, what string, inc, full *geo.Access) {
	t.Helper()
	city := inc.City
	for p := range inc.Profiles {
		for c, cat := range city.Taxonomy.Categories {
			for i := range city.Population.Cells {
				if inc.TimeDs[p][c][i] != full.TimeDs[p][c][i] {
					t.Fatalf("%s: %s %s cell %d: incremental %d ds, full %d ds", what, inc.Profiles[p].ID, cat.ID, i, inc.TimeDs[p][c][i], full.TimeDs[p][c][i])
				}
				if inc.Count[p][c][i] != full.Count[p][c][i] {
					t.Fatalf("%s: %s %s cell %d: incremental count %d, full %d", what, inc.Profiles[p].ID, cat.ID, i, inc.Count[p][c][i], full.Count[p][c][i])
				}
				a, b := inc.MeanKMin[p][c][i], full.MeanKMin[p][c][i]
				if a != b && !(math.IsNaN(float64(a)) && math.IsNaN(float64(b))) {
					t.Fatalf("%s: %s cell %d: mean %v vs %v", what, cat.ID, i, a, b)
				}
				if n, m := inc.Nearest[p][c][i], full.Nearest[p][c][i]; n != m {
					if n < 0 || m < 0 || city.Closed[int(n)] || city.Facilities[n].Category != cat.ID {
						t.Fatalf("%s: %s cell %d: nearest %d vs %d", what, cat.ID, i, n, m)
					}
				}
			}
		}
	}
}

func TestWhatIfIncrementalEqualsFull(t *testing.T) {
	base := defaultAccess(t, geo.AccessOptions{})
	city := base.City
	rng := rand.New(rand.NewPCG(15, 15))
	cats := []string{"clinic", "kindergarten", "pharmacy", "market", "park", "elderly_day_care"}
	a := base
	for step := 0; step < 12; step++ {
		var sc geo.Scenario
		switch rng.IntN(3) {
		case 0, 1: // open one or two facilities at random network points
			for k := 0; k <= rng.IntN(2); k++ {
				e := rng.IntN(city.Graph.NumEdges())
				g := city.Graph.EdgeGeometry(e)
				p := g[rng.IntN(len(g))]
				sc.Add = append(sc.Add, geo.NewFacility{Category: cats[rng.IntN(len(cats))], Point: orb.Point{p[0] + 0.0003, p[1]},
					ID: "test:" + string(rune('a'+step)) + string(rune('a'+k))})
			}
		default: // close one open facility of a tested category
			for tries := 0; tries < 100; tries++ {
				i := rng.IntN(len(a.City.Facilities))
				f := a.City.Facilities[i]
				if !a.City.Closed[i] && contains(cats, f.Category) {
					sc.Close = []string{f.ID}
					break
				}
			}
		}
		b, err := a.WhatIf(sc)
		if err != nil {
			t.Fatalf("step %d: %v", step, err)
		}
		full, err := geo.ComputeAccess(b.City, b.Options)
		if err != nil {
			t.Fatal(err)
		}
		sameAccess(t, "step "+string(rune('0'+step)), b, full)
		// The scenario's report, which reuses what its unchanged
		// categories had, equals the report of the full recomputation.
		rb, err := b.Report()
		if err != nil {
			t.Fatal(err)
		}
		rf, err := full.Report()
		if err != nil {
			t.Fatal(err)
		}
		jb, _ := json.Marshal(rb)
		jf, _ := json.Marshal(rf)
		if string(jb) != string(jf) {
			t.Fatalf("step %d: incremental report differs from the full one", step)
		}
		a = b
	}
	// The baseline is untouched.
	again, _ := geo.ComputeAccess(city, base.Options)
	sameAccess(t, "baseline", base, again)
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}

func TestWhatIfNetworkChanges(t *testing.T) {
	base := defaultAccess(t, geo.AccessOptions{})
	city := base.City
	// Close the way of a long edge in the largest component: times can
	// only grow.
	var way int64
	for e := 0; e < city.Graph.NumEdges(); e++ {
		if city.Graph.InLargest(e) && city.Graph.EdgeLengthM(e) > 200 && len(city.Graph.EdgeWays(e)) == 1 {
			way = city.Graph.EdgeWays(e)[0]
			break
		}
	}
	closed, err := base.WhatIf(geo.Scenario{CloseWays: []int64{way}})
	if err != nil {
		t.Fatal(err)
	}
	// A new 150 m link between two points on the network: times can only
	// shrink for cells whose snap did not move.
	p := city.Graph.Vertex(0)
	linked, err := base.WhatIf(geo.Scenario{AddLinks: []orb.LineString{{p, {p[0] + 0.002, p[1]}}}})
	if err != nil {
		t.Fatal(err)
	}
	// Where neither the cell nor any facility moved, closing can only
	// lengthen a walk and a link can only shorten it, but for rounding:
	// the rebuilt graph may merge two edges into one at a junction that
	// lost a way, and one rounded time replaces two (tolerance 1 s).
	stable := func(b *geo.Access) bool {
		for i := range city.FacilitySnap {
			if b.City.FacilitySnap[i].Point != city.FacilitySnap[i].Point {
				return false
			}
		}
		return true
	}
	if !stable(closed) || !stable(linked) {
		t.Fatalf("a facility moved: pick another way")
	}
	slower, faster := 0, 0
	for pi := range base.Profiles {
		for c := range city.Taxonomy.Categories {
			for i := range city.Population.Cells {
				if closed.City.CellSnap[i].Point == city.CellSnap[i].Point {
					if int64(closed.TimeDs[pi][c][i])+10 < int64(base.TimeDs[pi][c][i]) {
						t.Fatalf("closing way %d made cell %d faster: %s %s %d -> %d ds", way, i, base.Profiles[pi].ID, city.Taxonomy.Categories[c].ID, base.TimeDs[pi][c][i], closed.TimeDs[pi][c][i])
					}
					if int64(closed.TimeDs[pi][c][i]) > int64(base.TimeDs[pi][c][i])+10 {
						slower++
					}
				}
				if linked.City.CellSnap[i].Point == city.CellSnap[i].Point {
					if int64(linked.TimeDs[pi][c][i]) > int64(base.TimeDs[pi][c][i])+10 {
						t.Fatalf("a new link made cell %d slower: %s %s %d -> %d ds", i, base.Profiles[pi].ID, city.Taxonomy.Categories[c].ID, base.TimeDs[pi][c][i], linked.TimeDs[pi][c][i])
					}
					if int64(linked.TimeDs[pi][c][i])+10 < int64(base.TimeDs[pi][c][i]) {
						faster++
					}
				}
			}
		}
	}
	t.Logf("closing way %d slowed %d cell walks; the link sped up %d", way, slower, faster)
	if linked.City.Graph.NumEdges() <= city.Graph.NumEdges() {
		t.Errorf("link added no edge: %d -> %d", city.Graph.NumEdges(), linked.City.Graph.NumEdges())
	}
	for _, sc := range []geo.Scenario{
		{CloseWays: []int64{-42}},
		{AddLinks: []orb.LineString{{{8.0, 47.0}, {8.001, 47.0}}}},
		{Close: []string{"osm:node/1"}},
		{Add: []geo.NewFacility{{Category: "space_port", Point: orb.Point{9.52, 47.14}}}},
		{Add: []geo.NewFacility{{Category: "clinic", Point: orb.Point{8.0, 47.0}}}},
	} {
		if _, err := base.WhatIf(sc); !errors.Is(err, geo.ErrBadScenario) {
			t.Errorf("%+v: got %v, want ErrBadScenario", sc, err)
		}
	}
}

// BenchmarkWhatIfOneFacility opens one clinic in Vaduz and recomputes what
// it changes, for the three profiles.
func BenchmarkWhatIfOneFacility(b *testing.B) {
	base := defaultAccess(b, geo.AccessOptions{})
	sc := geo.Scenario{Add: []geo.NewFacility{{Category: "clinic", Point: orb.Point{9.5209, 47.1410}}}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := base.WhatIf(sc); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWhatIfAnswer is the answer to a scenario that opens one
// clinic, as the server and whatif --format json give it by default: the
// access update and the compact difference from the baseline (the changed
// cells, and the changed coverage, life-circle and capacity figures of
// the communities), rendered as JSON. The baseline's report has been
// computed, as the server computes it at start.
func BenchmarkWhatIfAnswer(b *testing.B) {
	base, _, sc, after := whatIfBench(b)
	for b.Loop() {
		w, err := publish.NewWhatIf(sc, base, after())
		if err != nil {
			b.Fatal(err)
		}
		if _, err := json.Marshal(w); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWhatIfAnswerFull is the full answer (?report=full): the access
// update, the scenario's whole report and its difference from the
// baseline's, per community and per cell, rendered as JSON.
func BenchmarkWhatIfAnswerFull(b *testing.B) {
	base, rb, sc, after := whatIfBench(b)
	for b.Loop() {
		a := after()
		ra, err := a.Report()
		if err != nil {
			b.Fatal(err)
		}
		if _, err := json.Marshal(publish.NewWhatIfReport(sc, base, a, rb, ra)); err != nil {
			b.Fatal(err)
		}
	}
}

// whatIfBench gives the what-if answer benchmarks the default city's
// baseline with its report computed (as the server computes it at start),
// the scenario opening one clinic in Vaduz, and a function applying it.
func whatIfBench(b *testing.B) (*geo.Access, *geo.CoverageReport, geo.Scenario, func() *geo.Access) {
	base := defaultAccess(b, geo.AccessOptions{})
	rb, err := base.Report()
	if err != nil {
		b.Fatal(err)
	}
	sc := geo.Scenario{Add: []geo.NewFacility{{Category: "clinic", Point: orb.Point{9.5209, 47.1410}}}}
	b.ReportAllocs()
	return base, rb, sc, func() *geo.Access {
		after, err := base.WhatIf(sc)
		if err != nil {
			b.Fatal(err)
		}
		return after
	}
}

// BenchmarkWhatIfCloseFacility closes one clinic.
func BenchmarkWhatIfCloseFacility(b *testing.B) {
	base := defaultAccess(b, geo.AccessOptions{})
	var id string
	for _, f := range base.City.Facilities {
		if f.Category == "clinic" {
			id = f.ID
			break
		}
	}
	sc := geo.Scenario{Close: []string{id}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := base.WhatIf(sc); err != nil {
			b.Fatal(err)
		}
	}
}

// TestSitingGainIsWhatTheScenarioAdds opens the top suggested sites as a
// what-if scenario: the users of the category (its age band) newly within
// the threshold are exactly the gains siting reported, for each walker.
func TestSitingGainIsWhatTheScenarioAdds(t *testing.T) {
	base := defaultAccess(t, geo.AccessOptions{})
	for _, tc := range []struct {
		category, profile string
		k                 int
	}{{"clinic", "adult", 1}, {"clinic", "adult", 3}, {"kindergarten", "senior", 2}, {"pharmacy", "wheelchair", 1}} {
		sites, err := base.Site(geo.SitingOptions{Category: tc.category, Profile: tc.profile, K: tc.k})
		if err != nil {
			t.Fatal(err)
		}
		var sc geo.Scenario
		for _, s := range sites {
			sc.Add = append(sc.Add, geo.NewFacility{Category: tc.category, Point: s.Point})
		}
		after, err := base.WhatIf(sc)
		if err != nil {
			t.Fatal(err)
		}
		p := base.ProfileIndex(tc.profile)
		city := base.City
		ci := categoryIndex(city, tc.category)
		cat := &city.Taxonomy.Categories[ci]
		thr := geo.MinToDs(cat.ThresholdMin)
		var delta float64
		for i, pc := range city.Population.Cells {
			if base.TimeDs[p][ci][i] > thr && after.TimeDs[p][ci][i] <= thr {
				share, _ := city.AgeShare(pc.Community, cat.AgeBand())
				delta += pc.Pop * share
			}
		}
		want := sites[len(sites)-1].Cumulative
		if math.Abs(delta-want) > 1e-6*math.Max(1, want) {
			t.Errorf("%s %s k=%d: the scenario brings %.4f more users (%s) within reach, siting said %.4f", tc.category, tc.profile, tc.k, delta, cat.AgeBand(), want)
		}
	}
}
