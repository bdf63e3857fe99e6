package geo_test

import (
	"runtime"
	"slices"
	"testing"

	"fifteen/geo"
)

// The nearest-facility search reads the cells two ways: every cell in
// order after a search that reached much of the network, only the cells
// next to the reached vertices after a small one. With a 3-minute cutoff
// the searches are small: both ways must give what the whole-graph search
// gives, and the per-facility counts what ComputeAccess gives with one
// worker (chunks merged in another order must not change a count).
func TestNearestSmallSearchesEqualReach(t *testing.T) {
	city, _ := liechtenstein(t)
	a, err := geo.ComputeAccess(city, geo.AccessOptions{CutoffMin: 3})
	if err != nil {
		t.Fatal(err)
	}
	reached := nearestEqualsReach(t, city, a)
	if reached == 0 || reached >= len(city.Population.Cells)*len(a.Profiles) {
		t.Fatalf("%d cell times reached: the searches are not small ones that reach something", reached)
	}
	// One worker counts every chunk itself, in order.
	prev := runtime.GOMAXPROCS(1)
	one, err := geo.ComputeAccess(city, geo.AccessOptions{CutoffMin: 3})
	runtime.GOMAXPROCS(prev)
	if err != nil {
		t.Fatal(err)
	}
	if prev < 2 {
		t.Log("one processor: the comparison of workers is trivial")
	}
	for p := range a.Profiles {
		for c := range city.Taxonomy.Categories {
			if !slices.Equal(one.Count[p][c], a.Count[p][c]) || !slices.Equal(one.TimeDs[p][c], a.TimeDs[p][c]) {
				t.Fatalf("profile %d category %d: %d workers count otherwise than one", p, c, prev)
			}
		}
	}
}
