package geo

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"

	"fifteen/geo/hex"
)

// e2sfcaTaxonomy is a small validated taxonomy: a children's category with
// capacity tags, an all-residents category with capacity tags and no
// default, an aged-60 category with a default, one with a default and no
// facilities, and one without capacity. Every threshold is 15 minutes and
// every norm one place per user (1000 per 1,000).
func e2sfcaTaxonomy() *Taxonomy {
	cat := func(id, demand string, def float64, tags ...string) Category {
		return Category{
			ID: id, Tier: 15, ThresholdMin: 15, Kind: KindPoint,
			Select:       []Selector{{"amenity": id}},
			CapacityTags: tags, DefaultCapacity: def, Demand: demand,
			PlacesPer1000: NewNorm(1000), // one place per user
		}
	}
	tax := &Taxonomy{Categories: []Category{
		cat("kindergarten", DemandChildren, 0, "capacity"),
		cat("hospital", "", 0, "beds"),
		cat("elderly_care", DemandAged60, 200, "beds"),
		cat("nursery", DemandChildren, 50),
		cat("clinic", DemandAll, 0),
	}}
	if err := tax.Validate(); err != nil {
		panic(err)
	}
	return tax
}

// streetPoint is the point about offM metres north of the south end of the
// test street (streetCity scales offsets to the street's exact length).
func streetPoint(offM float64) orb.Point { return orb.Point{9.5, 47.1 + offM/111_195} }

// testFacility is a facility offM metres along the test street.
type testFacility struct {
	category string
	capacity float64
	source   string // CapacitySource
	offM     float64
	nowhere  bool // no access point
}

// testCell is a populated cell offM metres along the test street.
type testCell struct {
	pop       float64
	offM      float64
	community int32
	unsnapped bool
}

// streetCity builds a city on one straight street about 3.3 km long running
// north, with facilities and cells placed on it (no straight legs): the
// walking time of a cell to a facility is their distance along the street
// at the profile's speed (adult 8 ds/m, senior and wheelchair 10 ds/m).
func streetCity(facs []testFacility, cells []testCell, comms []Community) *City {
	const lengthM = 3300
	var b GraphBuilder
	b.AddWay(1, []int64{1, 2}, []orb.Point{streetPoint(0), streetPoint(lengthM)}, EdgeAttr{})
	g, err := b.Build()
	if err != nil {
		panic(err)
	}
	from, _ := g.EdgeEnds(0)
	southIsFrom := g.Vertex(from) == streetPoint(0)
	snap := func(offM float64) Snap {
		if !southIsFrom {
			offM = g.EdgeLengthM(0) * (1 - offM/lengthM)
		} else {
			offM = g.EdgeLengthM(0) * offM / lengthM
		}
		return Snap{Edge: 0, OffsetM: offM}
	}
	city := &City{Name: "street", Taxonomy: e2sfcaTaxonomy(), Graph: g, Communities: comms, Population: &Population{Res: PopulationRes}}
	for i, f := range facs {
		city.Facilities = append(city.Facilities, Facility{
			ID: fmt.Sprintf("user:%d", i), Category: f.category, Point: streetPoint(f.offM),
			Capacity: f.capacity, CapacitySource: f.source, Source: "user",
		})
		s := snap(f.offM)
		if f.nowhere {
			city.FacilitySnap = append(city.FacilitySnap, Snap{Edge: -1})
			city.FacilityAccess = append(city.FacilityAccess, nil)
			continue
		}
		city.FacilitySnap = append(city.FacilitySnap, s)
		city.FacilityAccess = append(city.FacilityAccess, []Snap{s})
	}
	for _, c := range cells {
		cell, err := hex.FromPoint(streetPoint(c.offM), PopulationRes)
		if err != nil {
			panic(err)
		}
		city.Population.Cells = append(city.Population.Cells, PopCell{Cell: cell, Pop: c.pop, Community: c.community})
		city.Population.Total += c.pop
		s := snap(c.offM)
		if c.unsnapped {
			s = Snap{Edge: -1}
		}
		city.CellSnap = append(city.CellSnap, s)
	}
	return city
}

// unknownShares is a community giving no age shares.
func unknownShares(id string) Community {
	return Community{ID: id, Population: 1, Aged60Share: -1, ChildShare: -1}
}

func mustE2SFCA(t *testing.T, city *City, opt E2SFCAOptions) []CapacityAccess {
	t.Helper()
	a, err := ComputeAccess(city, AccessOptions{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := a.E2SFCA(opt)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// resultFor returns the result of category and profile.
func resultFor(t *testing.T, res []CapacityAccess, category, profile string) *CapacityAccess {
	t.Helper()
	for i := range res {
		if res[i].Category == category && res[i].Profile == profile {
			return &res[i]
		}
	}
	t.Fatalf("no result for %s/%s", category, profile)
	return nil
}

func near(got, want float64) bool {
	return math.Abs(got-want) <= 1e-9*math.Max(1, math.Abs(want))
}

func TestE2SFCAHandWorked(t *testing.T) {
	comms := []Community{
		{ID: "a", Population: 1, Aged60Share: 0.3, ChildShare: 0.5},
		unknownShares("b"),
	}
	// Times at 8 ds/m (adult) and 10 ds/m (senior, wheelchair) of a
	// 15-minute (9000 ds) threshold: 50 m and 150 m are in the first third
	// for everyone, 850 m in the last.
	tests := []struct {
		name     string
		category string
		facs     []testFacility
		cells    []testCell
		group    string
		ratio    []float64
		facRatio []float64
		// community 0 and 1
		demand, places, shortfall [2]float64
		defaultShareCells         int
	}{
		{
			name:     "one facility, two cells in the first zone share it 100/400",
			category: "hospital",
			facs:     []testFacility{{category: "hospital", capacity: 100, source: "tag:beds"}},
			cells:    []testCell{{pop: 100, offM: 50, community: 0}, {pop: 300, offM: 150, community: 1}},
			group:    DemandAll,
			ratio:    []float64{0.25, 0.25},
			facRatio: []float64{0.25},
			demand:   [2]float64{100, 300}, places: [2]float64{25, 75}, shortfall: [2]float64{75, 225},
		},
		{
			name:     "a cell in the last zone weighs 0.22 in both steps",
			category: "hospital",
			facs:     []testFacility{{category: "hospital", capacity: 100, source: "tag:beds"}},
			cells:    []testCell{{pop: 100, offM: 50, community: 0}, {pop: 300, offM: 850, community: 1}},
			group:    DemandAll,
			// R = 100 / (100·1 + 300·0.22) = 100/166
			ratio:    []float64{100.0 / 166, 0.22 * 100 / 166},
			facRatio: []float64{100.0 / 166},
			demand:   [2]float64{100, 300},
			places:   [2]float64{100 * 100.0 / 166, 300 * 0.22 * 100 / 166},
			shortfall: [2]float64{100 * (1 - 100.0/166),
				300 * (1 - 0.22*100/166)},
		},
		{
			name:     "children from the community share, else the national share",
			category: "kindergarten",
			facs:     []testFacility{{category: "kindergarten", capacity: 40, source: "tag:capacity"}},
			cells:    []testCell{{pop: 100, offM: 50, community: 0}, {pop: 300, offM: 150, community: 1}},
			group:    DemandChildren,
			// D = 100·0.5 = 50 and 300·0.1795 = 53.85.
			ratio:             []float64{40 / 103.85, 40 / 103.85},
			facRatio:          []float64{40 / 103.85},
			demand:            [2]float64{50, 53.85},
			places:            [2]float64{50 * 40 / 103.85, 53.85 * 40 / 103.85},
			shortfall:         [2]float64{50 * (1 - 40/103.85), 53.85 * (1 - 40/103.85)},
			defaultShareCells: 1,
		},
		{
			name:     "ratio above one leaves no shortfall",
			category: "elderly_care",
			facs:     []testFacility{{category: "elderly_care", capacity: 200, source: "default"}},
			cells:    []testCell{{pop: 100, offM: 50, community: 0}, {pop: 300, offM: 150, community: 1}},
			group:    DemandAged60,
			// D = 100·0.3 = 30 and 300·0.187 = 56.1.
			ratio:             []float64{200 / 86.1, 200 / 86.1},
			facRatio:          []float64{200 / 86.1},
			demand:            [2]float64{30, 56.1},
			places:            [2]float64{30 * 200 / 86.1, 56.1 * 200 / 86.1},
			shortfall:         [2]float64{0, 0},
			defaultShareCells: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			city := streetCity(tt.facs, tt.cells, comms)
			res := mustE2SFCA(t, city, E2SFCAOptions{})
			for _, p := range DefaultProfiles() {
				r := resultFor(t, res, tt.category, p.ID)
				if r.DemandGroup != tt.group {
					t.Errorf("%s: demand group %q, want %q", p.ID, r.DemandGroup, tt.group)
				}
				if r.DefaultShareCells != tt.defaultShareCells {
					t.Errorf("%s: %d cells with the national share, want %d", p.ID, r.DefaultShareCells, tt.defaultShareCells)
				}
				for i, w := range tt.ratio {
					if !near(r.Ratio[i], w) {
						t.Errorf("%s: cell %d ratio %v, want %v", p.ID, i, r.Ratio[i], w)
					}
				}
				for j, w := range tt.facRatio {
					if !near(r.FacilityRatio[j], w) {
						t.Errorf("%s: facility %d ratio %v, want %v", p.ID, j, r.FacilityRatio[j], w)
					}
				}
				var places float64
				for ci := range 2 {
					cc := r.Communities[ci]
					if !near(cc.Demand, tt.demand[ci]) || !near(cc.Places, tt.places[ci]) || !near(cc.Shortfall, tt.shortfall[ci]) {
						t.Errorf("%s: community %d = %+v, want demand %v places %v shortfall %v",
							p.ID, ci, cc, tt.demand[ci], tt.places[ci], tt.shortfall[ci])
					}
					if !near(cc.MeanRatio, tt.places[ci]/tt.demand[ci]) {
						t.Errorf("%s: community %d mean ratio %v, want %v", p.ID, ci, cc.MeanRatio, tt.places[ci]/tt.demand[ci])
					}
					places += cc.Places
				}
				// Supply is conserved: every place is taken by someone.
				if !near(places, tt.facs[0].capacity) {
					t.Errorf("%s: %v places reached in all, want the capacity %v", p.ID, places, tt.facs[0].capacity)
				}
			}
		})
	}
}

func TestE2SFCAOutOfReach(t *testing.T) {
	// Hospital 0 at the south end serves the cell at 50 m. The cell at
	// 1300 m is beyond every catchment (1125 m for adults), hospital 1 at
	// 3000 m has nobody within reach, hospital 2 has no access point, and
	// one cell is too far from the network.
	facs := []testFacility{
		{category: "hospital", capacity: 100, source: "tag:beds"},
		{category: "hospital", capacity: 50, source: "tag:beds", offM: 3000},
		{category: "hospital", capacity: 70, source: "tag:beds", offM: 40, nowhere: true},
	}
	cells := []testCell{
		{pop: 100, offM: 50, community: 0},
		{pop: 200, offM: 1300, community: 1},
		{pop: 30, offM: 60, community: 1, unsnapped: true},
		{pop: 1000, offM: 1400, community: -1},
	}
	city := streetCity(facs, cells, []Community{unknownShares("a"), unknownShares("b")})
	res := mustE2SFCA(t, city, E2SFCAOptions{})
	for _, p := range DefaultProfiles() {
		r := resultFor(t, res, "hospital", p.ID)
		if want := []float64{1, 0, 0}; !near(r.FacilityRatio[0], want[0]) || r.FacilityRatio[1] != 0 || r.FacilityRatio[2] != 0 {
			t.Errorf("%s: facility ratios %v, want %v", p.ID, r.FacilityRatio, want)
		}
		if want := []float64{1, 0, 0, 0}; !near(r.Ratio[0], 1) || r.Ratio[1] != 0 || r.Ratio[2] != 0 || r.Ratio[3] != 0 {
			t.Errorf("%s: cell ratios %v, want %v", p.ID, r.Ratio, want)
		}
		if cc := r.Communities[1]; cc.Demand != 230 || cc.Shortfall != cc.Demand || cc.Places != 0 || cc.MeanRatio != 0 {
			t.Errorf("%s: community out of reach %+v, want its whole demand 230 short", p.ID, cc)
		}
		if cc := r.Communities[0]; !near(cc.Places, 100) || cc.Shortfall != 0 {
			t.Errorf("%s: community in reach %+v, want 100 places and no shortfall", p.ID, cc)
		}
	}
}

func TestE2SFCACapacitySources(t *testing.T) {
	facs := []testFacility{
		{category: "elderly_care", source: ""},                       // untagged: default 200
		{category: "elderly_care", capacity: 200, source: "default"}, // loader applied the default
		{category: "elderly_care", capacity: 80, source: "tag:beds"},
		{category: "hospital", source: ""},     // no tag, no default: left out
		{category: "hospital", source: "user"}, // explicit 0: left out
		{category: "hospital", capacity: 300, source: "tag:beds"},
		{category: "clinic", capacity: 0, source: ""}, // no capacity at all
		{category: "kindergarten", source: ""},        // no tag, no default, no other: category left out
	}
	cells := []testCell{{pop: 1000, offM: 10, community: 0}}
	city := streetCity(facs, cells, []Community{unknownShares("a")})
	res := mustE2SFCA(t, city, E2SFCAOptions{})
	var got []string
	for _, r := range res {
		got = append(got, r.Profile+"/"+r.Category)
	}
	var want []string
	for _, p := range DefaultProfiles() {
		for _, c := range []string{"hospital", "elderly_care", "nursery"} {
			want = append(want, p.ID+"/"+c)
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("results %v, want %v (profile order, then category order; only categories with capacity)", got, want)
	}
	ec := resultFor(t, res, "elderly_care", "adult")
	if ec.UsedDefaultCapacity != 2 || ec.NoCapacity != 0 {
		t.Errorf("elderly_care: %d default, %d without capacity; want 2 and 0", ec.UsedDefaultCapacity, ec.NoCapacity)
	}
	// Demand 1000·0.187 = 187 for 480 places.
	if want := 480 / 187.0; !near(ec.Ratio[0], want) || ec.DefaultShareCells != 1 {
		t.Errorf("elderly_care: ratio %v (%d cells with the national share), want %v (1)", ec.Ratio[0], ec.DefaultShareCells, want)
	}
	h := resultFor(t, res, "hospital", "adult")
	if h.UsedDefaultCapacity != 0 || h.NoCapacity != 2 {
		t.Errorf("hospital: %d default, %d without capacity; want 0 and 2", h.UsedDefaultCapacity, h.NoCapacity)
	}
	if want := []float64{0, 0, 0.3}; fmt.Sprint(h.FacilityRatio) != fmt.Sprint(want) {
		t.Errorf("hospital facility ratios %v, want %v", h.FacilityRatio, want)
	}
	n := resultFor(t, res, "nursery", "adult")
	if len(n.FacilityRatio) != 0 || n.Ratio[0] != 0 || n.Communities[0].Shortfall != n.Communities[0].Demand {
		t.Errorf("nursery without facilities: %+v", n)
	}
}

func TestE2SFCAOptions(t *testing.T) {
	city := streetCity([]testFacility{{category: "hospital", capacity: 1}}, []testCell{{pop: 1, community: -1}}, nil)
	a, err := ComputeAccess(city, AccessOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		bands []E2SFCABand
		ok    bool
	}{
		{"default bands", nil, true},
		{"one band of weight 1", []E2SFCABand{{1, 1}}, true},
		{"equal weights are non-increasing", []E2SFCABand{{0.5, 0.8}, {1, 0.8}}, true},
		{"weight 0 would drop the zone from the catchment", []E2SFCABand{{0.5, 1}, {1, 0}}, false},
		{"weight above 1", []E2SFCABand{{1, 1.5}}, false},
		{"negative weight", []E2SFCABand{{1, -1}}, false},
		{"increasing weight", []E2SFCABand{{0.5, 0.5}, {1, 0.6}}, false},
		{"NaN weight", []E2SFCABand{{1, math.NaN()}}, false},
		{"bands must increase", []E2SFCABand{{0.5, 1}, {0.5, 0.5}, {1, 0.2}}, false},
		{"bands must reach the threshold", []E2SFCABand{{0.5, 1}, {0.9, 0.5}}, false},
		{"bands must not pass the threshold", []E2SFCABand{{0.5, 1}, {1.2, 0.5}}, false},
		{"NaN fraction", []E2SFCABand{{math.NaN(), 1}, {1, 0.5}}, false},
		{"zero fraction", []E2SFCABand{{0, 1}, {1, 0.5}}, false},
		{"more than 32 bands", manyBands(33), false},
		{"32 bands", manyBands(32), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := a.E2SFCA(E2SFCAOptions{Bands: tt.bands})
			if tt.ok && err != nil {
				t.Fatal(err)
			}
			if !tt.ok && !errors.Is(err, ErrBadOption) {
				t.Fatalf("error %v, want ErrBadOption", err)
			}
		})
	}
}

// manyBands returns n equal bands of decreasing weight.
func manyBands(n int) []E2SFCABand {
	bands := make([]E2SFCABand, n)
	for i := range bands {
		bands[i] = E2SFCABand{UpToFraction: float64(i+1) / float64(n), Weight: 1 - float64(i)/float64(n)}
	}
	bands[n-1].UpToFraction = 1
	return bands
}

func TestE2SFCABandBoundaries(t *testing.T) {
	lim := bandLimits(DefaultE2SFCABands(), MinToDs(15))
	if fmt.Sprint(lim) != "[3000 6000 9000]" {
		t.Fatalf("limits %v, want [3000 6000 9000]", lim)
	}
	for _, c := range []struct {
		t    uint32
		band int
	}{{0, 0}, {3000, 0}, {3001, 1}, {6000, 1}, {6001, 2}, {9000, 2}} {
		if b := bandOf(lim, c.t); b != c.band {
			t.Errorf("time %d ds in band %d, want %d (a zone includes its upper bound)", c.t, b, c.band)
		}
	}
}

// randomE2SFCACity is a random grid city with random facilities, cells and
// communities, for comparing E2SFCA with a brute-force computation.
func randomE2SFCACity(rng *rand.Rand) *City {
	var b GraphBuilder
	randomWays(&b, rng, 20+rng.IntN(100))
	g, err := b.Build()
	if err != nil {
		panic(err)
	}
	tax := e2sfcaTaxonomy()
	for i := range tax.Categories {
		tax.Categories[i].ThresholdMin = []float64{5, 10, 15}[rng.IntN(3)]
	}
	randSnap := func() Snap {
		e := rng.IntN(g.NumEdges())
		return Snap{Edge: e, OffsetM: rng.Float64() * g.EdgeLengthM(e), DistM: rng.Float64() * 60}
	}
	city := &City{Name: "random", Taxonomy: tax, Graph: g, Population: &Population{Res: PopulationRes}}
	for i := range 1 + rng.IntN(5) {
		c := Community{ID: fmt.Sprint(i), Population: 1, Aged60Share: rng.Float64() * 0.4, ChildShare: rng.Float64() * 0.3}
		if rng.IntN(3) == 0 {
			c.Aged60Share = -1
		}
		if rng.IntN(3) == 0 {
			c.ChildShare = -1
		}
		city.Communities = append(city.Communities, c)
	}
	for i := range rng.IntN(30) {
		f := Facility{ID: fmt.Sprint(i), Category: tax.Categories[rng.IntN(len(tax.Categories))].ID}
		switch rng.IntN(4) {
		case 0: // untagged
		case 1:
			f.CapacitySource = "user" // explicit 0
		default:
			f.Capacity, f.CapacitySource = float64(1+rng.IntN(500)), "tag:capacity"
		}
		var acc []Snap
		for range rng.IntN(3) {
			acc = append(acc, randSnap())
		}
		city.Facilities = append(city.Facilities, f)
		city.FacilityAccess = append(city.FacilityAccess, acc)
		if len(acc) > 0 {
			city.FacilitySnap = append(city.FacilitySnap, acc[0])
		} else {
			city.FacilitySnap = append(city.FacilitySnap, Snap{Edge: -1})
		}
	}
	for range 1 + rng.IntN(60) {
		s := randSnap()
		if rng.IntN(10) == 0 {
			s = Snap{Edge: -1}
		}
		cell, err := hex.FromPoint(g.EdgePoint(max(s.Edge, 0), 0), PopulationRes)
		if err != nil {
			panic(err)
		}
		pop := float64(rng.IntN(1000))
		city.Population.Cells = append(city.Population.Cells, PopCell{Cell: cell, Pop: pop, Community: int32(rng.IntN(len(city.Communities)+1) - 1)})
		city.Population.Total += pop
		city.CellSnap = append(city.CellSnap, s)
	}
	return city
}

// bruteE2SFCA computes one category and profile the slow way: a full
// search per facility, times read at every cell, plain sums.
func bruteE2SFCA(a *Access, p, c int, bands []E2SFCABand) (ratio, facRatio []float64, demand []float64, reachedSupply float64) {
	city := a.City
	cat := &city.Taxonomy.Categories[c]
	thr := MinToDs(cat.ThresholdMin)
	cells := city.Population.Cells
	demand = make([]float64, len(cells))
	for i, pc := range cells {
		share := 1.0
		if cat.Demand == DemandChildren || cat.Demand == DemandAged60 {
			share = -1
			if pc.Community >= 0 {
				share = city.Communities[pc.Community].ChildShare
				if cat.Demand == DemandAged60 {
					share = city.Communities[pc.Community].Aged60Share
				}
			}
			if share < 0 {
				share = map[string]float64{DemandChildren: 0.1795, DemandAged60: 0.1870}[cat.Demand]
			}
		}
		demand[i] = pc.Pop * share
	}
	weight := func(t uint32) float64 {
		if t > thr {
			return 0
		}
		for _, b := range bands {
			if float64(t) <= b.UpToFraction*float64(thr)+0.5 {
				return b.Weight
			}
		}
		panic("no band")
	}
	s := NewSearcher(city.Graph)
	fs := a.ByCategory[c]
	w := make([][]float64, len(fs)) // [facility][cell]
	facRatio = make([]float64, len(fs))
	for j, fi := range fs {
		f := city.Facilities[fi]
		supply := f.Capacity
		if supply <= 0 && f.CapacitySource == "" {
			supply = cat.DefaultCapacity
		}
		r := s.Reach(a.Costs[p], a.sources(p, []int{fi}, nil), thr, true)
		w[j] = make([]float64, len(cells))
		var wd float64
		for i := range cells {
			t, _ := r.At(city.CellSnap[i], a.cellLegDs(p, i))
			w[j][i] = weight(t)
			wd += demand[i] * w[j][i]
		}
		if supply > 0 && wd > 0 {
			facRatio[j] = supply / wd
			reachedSupply += supply
		}
	}
	ratio = make([]float64, len(cells))
	for i := range cells {
		for j := range fs {
			ratio[i] += facRatio[j] * w[j][i]
		}
	}
	return ratio, facRatio, demand, reachedSupply
}

func TestE2SFCAMatchesBruteForce(t *testing.T) {
	bandSets := map[string][]E2SFCABand{
		"default":        DefaultE2SFCABands(),
		"one band of 1":  {{1, 1}},
		"uneven quarter": {{0.25, 0.9}, {0.7, 0.4}, {1, 0.05}},
	}
	for seed := uint64(1); seed <= 60; seed++ {
		rng := rand.New(rand.NewPCG(seed, 2009))
		city := randomE2SFCACity(rng)
		a, err := ComputeAccess(city, AccessOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for name, bands := range bandSets {
			res, err := a.E2SFCA(E2SFCAOptions{Bands: bands})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range res {
				p := a.ProfileIndex(r.Profile)
				c := -1
				for i := range city.Taxonomy.Categories {
					if city.Taxonomy.Categories[i].ID == r.Category {
						c = i
					}
				}
				ratio, facRatio, demand, supply := bruteE2SFCA(a, p, c, bands)
				where := fmt.Sprintf("seed %d bands %s %s/%s", seed, name, r.Profile, r.Category)
				for i := range ratio {
					if !near(r.Ratio[i], ratio[i]) || r.Ratio[i] < 0 || math.IsNaN(r.Ratio[i]) {
						t.Fatalf("%s: cell %d ratio %v, brute force %v", where, i, r.Ratio[i], ratio[i])
					}
				}
				for j := range facRatio {
					if !near(r.FacilityRatio[j], facRatio[j]) {
						t.Fatalf("%s: facility %d ratio %v, brute force %v", where, j, r.FacilityRatio[j], facRatio[j])
					}
				}
				// Supply conservation, whatever the bands: Σ A_i·D_i is
				// the supply of the facilities with demand in reach.
				var places, noComm float64
				for i, pc := range city.Population.Cells {
					places += r.Ratio[i] * demand[i]
					if pc.Community < 0 {
						noComm += r.Ratio[i] * demand[i]
					}
				}
				if !near(places, supply) {
					t.Fatalf("%s: Σ A·D = %v, supply with demand in reach %v", where, places, supply)
				}
				sumComm := noComm
				for _, cc := range r.Communities {
					sumComm += cc.Places
					if cc.Shortfall > cc.Demand*(1+1e-12) || cc.Shortfall < 0 {
						t.Fatalf("%s: community %+v: shortfall outside [0, demand]", where, cc)
					}
				}
				if !near(sumComm, supply) {
					t.Fatalf("%s: community places %v + no community %v, supply %v", where, sumComm-noComm, noComm, supply)
				}
			}
		}
	}
}

func ExampleAccess_E2SFCA() {
	// A hospital of 100 beds with 100 and 300 residents within a third
	// of its 15-minute catchment: 0.25 beds per resident for both. At a
	// norm of one bed per resident, 400 beds are needed and 300 lack.
	city := streetCity(
		[]testFacility{{category: "hospital", capacity: 100, source: "tag:beds"}},
		[]testCell{{pop: 100, offM: 50, community: 0}, {pop: 300, offM: 150, community: 0}},
		[]Community{unknownShares("a")},
	)
	a, err := ComputeAccess(city, AccessOptions{Profiles: DefaultProfiles()[:1]})
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := a.E2SFCA(E2SFCAOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range res {
		if r.Category != "hospital" {
			continue // categories with a default capacity but no facility here
		}
		cc := r.Communities[0]
		fmt.Printf("%s/%s: ratios %.2f, community %.0f places for %.0f residents, need %.0f, %.0f short\n",
			r.Profile, r.Category, r.Ratio, cc.Places, cc.Demand, cc.Need, cc.Shortfall)
	}
	// Output:
	// adult/hospital: ratios [0.25 0.25], community 100 places for 400 residents, need 400, 300 short
}
