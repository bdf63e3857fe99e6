package geo_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"

	"fifteen/geo"
)

// checkIncrementalEqualsFull fails unless inc, a what-if on top of a,
// equals ComputeAccess on inc's city: every cell's time, count and mean
// for every walker and category, and its nearest facility but for ties
// (another facility of the category at the same time). It returns how many
// cell walks differ from a's.
func checkIncrementalEqualsFull(t *testing.T, name string, a, inc *geo.Access) int {
	t.Helper()
	city := inc.City
	full, err := geo.ComputeAccess(city, inc.Options)
	if err != nil {
		t.Fatal(err)
	}
	changed := 0
	for p := range inc.Profiles {
		for c, cat := range city.Taxonomy.Categories {
			for i := range city.Population.Cells {
				ti, tf := inc.TimeDs[p][c][i], full.TimeDs[p][c][i]
				if ti != tf {
					t.Fatalf("%s: %s/%s cell %d: incremental %d ds, full %d ds", name, inc.Profiles[p].ID, cat.ID, i, ti, tf)
				}
				if ti != a.TimeDs[p][c][i] {
					changed++
				}
				if inc.Count[p][c][i] != full.Count[p][c][i] {
					t.Fatalf("%s: %s/%s cell %d: count %d, full %d", name, inc.Profiles[p].ID, cat.ID, i, inc.Count[p][c][i], full.Count[p][c][i])
				}
				mi, mf := inc.MeanKMin[p][c][i], full.MeanKMin[p][c][i]
				if mi != mf && !(math.IsNaN(float64(mi)) && math.IsNaN(float64(mf))) {
					t.Fatalf("%s: %s/%s cell %d: mean %v, full %v", name, inc.Profiles[p].ID, cat.ID, i, mi, mf)
				}
				if ni := inc.Nearest[p][c][i]; ni != full.Nearest[p][c][i] {
					if ni < 0 || city.Closed[int(ni)] || city.Facilities[ni].Category != cat.ID {
						t.Fatalf("%s: %s/%s cell %d: nearest %d, full %d", name, inc.Profiles[p].ID, cat.ID, i, ni, full.Nearest[p][c][i])
					}
				}
			}
		}
	}
	return changed
}

// Network what-ifs at facilities, where the change reaches some categories
// much farther than others (and the facility's own access points move):
// the way a facility is attached to closed, or a link from its attachment,
// for random facilities of every category, with K = 1 and K = 3. Each
// equals a full recomputation.
func TestWhatIfNetworkAtFacilitiesEqualsFull(t *testing.T) {
	city, base1 := liechtenstein(t)
	base3, err := geo.ComputeAccess(city, geo.AccessOptions{K: 3})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(11, 5))
	done := 0
	for step := 0; done < 8 && step < 60; step++ {
		// A category first, then one of its facilities.
		cat := city.Taxonomy.Categories[rng.IntN(len(city.Taxonomy.Categories))].ID
		var of []int
		for i, f := range city.Facilities {
			if f.Category == cat {
				of = append(of, i)
			}
		}
		if len(of) == 0 {
			continue
		}
		fi := of[rng.IntN(len(of))]
		s := city.FacilitySnap[fi]
		if s.Edge < 0 {
			continue
		}
		var sc geo.Scenario
		switch step % 3 {
		case 0:
			sc.CloseWays = []int64{city.Graph.EdgeWays(s.Edge)[0]}
		case 1:
			p := city.Facilities[fi].Point
			sc.AddLinks = []orb.LineString{{s.Point, {p[0] + (rng.Float64()-0.5)*0.008, p[1] + (rng.Float64()-0.5)*0.005}}}
		default:
			// Closed where one facility is, a link where another is.
			sc.CloseWays = []int64{city.Graph.EdgeWays(s.Edge)[0]}
			if q := city.FacilitySnap[of[rng.IntN(len(of))]]; q.Edge >= 0 && q.Edge != s.Edge {
				sc.AddLinks = []orb.LineString{{q.Point, {q.Point[0] + 0.002, q.Point[1] - 0.001}}}
			}
		}
		base := base1
		if done%2 == 1 {
			base = base3
		}
		inc, err := base.WhatIf(sc)
		if err != nil {
			if errors.Is(err, geo.ErrBadScenario) {
				continue
			}
			t.Fatal(err)
		}
		done++
		n := checkIncrementalEqualsFull(t, city.Facilities[fi].Category, base, inc)
		t.Logf("step %d (%s, K %d): closed %v, %d links: %d cell walks changed", step, city.Facilities[fi].Category, base.Options.K, sc.CloseWays, len(sc.AddLinks), n)
	}
	if done < 6 {
		t.Fatalf("only %d scenarios applied", done)
	}
}

// A walker's own attachments (cells whose city attachment is on steps, for
// a wheelchair user) are found again where the change reaches them: the
// way under one closed, or a link next to one, equals a full
// recomputation.
func TestWhatIfNetworkWalkerAttachments(t *testing.T) {
	city, base := liechtenstein(t)
	var own []geo.Snap
	for p := range base.Profiles {
		for i := range city.Population.Cells {
			if s := base.CellSnap(p, i); s != city.CellSnap[i] && s.Edge >= 0 {
				own = append(own, s)
			}
		}
	}
	if len(own) == 0 {
		t.Fatal("no walker's own attachment in the default city")
	}
	rng := rand.New(rand.NewPCG(21, 8))
	done := 0
	for step := 0; done < 4 && step < 20; step++ {
		s := own[rng.IntN(len(own))]
		sc := geo.Scenario{CloseWays: []int64{city.Graph.EdgeWays(s.Edge)[0]}}
		if step%2 == 1 {
			sc = geo.Scenario{AddLinks: []orb.LineString{{s.Point, {s.Point[0] + 0.0003, s.Point[1] + 0.0002}}}}
		}
		inc, err := base.WhatIf(sc)
		if err != nil {
			if errors.Is(err, geo.ErrBadScenario) {
				continue
			}
			t.Fatal(err)
		}
		done++
		checkIncrementalEqualsFull(t, "walker attachment", base, inc)
	}
	if done < 3 {
		t.Fatalf("only %d scenarios applied", done)
	}
}
