package geo

import (
	"cmp"
	"encoding/json"
	"errors"
	"math"
	"os"
	"slices"
	"testing"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/planar"

	"fifteen/geo/hex"
)

// gapTaxonomy has a 15-minute clinic and two 5-minute categories.
func gapTaxonomy(t testing.TB) *Taxonomy {
	t.Helper()
	tax := &Taxonomy{Version: "test", Categories: []Category{
		{ID: "clinic", Tier: 15, ThresholdMin: 15, Kind: KindPoint, Select: []Selector{{"amenity": "clinic"}}},
		{ID: "a5", Tier: 5, ThresholdMin: 5, Kind: KindPoint, Select: []Selector{{"t": "a5"}}},
		{ID: "b5", Tier: 5, ThresholdMin: 5, Kind: KindPoint, Select: []Selector{{"t": "b5"}}},
	}}
	if err := tax.Validate(); err != nil {
		t.Fatal(err)
	}
	return tax
}

// gapIn is one population cell of a hand-made Access, with its walk in
// minutes to each category of gapTaxonomy (negative: unreached).
type gapIn struct {
	cell hex.Cell
	pop  float64
	comm int32
	min  [3]float64
}

// gapAccess fills an Access by hand: every profile has the same times.
func gapAccess(t testing.TB, comms []Community, ins []gapIn) *Access {
	t.Helper()
	ins = slices.Clone(ins)
	slices.SortFunc(ins, func(a, b gapIn) int { return cmp.Or(cmp.Compare(a.cell, b.cell), cmp.Compare(a.comm, b.comm)) })
	pop := &Population{Res: PopulationRes}
	for _, in := range ins {
		pop.Cells = append(pop.Cells, PopCell{Cell: in.cell, Pop: in.pop, Community: in.comm})
		pop.Total += in.pop
	}
	city := &City{Name: "hand", Taxonomy: gapTaxonomy(t), Communities: comms, Population: pop,
		CellSnap: make([]Snap, len(ins))}
	opt := AccessOptions{}
	if err := opt.fill(); err != nil {
		t.Fatal(err)
	}
	a := &Access{City: city, Options: opt, Profiles: opt.Profiles, cutoffDs: MinToDs(opt.CutoffMin)}
	a.TimeDs = make([][][]uint32, len(a.Profiles))
	for p := range a.Profiles {
		a.TimeDs[p] = make([][]uint32, 3)
		for c := range 3 {
			a.TimeDs[p][c] = make([]uint32, len(ins))
			for i, in := range ins {
				if in.min[c] < 0 {
					a.TimeDs[p][c][i] = Unreached
				} else {
					a.TimeDs[p][c][i] = MinToDs(in.min[c])
				}
			}
		}
	}
	return a
}

// gapCellAt is the population cell about (xM, yM) metres from a point in
// Chengdu.
func gapCellAt(t testing.TB, xM, yM float64) hex.Cell {
	t.Helper()
	c, err := hex.FromPoint(sitePoint(xM, yM), PopulationRes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// writeGapGeoJSON writes geometries to a temporary GeoJSON file for a
// person to open in a map, and returns its path.
func writeGapGeoJSON(t *testing.T, name string, gs ...orb.Geometry) string {
	t.Helper()
	fc := geojson.NewFeatureCollection()
	for _, g := range gs {
		fc.Append(geojson.NewFeature(g))
	}
	b, _ := json.Marshal(fc)
	f, err := os.CreateTemp("", name+"-*.geojson")
	if err != nil {
		t.Log(err)
		return ""
	}
	defer f.Close()
	f.Write(b)
	return f.Name()
}

func TestGapsRingAroundServedCellHasHole(t *testing.T) {
	centre := gapCellAt(t, 0, 0)
	ins := []gapIn{{cell: centre, pop: 100, comm: -1, min: [3]float64{5, 1, 1}}}
	for _, n := range centre.Neighbors() {
		ins = append(ins, gapIn{cell: n, pop: 10, comm: -1, min: [3]float64{20, 1, 1}})
	}
	a := gapAccess(t, nil, ins)
	got, err := a.Gaps(GapOptions{Category: "clinic"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("%d clusters, want 1: %+v", len(got), got)
	}
	cl := got[0]
	if cl.ID != 1 || len(cl.Cells) != 6 || cl.Population != 60 || slices.Contains(cl.Cells, centre) {
		t.Errorf("cluster %d: %d cells, population %v, want 1, 6 cells without the centre, 60", cl.ID, len(cl.Cells), cl.Population)
	}
	if cl.MeanMin == nil || *cl.MeanMin != 20 || cl.MaxMin == nil || *cl.MaxMin != 20 || cl.Unreached != 0 {
		t.Errorf("mean %v max %v unreached %v, want 20, 20, 0", cl.MeanMin, cl.MaxMin, cl.Unreached)
	}
	ok := len(cl.Outline) == 1 && len(cl.Outline[0]) == 2
	if ok {
		outer, hole := cl.Outline[0][0], cl.Outline[0][1]
		c := centre.Center()
		ok = planar.RingContains(outer, c) && planar.RingContains(hole, c) &&
			outer.Orientation() == orb.CCW && hole.Orientation() == orb.CW &&
			math.Abs(orbgeo.Area(hole)-centre.AreaM2()) < 0.01*centre.AreaM2()
	}
	if !ok {
		path := writeGapGeoJSON(t, "gaps-ring", cl.Outline, orb.Polygon{centre.Boundary()})
		t.Errorf("outline is not one polygon with the centre cell as its hole (got, then the centre cell: %s)", path)
	}
	if want := 6 * centre.AreaM2() / 1e6; math.Abs(cl.AreaKm2-want) > 0.02*want {
		t.Errorf("area %v km², want about %v", cl.AreaKm2, want)
	}
}

func TestGapsClusters(t *testing.T) {
	comms := []Community{
		{ID: "x", Population: 1, Aged60Share: 0.2, ChildShare: 0.1},
		{ID: "y", Population: 1, Aged60Share: -1, ChildShare: -1},
	}
	c1 := gapCellAt(t, 0, 0)
	n1 := c1.Neighbors()[0]
	c2 := gapCellAt(t, 3000, 0)
	c3 := gapCellAt(t, 0, 3000)
	c4 := gapCellAt(t, 3000, 3000)
	c5 := gapCellAt(t, -3000, 0)
	ins := []gapIn{
		{c1, 40, 0, [3]float64{-1, 1, 1}},
		// n1 is shared by two communities: one cell, 50 residents.
		{n1, 30, 0, [3]float64{20, 1, 8}},
		{n1, 20, 1, [3]float64{20, 1, 8}},
		{c2, 200, 1, [3]float64{16, 1, 1}},
		{c3, 500, 0, [3]float64{5, 3, 3}},    // served
		{c4, 0, 0, [3]float64{-1, -1, -1}},   // nobody lives there
		{c5, 10, 0, [3]float64{-1, 1, 5.05}}, // b5 just beyond 5 min
	}
	a := gapAccess(t, comms, ins)
	got, err := a.Gaps(GapOptions{Category: "clinic"})
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		cells               []hex.Cell
		pop, aged, children float64
		ageKnown            bool
		comms               []string
		mean, max           *float64
		unreached           float64
	}
	wants := []want{
		{[]hex.Cell{c2}, 200, 0, 0, false, []string{"y"}, ptr(16), ptr(16), 0},
		{slices.Sorted(slices.Values([]hex.Cell{c1, n1})), 90, 14, 7, false, []string{"x", "y"}, ptr(20), ptr(20), 40},
		{[]hex.Cell{c5}, 10, 2, 1, true, []string{"x"}, nil, nil, 10},
	}
	check := func(name string, got []Cluster, wants []want) {
		t.Helper()
		if len(got) != len(wants) {
			t.Fatalf("%s: %d clusters, want %d: %+v", name, len(got), len(wants), got)
		}
		for i, w := range wants {
			g := got[i]
			eqPtr := func(a, b *float64) bool { return (a == nil) == (b == nil) && (a == nil || math.Abs(*a-*b) < 1e-9) }
			if g.ID != i+1 || !slices.Equal(g.Cells, w.cells) || math.Abs(g.Population-w.pop) > 1e-9 ||
				math.Abs(g.Aged60-w.aged) > 1e-9 || math.Abs(g.Children-w.children) > 1e-9 || g.AgeKnown != w.ageKnown ||
				!slices.Equal(g.Communities, w.comms) || !eqPtr(g.MeanMin, w.mean) || !eqPtr(g.MaxMin, w.max) ||
				g.Unreached != w.unreached || len(g.Outline) != 1 {
				t.Errorf("%s: cluster %d = %+v, want %+v", name, i, g, w)
			}
		}
	}
	check("clinic", got, wants)

	got, err = a.Gaps(GapOptions{Category: "clinic", Community: "x"})
	if err != nil {
		t.Fatal(err)
	}
	check("community x", got, []want{wants[1], wants[2]})

	got, err = a.Gaps(GapOptions{Category: "clinic", MinPopulation: 90})
	if err != nil {
		t.Fatal(err)
	}
	check("min population 90", got, wants[:2])

	// Tier 5: n1 fails b5 (8 min), c5 fails b5 (5.05 min); the rest pass
	// both 5-minute categories. The walk is the farther of the two.
	got, err = a.Gaps(GapOptions{Tier: 5, Profile: "senior"})
	if err != nil {
		t.Fatal(err)
	}
	check("tier 5", got, []want{
		{[]hex.Cell{n1}, 50, 6, 3, false, []string{"x", "y"}, ptr(8), ptr(8), 0},
		{[]hex.Cell{c5}, 10, 2, 1, true, []string{"x"}, ptr(5.05), ptr(5.05), 0},
	})

	got, err = a.Gaps(GapOptions{Tier: 15})
	if err != nil {
		t.Fatal(err)
	}
	check("tier 15 is the clinic alone", got, wants)

	got, err = a.Gaps(GapOptions{Category: "a5"})
	if err != nil || len(got) != 0 {
		t.Errorf("a5: %v, %+v; want no cluster", err, got)
	}
}

func TestGapsErrors(t *testing.T) {
	a := gapAccess(t, []Community{{ID: "x", Population: 1, Aged60Share: -1, ChildShare: -1}},
		[]gapIn{{gapCellAt(t, 0, 0), 10, 0, [3]float64{20, 1, 1}}})
	tests := []struct {
		name string
		opt  GapOptions
		want error
	}{
		{"unknown category", GapOptions{Category: "nope"}, ErrUnknownCategory},
		{"no category nor tier", GapOptions{}, ErrBadOption},
		{"category and tier", GapOptions{Category: "clinic", Tier: 15}, ErrBadOption},
		{"tier 7", GapOptions{Tier: 7}, ErrBadOption},
		{"tier without categories", GapOptions{Tier: 10}, ErrBadOption},
		{"unknown profile", GapOptions{Category: "clinic", Profile: "runner"}, ErrBadOption},
		{"unknown community", GapOptions{Category: "clinic", Community: "z"}, ErrBadOption},
		{"negative min population", GapOptions{Category: "clinic", MinPopulation: -1}, ErrBadOption},
		{"NaN min population", GapOptions{Category: "clinic", MinPopulation: math.NaN()}, ErrBadOption},
	}
	for _, tc := range tests {
		_, err := a.Gaps(tc.opt)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: error %v, want %v", tc.name, err, tc.want)
		}
	}
	// A threshold beyond the access cutoff: times past it are unknown.
	a.City.Taxonomy.Categories[0].ThresholdMin = 45
	if _, err := a.Gaps(GapOptions{Category: "clinic"}); !errors.Is(err, ErrBadOption) {
		t.Errorf("threshold beyond cutoff: error %v, want ErrBadOption", err)
	}
}

// TestGapsPartitionOnGrid checks, on street grids with random clinics, that
// the clusters are exactly the underserved populated cells, each cluster
// connected and no two clusters adjacent.
func TestGapsPartitionOnGrid(t *testing.T) {
	for seed := range uint64(6) {
		sc := newSiteCity(t, seed, 3)
		a := sc.access(t)
		got, err := a.Gaps(GapOptions{Category: "clinic"})
		if err != nil {
			t.Fatal(err)
		}
		thr := MinToDs(a.City.Taxonomy.Categories[0].ThresholdMin)
		want := map[hex.Cell]float64{}
		for i, pc := range a.City.Population.Cells {
			if a.TimeDs[0][0][i] > thr && pc.Pop > 0 {
				want[pc.Cell] += pc.Pop
			}
		}
		owner := map[hex.Cell]int{}
		var total float64
		for k, cl := range got {
			total += cl.Population
			if k > 0 && cl.Population > got[k-1].Population {
				t.Errorf("seed %d: cluster %d larger than cluster %d", seed, k, k-1)
			}
			for _, c := range cl.Cells {
				if _, ok := want[c]; !ok {
					t.Errorf("seed %d: cell %s in a cluster is not underserved", seed, c)
				}
				if _, dup := owner[c]; dup {
					t.Errorf("seed %d: cell %s in two clusters", seed, c)
				}
				owner[c] = k
			}
			// Connected: a walk over neighbours from the first cell reaches
			// every cell.
			in := map[hex.Cell]bool{}
			for _, c := range cl.Cells {
				in[c] = true
			}
			seen := map[hex.Cell]bool{cl.Cells[0]: true}
			queue := []hex.Cell{cl.Cells[0]}
			for len(queue) > 0 {
				c := queue[0]
				queue = queue[1:]
				for _, n := range c.Neighbors() {
					if in[n] && !seen[n] {
						seen[n] = true
						queue = append(queue, n)
					}
				}
			}
			if len(seen) != len(cl.Cells) {
				t.Errorf("seed %d: cluster %d is not connected", seed, k)
			}
		}
		if len(owner) != len(want) {
			t.Errorf("seed %d: %d cells in clusters, want %d", seed, len(owner), len(want))
		}
		for c, k := range owner {
			for _, n := range c.Neighbors() {
				if k2, ok := owner[n]; ok && k2 != k {
					t.Errorf("seed %d: neighbours %s and %s in clusters %d and %d", seed, c, n, k, k2)
				}
			}
		}
		var wantTotal float64
		for _, p := range want {
			wantTotal += p
		}
		if math.Abs(total-wantTotal) > 1e-6 {
			t.Errorf("seed %d: clusters hold %v residents, want %v", seed, total, wantTotal)
		}
	}
}
