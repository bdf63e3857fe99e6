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
	orbgeo "github.com/paulmach/orb/geo"

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
	return a.siting(ctx, opt, a.coverSets)
}

// coverFunc computes the cover sets of candidates (see Access.coverSets).
type coverFunc func(ctx context.Context, p int, thrDs uint32, cands []orb.Point, weight []float64, withTimes bool, maxWorkers int) ([]coverSet, []Snap, int)

// siting is SitingContext with the cover sets from covers.
func (a *Access) siting(ctx context.Context, opt SitingOptions, covers coverFunc) (*SitingResult, error) {
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
		cands = a.underservedVertices(&g, sitingWorkers(opt.Workers))
	}
	res.Candidates = len(cands)
	sets, snaps, tooFar := covers(ctx, g.p, g.thrDs[0], cands, weight, opt.Capacity > 0, opt.Workers)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res.TooFar = tooFar

	picks := greedyCover(sets, weight, opt.K, opt.Capacity)
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
func (a *Access) underservedVertices(g *gapTarget, workers int) []orb.Point {
	var cells []hex.Cell
	for _, c := range a.underserved(g) {
		cells = append(cells, c.cell)
	}
	gr := a.City.Graph
	in := verticesInCells(gr, cells, workers)
	var out []orb.Point
	for v, ok := range in {
		if ok {
			out = append(out, gr.Vertex(v))
		}
	}
	return out
}

// verticesInCells marks the vertices of g that lie in one of cells (of
// one resolution), as hex.FromPoint places them, on up to workers
// goroutines. Only the vertices near a cell's side are placed with it: the
// others are inside or outside the cell's outline by more than
// sideMarginM, far beyond the curvature of its sides between the
// outline's corners (millimetres).
func verticesInCells(g *Graph, cells []hex.Cell, workers int) []bool {
	in := make([]bool, g.NumVertices())
	if len(cells) == 0 {
		return in
	}
	hexes := make([]cellHexagon, len(cells))
	bounds := make([]orb.Bound, len(cells))
	member := make(map[hex.Cell]bool, len(cells))
	for _, c := range cells {
		member[c] = true
	}
	parallelChunks(context.Background(), len(cells), 256, workers, func(_, lo, hi int) {
		for i := lo; i < hi; i++ {
			hexes[i], bounds[i] = hexagonOf(cells[i])
		}
	})
	span := bounds[0]
	for _, b := range bounds {
		span = span.Union(b)
	}
	res := cells[0].Res()
	// A grid of bins about a cell wide lists the cells whose bound meets
	// each bin.
	step := math.Max(bounds[0].Max[0]-bounds[0].Min[0], bounds[0].Max[1]-bounds[0].Min[1])
	bin := func(x, y float64) (int64, int64) {
		return int64(math.Floor((x - span.Min[0]) / step)), int64(math.Floor((y - span.Min[1]) / step))
	}
	grid := map[[2]int64][]int32{}
	for i, b := range bounds {
		x0, y0 := bin(b.Min[0], b.Min[1])
		x1, y1 := bin(b.Max[0], b.Max[1])
		for x := x0; x <= x1; x++ {
			for y := y0; y <= y1; y++ {
				grid[[2]int64{x, y}] = append(grid[[2]int64{x, y}], int32(i))
			}
		}
	}
	parallelChunks(context.Background(), len(in), 4096, workers, func(_, lo, hi int) {
		for v := lo; v < hi; v++ {
			p := g.Vertex(v)
			if !span.Contains(p) {
				continue
			}
			bx, by := bin(p[0], p[1])
			near := false
			for _, i := range grid[[2]int64{bx, by}] {
				if !bounds[i].Contains(p) {
					continue
				}
				inside, edge := hexes[i].place(p)
				if inside && !edge {
					in[v] = true
					break
				}
				if inside && edge {
					near = true
					break
				}
			}
			if in[v] || !near {
				continue
			}
			if c, err := hex.FromPoint(p, res); err == nil && member[c] {
				in[v] = true
			}
		}
	})
	return in
}

// sideMarginM is how near a side of a cell's outline verticesInCells asks
// H3 where a point lies.
const sideMarginM = 1.0

// cellHexagon is a cell's outline in metres around its first corner.
type cellHexagon struct {
	proj localProj
	x, y [6]float64 // corners, counter-clockwise
	// exact: not a plain hexagon, place every point near it with H3
	exact bool
}

// hexagonOf returns the outline of c and its bound, padded by twice
// sideMarginM.
func hexagonOf(c hex.Cell) (cellHexagon, orb.Bound) {
	var h cellHexagon
	ring := c.Boundary()
	b := orbgeo.BoundPad(ring.Bound(), 2*sideMarginM)
	if len(ring) != 7 {
		h.exact = true
		return h, b
	}
	h.proj = newLocalProj(ring[0])
	for k := range 6 {
		h.x[k], h.y[k] = h.proj.xy(ring[k])
	}
	var area float64
	for k := range 6 {
		area += h.x[k]*h.y[(k+1)%6] - h.x[(k+1)%6]*h.y[k]
	}
	if area < 0 { // clockwise: turn it round
		slices.Reverse(h.x[:])
		slices.Reverse(h.y[:])
	}
	return h, b
}

// place tells whether p lies inside h and whether it is within
// sideMarginM of a side (then H3 must tell); an exact h is always near.
func (h *cellHexagon) place(p orb.Point) (inside, edge bool) {
	if h.exact {
		return true, true
	}
	px, py := h.proj.xy(p)
	inside = true
	for k := range 6 {
		ax, ay, bx, by := h.x[k], h.y[k], h.x[(k+1)%6], h.y[(k+1)%6]
		// Signed distance from the side, positive inside.
		d := ((bx-ax)*(py-ay) - (by-ay)*(px-ax)) / math.Hypot(bx-ax, by-ay)
		if d < sideMarginM {
			if d > -sideMarginM {
				edge = true
			} else {
				inside = false
			}
		}
	}
	return inside, edge
}

// coverSet is the population cells a candidate brings within the
// threshold, sorted by index, with their walking times when a capacity
// needs them (nil otherwise).
type coverSet struct {
	cells []int32
	times []uint32
}

// coverSets snaps every candidate and computes its cover set among the
// cells of positive weight. A candidate too far from the network has an
// empty set; candidates attached at the same place share theirs.
//
// The sets are found from the demand side: one bounded search per cell of
// positive weight, walking out from it (there are far fewer such cells
// than candidates, several to a cell), reads the time to every candidate
// whose edge it reaches. A candidate's time is the cell's through the same
// vertices and along the same edges as a search from the candidate would
// give (integer times add up alike in either order), so the sets are those
// of one search per candidate (TestSitingCoverSetsMatchFullSearch).
func (a *Access) coverSets(ctx context.Context, p int, thrDs uint32, cands []orb.Point, weight []float64, withTimes bool, maxWorkers int) ([]coverSet, []Snap, int) {
	workers := sitingWorkers(maxWorkers)
	snaps, tooFar := a.snapCandidates(ctx, p, cands, workers)
	// One entry per distinct attachment.
	rep := make([]int32, len(cands))
	var uniq []Snap
	seen := make(map[Snap]int32, len(cands))
	for i, sn := range snaps {
		rep[i] = -1
		if sn.Edge < 0 {
			continue
		}
		u, ok := seen[sn]
		if !ok {
			u = int32(len(uniq))
			seen[sn] = u
			uniq = append(uniq, sn)
		}
		rep[i] = u
	}
	hits := a.demandHits(ctx, p, thrDs, uniq, weight, workers)
	covers := make([]coverSet, len(cands))
	if ctx.Err() != nil {
		return covers, snaps, tooFar
	}
	// Per attachment, its cells sorted by index with their times.
	off := make([]int, len(uniq)+1)
	for _, hs := range hits {
		for _, h := range hs {
			off[h.u+1]++
		}
	}
	for u := range uniq {
		off[u+1] += off[u]
	}
	packed := make([]uint64, off[len(uniq)])
	fill := slices.Clone(off[:len(uniq)])
	for _, hs := range hits {
		for _, h := range hs {
			packed[fill[h.u]] = uint64(h.cell)<<32 | uint64(h.t)
			fill[h.u]++
		}
	}
	hits = nil
	cells := make([]int32, len(packed))
	var times []uint32
	if withTimes {
		times = make([]uint32, len(packed))
	}
	sets := make([]coverSet, len(uniq))
	for u := range uniq {
		lo, hi := off[u], off[u+1]
		if lo == hi {
			continue
		}
		if seg := packed[lo:hi]; !slices.IsSorted(seg) { // the hits come in cell order but for cells sharing a search
			slices.Sort(seg)
		}
		for k := lo; k < hi; k++ {
			cells[k] = int32(packed[k] >> 32)
			if withTimes {
				times[k] = uint32(packed[k])
			}
		}
		sets[u].cells = cells[lo:hi:hi]
		if withTimes {
			sets[u].times = times[lo:hi:hi]
		}
	}
	for i, u := range rep {
		if u >= 0 {
			covers[i] = sets[u]
		}
	}
	return covers, snaps, tooFar
}

// snapCandidates attaches every candidate to the network for profile p as
// SnapStreetFor does, in parallel, marking with Edge -1 those too far; it
// returns the attachments and how many were too far.
func (a *Access) snapCandidates(ctx context.Context, p int, cands []orb.Point, workers int) ([]Snap, int) {
	ix := a.City.Index
	if ix == nil {
		ix = NewSegmentIndex(a.City.Graph)
	}
	snapM := a.City.SnapMaxM
	if snapM == 0 {
		snapM = DefaultSnapM
	}
	main := largestBound(a.City.Graph)
	h := &snapHints{main: &main, onNetwork: true}
	snaps := make([]Snap, len(cands))
	var tooFar atomic.Int64
	parallelChunks(ctx, len(cands), 64, workers, func(_, lo, hi int) {
		for i := lo; i < hi; i++ {
			sn, err := ix.snapStreet(cands[i], snapM, false, a.Costs[p].Usable, h)
			if err != nil {
				sn = Snap{Edge: -1}
				tooFar.Add(1)
			}
			snaps[i] = sn
		}
	})
	return snaps, int(tooFar.Load())
}

// sitingWorkers is the goroutines siting runs on: GOMAXPROCS, at most
// maxWorkers when positive.
func sitingWorkers(maxWorkers int) int {
	workers := runtime.GOMAXPROCS(0)
	if maxWorkers > 0 {
		workers = min(workers, maxWorkers)
	}
	return workers
}

// parallelChunks calls fn over [0, n) in chunks of chunk, on up to workers
// goroutines (w, from 0, tells which), until ctx ends.
func parallelChunks(ctx context.Context, n, chunk, workers int, fn func(w, lo, hi int)) {
	workers = max(1, min(workers, (n+chunk-1)/chunk))
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				lo := int(next.Add(int64(chunk))) - chunk
				if lo >= n || ctx.Err() != nil {
					return
				}
				fn(w, lo, min(lo+chunk, n))
			}
		}()
	}
	wg.Wait()
}

// newCSR returns the lists of n keys that pairs adds items to, each in the
// order added; pairs is called twice, to count and to fill.
func newCSR(n int, pairs func(add func(key int, item int32))) csr {
	c := csr{off: make([]uint32, n+1)}
	pairs(func(key int, _ int32) { c.off[key+1]++ })
	for k := range n {
		c.off[k+1] += c.off[k]
	}
	c.item = make([]int32, c.off[n])
	fill := slices.Clone(c.off[:n])
	pairs(func(key int, item int32) {
		c.item[fill[key]] = item
		fill[key]++
	})
	return c
}

// demandHit is a cell within the threshold of the candidate attachment u,
// t its walk there.
type demandHit struct {
	u, cell int32
	t       uint32
}

// demandHits runs one search per cell of positive weight, bounded by
// thrDs, walking from the cell, and returns every attachment in uniq it
// reaches within thrDs, in parallel (one list per chunk of cells).
func (a *Access) demandHits(ctx context.Context, p int, thrDs uint32, uniq []Snap, weight []float64, workers int) [][]demandHit {
	g := a.City.Graph
	c := a.Costs[p]
	// Attachments by the vertices at the ends of their edge, and by edge.
	nv := g.NumVertices()
	byV := newCSR(nv, func(add func(key int, item int32)) {
		for u, sn := range uniq {
			f, t := g.EdgeEnds(sn.Edge)
			add(f, int32(u))
			if t != f {
				add(t, int32(u))
			}
		}
	})
	byE := newCSR(g.NumEdges(), func(add func(key int, item int32)) {
		for u, sn := range uniq {
			add(sn.Edge, int32(u))
		}
	})
	// Each attachment's ends, the walks from them to it and its leg: the
	// terms of pointTime through the ends, computed once.
	type attach struct{ f, t, pf, pt, leg uint32 }
	at := make([]attach, len(uniq))
	for u, sn := range uniq {
		f, t := g.EdgeEnds(sn.Edge)
		l := g.EdgeLengthM(sn.Edge)
		at[u] = attach{uint32(f), uint32(t), c.Partial(g, sn.Edge, 0, sn.OffsetM), c.Partial(g, sn.Edge, l, sn.OffsetM), c.Leg(sn.DistM)}
	}
	// The cells of positive weight, those attached at the same place (one
	// per community sharing an H3 cell) searched from once: group k is
	// cells[group[k]:group[k+1]].
	var demand, group []int32
	first := map[Snap]int{}
	var same [][]int32
	for i, w := range weight {
		if sn := a.CellSnap(p, i); w > 0 && sn.Edge >= 0 {
			k, ok := first[sn]
			if !ok {
				k = len(same)
				first[sn] = k
				same = append(same, nil)
			}
			same[k] = append(same[k], int32(i))
		}
	}
	for _, cs := range same {
		group = append(group, int32(len(demand)))
		demand = append(demand, cs...)
	}
	group = append(group, int32(len(demand)))
	const chunk = 16
	out := make([][]demandHit, (len(same)+chunk-1)/chunk)
	// Each worker's searcher and stamps, made on its first chunk.
	type state struct {
		s     *Searcher
		stamp []uint32
		gen   uint32
	}
	states := make([]*state, max(1, workers))
	parallelChunks(ctx, len(same), chunk, workers, func(w, lo, hi int) {
		st := states[w]
		if st == nil {
			st = &state{s: NewSearcher(g), stamp: make([]uint32, len(uniq))}
			states[w] = st
		}
		var hs []demandHit
		var src [1]Source
		hit := func(u int32, cells []int32, t uint32) {
			for _, cell := range cells {
				hs = append(hs, demandHit{u: u, cell: cell, t: t})
			}
		}
		for k := lo; k < hi; k++ {
			cells := demand[group[k]:group[k+1]]
			sn := a.CellSnap(p, int(cells[0]))
			src[0] = Source{Snap: sn, StartDs: a.cellLegDs(p, int(cells[0]))}
			st.s.sparse(c, src[:], thrDs, false)
			dist := st.s.dist
			st.gen++
			try := func(u int32) {
				if st.stamp[u] == st.gen {
					return
				}
				st.stamp[u] = st.gen
				x := &at[u]
				t := addTime(min(addTime(dist[x.f], x.pf), addTime(dist[x.t], x.pt)), x.leg)
				if t <= thrDs {
					hit(u, cells, t)
				}
			}
			// On the cell's own edge the walk along it counts too.
			for _, u := range byE.of(sn.Edge) {
				st.stamp[u] = st.gen
				if t, _ := pointTime(g, c, false, uniq[u], at[u].leg, st.s.timeOf, src[:]); t <= thrDs {
					hit(u, cells, t)
				}
			}
			for _, v := range st.s.touched {
				for _, u := range byV.of(int(v)) {
					try(u)
				}
			}
		}
		out[lo/chunk] = hs
	})
	return out
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
