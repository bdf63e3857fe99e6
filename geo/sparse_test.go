package geo_test

import (
	"context"
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
