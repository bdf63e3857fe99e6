package geo_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/paulmach/orb"

	"fifteen/data"
	"fifteen/geo"
)

var (
	liOnce   sync.Once
	liCity   *geo.City
	liAccess *geo.Access
	liErr    error
)

// liechtenstein loads the embedded default city and its access once.
func liechtenstein(tb testing.TB) (*geo.City, *geo.Access) {
	tb.Helper()
	liOnce.Do(func() {
		liCity, _, liErr = data.Load(context.Background(), data.Config{})
		if liErr == nil {
			liAccess, liErr = geo.ComputeAccess(liCity, geo.AccessOptions{})
		}
	})
	if liErr != nil {
		tb.Fatal(liErr)
	}
	return liCity, liAccess
}

// The nearest-facility search that touches only what it reaches gives
// every cell the time and facility the whole-graph search gives it, for
// every walker and category, with the Searcher reused across them (stale
// state from one search must not leak into the next).
func TestSparseNearestEqualsReach(t *testing.T) {
	city, a := liechtenstein(t)
	reached := nearestEqualsReach(t, city, a)
	if reached == 0 {
		t.Fatal("no cell reached: the comparison proves nothing")
	}
}

// nearestEqualsReach compares, for every walker and category, the
// nearest-facility search as ComputeAccess runs it with the whole-graph
// search and with a's tables, and returns how many cell times were
// reached.
func nearestEqualsReach(t *testing.T, city *geo.City, a *geo.Access) (reached int) {
	t.Helper()
	s, ref := geo.NewSearcher(city.Graph), geo.NewSearcher(city.Graph)
	for p := range a.Profiles {
		for c, cat := range city.Taxonomy.Categories {
			if a.Facilities(c) == 0 {
				continue
			}
			gt, gn := a.NearestForTest(s, p, c)
			wt, wn := a.NearestByReachForTest(ref, p, c)
			if !slices.Equal(gt, wt) || !slices.Equal(gn, wn) {
				for i := range gt {
					if gt[i] != wt[i] || gn[i] != wn[i] {
						t.Fatalf("%s/%s cell %d: sparse %d ds facility %d, whole-graph %d ds facility %d",
							a.Profiles[p].ID, cat.ID, i, gt[i], gn[i], wt[i], wn[i])
					}
				}
			}
			if !slices.Equal(gt, a.TimeDs[p][c]) {
				t.Fatalf("%s/%s: differs from ComputeAccess", a.Profiles[p].ID, cat.ID)
			}
			for _, x := range gt {
				if x != geo.Unreached {
					reached++
				}
			}
		}
	}
	return reached
}

// Closing facilities updates only the cells whose nearest facility closed,
// from the facilities within their reach: the times equal a full
// recomputation's, and each nearest facility is open, of the category and
// exactly that far (ties between facilities may go either way).
func TestWhatIfCloseEqualsFull(t *testing.T) {
	city, base := liechtenstein(t)
	rng := rand.New(rand.NewPCG(13, 13))
	for step := 0; step < 8; step++ {
		var sc geo.Scenario
		n := 1 + rng.IntN(4)
		seen := map[string]bool{}
		for len(sc.Close) < n {
			f := city.Facilities[rng.IntN(len(city.Facilities))]
			if !seen[f.ID] {
				seen[f.ID] = true
				sc.Close = append(sc.Close, f.ID)
			}
		}
		inc, err := base.WhatIf(sc)
		if err != nil {
			t.Fatal(err)
		}
		changed := checkIncrementalEqualsFull(t, fmt.Sprintf("step %d %v", step, sc.Close), base, inc)
		t.Logf("step %d: closing %v changed %d cell walks", step, sc.Close, changed)
	}
}

// randomNetworkScenario closes one or two ways and adds one or two short
// links at random places of the network.
func randomNetworkScenario(rng *rand.Rand, city *geo.City) geo.Scenario {
	g := city.Graph
	var sc geo.Scenario
	switch rng.IntN(3) {
	case 0:
		for range 1 + rng.IntN(2) {
			e := rng.IntN(g.NumEdges())
			sc.CloseWays = append(sc.CloseWays, g.EdgeWays(e)[0])
		}
	case 1:
		for range 1 + rng.IntN(2) {
			e := rng.IntN(g.NumEdges())
			pts := g.EdgeGeometry(e)
			p := pts[rng.IntN(len(pts))]
			q := orb.Point{p[0] + (rng.Float64()-0.5)*0.006, p[1] + (rng.Float64()-0.5)*0.004}
			sc.AddLinks = append(sc.AddLinks, orb.LineString{p, q})
		}
	default:
		e := rng.IntN(g.NumEdges())
		sc.CloseWays = []int64{g.EdgeWays(e)[0]}
		pts := g.EdgeGeometry(rng.IntN(g.NumEdges()))
		p := pts[0]
		sc.AddLinks = []orb.LineString{{p, {p[0] + 0.001, p[1] + 0.0015}, {p[0] + 0.002, p[1] - 0.001}}}
	}
	return sc
}

// A network what-if recomputes only the cells within the cutoff of what
// changed; the result equals ComputeAccess on the changed city, for random
// closures and links, applied one on top of the other.
func TestWhatIfNetworkIncrementalEqualsFull(t *testing.T) {
	_, base := liechtenstein(t)
	rng := rand.New(rand.NewPCG(4, 13))
	a := base
	done := 0
	for step := 0; done < 10 && step < 40; step++ {
		sc := randomNetworkScenario(rng, a.City)
		inc, err := a.WhatIf(sc)
		if err != nil {
			if errors.Is(err, geo.ErrBadScenario) {
				continue // a link end too far from the network
			}
			t.Fatal(err)
		}
		done++
		changed := checkIncrementalEqualsFull(t, fmt.Sprintf("step %d %+v", step, sc), a, inc)
		t.Logf("step %d: closed %v, %d links: %d cell walks changed", step, sc.CloseWays, len(sc.AddLinks), changed)
		a = inc
	}
	if done < 5 {
		t.Fatalf("only %d scenarios applied", done)
	}
}

// The patched network answers as the rebuilt one, but for rounding: where
// a junction lost a way the rebuilt graph merges two edges into one, and
// one rounded time replaces two (at most a decisecond per junction
// crossed), and snaps may break ties between equally near edges apart.
func TestWhatIfNetworkPatchedNearRebuilt(t *testing.T) {
	city, base := liechtenstein(t)
	rng := rand.New(rand.NewPCG(7, 7))
	done := 0
	for step := 0; done < 4 && step < 20; step++ {
		sc := randomNetworkScenario(rng, city)
		inc, err := base.WhatIf(sc)
		if err != nil {
			continue
		}
		ref, err := base.RebuildWhatIfForTest(sc)
		if err != nil {
			t.Fatal(err)
		}
		done++
		worse := 0
		for p := range inc.Profiles {
			for c := range city.Taxonomy.Categories {
				for i := range city.Population.Cells {
					ti, tr := int64(inc.TimeDs[p][c][i]), int64(ref.TimeDs[p][c][i])
					if (ti == int64(geo.Unreached)) != (tr == int64(geo.Unreached)) {
						worse++
						continue
					}
					if d := ti - tr; d > 10 || d < -10 {
						worse++
					}
				}
			}
		}
		if worse > 0 {
			t.Errorf("step %d %+v: %d cell walks differ by more than 1 s from the rebuilt network's", step, sc, worse)
		}
	}
}

// With K > 1 the counts and the mean of the K nearest are recomputed from
// every facility within the cutoff of the changed cells.
func TestWhatIfNetworkIncrementalEqualsFullK3(t *testing.T) {
	city, _ := liechtenstein(t)
	base, err := geo.ComputeAccess(city, geo.AccessOptions{K: 3})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 3))
	defer func() {
		// The baseline's tables, shared with the scenarios', are untouched.
		again, err := geo.ComputeAccess(city, geo.AccessOptions{K: 3})
		if err != nil {
			t.Fatal(err)
		}
		for p := range base.Profiles {
			for c := range city.Taxonomy.Categories {
				if !slices.Equal(again.TimeDs[p][c], base.TimeDs[p][c]) || !slices.Equal(again.Count[p][c], base.Count[p][c]) {
					t.Fatalf("a network what-if changed the baseline (%d, %d)", p, c)
				}
			}
		}
	}()
	done := 0
	for step := 0; done < 3 && step < 20; step++ {
		sc := randomNetworkScenario(rng, city)
		inc, err := base.WhatIf(sc)
		if err != nil {
			continue
		}
		done++
		full, err := geo.ComputeAccess(inc.City, inc.Options)
		if err != nil {
			t.Fatal(err)
		}
		for p := range inc.Profiles {
			for c := range city.Taxonomy.Categories {
				for i := range city.Population.Cells {
					mi, mf := inc.MeanKMin[p][c][i], full.MeanKMin[p][c][i]
					if inc.TimeDs[p][c][i] != full.TimeDs[p][c][i] || inc.Count[p][c][i] != full.Count[p][c][i] ||
						(mi != mf && !(math.IsNaN(float64(mi)) && math.IsNaN(float64(mf)))) {
						t.Fatalf("step %d %+v: cell %d differs from a full recomputation", step, sc, i)
					}
				}
			}
		}
	}
}
