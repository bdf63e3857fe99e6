package geo_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/paulmach/orb"

	"fifteen/geo"
)

// whatIfScenarios are the default city's test scenarios of the compact
// answer: a facility opened, one closed, one's capacity changed (closed
// and opened again in the same place with more places) and a network
// change (a way closed), each named.
func whatIfScenarios(t *testing.T, city *geo.City, base *geo.Access) map[string]geo.Scenario {
	t.Helper()
	var clinic, kg int = -1, -1
	ci := slices.IndexFunc(city.Taxonomy.Categories, func(c geo.Category) bool { return c.ID == "clinic" })
	for i, f := range city.Facilities {
		// A clinic some cell walks to first: closing it changes walks.
		if f.Category == "clinic" && clinic < 0 && slices.Contains(base.Nearest[0][ci], int32(i)) {
			clinic = i
		}
		if f.Category == "kindergarten" && f.Capacity > 0 && kg < 0 {
			kg = i
		}
	}
	if clinic < 0 || kg < 0 {
		t.Fatalf("no clinic (%d) or kindergarten with places (%d)", clinic, kg)
	}
	k := city.Facilities[kg]
	return map[string]geo.Scenario{
		"open":     {Name: "open", Add: []geo.NewFacility{{Category: "clinic", Point: orb.Point{9.529, 47.107}}}},
		"close":    {Name: "close", Close: []string{city.Facilities[clinic].ID}},
		"capacity": {Name: "capacity", Close: []string{k.ID}, Add: []geo.NewFacility{{Category: k.Category, Point: k.Point, Capacity: 4 * k.Capacity}}},
		"network":  {Name: "network", CloseWays: []int64{city.Graph.EdgeWays(city.FacilitySnap[clinic].Edge)[0]}},
	}
}

// reportCopy deep-copies a report through its JSON (which keeps every
// float64 exactly).
func reportCopy(t *testing.T, r *geo.CoverageReport) *geo.CoverageReport {
	t.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var out geo.CoverageReport
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return &out
}

// applyDiff applies the compact answer's communities to a copy of the
// baseline's report, checking that each "before" is the baseline's.
func applyDiff(t *testing.T, rb *geo.CoverageReport, d *geo.WhatIfDiff, catOrder map[string]int) *geo.CoverageReport {
	t.Helper()
	r := reportCopy(t, rb)
	for _, cc := range d.Communities {
		var grp *geo.CommunityCoverage
		if cc.ID == "" {
			grp = &r.Total
		}
		for i := range r.Communities {
			if r.Communities[i].ID == cc.ID && cc.ID != "" {
				grp = &r.Communities[i]
			}
		}
		if grp == nil {
			t.Fatalf("community %q of the answer is not in the report", cc.ID)
		}
		pi := slices.IndexFunc(grp.Profiles, func(c geo.Coverage) bool { return c.Profile == cc.Profile })
		if pi < 0 {
			t.Fatalf("%q: no profile %q", cc.ID, cc.Profile)
		}
		cov := &grp.Profiles[pi]
		where := fmt.Sprintf("%q %s", cc.ID, cc.Profile)
		if cov.Population != cc.Population || cov.CompleteShare != cc.CompleteShareBefore || cov.MeanCategoriesWithin != cc.MeanCategoriesWithinBefore || cov.F15 != cc.F15Before {
			t.Errorf("%s: composites before %v %v %v %v, the baseline's report %v %v %v %v", where, cc.Population, cc.CompleteShareBefore,
				cc.MeanCategoriesWithinBefore, cc.F15Before, cov.Population, cov.CompleteShare, cov.MeanCategoriesWithin, cov.F15)
		}
		cov.CompleteShare, cov.MeanCategoriesWithin, cov.F15 = cc.CompleteShareAfter, cc.MeanCategoriesWithinAfter, cc.F15After
		changed := cc.CompleteShareBefore != cc.CompleteShareAfter || cc.MeanCategoriesWithinBefore != cc.MeanCategoriesWithinAfter || cc.F15Before != cc.F15After
		for _, ch := range cc.Categories {
			changed = true
			replace(t, where+" "+ch.Category, cov.Categories, ch.Before, ch.After,
				func(c geo.CategoryCoverage) bool { return c.Category == ch.Category })
		}
		for _, ch := range cc.LifeCircle {
			changed = true
			replace(t, fmt.Sprintf("%s tier %d", where, ch.Tier), cov.LifeCircle, ch.Before, ch.After,
				func(c geo.TierCompliance) bool { return c.Tier == ch.Tier })
		}
		for _, ch := range cc.Capacity {
			changed = true
			i := slices.IndexFunc(cov.Capacity, func(c geo.CapacityFigures) bool { return c.Category == ch.Category })
			switch {
			case ch.Before == nil && i >= 0, ch.Before != nil && i < 0:
				t.Fatalf("%s capacity %s: before %v, in the baseline's report at %d", where, ch.Category, ch.Before, i)
			case ch.Before != nil:
				if d := cmp.Diff(cov.Capacity[i], *ch.Before); d != "" {
					t.Errorf("%s capacity %s: before is not the baseline's (-report +answer):\n%s", where, ch.Category, d)
				}
			}
			if reflect.DeepEqual(ch.Before, ch.After) {
				t.Errorf("%s capacity %s: listed unchanged", where, ch.Category)
			}
			switch {
			case ch.After == nil:
				cov.Capacity = slices.Delete(cov.Capacity, i, i+1)
			case i >= 0:
				cov.Capacity[i] = *ch.After
			default:
				cov.Capacity = append(cov.Capacity, *ch.After)
				slices.SortStableFunc(cov.Capacity, func(x, y geo.CapacityFigures) int { return catOrder[x.Category] - catOrder[y.Category] })
			}
		}
		if !changed {
			t.Errorf("%s: listed with nothing changed", where)
		}
	}
	return r
}

// replace puts after in place of the element of list that is, checking
// that it was before and that after differs.
func replace[T any](t *testing.T, where string, list []T, before, after T, is func(T) bool) {
	t.Helper()
	i := slices.IndexFunc(list, is)
	if i < 0 {
		t.Fatalf("%s: not in the baseline's report", where)
	}
	if d := cmp.Diff(list[i], before); d != "" {
		t.Errorf("%s: before is not the baseline's (-report +answer):\n%s", where, d)
	}
	if reflect.DeepEqual(before, after) {
		t.Errorf("%s: listed unchanged", where)
	}
	list[i] = after
}

// The compact what-if answer applied to the baseline gives the scenario:
// its communities, applied to the baseline's report, give the scenario's
// report figure for figure (each "before" being the baseline's, nothing
// unchanged listed), and its cells, applied to the baseline's walks, give
// the scenario's walk of every cell, walker and category (each listed cell
// changed). Tried on the default city with a facility opened, one closed,
// one's capacity changed and a way closed.
func TestWhatIfDiffAppliedIsTheScenario(t *testing.T) {
	city, base := liechtenstein(t)
	// With K = 3 the counts and the mean of the 3 nearest change too.
	base3, err := geo.ComputeAccess(city, geo.AccessOptions{K: 3})
	if err != nil {
		t.Fatal(err)
	}
	catOrder := map[string]int{}
	for i, c := range city.Taxonomy.Categories {
		catOrder[c.ID] = i
	}
	scs := whatIfScenarios(t, city, base)
	for name, sc := range scs {
		t.Run(name, func(t *testing.T) { testDiffApplied(t, city, base, sc, name, catOrder) })
	}
	t.Run("open K=3", func(t *testing.T) { testDiffApplied(t, city, base3, scs["open"], "open", catOrder) })
}

// testDiffApplied applies the answer to sc on base, as the test says.
func testDiffApplied(t *testing.T, city *geo.City, base *geo.Access, sc geo.Scenario, name string, catOrder map[string]int) {
	rb, err := base.Report()
	if err != nil {
		t.Fatal(err)
	}
	after, err := base.WhatIf(sc)
	if err != nil {
		t.Fatal(err)
	}
	d, err := geo.DiffAccess(base, after)
	if err != nil {
		t.Fatal(err)
	}
	ra, err := after.Report()
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Communities) == 0 {
		t.Fatal("nothing changed")
	}
	got := applyDiff(t, rb, d, catOrder)
	if diff := cmp.Diff(ra, got); diff != "" {
		t.Errorf("the baseline's report with the answer applied differs from the scenario's (-scenario +applied):\n%.4000s", diff)
	}
	// The summary's composites are the report's.
	for p := range after.Profiles {
		cs, f15 := after.CityComposite(p)
		if cs != ra.Total.Profiles[p].CompleteShare || f15 != ra.Total.Profiles[p].F15 {
			t.Errorf("%s: CityComposite %v %v, report %v %v", after.Profiles[p].ID, cs, f15, ra.Total.Profiles[p].CompleteShare, ra.Total.Profiles[p].F15)
		}
	}
	// The cells: walking the tables in order, walker by walker and
	// category by category, every cell whose walk differs is the
	// next listed (a cell split between communities appears once
	// per community), with the walks before and after.
	minutes := func(ds uint32) *float64 {
		if ds == geo.Unreached {
			return nil
		}
		m := geo.DsToMin(ds)
		return &m
	}
	next := 0
	for p, prof := range after.Profiles {
		for c, cat := range city.Taxonomy.Categories {
			for i, pc := range city.Population.Cells {
				tb, ta := base.TimeDs[p][c][i], after.TimeDs[p][c][i]
				if tb == ta {
					continue
				}
				if next >= len(d.Cells) {
					t.Fatalf("%s %s cell %s: %d -> %d ds, not listed", prof.ID, cat.ID, pc.Cell, tb, ta)
				}
				ch := d.Cells[next]
				next++
				if ch.Profile != prof.ID || ch.Category != cat.ID || ch.Cell != pc.Cell || ch.Population != pc.Pop ||
					!cmp.Equal(ch.BeforeMin, minutes(tb)) || !cmp.Equal(ch.AfterMin, minutes(ta)) {
					t.Fatalf("%s %s cell %s: %d -> %d ds; listed next: %+v", prof.ID, cat.ID, pc.Cell, tb, ta, ch)
				}
			}
		}
	}
	if next != len(d.Cells) {
		t.Errorf("%d cells listed, %d changed in the tables", len(d.Cells), next)
	}
	if cells := geo.CellChanges(base, after); !slices.Equal(cellKeys(cells), cellKeys(d.Cells)) {
		t.Errorf("the compact answer's cells are not CellChanges' (%d, %d)", len(d.Cells), len(cells))
	}
	if len(d.Cells) == 0 && name != "capacity" {
		t.Error("no walk changed")
	}
	t.Logf("%d communities × walkers, %d cells changed", len(d.Communities), len(d.Cells))
}

func cellKeys(cs []geo.CellChange) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = fmt.Sprintf("%s/%s/%s", c.Profile, c.Category, c.Cell)
	}
	return out
}

// A scenario's life circles, whose distances are the baseline's lowered by
// a search from the opened facilities alone, and its whole report, whose
// time orders are the baseline's patched, are those of its city computed
// afresh.
func TestWhatIfLifeCirclesEqualFresh(t *testing.T) {
	city, base := liechtenstein(t)
	if _, err := base.Report(); err != nil { // the baseline's distances are kept
		t.Fatal(err)
	}
	for name, sc := range whatIfScenarios(t, city, base) {
		t.Run(name, func(t *testing.T) {
			after, err := base.WhatIf(sc)
			if err != nil {
				t.Fatal(err)
			}
			got, err := after.LifeCircles(geo.LifeCircleConfig{})
			if err != nil {
				t.Fatal(err)
			}
			fresh, err := geo.ComputeAccess(after.City, base.Options)
			if err != nil {
				t.Fatal(err)
			}
			want, err := fresh.LifeCircles(geo.LifeCircleConfig{})
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("life circles differ (-fresh +scenario):\n%.3000s", d)
			}
			// The whole report too: the scenario's cells in time order
			// are the baseline's, patched where walks changed.
			ra, err := after.Report()
			if err != nil {
				t.Fatal(err)
			}
			rf, err := fresh.Report()
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(rf, ra); d != "" {
				t.Errorf("reports differ (-fresh +scenario):\n%.3000s", d)
			}
		})
	}
}

// cpuPerOp reports, when b ends, the process's CPU time (user and system)
// per operation: on a shared, loaded machine the wall time per operation
// is several times the work, the CPU time much less so.
func cpuPerOp(b *testing.B) {
	start := processCPU()
	b.Cleanup(func() {
		if b.N > 0 {
			b.ReportMetric(float64(processCPU()-start)/float64(b.N)/1e6, "cpu-ms/op")
		}
	})
}
