package geo

import (
	"cmp"
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/paulmach/orb"

	"fifteen/geo/hex"
)

// siteLat is the latitude of the test grids, in Chengdu.
const siteLat = 30.65

// sitePoint is the point xM metres east and yM metres north of the
// south-west corner of the test grids.
func sitePoint(xM, yM float64) orb.Point {
	mPerDeg := orb.EarthRadius * math.Pi / 180
	return orb.Point{104.0 + xM/(mPerDeg*math.Cos(siteLat*math.Pi/180)), siteLat + yM/mPerDeg}
}

// Test grid: siteBlocks × siteBlocks blocks of siteBlockM metres.
const (
	siteBlocks = 6
	siteBlockM = 150.0
)

// siteCity is a street grid with populated cells and a few clinics.
type siteCity struct {
	city *City
	rng  *rand.Rand
}

// newSiteCity builds a grid of streets in Chengdu, 900 m square, with
// random populations on every cell whose centre lies inside, two
// communities (west with age shares, east without), and nClinics clinics
// at random crossings. The clinic threshold is 4 minutes: 300 m for an
// adult.
func newSiteCity(t testing.TB, seed uint64, nClinics int) siteCity {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 15))
	var b GraphBuilder
	const n = siteBlocks + 1
	id := func(i, j int) int64 { return int64(1 + i + j*n) }
	way := int64(1)
	for j := range n {
		var ids []int64
		var pts []orb.Point
		for i := range n {
			ids = append(ids, id(i, j))
			pts = append(pts, sitePoint(float64(i)*siteBlockM, float64(j)*siteBlockM))
		}
		b.AddWay(way, ids, pts, EdgeAttr{})
		way++
	}
	for i := range n {
		var ids []int64
		var pts []orb.Point
		for j := range n {
			ids = append(ids, id(i, j))
			pts = append(pts, sitePoint(float64(i)*siteBlockM, float64(j)*siteBlockM))
		}
		b.AddWay(way, ids, pts, EdgeAttr{})
		way++
	}
	g, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	tax := &Taxonomy{Version: "test", Categories: []Category{
		{ID: "clinic", Tier: 15, ThresholdMin: 4, Kind: KindPoint, Select: []Selector{{"amenity": "clinic"}}},
	}}
	if err := tax.Validate(); err != nil {
		t.Fatal(err)
	}
	sideM := siteBlocks * siteBlockM
	west := orb.Polygon{{sitePoint(-50, -50), sitePoint(sideM/2, -50), sitePoint(sideM/2, sideM+50), sitePoint(-50, sideM+50), sitePoint(-50, -50)}}
	east := orb.Polygon{{sitePoint(sideM/2, -50), sitePoint(sideM+50, -50), sitePoint(sideM+50, sideM+50), sitePoint(sideM/2, sideM+50), sitePoint(sideM/2, -50)}}
	city := &City{
		Name: "grid", Attribution: "test", Taxonomy: tax, Graph: g, Index: NewSegmentIndex(g), SnapMaxM: 100,
		Communities: []Community{
			{ID: "west", Geom: orb.MultiPolygon{west}, Population: 1, Aged60Share: 0.25, ChildShare: 0.1},
			{ID: "east", Geom: orb.MultiPolygon{east}, Population: 1, Aged60Share: -1, ChildShare: -1},
		},
	}
	for range nClinics {
		p := sitePoint(float64(rng.IntN(n))*siteBlockM, float64(rng.IntN(n))*siteBlockM)
		s, err := city.Index.SnapStreet(p, city.SnapMaxM, false)
		if err != nil {
			t.Fatal(err)
		}
		city.Facilities = append(city.Facilities, Facility{ID: "c", Category: "clinic", Point: p, Source: "user"})
		city.FacilitySnap = append(city.FacilitySnap, s)
		city.FacilityAccess = append(city.FacilityAccess, []Snap{s})
	}
	cells, err := hex.PolygonCells(orb.MultiPolygon{{{sitePoint(0, 0), sitePoint(sideM, 0), sitePoint(sideM, sideM), sitePoint(0, sideM), sitePoint(0, 0)}}}, PopulationRes)
	if err != nil {
		t.Fatal(err)
	}
	pop := &Population{Res: PopulationRes}
	comms := NewPolygonSetMulti(communityGeoms(city.Communities))
	for _, c := range cells {
		pc := PopCell{Cell: c, Pop: float64(1 + rng.IntN(100)), Community: int32(comms.First(c.Center()))}
		if rng.IntN(10) == 0 {
			pc.Pop = 0
		}
		pop.Cells = append(pop.Cells, pc)
		pop.Total += pc.Pop
	}
	city.Population = pop
	city.CellSnap = city.Index.SnapAll(func(i int) orb.Point { return pop.Cells[i].Cell.Center() }, len(pop.Cells), city.SnapMaxM, nil)
	return siteCity{city: city, rng: rng}
}

func (sc siteCity) access(t testing.TB) *Access {
	t.Helper()
	a, err := ComputeAccess(sc.city, AccessOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// vertices returns the grid's crossings.
func (sc siteCity) vertices() []orb.Point {
	var out []orb.Point
	for v := range sc.city.Graph.NumVertices() {
		out = append(out, sc.city.Graph.Vertex(v))
	}
	return out
}

// bruteCover computes a candidate's cover the slow way: a full search from
// it, then each uncovered populated cell's time.
func bruteCover(t *testing.T, a *Access, p int, cand orb.Point, thrDs uint32, weight []float64) coverSet {
	t.Helper()
	sn, err := a.City.Index.SnapStreet(cand, a.City.SnapMaxM, false)
	if err != nil {
		return coverSet{}
	}
	r := NewSearcher(a.City.Graph).Reach(a.Costs[p], []Source{{Snap: sn, StartDs: a.Costs[p].Leg(sn.DistM)}}, thrDs, true)
	var cs coverSet
	for i, s := range a.City.CellSnap {
		if weight[i] <= 0 {
			continue
		}
		if tm, _ := r.At(s, a.cellLegDs(p, i)); tm <= thrDs {
			cs.cells = append(cs.cells, int32(i))
			cs.times = append(cs.times, tm)
		}
	}
	return cs
}

// siteWeights returns the residents beyond the clinic threshold per cell.
func siteWeights(a *Access, p int) ([]float64, uint32) {
	thr := MinToDs(a.City.Taxonomy.Categories[0].ThresholdMin)
	w := make([]float64, len(a.City.Population.Cells))
	for i, pc := range a.City.Population.Cells {
		if a.TimeDs[p][0][i] > thr {
			w[i] = pc.Pop
		}
	}
	return w, thr
}

func TestSitingCoverSetsMatchFullSearch(t *testing.T) {
	for seed := range uint64(4) {
		sc := newSiteCity(t, seed, 2)
		a := sc.access(t)
		for p := range a.Profiles {
			w, thr := siteWeights(a, p)
			cands := sc.vertices()
			cands = append(cands, sitePoint(75, 75), sitePoint(400, 151), sitePoint(5000, 5000))
			covers, _, tooFar := a.coverSets(context.Background(), p, thr, cands, w, true, 0)
			if tooFar != 1 {
				t.Errorf("seed %d: %d too far, want 1", seed, tooFar)
			}
			for i, c := range cands {
				want := bruteCover(t, a, p, c, thr, w)
				if !slices.Equal(covers[i].cells, want.cells) || !slices.Equal(covers[i].times, want.times) {
					t.Errorf("seed %d profile %d candidate %d: cover %v %v, want %v %v", seed, p, i,
						covers[i].cells, covers[i].times, want.cells, want.times)
				}
			}
		}
	}
}

// coverValue is the weight the sets cover together, each taking at most
// capacity (when positive) nearest first, in the given order.
func coverValue(sets []coverSet, weight []float64, chosen []int, capacity float64) float64 {
	w := slices.Clone(weight)
	var total float64
	for _, s := range chosen {
		type ct struct {
			c int32
			t uint32
		}
		var cts []ct
		for k, c := range sets[s].cells {
			var tm uint32
			if sets[s].times != nil {
				tm = sets[s].times[k]
			}
			cts = append(cts, ct{c, tm})
		}
		slices.SortFunc(cts, func(a, b ct) int { return cmp.Or(cmp.Compare(a.t, b.t), cmp.Compare(a.c, b.c)) })
		left := math.Inf(1)
		if capacity > 0 {
			left = capacity
		}
		for _, x := range cts {
			take := min(w[x.c], left)
			w[x.c] -= take
			left -= take
			total += take
		}
	}
	return total
}

// bestSubset enumerates every subset of k sets and returns the largest
// value (unlimited capacity, or disjoint sets, where the order does not
// matter).
func bestSubset(sets []coverSet, weight []float64, k int, capacity float64) float64 {
	best := 0.0
	var rec func(start int, chosen []int)
	rec = func(start int, chosen []int) {
		if len(chosen) == k || start == len(sets) {
			best = max(best, coverValue(sets, weight, chosen, capacity))
			return
		}
		for i := start; i < len(sets); i++ {
			rec(i+1, append(chosen, i))
		}
	}
	rec(0, nil)
	return best
}

// plainGreedy is the textbook greedy: every round, every set's gain;
// a set is chosen at most once.
func plainGreedy(sets []coverSet, weight []float64, k int, capacity float64) []int {
	var chosen []int
	for len(chosen) < k {
		base := coverValue(sets, weight, chosen, capacity)
		best, bestGain := -1, 0.0
		for i := range sets {
			if slices.Contains(chosen, i) {
				continue // a site is chosen once, even with capacity left
			}
			if g := coverValue(sets, weight, append(slices.Clone(chosen), i), capacity) - base; g > bestGain+1e-9 {
				best, bestGain = i, g
			}
		}
		if best < 0 {
			break
		}
		chosen = append(chosen, best)
	}
	return chosen
}

// randomSets draws n random cover sets over m cells; disjoint makes them
// share no cell.
func randomSets(rng *rand.Rand, n, m int, disjoint bool) ([]coverSet, []float64) {
	weight := make([]float64, m)
	for i := range weight {
		weight[i] = float64(rng.IntN(50))
	}
	sets := make([]coverSet, n)
	perm := rng.Perm(m)
	next := 0
	for i := range sets {
		size := 1 + rng.IntN(6)
		var cells []int32
		for range size {
			var c int
			if disjoint {
				if next == m {
					break
				}
				c = perm[next]
				next++
			} else {
				c = rng.IntN(m)
			}
			if !slices.Contains(cells, int32(c)) {
				cells = append(cells, int32(c))
			}
		}
		slices.Sort(cells)
		times := make([]uint32, len(cells))
		for k := range times {
			times[k] = uint32(rng.IntN(5)) // ties on purpose
		}
		sets[i] = coverSet{cells: cells, times: times}
	}
	return sets, weight
}

func checkGreedy(t *testing.T, name string, sets []coverSet, weight []float64, k int, capacity float64, picks []pick) {
	t.Helper()
	for r := 1; r < len(picks); r++ {
		if picks[r].gain > picks[r-1].gain {
			t.Errorf("%s: gain %v of pick %d above %v of pick %d", name, picks[r].gain, r, picks[r-1].gain, r-1)
		}
	}
	bestSingle, bestIdx := 0.0, -1
	for i := range sets {
		if v := coverValue(sets, weight, []int{i}, capacity); v > bestSingle {
			bestSingle, bestIdx = v, i
		}
	}
	if bestIdx < 0 {
		if len(picks) != 0 {
			t.Errorf("%s: %d picks when no set adds anything", name, len(picks))
		}
		return
	}
	if len(picks) == 0 || picks[0].set != bestIdx || math.Abs(picks[0].gain-bestSingle) > 1e-9 {
		t.Errorf("%s: first pick %+v, want set %d gaining %v", name, picks, bestIdx, bestSingle)
	}
	var chosen []int
	var sum float64
	for _, p := range picks {
		chosen = append(chosen, p.set)
		sum += p.gain
	}
	if v := coverValue(sets, weight, chosen, capacity); math.Abs(v-sum) > 1e-9 {
		t.Errorf("%s: gains add up to %v, the picks cover %v", name, sum, v)
	}
	if want := plainGreedy(sets, weight, k, capacity); !slices.Equal(chosen, want) {
		t.Errorf("%s: lazy greedy chose %v, plain greedy %v", name, chosen, want)
	}
}

func TestGreedyCoverDisjointIsOptimal(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 200 {
		n := 1 + rng.IntN(12)
		sets, weight := randomSets(rng, n, 40, true)
		k := 1 + rng.IntN(4)
		capacity := 0.0
		if trial%2 == 1 {
			capacity = float64(10 + rng.IntN(60))
		}
		picks := greedyCover(sets, slices.Clone(weight), k, capacity)
		checkGreedy(t, "disjoint", sets, weight, k, capacity, picks)
		var got float64
		for _, p := range picks {
			got += p.gain
		}
		if want := bestSubset(sets, weight, k, capacity); math.Abs(got-want) > 1e-9 {
			t.Errorf("trial %d (n %d, k %d, capacity %v): greedy covers %v, best subset %v", trial, n, k, capacity, got, want)
		}
	}
}

func TestGreedyCoverOverlapping(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := range 300 {
		n := 1 + rng.IntN(12)
		sets, weight := randomSets(rng, n, 15, false)
		k := 1 + rng.IntN(5)
		capacity := 0.0
		if trial%3 == 2 {
			capacity = float64(10 + rng.IntN(60))
		}
		picks := greedyCover(sets, slices.Clone(weight), k, capacity)
		checkGreedy(t, "overlapping", sets, weight, k, capacity, picks)
		if capacity == 0 {
			var got float64
			for _, p := range picks {
				got += p.gain
			}
			// The classic guarantee of greedy maximal covering.
			if opt := bestSubset(sets, weight, k, 0); got < (1-1/math.E)*opt-1e-9 {
				t.Errorf("trial %d: greedy covers %v, below (1-1/e) of the best %v", trial, got, opt)
			}
		}
	}
}

// TestSitingOnGrid runs Siting on street grids against brute-force cover
// sets and an exhaustive search over disjoint candidates.
func TestSitingOnGrid(t *testing.T) {
	for seed := range uint64(8) {
		sc := newSiteCity(t, seed, 1+int(seed%3))
		a := sc.access(t)
		w, thr := siteWeights(a, 0)
		var uncovered float64
		for _, x := range w {
			uncovered += x
		}
		// Candidates whose areas do not overlap: greedy is optimal.
		cands, sets, verts := disjointCandidates(t, a, sc, w, thr, 12)
		// Two arbitrary candidates too, which may overlap everything.
		extra := []orb.Point{verts[len(verts)-1], verts[len(verts)-2]}
		for _, k := range []int{1, 2, 3} {
			res, err := a.Siting(SitingOptions{Category: "clinic", K: k, Candidates: cands})
			if err != nil {
				t.Fatal(err)
			}
			if res.Candidates != len(cands) || res.TooFar != 0 || math.Abs(res.Uncovered-uncovered) > 1e-9 {
				t.Errorf("seed %d: candidates %d too far %d uncovered %v, want %d, 0, %v", seed, res.Candidates, res.TooFar, res.Uncovered, len(cands), uncovered)
			}
			if want := bestSubset(sets, w, k, 0); math.Abs(res.Covered-want) > 1e-9 {
				t.Errorf("seed %d k %d: covered %v, best subset %v", seed, k, res.Covered, want)
			}
			checkSites(t, a, res, cands, w, thr, 0)

			all := append(slices.Clone(cands), extra...)
			res, err = a.Siting(SitingOptions{Category: "clinic", K: k, Candidates: all})
			if err != nil {
				t.Fatal(err)
			}
			checkSites(t, a, res, all, w, thr, 0)
			res, err = a.Siting(SitingOptions{Category: "clinic", K: k, Candidates: all, Capacity: 60})
			if err != nil {
				t.Fatal(err)
			}
			checkSites(t, a, res, all, w, thr, 60)
		}
	}
}

// checkSites checks a result against brute-force cover sets: ranks, gains
// non-increasing and adding up, the first pick the best single candidate,
// the communities of the points.
func checkSites(t *testing.T, a *Access, res *SitingResult, cands []orb.Point, w []float64, thr uint32, capacity float64) {
	t.Helper()
	sets := make([]coverSet, len(cands))
	for i, c := range cands {
		sets[i] = bruteCover(t, a, 0, c, thr, w)
	}
	var chosen []int
	var cum float64
	for r, s := range res.Sites {
		i := slices.Index(cands, s.Point)
		chosen = append(chosen, i)
		cum += s.Gain
		if s.Rank != r+1 || math.Abs(s.Cumulative-cum) > 1e-9 || s.Gain <= 0 || (capacity > 0 && s.Gain > capacity+1e-9) {
			t.Errorf("site %d: %+v (cumulative want %v)", r, s, cum)
		}
		if r > 0 && s.Gain > res.Sites[r-1].Gain {
			t.Errorf("site %d gains %v, more than site %d (%v)", r, s.Gain, r-1, res.Sites[r-1].Gain)
		}
		// A point on the border between the communities may fall in
		// either.
		mid := sitePoint(siteBlocks*siteBlockM/2, 0)[0]
		want := "west"
		if s.Point[0] > mid {
			want = "east"
		}
		if math.Abs(s.Point[0]-mid) > 1e-6 && s.Community != want {
			t.Errorf("site %d at %v in community %q, want %q", r, s.Point, s.Community, want)
		}
	}
	if math.Abs(res.Covered-cum) > 1e-9 {
		t.Errorf("covered %v, gains add up to %v", res.Covered, cum)
	}
	if v := coverValue(sets, w, chosen, capacity); math.Abs(v-cum) > 1e-9 {
		t.Errorf("the sites cover %v, their gains add up to %v", v, cum)
	}
	best := 0.0
	for i := range sets {
		best = max(best, coverValue(sets, w, []int{i}, capacity))
	}
	if best > 0 && (len(res.Sites) == 0 || math.Abs(res.Sites[0].Gain-best) > 1e-9) {
		t.Errorf("first site %+v, want the best single gain %v", res.Sites, best)
	}
}

func TestSitingDefaultCandidates(t *testing.T) {
	sc := newSiteCity(t, 7, 1)
	a := sc.access(t)
	res, err := a.Siting(SitingOptions{Category: "clinic", K: 3})
	if err != nil {
		t.Fatal(err)
	}
	g, _ := a.gapTarget("clinic", "", 0)
	under := map[hex.Cell]bool{}
	for _, c := range a.underserved(&g) {
		under[c.cell] = true
	}
	var want int
	for _, v := range sc.vertices() {
		c, _ := hex.FromPoint(v, PopulationRes)
		want += map[bool]int{true: 1}[under[c]]
	}
	if want == 0 || res.Candidates != want || len(res.Sites) == 0 {
		t.Fatalf("%d candidates, %d sites; want %d vertices in underserved cells", res.Candidates, len(res.Sites), want)
	}
	for _, s := range res.Sites {
		c, _ := hex.FromPoint(s.Point, PopulationRes)
		if !under[c] {
			t.Errorf("site %d at %v is not in an underserved cell", s.Rank, s.Point)
		}
	}
}

func TestSitingCoveredResidentsDoNotCount(t *testing.T) {
	sc := newSiteCity(t, 3, 1)
	a := sc.access(t)
	// A second clinic where the first one is adds nobody.
	res, err := a.Siting(SitingOptions{Category: "clinic", K: 2, Candidates: []orb.Point{sc.city.Facilities[0].Point}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Sites) != 0 || res.Covered != 0 {
		t.Errorf("a site on the existing clinic: %+v, want none", res.Sites)
	}
}

func TestSitingErrors(t *testing.T) {
	a := newSiteCity(t, 1, 1).access(t)
	tests := []struct {
		name string
		opt  SitingOptions
		want error
	}{
		{"unknown category", SitingOptions{Category: "nope", K: 1}, ErrUnknownCategory},
		{"no category", SitingOptions{K: 1}, ErrBadOption},
		{"k 0", SitingOptions{Category: "clinic"}, ErrBadOption},
		{"k too large", SitingOptions{Category: "clinic", K: MaxSites + 1}, ErrBadOption},
		{"unknown profile", SitingOptions{Category: "clinic", K: 1, Profile: "runner"}, ErrBadOption},
		{"negative capacity", SitingOptions{Category: "clinic", K: 1, Capacity: -1}, ErrBadOption},
		{"NaN capacity", SitingOptions{Category: "clinic", K: 1, Capacity: math.NaN()}, ErrBadOption},
		{"swapped candidate", SitingOptions{Category: "clinic", K: 1, Candidates: []orb.Point{{30.65, 104}, {104, 130}}}, ErrBadCoordinate},
		{"NaN candidate", SitingOptions{Category: "clinic", K: 1, Candidates: []orb.Point{{math.NaN(), 0}}}, ErrBadCoordinate},
	}
	for _, tc := range tests {
		_, err := a.Site(tc.opt)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: error %v, want %v", tc.name, err, tc.want)
		}
	}
	res, err := a.Siting(SitingOptions{Category: "clinic", K: 1, Candidates: []orb.Point{sitePoint(5000, 0)}})
	if err != nil || res.TooFar != 1 || len(res.Sites) != 0 {
		t.Errorf("a candidate 4 km away: %+v, %v; want it skipped and counted", res, err)
	}
}

func TestSitingContextEnds(t *testing.T) {
	city := streetCity([]testFacility{{category: "clinic", offM: 100}}, []testCell{{pop: 10, offM: 1400}}, nil)
	city.Index, city.SnapMaxM = NewSegmentIndex(city.Graph), 250
	a, err := ComputeAccess(city, AccessOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := a.SitingContext(ctx, SitingOptions{Category: "clinic", K: 1}); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	if _, err := a.SitingContext(context.Background(), SitingOptions{Category: "clinic", K: 1}); err != nil {
		t.Fatal(err)
	}
}
