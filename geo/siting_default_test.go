package geo_test

import (
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/paulmach/orb"

	"fifteen/geo"
)

// Siting finds its cover sets from the demand side (one search per
// underserved cell); on the default city it chooses the same sites with
// the same gains as one search per candidate, the way it did before, for
// several categories, walkers (the wheelchair user's one-way and step
// rules included), both forms and both kinds of candidates.
func TestSitingDemandSideEqualsSearchPerCandidate(t *testing.T) {
	city, a := liechtenstein(t)
	var every []orb.Point
	for v := range city.Graph.NumVertices() {
		every = append(every, city.Graph.Vertex(v))
	}
	for _, tc := range []struct {
		cat, profile string
		capacity     float64
		cands        []orb.Point
	}{
		{"clinic", "adult", 0, nil},
		{"clinic", "wheelchair", 0, nil},
		{"kindergarten", "adult", 0, nil},
		{"kindergarten", "adult", 40, nil},
		{"elderly_care", "senior", 0, nil},
		{"elderly_care", "senior", 25, nil},
		{"convenience", "adult", 0, every},
		{"primary_school", "wheelchair", 200, every},
	} {
		opt := geo.SitingOptions{Category: tc.cat, Profile: tc.profile, K: 10, Capacity: tc.capacity, Candidates: tc.cands}
		if _, err := city.Taxonomy.Index(tc.cat); err != nil {
			t.Fatal(err)
		}
		got, err := a.Siting(opt)
		if err != nil {
			t.Fatal(err)
		}
		want, err := a.SitingBySearchForTest(opt)
		if err != nil {
			t.Fatal(err)
		}
		if len(want.Sites) == 0 {
			t.Errorf("%+v: no site chosen, a weak check", tc)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s/%s capacity %v: demand side\n%+v\nsearch per candidate\n%+v", tc.cat, tc.profile, tc.capacity, got, want)
		}
	}
}

// The default candidates are the vertices in underserved cells: placing
// most of them by their distance to the cell's outline, and only those
// near a side with H3, marks the vertices H3 alone marks, for every
// resolution a cell may have in the city's grid and for every, and every
// other, cell.
func TestVerticesInCellsEqualsFromPoint(t *testing.T) {
	city, _ := liechtenstein(t)
	for _, res := range []int{8, 9, 10, 11} {
		for _, keep := range []int{1, 2, 3} {
			diff, n := geo.VerticesInCellsForTest(city.Graph, res, keep)
			if len(diff) > 0 {
				t.Errorf("res %d every %d-th cell: %d vertices placed differently, first %d", res, keep, len(diff), diff[0])
			}
			if n == 0 {
				t.Errorf("res %d: no vertex in the cells", res)
			}
		}
	}
}

// Siting attaches its candidates with two short cuts (a point on the
// network first looked for in a centimetre's box; no second search on the
// largest component when it is out of reach): they attach every vertex,
// every point along the edges and points off the network as SnapStreetFor
// does, for every walker.
func TestSnapCandidatesEqualsSnapStreet(t *testing.T) {
	city, a := liechtenstein(t)
	var cands []orb.Point
	for v := range city.Graph.NumVertices() {
		cands = append(cands, city.Graph.Vertex(v))
	}
	rng := rand.New(rand.NewPCG(13, 4))
	for range 3000 {
		e := rng.IntN(city.Graph.NumEdges())
		geom := city.Graph.EdgeGeometry(e)
		k := rng.IntN(len(geom))
		p := geom[k]
		switch rng.IntN(3) {
		case 1: // along a segment
			if k+1 < len(geom) {
				f := rng.Float64()
				p = orb.Point{p[0] + f*(geom[k+1][0]-p[0]), p[1] + f*(geom[k+1][1]-p[1])}
			}
		case 2: // off the network
			p = orb.Point{p[0] + (rng.Float64()-0.5)*0.004, p[1] + (rng.Float64()-0.5)*0.004}
		}
		cands = append(cands, p)
	}
	for p, prof := range a.Profiles {
		got := a.SnapCandidatesForTest(p, cands)
		for i, c := range cands {
			want, err := city.Index.SnapStreetFor(c, city.SnapMaxM, false, a.Costs[p].Usable)
			if err != nil {
				want = geo.Snap{Edge: -1}
			}
			if got[i] != want {
				t.Errorf("%s candidate %d %v: %+v, SnapStreetFor %+v", prof.ID, i, c, got[i], want)
			}
		}
	}
}
