package data

import (
	"testing"

	"github.com/paulmach/orb"

	"fifteen/geo"
)

// TestWheelchairJoinsTheNetworkOffSteps is issue 11's regression: at
// 9.533399, 47.10707 the nearest edge is steps, and a wheelchair user
// joined there reached no pharmacy while an adult walks 10.3 minutes.
// Each walker now joins at the nearest edge it may use.
func TestWheelchairJoinsTheNetworkOffSteps(t *testing.T) {
	a := defaultAccess(t, geo.AccessOptions{})
	origin := orb.Point{9.533399, 47.10707}
	s := geo.NewSearcher(a.City.Graph)
	adult, wheel := a.ProfileIndex("adult"), a.ProfileIndex("wheelchair")
	ra, err := a.NearestRoutes(s, adult, "pharmacy", origin, 1)
	if err != nil {
		t.Fatal(err)
	}
	rw, err := a.NearestRoutes(s, wheel, "pharmacy", origin, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(ra.Facilities) == 0 || len(rw.Facilities) == 0 {
		t.Fatalf("adult reaches %d pharmacies, wheelchair %d; want both to reach one", len(ra.Facilities), len(rw.Facilities))
	}
	if !a.Costs[wheel].Usable(rw.Snap.Edge) {
		t.Errorf("wheelchair joined at edge %d, which it may not use", rw.Snap.Edge)
	}
	t.Logf("adult %.1f min from edge %d (%.0f m away), wheelchair %.1f min from edge %d (%.0f m away)",
		geo.DsToMin(ra.Facilities[0].Route.TimeDs), ra.Snap.Edge, ra.Snap.DistM,
		geo.DsToMin(rw.Facilities[0].Route.TimeDs), rw.Snap.Edge, rw.Snap.DistM)

	// No populated cell is stranded on an edge its walker may not use.
	var moved int
	var movedPop float64
	for i, cs := range a.City.CellSnap {
		if cs.Edge < 0 {
			continue
		}
		for p := range a.Profiles {
			sn := a.CellSnap(p, i)
			if sn.Edge >= 0 && !a.Costs[p].Usable(sn.Edge) {
				t.Errorf("cell %d: profile %s attached at an edge it may not use", i, a.Profiles[p].ID)
			}
			if p == wheel && sn != cs {
				moved++
				movedPop += a.City.Population.Cells[i].Pop
			}
		}
	}
	if moved == 0 {
		t.Error("no cell attached elsewhere for the wheelchair: the default city has cells whose nearest edge is steps")
	}
	t.Logf("wheelchair: %d cells (%.0f residents) attached off steps", moved, movedPop)
}
