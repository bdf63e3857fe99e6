package geo_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

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
	s, ref := geo.NewSearcher(city.Graph), geo.NewSearcher(city.Graph)
	reached := 0
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
	if reached == 0 {
		t.Fatal("no cell reached: the comparison proves nothing")
	}
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
		full, err := geo.ComputeAccess(inc.City, inc.Options)
		if err != nil {
			t.Fatal(err)
		}
		changed := 0
		for p := range inc.Profiles {
			for c, cat := range city.Taxonomy.Categories {
				for i := range city.Population.Cells {
					ti, tf := inc.TimeDs[p][c][i], full.TimeDs[p][c][i]
					if ti != tf {
						t.Fatalf("step %d %v: %s/%s cell %d: incremental %d ds, full %d ds", step, sc.Close, inc.Profiles[p].ID, cat.ID, i, ti, tf)
					}
					if ti != base.TimeDs[p][c][i] {
						changed++
					}
					if ni := inc.Nearest[p][c][i]; ni != full.Nearest[p][c][i] {
						if ni < 0 || inc.City.Closed[int(ni)] || city.Facilities[ni].Category != cat.ID {
							t.Fatalf("step %d: %s/%s cell %d: nearest %d, full %d", step, inc.Profiles[p].ID, cat.ID, i, ni, full.Nearest[p][c][i])
						}
					}
					if inc.Count[p][c][i] != full.Count[p][c][i] {
						t.Fatalf("step %d: count differs", step)
					}
				}
			}
		}
		t.Logf("step %d: closing %v changed %d cell walks", step, sc.Close, changed)
	}
}
