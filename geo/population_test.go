package geo

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
	"github.com/paulmach/orb/planar"

	"fifteen/geo/hex"
)

// popSquare returns a closed counter-clockwise square of side sideDeg
// degrees with its south-west corner at sw.
func popSquare(sw orb.Point, sideDeg float64) orb.Ring {
	return orb.Ring{sw, {sw[0] + sideDeg, sw[1]}, {sw[0] + sideDeg, sw[1] + sideDeg}, {sw[0], sw[1] + sideDeg}, sw}
}

func popCell(t *testing.T, p orb.Point) hex.Cell {
	t.Helper()
	c, err := hex.FromPoint(p, PopulationRes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// checkPopulation asserts the invariants every Population must hold and
// returns the population per community and cell.
func checkPopulation(t *testing.T, pop *Population, wantByComm []float64, wantTotal float64) map[int32]map[hex.Cell]float64 {
	t.Helper()
	if pop.Res != PopulationRes {
		t.Errorf("Res = %d, want %d", pop.Res, PopulationRes)
	}
	if !slices.IsSortedFunc(pop.Cells, func(a, b PopCell) int {
		if a.Cell != b.Cell {
			if a.Cell < b.Cell {
				return -1
			}
			return 1
		}
		return int(a.Community - b.Community)
	}) {
		t.Errorf("cells not sorted by cell and community")
	}
	got := make(map[int32]map[hex.Cell]float64)
	byComm := make([]float64, len(wantByComm))
	var total float64
	for _, c := range pop.Cells {
		if c.Pop < 0 || math.IsNaN(c.Pop) {
			t.Errorf("cell %s has population %v", c.Cell, c.Pop)
		}
		if c.Cell.Res() != PopulationRes {
			t.Errorf("cell %s has resolution %d", c.Cell, c.Cell.Res())
		}
		if got[c.Community] == nil {
			got[c.Community] = make(map[hex.Cell]float64)
		}
		if _, dup := got[c.Community][c.Cell]; dup {
			t.Errorf("cell %s appears twice for community %d", c.Cell, c.Community)
		}
		got[c.Community][c.Cell] = c.Pop
		if c.Community >= 0 {
			byComm[c.Community] += c.Pop
		}
		total += c.Pop
	}
	for i, want := range wantByComm {
		if !popClose(byComm[i], want) || !popClose(pop.PlacedByCommunity[i], want) {
			t.Errorf("community %d: cells sum to %v, PlacedByCommunity %v, want %v",
				i, byComm[i], pop.PlacedByCommunity[i], want)
		}
	}
	if !popClose(total, wantTotal) || !popClose(pop.Total, wantTotal) {
		t.Errorf("cells sum to %v, Total %v, want %v", total, pop.Total, wantTotal)
	}
	return got
}

func popClose(got, want float64) bool {
	return math.Abs(got-want) <= 1e-6*math.Max(1, math.Abs(want))
}

func TestPlacePopulation(t *testing.T) {
	// Community A is a square about 760 m × 1,110 m near Vaduz, B the square
	// east of it. The residential area covers A's south-west quarter, with a
	// hole in its middle.
	sqA := popSquare(orb.Point{9.50, 47.10}, 0.01)
	sqB := popSquare(orb.Point{9.51, 47.10}, 0.01)
	area := orb.Polygon{
		popSquare(orb.Point{9.500, 47.100}, 0.005),
		popSquare(orb.Point{9.502, 47.102}, 0.001),
	}
	commA := Community{ID: "A", Geom: orb.MultiPolygon{{sqA}}, Population: 1000}
	commB := Community{ID: "B", Geom: orb.MultiPolygon{{sqB}}, Population: 300}

	p1 := orb.Point{9.5010, 47.1010} // in the residential area
	p2 := orb.Point{9.5080, 47.1080} // outside it
	p3 := orb.Point{9.5025, 47.1025} // in the area's hole
	p4 := orb.Point{9.5150, 47.1050} // in B
	pOut := orb.Point{9.60, 47.10}   // in no community

	allA, err := hex.PolygonCells(commA.Geom, PopulationRes)
	if err != nil {
		t.Fatal(err)
	}
	netA := []hex.Cell{popCell(t, p1), popCell(t, p2)}
	slices.Sort(netA)
	tiny := Community{ID: "tiny", Geom: orb.MultiPolygon{{popSquare(orb.Point{9.5051, 47.1051}, 0.00002)}}, Population: 7}

	type want struct {
		byComm  []float64
		methods []string
		// cells is the exact expected placement; nil skips the check.
		cells map[int32]map[hex.Cell]float64
	}
	tests := []struct {
		name    string
		in      PopulationInput
		want    want
		wantErr error
	}{
		{
			name: "floor area proportional, untagged levels count as one",
			in: PopulationInput{
				Communities: []Community{commA},
				Buildings: []Building{
					{Centroid: p1, AreaM2: 100, Levels: 2, Residential: true},
					{Centroid: p2, AreaM2: 300, Residential: true},
				},
			},
			want: want{
				byComm:  []float64{1000},
				methods: []string{MethodFloorArea},
				cells:   map[int32]map[hex.Cell]float64{0: {popCell(t, p1): 400, popCell(t, p2): 600}},
			},
		},
		{
			name: "two buildings in one cell add up",
			in: PopulationInput{
				Communities: []Community{commA},
				Buildings: []Building{
					{Centroid: p1, AreaM2: 100, Levels: 1, Residential: true},
					{Centroid: orb.Point{p1[0] + 0.00001, p1[1]}, AreaM2: 100, Levels: 3, Residential: true},
				},
			},
			want: want{
				byComm:  []float64{1000},
				methods: []string{MethodFloorArea},
				cells:   map[int32]map[hex.Cell]float64{0: {popCell(t, p1): 1000}},
			},
		},
		{
			name: "non-residential building counts only inside a residential area, hole honoured",
			in: PopulationInput{
				Communities:      []Community{commA},
				ResidentialAreas: []orb.Polygon{area},
				Buildings: []Building{
					{Centroid: p1, AreaM2: 250, Levels: 2},  // in the area: counts
					{Centroid: p2, AreaM2: 5000, Levels: 9}, // outside: ignored
					{Centroid: p3, AreaM2: 5000, Levels: 9}, // in the hole: ignored
					{Centroid: p2, AreaM2: 500, Residential: true},
				},
			},
			want: want{
				byComm:  []float64{1000},
				methods: []string{MethodFloorArea},
				cells:   map[int32]map[hex.Cell]float64{0: {popCell(t, p1): 500, popCell(t, p2): 500}},
			},
		},
		{
			name: "building outside every community ignored",
			in: PopulationInput{
				Communities: []Community{commA, commB},
				Buildings: []Building{
					{Centroid: p1, AreaM2: 100, Residential: true},
					{Centroid: p4, AreaM2: 100, Residential: true},
					{Centroid: pOut, AreaM2: 1e6, Residential: true},
				},
			},
			want: want{
				byComm:  []float64{1000, 300},
				methods: []string{MethodFloorArea, MethodFloorArea},
				cells: map[int32]map[hex.Cell]float64{
					0: {popCell(t, p1): 1000},
					1: {popCell(t, p4): 300},
				},
			},
		},
		{
			name: "overlapping communities: building goes to the first",
			in: PopulationInput{
				Communities:  []Community{commA, {ID: "A2", Geom: commA.Geom, Population: 10}},
				Buildings:    []Building{{Centroid: p1, AreaM2: 100, Residential: true}},
				NetworkCells: cellsFunc(netA...),
			},
			want: want{
				byComm:  []float64{1000, 10},
				methods: []string{MethodFloorArea, MethodNetworkCells},
				cells: map[int32]map[hex.Cell]float64{
					0: {popCell(t, p1): 1000},
					1: {popCell(t, p1): 5, popCell(t, p2): 5},
				},
			},
		},
		{
			name: "no buildings: evenly over network cells, unsorted input accepted",
			in: PopulationInput{
				Communities:  []Community{commA},
				NetworkCells: cellsFunc(netA[1], netA[0], popCell(t, pOut)),
			},
			want: want{
				byComm:  []float64{1000},
				methods: []string{MethodNetworkCells},
				cells:   map[int32]map[hex.Cell]float64{0: {netA[0]: 500, netA[1]: 500}},
			},
		},
		{
			name: "no buildings nor network: evenly over all cells",
			in: PopulationInput{
				Communities:  []Community{commA},
				NetworkCells: cellsFunc(popCell(t, pOut)),
				Buildings:    []Building{{Centroid: p1, AreaM2: 0, Residential: true}},
			},
			want: want{
				byComm:  []float64{1000},
				methods: []string{MethodAllCells},
				cells: map[int32]map[hex.Cell]float64{0: func() map[hex.Cell]float64 {
					m := make(map[hex.Cell]float64)
					for _, c := range allA {
						m[c] = 1000 / float64(len(allA))
					}
					return m
				}()},
			},
		},
		{
			name: "polygon smaller than a cell gets the cell of a point inside",
			in:   PopulationInput{Communities: []Community{tiny}},
			want: want{
				byComm:  []float64{7},
				methods: []string{MethodPoint},
				cells:   map[int32]map[hex.Cell]float64{0: {popCell(t, orb.Point{9.50511, 47.10511}): 7}},
			},
		},
		{
			name: "no communities",
			in:   PopulationInput{Buildings: []Building{{Centroid: p1, AreaM2: 100, Residential: true}}},
			want: want{cells: map[int32]map[hex.Cell]float64{}},
		},
		{
			name:    "zero population rejected",
			in:      PopulationInput{Communities: []Community{{ID: "z", Geom: commA.Geom}}},
			wantErr: ErrNoPopulation,
		},
		{
			name:    "NaN population rejected",
			in:      PopulationInput{Communities: []Community{{ID: "n", Geom: commA.Geom, Population: math.NaN()}}},
			wantErr: ErrNoPopulation,
		},
		{
			name:    "empty geometry cannot hold population",
			in:      PopulationInput{Communities: []Community{{ID: "e", Population: 5}}},
			wantErr: ErrNoPopulation,
		},
		{
			name: "swapped community coordinates rejected",
			in: PopulationInput{Communities: []Community{{ID: "s", Population: 5,
				Geom: orb.MultiPolygon{{popSquare(orb.Point{47.1, 120.5}, 0.01)}}}}},
			wantErr: ErrBadCoordinate,
		},
		{
			name: "NaN building centroid rejected",
			in: PopulationInput{Communities: []Community{commA},
				Buildings: []Building{{Centroid: orb.Point{math.NaN(), 47.1}, AreaM2: 10}}},
			wantErr: ErrBadCoordinate,
		},
		{
			name: "network cells at another resolution rejected",
			in: PopulationInput{Communities: []Community{commA},
				NetworkCells: cellsFunc(popCell(t, p1).Parent(9))},
			wantErr: hex.ErrBadResolution,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pop, err := PlacePopulation(tt.in)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			var total float64
			for _, p := range tt.want.byComm {
				total += p
			}
			got := checkPopulation(t, pop, tt.want.byComm, total)
			if !slices.Equal(pop.Method, tt.want.methods) {
				t.Errorf("methods = %v, want %v", pop.Method, tt.want.methods)
			}
			if tt.want.cells == nil {
				return
			}
			if len(got) != len(tt.want.cells) {
				t.Errorf("communities with cells = %d, want %d", len(got), len(tt.want.cells))
			}
			for ci, wantCells := range tt.want.cells {
				if len(got[ci]) != len(wantCells) {
					t.Errorf("community %d: %d cells, want %d", ci, len(got[ci]), len(wantCells))
				}
				for c, w := range wantCells {
					if g, ok := got[ci][c]; !ok || !popClose(g, w) {
						t.Errorf("community %d cell %s: %v, want %v", ci, c, g, w)
					}
				}
			}
		})
	}
}

// cellsFunc returns a PopulationInput.NetworkCells source returning cells.
func cellsFunc(cells ...hex.Cell) func() []hex.Cell {
	return func() []hex.Cell { return cells }
}

// TestPlacePopulationNetworkCellsLazy guards the load time of a city whose
// communities all have floor area: the network cells, costly to compute, are
// asked for only by a community that falls back to them, and then once.
func TestPlacePopulationNetworkCellsLazy(t *testing.T) {
	sqA := popSquare(orb.Point{9.50, 47.10}, 0.01)
	sqB := popSquare(orb.Point{9.51, 47.10}, 0.01)
	pA := orb.Point{9.5050, 47.1050}
	pB := orb.Point{9.5150, 47.1050}
	house := func(p orb.Point) Building { return Building{Centroid: p, AreaM2: 100, Residential: true} }
	tiny := Community{ID: "tiny", Geom: orb.MultiPolygon{{popSquare(orb.Point{9.5251, 47.1051}, 0.00002)}}, Population: 7}
	tests := []struct {
		name      string
		comms     []Community
		buildings []Building
		wantCalls int
	}{
		{"all communities have floor area: not called",
			[]Community{{ID: "A", Geom: orb.MultiPolygon{{sqA}}, Population: 10}, {ID: "B", Geom: orb.MultiPolygon{{sqB}}, Population: 10}},
			[]Building{house(pA), house(pB)}, 0},
		{"community smaller than a cell: not called",
			[]Community{tiny}, nil, 0},
		{"two communities fall back: called once",
			[]Community{{ID: "A", Geom: orb.MultiPolygon{{sqA}}, Population: 10}, {ID: "B", Geom: orb.MultiPolygon{{sqB}}, Population: 10}},
			nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			in := PopulationInput{Communities: tt.comms, Buildings: tt.buildings,
				NetworkCells: func() []hex.Cell { calls++; return []hex.Cell{popCell(t, pA), popCell(t, pB)} }}
			if _, err := PlacePopulation(in); err != nil {
				t.Fatal(err)
			}
			if calls != tt.wantCalls {
				t.Errorf("NetworkCells called %d times, want %d", calls, tt.wantCalls)
			}
		})
	}
}

func TestPointInMultiPolygon(t *testing.T) {
	// A U shape whose centroid lies outside it.
	u := orb.Polygon{{{0, 0}, {3, 0}, {3, 3}, {2, 3}, {2, 1}, {1, 1}, {1, 3}, {0, 3}, {0, 0}}}
	ring := orb.Polygon{popSquare(orb.Point{0, 0}, 4), popSquare(orb.Point{1, 1}, 2)}
	tests := []struct {
		name string
		mp   orb.MultiPolygon
		ok   bool
	}{
		{"square", orb.MultiPolygon{{popSquare(orb.Point{9.5, 47.1}, 0.001)}}, true},
		{"U shape", orb.MultiPolygon{u}, true},
		{"square with big hole", orb.MultiPolygon{ring}, true},
		{"largest polygon chosen", orb.MultiPolygon{{popSquare(orb.Point{0, 0}, 0.1)}, u}, true},
		{"empty", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, ok := pointInMultiPolygon(tt.mp)
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v", ok, tt.ok)
			}
			if ok && !planar.MultiPolygonContains(tt.mp, p) {
				t.Errorf("point %v not inside", p)
			}
		})
	}
}

func TestNetworkCells(t *testing.T) {
	tests := []struct {
		name string
		ways [][]orb.Point
	}{
		{"straight east-west way", [][]orb.Point{{{9.50, 47.10}, {9.51, 47.10}}}},
		{"diagonal way", [][]orb.Point{{{9.50, 47.10}, {9.507, 47.103}}}},
		{"bent way and a crossing way", [][]orb.Point{
			{{9.50, 47.10}, {9.503, 47.1005}, {9.503, 47.104}},
			{{9.5015, 47.098}, {9.5015, 47.102}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b GraphBuilder
			var node int64
			for wi, w := range tt.ways {
				ids := make([]int64, len(w))
				for i := range w {
					node++
					ids[i] = node
				}
				b.AddWay(int64(wi+1), ids, w, EdgeAttr{})
			}
			g, err := b.Build()
			if err != nil {
				t.Fatal(err)
			}
			got := NetworkCells(g, PopulationRes)
			if !slices.IsSorted(got) || len(slices.Compact(slices.Clone(got))) != len(got) {
				t.Fatalf("cells not sorted and unique")
			}
			// Reference: sample every metre and count how many metres of
			// way each cell holds.
			metres := make(map[hex.Cell]int)
			for _, w := range tt.ways {
				for i := 0; i+1 < len(w); i++ {
					n := int(math.Ceil(orbgeo.Distance(w[i], w[i+1])))
					for k := 0; k <= n; k++ {
						f := float64(k) / float64(n)
						p := orb.Point{w[i][0] + f*(w[i+1][0]-w[i][0]), w[i][1] + f*(w[i+1][1]-w[i][1])}
						metres[popCell(t, p)]++
					}
				}
			}
			stepM := hex.EdgeLengthM(PopulationRes) / 3
			for _, c := range got {
				if metres[c] == 0 {
					t.Errorf("cell %s not crossed by the network", c)
				}
			}
			for c, m := range metres {
				if _, ok := slices.BinarySearch(got, c); !ok && float64(m) > stepM+2 {
					t.Errorf("cell %s crossed for %d m missed", c, m)
				}
			}
		})
	}
	if NetworkCells(nil, PopulationRes) != nil {
		t.Errorf("nil graph gave cells")
	}
}

func TestPopulationFromCells(t *testing.T) {
	vaduz := orb.Point{9.5209, 47.1410}
	c10 := popCell(t, vaduz)
	c9 := c10.Parent(9)
	c8 := c10.Parent(8)
	far := popCell(t, orb.Point{9.60, 47.20})
	big := Community{ID: "big", Geom: orb.MultiPolygon{{popSquare(orb.Point{9.50, 47.12}, 0.04)}}, Population: 1}
	tests := []struct {
		name    string
		cells   []CellPop
		comms   []Community
		wantN   int
		byComm  []float64
		total   float64
		wantErr error
	}{
		{"res 9 split over seven children", []CellPop{{c9, 700}}, []Community{big}, 7, []float64{700}, 700, nil},
		{"res 8 split over 49 grandchildren", []CellPop{{c8, 49}}, []Community{big}, 49, []float64{49}, 49, nil},
		{"res 10 kept, repeats add up", []CellPop{{c10, 3}, {c10, 4}}, []Community{big}, 1, []float64{7}, 7, nil},
		{"nested cells add up", []CellPop{{c9, 70}, {c10, 5}}, []Community{big}, 7, []float64{75}, 75, nil},
		{"outside every community is -1", []CellPop{{c10, 3}, {far, 2}}, []Community{big}, 2, []float64{3}, 5, nil},
		{"no communities", []CellPop{{c9, 7}}, nil, 7, nil, 7, nil},
		{"zero population cells left out", []CellPop{{c9, 0}, {far, 1}}, nil, 1, nil, 1, nil},
		{"empty input", nil, []Community{big}, 0, []float64{0}, 0, nil},
		{"finer than res 10 rejected", []CellPop{{c10.Children(11)[0], 1}}, nil, 0, nil, 0, hex.ErrBadResolution},
		{"invalid cell rejected", []CellPop{{12345, 1}}, nil, 0, nil, 0, hex.ErrInvalidCell},
		{"negative population rejected", []CellPop{{c9, -1}}, nil, 0, nil, 0, ErrNoPopulation},
		{"NaN population rejected", []CellPop{{c9, math.NaN()}}, nil, 0, nil, 0, ErrNoPopulation},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pop, err := PopulationFromCells(tt.cells, tt.comms)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if len(pop.Cells) != tt.wantN {
				t.Errorf("%d cells, want %d", len(pop.Cells), tt.wantN)
			}
			checkPopulation(t, pop, tt.byComm, tt.total)
			for _, c := range pop.Cells {
				if c.Community >= 0 {
					if !planar.MultiPolygonContains(tt.comms[c.Community].Geom, c.Cell.Center()) {
						t.Errorf("cell %s assigned to community %d, centre outside it", c.Cell, c.Community)
					}
					continue
				}
				for i, cm := range tt.comms {
					if planar.MultiPolygonContains(cm.Geom, c.Cell.Center()) {
						t.Errorf("cell %s unassigned, centre inside community %d", c.Cell, i)
					}
				}
			}
			for _, m := range pop.Method {
				if m != MethodCells {
					t.Errorf("method %q, want %q", m, MethodCells)
				}
			}
		})
	}
}

func ExamplePopulationFromCells() {
	c9, _ := hex.Parse("891f8e7290fffff") // a resolution-9 cell in Vaduz
	vaduz := Community{
		ID:         "LI-11",
		Geom:       orb.MultiPolygon{{popSquare(orb.Point{9.50, 47.12}, 0.04)}},
		Population: 5229,
	}
	pop, err := PopulationFromCells([]CellPop{{Cell: c9, Pop: 700}}, []Community{vaduz})
	if err != nil {
		panic(err)
	}
	fmt.Println(len(pop.Cells), pop.Cells[0].Pop, pop.Cells[0].Community, pop.PlacedByCommunity[0], pop.Method[0])
	// Output: 7 100 0 700 cells
}

func BenchmarkPlacePopulation(b *testing.B) {
	rng := rand.New(rand.NewPCG(15, 15))
	var comms []Community
	for i := range 4 {
		sw := orb.Point{9.50 + 0.02*float64(i%2), 47.10 + 0.02*float64(i/2)}
		comms = append(comms, Community{ID: fmt.Sprint(i), Geom: orb.MultiPolygon{{popSquare(sw, 0.02)}}, Population: 1000})
	}
	buildings := make([]Building, 20000)
	for i := range buildings {
		buildings[i] = Building{
			Centroid:    orb.Point{9.50 + 0.04*rng.Float64(), 47.10 + 0.04*rng.Float64()},
			AreaM2:      50 + 200*rng.Float64(),
			Levels:      float64(rng.IntN(5)),
			Residential: rng.IntN(2) == 0,
		}
	}
	in := PopulationInput{
		Communities:      comms,
		Buildings:        buildings,
		ResidentialAreas: []orb.Polygon{{popSquare(orb.Point{9.51, 47.11}, 0.02)}},
	}
	b.ReportAllocs()
	var sink *Population
	for b.Loop() {
		sink, _ = PlacePopulation(in)
	}
	_ = sink
}
