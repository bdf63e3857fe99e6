package geo

import (
	"cmp"
	"container/heap"
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/paulmach/orb"

	"fifteen/geo/hex"
)

// MaxSites bounds SitingOptions.K.
const MaxSites = 1000

// SitingOptions ask Access.Siting where to put new facilities.
type SitingOptions struct {
	// Category is the id of the category of the new facilities.
	Category string
	// Profile is the walker, "adult" when empty.
	Profile string
	// K is the number of sites to choose, 1 to MaxSites.
	K int
	// Candidates are the places a facility may go. Nil means every
	// network vertex inside a cell with residents beyond the category's
	// threshold (the underserved areas of Gaps).
	Candidates []orb.Point
	// Capacity, when positive, is the places of one new facility: the
	// capacitated form, in which each site gives at most Capacity places
	// to the nearest residents of the category's age band still lacking
	// one (see SitingContext). 0 means the covering form.
	Capacity float64
	// Workers bounds the goroutines searching from candidates; 0 means
	// GOMAXPROCS. A server leaves cores to its other requests with it.
	Workers int
}

// Site is one chosen place for a new facility.
type Site struct {
	// Rank is the order of choice, from 1.
	Rank int `json:"rank"`
	// Point is the candidate point, Snap its attachment to the network.
	Point orb.Point `json:"point"`
	Snap  Snap      `json:"-"`
	// Gain is, in the covering form, the residents of the category's age
	// band the site newly brings within the threshold (people); in the
	// capacitated form the places it fills, that is the people of the band
	// it gives a place (at most Capacity). Cumulative adds up the gains of
	// the sites up to this one.
	Gain       float64 `json:"gain"`
	Cumulative float64 `json:"cumulative"`
	// Community is the id of the community the point lies in, "" if none.
	Community string `json:"community"`
	// Cells is the number of population cells the site newly serves
	// (partly, for the last one when the capacity runs out).
	Cells int `json:"cells"`
}

// SitingResult is the outcome of Access.Siting.
type SitingResult struct {
	Category     string  `json:"category"`
	Profile      string  `json:"profile"`
	ThresholdMin float64 `json:"threshold_min"`
	// DemandGroup is the age band of the category's users whom the sites
	// serve (Category.AgeBand).
	DemandGroup string `json:"demand_group"`
	// Measure says what Uncovered, Covered and the gains count:
	// SitingCovered (people of DemandGroup within the threshold) or
	// SitingPlaces (places given to people of DemandGroup who lack one).
	Measure string `json:"measure"`
	// Uncovered is, in the covering form, the people of DemandGroup beyond
	// the threshold before any new site; in the capacitated form the
	// places they lack against the category's norm (its shortfall, see
	// CapacityAccess). Covered of them are served once the sites are built.
	Uncovered float64 `json:"uncovered"`
	Covered   float64 `json:"covered"`
	// Candidates is the number of candidates considered; TooFar of them
	// were farther than the city's snapping limit from the network and
	// were skipped.
	Candidates int    `json:"candidates"`
	TooFar     int    `json:"too_far"`
	Sites      []Site `json:"sites"`
}

// Values of SitingResult.Measure.
const (
	SitingCovered = "users_within_threshold"
	SitingPlaces  = "places_filled"
)

// Site chooses up to K sites for new facilities of one category, see
// Siting.
func (a *Access) Site(opt SitingOptions) ([]Site, error) {
	r, err := a.Siting(opt)
	if err != nil {
		return nil, err
	}
	return r.Sites, nil
}

// Siting chooses up to K sites for new facilities of one category that
// serve the most of the category's users, for one profile. The users are
// the residents of the category's age band (Category.AgeBand, with the
// shares of City.AgeShare): children aged 3-5 for a kindergarten, people
// aged 60+ for a nursing home. Each candidate is attached to the network
// with SnapStreet and reaches the populated cells one bounded walking
// search from it reaches within the threshold.
//
// Without Capacity it is a maximal covering problem: a cell weighs its
// users beyond the threshold; those already within it of an existing
// facility do not count. With Capacity it is the capacitated form: a cell
// weighs the places its users lack against the category's norm (the
// E2SFCA shortfall, D_i·max(0, n−A_i), so users near a full facility count
// too; without a norm, one place per user beyond the threshold), and a new
// site fills at most Capacity places, nearest cells first. Gains are then
// people given a place.
//
// Sites are chosen greedily, each the candidate adding the most weight to
// that already served (ties to the earlier candidate), with lazy
// evaluation (CELF): a candidate's gain only shrinks as sites are added,
// so gains never increase from one site to the next. Greedy covering is
// within 1 − 1/e of the best choice, and is the best choice when the
// candidates' areas do not overlap. The choice stops early when no
// candidate adds anyone. The category, not the profile's Weight, says who
// is counted.
//
// It returns an error wrapping ErrUnknownCategory for an unknown category,
// ErrBadOption for an unknown profile, K outside 1..MaxSites, a negative or
// non-finite Capacity or a threshold beyond the access cutoff, and
// ErrBadCoordinate for an invalid candidate.
func (a *Access) Siting(opt SitingOptions) (*SitingResult, error) {
	return a.SitingContext(context.Background(), opt)
}

// SitingContext is Siting that gives up, with ctx's error, once ctx ends:
// a server's request timeout then bounds it on a large city.
func (a *Access) SitingContext(ctx context.Context, opt SitingOptions) (*SitingResult, error) {
	if !a.HasResidents() {
		return nil, errNoResidents()
	}
	if opt.Category == "" {
		return nil, fmt.Errorf("%w: no category given", ErrBadOption)
	}
	g, err := a.gapTarget(opt.Category, opt.Profile, 0)
	if err != nil {
		return nil, err
	}
	if opt.K < 1 || opt.K > MaxSites {
		return nil, fmt.Errorf("%w: k %d outside 1..%d", ErrBadOption, opt.K, MaxSites)
	}
	if !(opt.Capacity >= 0) || math.IsInf(opt.Capacity, 0) {
		return nil, fmt.Errorf("%w: capacity %v is not a non-negative number", ErrBadOption, opt.Capacity)
	}
	for i, p := range opt.Candidates {
		if err := ValidPoint(p); err != nil {
			return nil, fmt.Errorf("candidate %d: %w", i, err)
		}
	}
	cat := &a.City.Taxonomy.Categories[g.cats[0]]
	res := &SitingResult{Category: cat.ID, Profile: a.Profiles[g.p].ID, ThresholdMin: cat.ThresholdMin,
		DemandGroup: cat.AgeBand(), Measure: SitingCovered}
	weight := a.sitingWeights(g, opt.Capacity > 0)
	if opt.Capacity > 0 {
		res.Measure = SitingPlaces
	}
	for _, w := range weight {
		res.Uncovered += w
	}
	cands := opt.Candidates
	if cands == nil {
		cands = a.underservedVertices(&g)
	}
	res.Candidates = len(cands)
	covers, snaps, tooFar := a.coverSets(ctx, g.p, g.thrDs[0], cands, weight, opt.Capacity > 0, opt.Workers)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res.TooFar = tooFar

	picks := greedyCover(covers, weight, opt.K, opt.Capacity)
	var commIdx *PolygonSet
	if len(picks) > 0 && len(a.City.Communities) > 0 {
		commIdx = NewPolygonSetMulti(communityGeoms(a.City.Communities))
	}
	for r, pk := range picks {
		res.Covered += pk.gain
		s := Site{Rank: r + 1, Point: cands[pk.set], Snap: snaps[pk.set], Gain: pk.gain, Cumulative: res.Covered, Cells: pk.cells}
		if commIdx != nil {
			if ci := commIdx.First(s.Point); ci >= 0 {
				s.Community = a.City.Communities[ci].ID
			}
		}
		res.Sites = append(res.Sites, s)
	}
	return res, nil
}

// sitingWeights returns the weight of every populated cell for siting
// category g.cats[0]: its users beyond the threshold, or with capacitated
// the places they lack (see SitingContext).
func (a *Access) sitingWeights(g gapTarget, capacitated bool) []float64 {
	c := g.cats[0]
	cat := &a.City.Taxonomy.Categories[c]
	if _, hasNorm := cat.NormPer1000(); capacitated && hasNorm {
		short, _ := a.cellShortfall(g.p, c)
		for i := range short {
			if !(short[i] > 0) {
				short[i] = 0
			}
		}
		return short
	}
	band := cat.AgeBand()
	weight := make([]float64, len(a.City.Population.Cells))
	for i, pc := range a.City.Population.Cells {
		if _, under := g.timeOf(a, i); !under || !(pc.Pop > 0) {
			continue
		}
		share, _ := a.City.AgeShare(pc.Community, band)
		weight[i] = pc.Pop * share
	}
	return weight
}

// underservedVertices returns the network vertices that lie in a cell with
// residents beyond the target, in vertex order.
func (a *Access) underservedVertices(g *gapTarget) []orb.Point {
	under := map[hex.Cell]bool{}
	for _, c := range a.underserved(g) {
		under[c.cell] = true
	}
	var out []orb.Point
	if len(under) == 0 {
		return out
	}
	gr := a.City.Graph
	for v := 0; v < gr.NumVertices(); v++ {
		p := gr.Vertex(v)
		if c, err := hex.FromPoint(p, PopulationRes); err == nil && under[c] {
			out = append(out, p)
		}
	}
	return out
}

// coverSet is the population cells a candidate brings within the
// threshold, sorted by index, with their walking times when a capacity
// needs them (nil otherwise).
type coverSet struct {
	cells []int32
	times []uint32
}

// coverSets snaps every candidate and computes its cover set among the
// cells of positive weight, in parallel, one bounded search per candidate.
// A candidate too far from the network has an empty set.
func (a *Access) coverSets(ctx context.Context, p int, thrDs uint32, cands []orb.Point, weight []float64, withTimes bool, maxWorkers int) ([]coverSet, []Snap, int) {
	ix := a.City.Index
	if ix == nil {
		ix = NewSegmentIndex(a.City.Graph)
	}
	snapM := a.City.SnapMaxM
	if snapM == 0 {
		snapM = DefaultSnapM
	}
	covers := make([]coverSet, len(cands))
	snaps := make([]Snap, len(cands))
	var tooFar atomic.Int64
	var next atomic.Int64
	const chunk = 32
	workers := runtime.GOMAXPROCS(0)
	if maxWorkers > 0 {
		workers = min(workers, maxWorkers)
	}
	workers = max(1, min(workers, (len(cands)+chunk-1)/chunk))
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := NewSearcher(a.City.Graph)
			var src [1]Source
			var packed []uint64
			for {
				lo := int(next.Add(chunk)) - chunk
				if lo >= len(cands) || ctx.Err() != nil {
					return
				}
				for i := lo; i < min(lo+chunk, len(cands)); i++ {
					sn, err := ix.SnapStreetFor(cands[i], snapM, false, a.Costs[p].Usable)
					if err != nil {
						snaps[i] = Snap{Edge: -1}
						tooFar.Add(1)
						continue
					}
					snaps[i] = sn
					src[0] = Source{Snap: sn, StartDs: a.Costs[p].Leg(sn.DistM), ID: int32(i)}
					packed = packed[:0]
					a.sourceCells(s, p, src[:], thrDs, weight, func(cell int32, t uint32) {
						packed = append(packed, uint64(cell)<<32|uint64(t))
					})
					covers[i] = unpackCover(packed, withTimes)
				}
			}
		}()
	}
	wg.Wait()
	return covers, snaps, int(tooFar.Load())
}

// unpackCover sorts (cell << 32 | time) pairs by cell and splits them.
func unpackCover(packed []uint64, withTimes bool) coverSet {
	if len(packed) == 0 {
		return coverSet{}
	}
	slices.Sort(packed)
	cs := coverSet{cells: make([]int32, len(packed))}
	if withTimes {
		cs.times = make([]uint32, len(packed))
	}
	for k, x := range packed {
		cs.cells[k] = int32(x >> 32)
		if withTimes {
			cs.times[k] = uint32(x)
		}
	}
	return cs
}

// sourceCells runs one search from src, a single place, bounded by
// cutoffDs, and calls fn with every population cell of positive weight it
// reaches and the cell's time to it, as eachFacilityCell does for a
// facility.
func (a *Access) sourceCells(s *Searcher, p int, src []Source, cutoffDs uint32, weight []float64, fn func(cell int32, t uint32)) {
	g := a.City.Graph
	c := a.Costs[p]
	stamp := s.cellStamp(len(a.City.CellSnap))
	s.stampGen++
	gen := s.stampGen
	visit := func(cell int32) {
		if stamp[cell] == gen || !(weight[cell] > 0) {
			return
		}
		stamp[cell] = gen
		t, _ := pointTime(g, c, true, a.CellSnap(p, int(cell)), a.cellLegDs(p, int(cell)), s.timeOf, src)
		if t <= cutoffDs {
			fn(cell, t)
		}
	}
	s.sparse(c, src, cutoffDs, true)
	for _, v := range s.touched {
		for _, cell := range a.vertexCell.of(int(v)) {
			visit(cell)
		}
	}
	for _, so := range src {
		for _, cell := range a.edgeCell[int32(so.Snap.Edge)] {
			visit(cell)
		}
	}
}

// pick is one set chosen by greedyCover, with the weight it added and the
// number of cells it took weight from.
type pick struct {
	set   int
	gain  float64
	cells int
}

// greedyCover chooses up to k sets, each adding the most weight not yet
// covered (ties to the lower index), with lazy evaluation (CELF). With a
// positive capacity a set adds at most capacity, taken from its cells in
// order of time (then index); weight is consumed in place. It stops when no
// set adds anything.
func greedyCover(sets []coverSet, weight []float64, k int, capacity float64) []pick {
	gain := func(i int) float64 {
		var sum float64
		for _, c := range sets[i].cells {
			sum += weight[c]
		}
		if capacity > 0 {
			sum = min(sum, capacity)
		}
		return sum
	}
	h := &celfHeap{}
	for i := range sets {
		if g := gain(i); g > 0 {
			h.items = append(h.items, celfItem{bound: g, set: int32(i)})
		}
	}
	heap.Init(h)
	var out []pick
	var order []int
	for len(out) < k && h.Len() > 0 {
		top := &h.items[0]
		if int(top.round) != len(out) {
			top.bound = gain(int(top.set))
			top.round = int32(len(out))
			if top.bound > 0 {
				heap.Fix(h, 0)
			} else {
				heap.Pop(h)
			}
			continue
		}
		it := heap.Pop(h).(celfItem)
		cs := sets[it.set]
		pk := pick{set: int(it.set), gain: it.bound}
		if capacity > 0 {
			order = order[:0]
			for j := range cs.cells {
				order = append(order, j)
			}
			slices.SortFunc(order, func(x, y int) int {
				return cmp.Or(cmp.Compare(cs.times[x], cs.times[y]), cmp.Compare(cs.cells[x], cs.cells[y]))
			})
			left := capacity
			for _, j := range order {
				c := cs.cells[j]
				if left <= 0 {
					break
				}
				if w := weight[c]; w > 0 {
					take := min(w, left)
					left -= take
					weight[c] = w - take // exactly 0 when take == w
					pk.cells++
				}
			}
		} else {
			for _, c := range cs.cells {
				if weight[c] > 0 {
					weight[c] = 0
					pk.cells++
				}
			}
		}
		out = append(out, pk)
	}
	return out
}

// celfItem is a set in the lazy-greedy queue: an upper bound of its gain,
// computed when round sets had been chosen.
type celfItem struct {
	bound float64
	set   int32
	round int32
}

// celfHeap orders sets by bound, largest first, then by index.
type celfHeap struct{ items []celfItem }

func (h *celfHeap) Len() int { return len(h.items) }
func (h *celfHeap) Less(i, j int) bool {
	a, b := h.items[i], h.items[j]
	if a.bound != b.bound {
		return a.bound > b.bound
	}
	return a.set < b.set
}
func (h *celfHeap) Swap(i, j int) { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *celfHeap) Push(x any)    { h.items = append(h.items, x.(celfItem)) }
func (h *celfHeap) Pop() any {
	n := len(h.items) - 1
	x := h.items[n]
	h.items = h.items[:n]
	return x
}
