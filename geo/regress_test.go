package geo

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/paulmach/orb"
)

// City.FacilityAccess is documented "computed on demand when nil"; WhatIf
// with a network change then indexes an empty slice.
func TestRegressionWhatIfNetworkNilFacilityAccess(t *testing.T) {
	city := streetCity([]testFacility{{category: "clinic", offM: 100}}, []testCell{{pop: 10, offM: 500}}, nil)
	city.FacilityAccess = nil
	city.Index = NewSegmentIndex(city.Graph)
	city.SnapMaxM = 250
	a, err := ComputeAccess(city, AccessOptions{})
	if err != nil {
		t.Fatal(err)
	}
	link := orb.LineString{streetPoint(1000), {9.501, 47.1 + 1100/111_195.0}, streetPoint(1200)}
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("WhatIf panicked: %v", r)
		}
	}()
	if _, err := a.WhatIf(Scenario{AddLinks: []orb.LineString{link}}); err != nil {
		t.Fatal(err)
	}
}

// One OSM element matching two categories (amenity=school is primary and
// middle school; shop=supermarket is market and convenience) gives two
// facilities with the same ID. Closing that ID closes only one of them.
func TestRegressionWhatIfCloseSharedID(t *testing.T) {
	city := streetCity([]testFacility{{category: "clinic", offM: 100}, {category: "hospital", offM: 100}}, []testCell{{pop: 10, offM: 500}}, nil)
	city.Facilities[0].ID = "osm:node/1"
	city.Facilities[1].ID = "osm:node/1"
	a, err := ComputeAccess(city, AccessOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := a.WhatIf(Scenario{Close: []string{"osm:node/1"}})
	if err != nil {
		t.Fatal(err)
	}
	for c, cat := range city.Taxonomy.Categories {
		if n := b.Facilities(c); n != 0 {
			t.Errorf("after closing osm:node/1, category %s still has %d facilities (times %v)", cat.ID, n, b.TimeDs[0][c])
		}
	}
}

// rebuild adds every kept edge as a piece of its first way only, so a chain
// merged from several ways loses the others.
func TestRegressionRebuildKeepsWays(t *testing.T) {
	// Ways 1 and 2 merge into one edge; way 3 (steps) and way 4 hang off
	// the end. Rebuilding without way 3 keeps both ways of the merged
	// edge, so way 2 can still be closed afterwards.
	var b GraphBuilder
	addWay(&b, 1, EdgeAttr{}, 1, 2, 3)
	addWay(&b, 2, EdgeAttr{}, 3, 4, 5)
	addWay(&b, 3, EdgeAttr{Flags: FlagSteps}, 5, 105, 205)
	addWay(&b, 4, EdgeAttr{Flags: FlagUnpaved}, 5, 6, 7)
	g, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	g2, err := g.rebuild(NewSegmentIndex(g), 250, []int64{3}, nil)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for e := 0; e < g2.NumEdges(); e++ {
		if w := g2.EdgeWays(e); len(w) == 2 && w[0] == 1 && w[1] == 2 {
			found = true
		}
	}
	if !found {
		t.Fatalf("the rebuilt graph lost a way of the merged edge")
	}
	g3, err := g2.rebuild(NewSegmentIndex(g2), 250, []int64{2}, nil)
	if err != nil {
		t.Fatalf("closing way 2 on the rebuilt graph: %v", err)
	}
	for e := 0; e < g3.NumEdges(); e++ {
		for _, w := range g3.EdgeWays(e) {
			if w == 1 || w == 2 {
				t.Errorf("edge %d still carries way %d: the merged chain closes whole", e, w)
			}
		}
	}
}

// With a category threshold above the access cutoff, ComputeAccess counts
// facilities up to the threshold but WhatIf counts added ones only up to the
// cutoff.
func TestRegressionWhatIfCountThresholdAboveCutoff(t *testing.T) {
	city := streetCity([]testFacility{{category: "clinic", offM: 3000}}, []testCell{{pop: 10, offM: 100}}, nil)
	city.Index = NewSegmentIndex(city.Graph)
	city.SnapMaxM = 250
	opt := AccessOptions{CutoffMin: 10}
	a, err := ComputeAccess(city, opt)
	if err != nil {
		t.Fatal(err)
	}
	b, err := a.WhatIf(Scenario{Add: []NewFacility{{ID: "new", Category: "clinic", Point: streetPoint(1000)}}})
	if err != nil {
		t.Fatal(err)
	}
	full, err := ComputeAccess(b.City, opt)
	if err != nil {
		t.Fatal(err)
	}
	c := 4 // clinic
	if city.Taxonomy.Categories[c].ID != "clinic" {
		t.Fatal("taxonomy order")
	}
	for p := range b.Profiles {
		if b.Count[p][c][0] != full.Count[p][c][0] {
			t.Errorf("profile %s: WhatIf count %d, ComputeAccess count %d (time %d ds)", b.Profiles[p].ID, b.Count[p][c][0], full.Count[p][c][0], full.TimeDs[p][c][0])
		}
	}
}

// A line facility's way merged with another way into one edge gets an
// access point at the far end of the other way.
func TestRegressionLineAccessOnMergedEdge(t *testing.T) {
	var b GraphBuilder
	addWay(&b, 1, EdgeAttr{}, 1, 2, 3)       // the greenway, ~150 m
	addWay(&b, 2, EdgeAttr{}, 3, 4, 5, 6, 7) // an unnamed footway continuing it, ~300 m
	addWay(&b, 3, EdgeAttr{}, 7, 107)        // a side street at node 7
	addWay(&b, 4, EdgeAttr{}, 7, 8)
	g, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	ix := NewSegmentIndex(g)
	wayEdges := map[int64][]int32{}
	for e := 0; e < g.NumEdges(); e++ {
		for _, w := range g.EdgeWays(e) {
			wayEdges[w] = append(wayEdges[w], int32(e))
		}
	}
	f := Facility{ID: "osm:way/1", Category: "greenway", Geom: orb.LineString{pt(1), pt(2), pt(3)}, Point: pt(2), WayIDs: []int64{1}}
	snap, _ := ix.Nearest(pt(2), 250, nil)
	aps := FacilityAccess(ix, &f, KindLine, snap, nil, wayEdges)
	for _, ap := range aps {
		d := math.Inf(1)
		proj := newLocalProj(ap.Point)
		ls := f.Geom.(orb.LineString)
		for i := 0; i+1 < len(ls); i++ {
			_, dd := proj.segmentDist(ls[i], ls[i+1])
			d = math.Min(d, dd)
		}
		if d > 1 {
			t.Errorf("access point %v (edge %d offset %.0f m, leg %.0f m) is %.0f m from the greenway", ap.Point, ap.Edge, ap.OffsetM, ap.DistM, d)
		}
	}
}

func TestWhatIfContextEnds(t *testing.T) {
	city := streetCity([]testFacility{{category: "clinic", offM: 100}}, []testCell{{pop: 10, offM: 500}}, nil)
	city.Index, city.SnapMaxM = NewSegmentIndex(city.Graph), 250
	a, err := ComputeAccess(city, AccessOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	link := orb.LineString{streetPoint(1000), {9.501, 47.1 + 1100/111_195.0}, streetPoint(1200)}
	if _, err := a.WhatIfContext(ctx, Scenario{AddLinks: []orb.LineString{link}}); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	if _, err := ComputeAccessContext(ctx, city, AccessOptions{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("ComputeAccessContext: got %v, want context.Canceled", err)
	}
}
