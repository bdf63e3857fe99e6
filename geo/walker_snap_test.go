package geo

import (
	"slices"
	"testing"

	"github.com/paulmach/orb"

	"fifteen/geo/hex"
)

// TestWalkerSnapsOffSteps: a cell and a facility whose nearest edge is
// steps are joined, for the wheelchair, at the nearest street it may use;
// the adult keeps the steps. Both then reach the facility.
func TestWalkerSnapsOffSteps(t *testing.T) {
	// A street running east at y = 0 and, 30 m north of it, steps
	// running east too, joined to the street at their west end by a path.
	pt := func(xM, yM float64) orb.Point { return orb.Point{9.5 + xM/75_800, 47.1 + yM/111_195} }
	var b GraphBuilder
	b.AddWay(1, []int64{1, 2}, []orb.Point{pt(0, 0), pt(400, 0)}, EdgeAttr{})
	b.AddWay(2, []int64{3, 4}, []orb.Point{pt(0, 30), pt(400, 30)}, EdgeAttr{Flags: FlagSteps})
	b.AddWay(3, []int64{1, 3}, []orb.Point{pt(0, 0), pt(0, 30)}, EdgeAttr{})
	g, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	ix := NewSegmentIndex(g)
	tax := &Taxonomy{Categories: []Category{{ID: "pharmacy", Tier: 5, ThresholdMin: 15, Kind: KindPoint, Select: []Selector{{"amenity": "pharmacy"}}}}}
	if err := tax.Validate(); err != nil {
		t.Fatal(err)
	}
	fac, home := pt(300, 35), pt(100, 26) // both nearest to the steps
	city := &City{Name: "steps", Taxonomy: tax, Graph: g, Index: ix, SnapMaxM: 100}
	fs, _ := ix.SnapStreet(fac, 100, false)
	city.Facilities = []Facility{{ID: "f", Category: "pharmacy", Point: fac}}
	city.FacilitySnap = []Snap{fs}
	city.FacilityAccess = [][]Snap{{fs}}
	cell, _ := hex.FromPoint(home, PopulationRes)
	city.Population = &Population{Res: PopulationRes, Cells: []PopCell{{Cell: cell, Point: home, Pop: 100, Community: -1}}, Total: 100}
	cs, _ := ix.SnapStreet(home, 100, false)
	city.CellSnap = []Snap{cs}
	if g.EdgeAttr(cs.Edge).Flags&FlagSteps == 0 || g.EdgeAttr(fs.Edge).Flags&FlagSteps == 0 {
		t.Fatal("test set-up: the nearest edges should be steps")
	}
	a, err := ComputeAccess(city, AccessOptions{})
	if err != nil {
		t.Fatal(err)
	}
	adult, wheel := a.ProfileIndex("adult"), a.ProfileIndex("wheelchair")
	if a.CellSnap(adult, 0) != cs {
		t.Errorf("adult cell snap %+v, want the steps %+v", a.CellSnap(adult, 0), cs)
	}
	ws := a.CellSnap(wheel, 0)
	if ws.Edge < 0 || !a.Costs[wheel].Usable(ws.Edge) || ws.DistM < 25 || ws.DistM > 27 {
		t.Errorf("wheelchair cell snap %+v, want the street 26 m away", ws)
	}
	if aps := a.FacilityAccessFor(wheel, 0); len(aps) != 1 || !a.Costs[wheel].Usable(aps[0].Edge) {
		t.Errorf("wheelchair facility access %+v, want one point on the street", aps)
	}
	for _, p := range []int{adult, wheel} {
		if tm := a.TimeDs[p][0][0]; tm == Unreached {
			t.Errorf("%s reaches no pharmacy", a.Profiles[p].ID)
		}
	}
	// The wheelchair walks the street: 200 m along it plus the two legs.
	wantM := 200 + ws.DistM + a.FacilityAccessFor(wheel, 0)[0].DistM
	if got := float64(a.TimeDs[wheel][0][0]) / a.Costs[wheel].dsPerM; got < wantM-2 || got > wantM+2 {
		t.Errorf("wheelchair walks %.1f m, want about %.1f", got, wantM)
	}
	res, err := a.NearestRoutes(NewSearcher(g), wheel, "pharmacy", pt(200, 28), 1)
	if err != nil || len(res.Facilities) != 1 {
		t.Errorf("nearest for the wheelchair from beside the steps: %v %+v", err, res)
	}

	// An access restored from a snapshot's tables joins every walker as
	// the computed one does, and answers a what-if alike.
	ra, ok, err := RestoreAccess(city, AccessOptions{}, a.Tables())
	if err != nil || !ok {
		t.Fatalf("restore: %v %v", ok, err)
	}
	for p := range a.Profiles {
		if ra.CellSnap(p, 0) != a.CellSnap(p, 0) || !slices.Equal(ra.FacilityAccessFor(p, 0), a.FacilityAccessFor(p, 0)) {
			t.Errorf("restored %s: attachments %+v %+v, computed %+v %+v", a.Profiles[p].ID,
				ra.CellSnap(p, 0), ra.FacilityAccessFor(p, 0), a.CellSnap(p, 0), a.FacilityAccessFor(p, 0))
		}
	}
	near := NewFacility{Category: "pharmacy", Point: pt(150, 34)}
	wa, err := a.WhatIf(Scenario{Add: []NewFacility{near}})
	if err != nil {
		t.Fatal(err)
	}
	wr, err := ra.WhatIf(Scenario{Add: []NewFacility{near}})
	if err != nil {
		t.Fatal(err)
	}
	for p := range a.Profiles {
		if wa.TimeDs[p][0][0] != wr.TimeDs[p][0][0] || wa.TimeDs[p][0][0] >= a.TimeDs[p][0][0] {
			t.Errorf("%s: a pharmacy opened beside the steps: %d ds from the computed access, %d from the restored, %d before",
				a.Profiles[p].ID, wa.TimeDs[p][0][0], wr.TimeDs[p][0][0], a.TimeDs[p][0][0])
		}
	}

	// Network what-ifs (the patched graph) find every walker's own
	// attachments again, as ComputeAccess on the changed city does: a
	// footway bulging to 5 m of the home joins the wheelchair there (the
	// city's attachment stays on the steps, 4 m away); closing the street
	// leaves the wheelchair only the path.
	link := orb.LineString{pt(90, 0), pt(100, 21), pt(110, 0)}
	for _, sc := range []Scenario{{Name: "link", AddLinks: []orb.LineString{link}}, {Name: "close street", CloseWays: []int64{1}}} {
		inc, err := a.WhatIf(sc)
		if err != nil {
			t.Fatalf("%s: %v", sc.Name, err)
		}
		full, err := ComputeAccess(inc.City, inc.Options)
		if err != nil {
			t.Fatal(err)
		}
		for p := range inc.Profiles {
			if inc.CellSnap(p, 0) != full.CellSnap(p, 0) || !slices.Equal(inc.FacilityAccessFor(p, 0), full.FacilityAccessFor(p, 0)) {
				t.Errorf("%s: %s: attachments %+v %+v, full %+v %+v", sc.Name, inc.Profiles[p].ID,
					inc.CellSnap(p, 0), inc.FacilityAccessFor(p, 0), full.CellSnap(p, 0), full.FacilityAccessFor(p, 0))
			}
			if inc.TimeDs[p][0][0] != full.TimeDs[p][0][0] || inc.Count[p][0][0] != full.Count[p][0][0] {
				t.Errorf("%s: %s: %d ds (count %d), full %d ds (count %d)", sc.Name, inc.Profiles[p].ID,
					inc.TimeDs[p][0][0], inc.Count[p][0][0], full.TimeDs[p][0][0], full.Count[p][0][0])
			}
		}
		if sc.Name == "link" {
			if ws := inc.CellSnap(wheel, 0); ws.DistM > 6 || inc.City.CellSnap[0] != cs {
				t.Errorf("link: wheelchair joins at %+v (want the link 5 m away), city at %+v (want the steps)", ws, inc.City.CellSnap[0])
			}
			if inc.TimeDs[wheel][0][0] >= a.TimeDs[wheel][0][0] {
				t.Errorf("link: the wheelchair's walk %d ds is no shorter than %d", inc.TimeDs[wheel][0][0], a.TimeDs[wheel][0][0])
			}
		}
	}

	// Life circles by network distance: the adult walks 200 m of steps
	// plus legs of 4 and 5 m (209 m), the wheelchair 200 m of street plus
	// legs of 26 and 35 m (261 m). The steps' 1.5× time penalty does not
	// lengthen the adult's distance.
	for _, tc := range []struct {
		distM       float64
		adult, whee bool
	}{{300, true, true}, {250, true, false}, {200, false, false}} {
		r, err := a.LifeCircles(LifeCircleConfig{Tiers: []LifeCircleTier{{Minutes: 5, DistanceM: tc.distM, Categories: []string{"pharmacy"}}}})
		if err != nil {
			t.Fatal(err)
		}
		if got := [2]bool{r.CellMeets[adult][0] == 1, r.CellMeets[wheel][0] == 1}; got != [2]bool{tc.adult, tc.whee} {
			t.Errorf("%v m: adult, wheelchair meet %v, want %v", tc.distM, got, [2]bool{tc.adult, tc.whee})
		}
		if d := r.City[adult][0].DistanceM; d == nil || *d != tc.distM {
			t.Errorf("distance_m %v, want %v", d, tc.distM)
		}
	}
	// By minutes, 209 m with steps at 1.5× is 300 m of level walking: more
	// than the adult's 4 minutes (300 m at 1.25 m/s is exactly 4 min; the
	// legs push it over).
	r, err := a.LifeCircles(LifeCircleConfig{ByMinutes: true, Tiers: []LifeCircleTier{{Minutes: 4, DistanceM: 300, Categories: []string{"pharmacy"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if r.CellMeets[adult][0] != 0 || r.City[adult][0].DistanceM != nil {
		t.Errorf("by minutes the adult meets the 4-minute circle (%v) or a distance is reported", r.CellMeets[adult][0])
	}
}
