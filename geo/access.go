package geo

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
)

// DefaultCutoffMin is the default bound of every walking search, in minutes.
const DefaultCutoffMin = 30.0

// AccessOptions tune an access computation.
type AccessOptions struct {
	// CutoffMin bounds every search; times beyond it count as unreached.
	CutoffMin float64
	// K is the number of nearest facilities averaged in MeanKMin
	// (default 1; 20 makes it comparable with "nearest-20" indices).
	K int
	// Profiles are the walkers (default DefaultProfiles() with the
	// taxonomy's own profiles).
	Profiles []Profile
}

func (o *AccessOptions) fill() error {
	if o.CutoffMin == 0 {
		o.CutoffMin = DefaultCutoffMin
	}
	if !(o.CutoffMin > 0 && o.CutoffMin <= 240) {
		return fmt.Errorf("%w: cutoff %v min outside (0, 240]", ErrBadOption, o.CutoffMin)
	}
	if o.K == 0 {
		o.K = 1
	}
	if o.K < 1 || o.K > 100 {
		return fmt.Errorf("%w: k %d outside [1, 100]", ErrBadOption, o.K)
	}
	if len(o.Profiles) == 0 {
		o.Profiles = DefaultProfiles()
	}
	seen := map[string]bool{}
	for i := range o.Profiles {
		if err := o.Profiles[i].Validate(); err != nil {
			return err
		}
		if seen[o.Profiles[i].ID] {
			return fmt.Errorf("%w: profile %q given twice", ErrBadProfile, o.Profiles[i].ID)
		}
		seen[o.Profiles[i].ID] = true
	}
	return nil
}

// Access is the walking access of every populated cell to every category,
// for every profile: the time to the nearest facility, which one it is, how
// many are within the category's threshold and the mean time to the K
// nearest. Index order is [profile][category][cell], with cells in the
// order of City.Population.Cells.
type Access struct {
	City     *City
	Options  AccessOptions
	Profiles []Profile
	Costs    []*Costs
	// FacilityAccess is every facility's access points on the network.
	FacilityAccess [][]Snap
	// ByCategory lists the facility indexes of each category.
	ByCategory [][]int

	TimeDs   [][][]uint32  // Unreached beyond the cutoff
	Nearest  [][][]int32   // facility index, -1 if none
	Count    [][][]uint16  // facilities within the category threshold
	MeanKMin [][][]float32 // NaN when fewer than K are within the cutoff

	cutoffDs   uint32
	walker     []walkerSnaps // per profile: attachments that differ from the city's
	derived    *derived      // per-category report parts, kept across reports
	vertexCell csr           // cells whose snap edge ends at each vertex
	edgeCell   map[int32][]int32
	cellEnds   [][]cellEnd // per profile and cell: its way onto the network
}

// cellEnd is how a populated cell reaches the network for one walker,
// ready for the searches: the ends of the edge it is attached to and the
// time from the cell to each, its straight leg included (impassable where
// the walker may not walk that part of the edge). A cell's time to the
// nearest source is then the smaller of the two sums, unless a source
// lies on the cell's own edge (pointTime).
type cellEnd struct {
	from, to   uint32
	tFrom, tTo uint32
	edge       int32 // -1 when the cell is not attached
}

// cellEndOf prepares cell i's way onto the network for profile p.
func (a *Access) cellEndOf(p, i int) cellEnd {
	cs := a.CellSnap(p, i)
	if cs.Edge < 0 {
		return cellEnd{edge: -1, tFrom: impassable, tTo: impassable}
	}
	g, c := a.City.Graph, a.Costs[p]
	f, t := g.EdgeEnds(cs.Edge)
	leg := c.Leg(cs.DistM)
	return cellEnd{
		from: uint32(f), to: uint32(t), edge: int32(cs.Edge),
		tFrom: addTime(c.Partial(g, cs.Edge, cs.OffsetM, 0), leg),
		tTo:   addTime(c.Partial(g, cs.Edge, cs.OffsetM, g.EdgeLengthM(cs.Edge)), leg),
	}
}

// cellTime is cell i's time for profile p from the vertex times of the
// last search (dist), as pointTime gives it when no source is on the
// cell's edge: through its edge's From end, or its To end if sooner.
func (a *Access) cellTime(p int, i int32, dist []uint32) (t uint32, via uint32) {
	e := &a.cellEnds[p][i]
	t, via = addTime(e.tFrom, dist[e.from]), e.from
	if t2 := addTime(e.tTo, dist[e.to]); t2 < t {
		t, via = t2, e.to
	}
	return t, via
}

// csr is a compact list of lists.
type csr struct {
	off  []uint32
	item []int32
}

func (c *csr) of(i int) []int32 { return c.item[c.off[i]:c.off[i+1]] }

// MinToDs converts minutes to deciseconds.
func MinToDs(m float64) uint32 { return uint32(math.Round(m * 600)) }

// HasResidents reports whether the city has residents placed on cells:
// the coverage report, gaps, siting and capacity figures need them.
func (a *Access) HasResidents() bool {
	return a.City.Population != nil && len(a.City.Population.Cells) > 0 && a.City.Population.Total > 0
}

// errNoResidents is the error of an analysis that counts residents, asked
// of a city with none.
func errNoResidents() error {
	return fmt.Errorf("%w placed on cells", ErrNoResidents)
}

// DsToMin converts deciseconds to minutes.
func DsToMin(ds uint32) float64 { return float64(ds) / 600 }

// ComputeAccess computes walking access for every profile and category.
// The city must have a population; facilities too far from the network, or
// on no reachable edge, reach nothing and are never counted.
func ComputeAccess(city *City, opt AccessOptions) (*Access, error) {
	return ComputeAccessContext(context.Background(), city, opt)
}

// ComputeAccessContext is ComputeAccess that gives up, with ctx's error,
// once ctx ends.
func ComputeAccessContext(ctx context.Context, city *City, opt AccessOptions) (*Access, error) {
	a, err := newAccess(city, opt)
	if err != nil {
		return nil, err
	}
	cats := city.Taxonomy.Categories
	np, nc := len(a.Profiles), len(cats)
	a.TimeDs = make([][][]uint32, np)
	a.Nearest = make([][][]int32, np)
	a.Count = make([][][]uint16, np)
	a.MeanKMin = make([][][]float32, np)
	for p := 0; p < np; p++ {
		a.TimeDs[p] = make([][]uint32, nc)
		a.Nearest[p] = make([][]int32, nc)
		a.Count[p] = make([][]uint16, nc)
		a.MeanKMin[p] = make([][]float32, nc)
	}
	if err := a.compute(ctx); err != nil {
		return nil, err
	}
	return a, nil
}

// fillAccessOptions completes opt as an access computation on city uses
// it: the default walkers with the taxonomy's own, the default cutoff
// and K.
func fillAccessOptions(city *City, opt AccessOptions) (AccessOptions, error) {
	if len(opt.Profiles) == 0 && city.Taxonomy != nil {
		opt.Profiles = MergeProfiles(DefaultProfiles(), city.Taxonomy.Profiles)
	}
	err := opt.fill()
	return opt, err
}

// newAccess prepares an access computation on city: the options filled,
// the facilities by category, the cells by vertex and edge, the walkers'
// costs; the result tables are left empty.
func newAccess(city *City, opt AccessOptions) (*Access, error) {
	opt, err := fillAccessOptions(city, opt)
	if err != nil {
		return nil, err
	}
	if city.Population == nil {
		// A city with no residents has an empty Population: facilities,
		// isochrones and nearest queries still work.
		return nil, fmt.Errorf("%w: the city has no Population (not even an empty one)", ErrNoPopulation)
	}
	a := &Access{City: city, Options: opt, Profiles: opt.Profiles, cutoffDs: MinToDs(opt.CutoffMin), derived: &derived{}}
	a.FacilityAccess = city.FacilityAccess
	if a.FacilityAccess == nil {
		a.FacilityAccess = ComputeFacilityAccess(city)
	}
	a.ByCategory = byCategory(city)
	for i := range a.Profiles {
		a.Costs = append(a.Costs, NewCosts(city.Graph, &a.Profiles[i]))
	}
	a.walker = make([]walkerSnaps, len(a.Profiles))
	for p := range a.Profiles {
		a.walker[p].cell = a.cellWalkerSnaps(p)
		a.walker[p].fac = a.facilityWalkerSnaps(p, nil)
	}
	a.indexCells()
	return a, nil
}

// byCategory lists the open facilities of each category of city.
func byCategory(city *City) [][]int {
	cats := city.Taxonomy.Categories
	catIdx := make(map[string]int, len(cats))
	for i := range cats {
		catIdx[cats[i].ID] = i
	}
	by := make([][]int, len(cats))
	for i, f := range city.Facilities {
		if city.Closed[i] {
			continue
		}
		if c, ok := catIdx[f.Category]; ok {
			by[c] = append(by[c], i)
		}
	}
	return by
}

// compute fills a's result tables. The walkers' own attachments
// (a.walker) and the cell index must be in place.
//
// The work is spread over the processors in small jobs, each worker with
// its own Searcher: one multi-source search per (profile, category) for
// the nearest facility, the longest first, then the per-facility searches
// that count opportunities, in chunks of a few facilities so that a
// category with thousands of them (greenways) keeps every processor busy
// to the end. A chunk counts into its worker's own table, then adds the
// cells it reached to the category's counts under the category's lock.
func (a *Access) compute(ctx context.Context) error {
	city := a.City
	np, nc, ncell := len(a.Profiles), len(city.Taxonomy.Categories), len(city.Population.Cells)
	type job struct {
		p, c   int
		lo, hi int // facilities of the chunk; hi < 0 for the nearest search
	}
	var jobs, chunks []job
	for p := 0; p < np; p++ {
		for c := 0; c < nc; c++ {
			n := len(a.ByCategory[c])
			if n == 0 {
				a.TimeDs[p][c], a.Nearest[p][c], a.Count[p][c], a.MeanKMin[p][c] = unreachedCells(ncell)
				continue
			}
			jobs = append(jobs, job{p, c, 0, -1})
			a.Count[p][c] = make([]uint16, ncell)
			step := n
			if a.Options.K == 1 {
				step = oppChunk
			}
			for lo := 0; lo < n; lo += step {
				chunks = append(chunks, job{p, c, lo, min(lo+step, n)})
			}
		}
	}
	slices.SortStableFunc(jobs, func(x, y job) int { return cmp.Compare(len(a.ByCategory[y.c]), len(a.ByCategory[x.c])) })
	jobs = append(jobs, chunks...)
	locks := make([]sync.Mutex, np*nc)
	var topK [][][][]uint32 // K > 1: per profile, category and cell, one chunk per category
	if a.Options.K > 1 {
		topK = make([][][][]uint32, np)
		for p := range topK {
			topK[p] = make([][][]uint32, nc)
		}
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	workers := min(runtime.GOMAXPROCS(0), len(jobs))
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := NewSearcher(city.Graph)
			var own countBuf
			var buf []Source
			for {
				i := int(next.Add(1)) - 1
				if i >= len(jobs) || ctx.Err() != nil {
					return
				}
				j := jobs[i]
				if j.hi < 0 {
					a.TimeDs[j.p][j.c], a.Nearest[j.p][j.c] = a.nearest(s, j.p, j.c)
					continue
				}
				fs := a.ByCategory[j.c][j.lo:j.hi]
				if topK != nil {
					a.Count[j.p][j.c], topK[j.p][j.c] = a.countOpportunities(s, j.p, j.c, fs, &buf)
					continue
				}
				own.count(a, s, j.p, j.c, fs, &buf)
				mu := &locks[j.p*nc+j.c]
				mu.Lock()
				own.addTo(a.Count[j.p][j.c])
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	for p := 0; p < np; p++ {
		for c := 0; c < nc; c++ {
			if len(a.ByCategory[c]) > 0 {
				var top [][]uint32
				if topK != nil {
					top = topK[p][c]
				}
				a.MeanKMin[p][c] = a.meanK(p, c, top)
			}
		}
	}
	return nil
}

// oppChunk is the number of facilities per opportunity-counting job.
const oppChunk = 32

// countBuf is one worker's opportunity counts for a chunk of facilities:
// per cell, and the cells counted, to add them to the category's table.
type countBuf struct {
	n     []uint16
	cells []int32
}

// count counts, per cell, the facilities fs (of category c) within the
// category's threshold for profile p.
func (b *countBuf) count(a *Access, s *Searcher, p, c int, fs []int, buf *[]Source) {
	if len(b.n) < len(a.City.CellSnap) {
		b.n = make([]uint16, len(a.City.CellSnap))
	}
	thr := a.thresholdDs(c)
	a.eachFacilityCell(s, p, fs, thr, buf, func(_ int, cell int32, t uint32) {
		if t > thr {
			return
		}
		if b.n[cell] == 0 {
			b.cells = append(b.cells, cell)
		}
		if b.n[cell] < math.MaxUint16 {
			b.n[cell]++
		}
	})
}

// addTo adds the counts to dst, saturating, and clears them.
func (b *countBuf) addTo(dst []uint16) {
	for _, cell := range b.cells {
		dst[cell] = uint16(min(int(dst[cell])+int(b.n[cell]), math.MaxUint16))
		b.n[cell] = 0
	}
	b.cells = b.cells[:0]
}

// unreachedCells is the result for a category without facilities.
func unreachedCells(n int) ([]uint32, []int32, []uint16, []float32) {
	t, near, mean := make([]uint32, n), make([]int32, n), make([]float32, n)
	for i := range t {
		t[i], near[i], mean[i] = Unreached, -1, float32(math.NaN())
	}
	return t, near, make([]uint16, n), mean
}

// ComputeFacilityAccess returns the access points of every facility.
func ComputeFacilityAccess(city *City) [][]Snap {
	var ent *PointIndex
	if len(city.Entrances) > 0 {
		ent = NewPointIndex(city.Entrances)
	}
	kinds := map[string]string{}
	for _, c := range city.Taxonomy.Categories {
		kinds[c.ID] = c.Kind
	}
	g := city.Graph
	wayEdges := map[int64][]int32{}
	for e := 0; e < g.NumEdges(); e++ {
		if !g.EdgeOpen(e) {
			continue // taken out by a network what-if
		}
		for _, w := range g.EdgeWays(e) {
			wayEdges[w] = append(wayEdges[w], int32(e))
		}
	}
	out := make([][]Snap, len(city.Facilities))
	for i := range city.Facilities {
		f := &city.Facilities[i]
		out[i] = FacilityAccess(city.Index, f, kinds[f.Category], city.FacilitySnap[i], ent, wayEdges)
	}
	return out
}

// walkerSnaps are the attachments to the network of one walker that differ
// from the city's: the cells and facilities whose every city attachment
// lies on edges the walker may not use (steps for a wheelchair), attached
// instead at the nearest edge it may use.
type walkerSnaps struct {
	cell map[int32]Snap
	fac  map[int][]Snap
}

// CellSnap returns the attachment of populated cell i for profile p: the
// city's, or, when the walker may not use its edge, the nearest edge it may
// use (Edge -1 when none is within the snapping limit).
func (a *Access) CellSnap(p, i int) Snap {
	if p < len(a.walker) {
		if s, ok := a.walker[p].cell[int32(i)]; ok {
			return s
		}
	}
	return a.City.CellSnap[i]
}

// FacilityAccessFor returns the access points of facility fi for profile
// p: FacilityAccess, or, when the walker may use none of them, the facility
// attached at the nearest edge it may use.
func (a *Access) FacilityAccessFor(p, fi int) []Snap {
	if p < len(a.walker) {
		if s, ok := a.walker[p].fac[fi]; ok {
			return s
		}
	}
	return a.FacilityAccess[fi]
}

// snapLimitM is the city's snapping limit.
func (c *City) snapLimitM() float64 {
	if c.SnapMaxM > 0 {
		return c.SnapMaxM
	}
	return DefaultSnapM
}

// cellWalkerSnaps attaches again, for profile p, the cells whose city
// attachment is on an edge the walker may not use.
func (a *Access) cellWalkerSnaps(p int) map[int32]Snap {
	city := a.City
	usable := a.Costs[p].Usable
	var out map[int32]Snap
	for i, s := range city.CellSnap {
		if s.Edge < 0 || usable(s.Edge) || city.Index == nil {
			continue
		}
		ns, err := city.Index.SnapStreetFor(city.Population.Cells[i].Point, city.snapLimitM(), false, usable)
		if err != nil {
			ns = Snap{Edge: -1}
		}
		if out == nil {
			out = map[int32]Snap{}
		}
		out[int32(i)] = ns
	}
	return out
}

// facilityWalkerSnaps attaches again, for profile p, the facilities (all,
// or only those of only when not nil) none of whose access points is on an
// edge the walker may use; base holds the attachments to keep.
func (a *Access) facilityWalkerSnaps(p int, only []int) map[int][]Snap {
	city := a.City
	usable := a.Costs[p].Usable
	var out map[int][]Snap
	check := func(fi int) {
		aps := a.FacilityAccess[fi]
		if len(aps) == 0 || city.Index == nil || slices.ContainsFunc(aps, func(s Snap) bool { return s.Edge >= 0 && usable(s.Edge) }) {
			return
		}
		f := &city.Facilities[fi]
		var snaps []Snap
		if ns, err := city.Index.SnapStreetFor(f.Point, city.snapLimitM(), f.BelowStreet, usable); err == nil {
			snaps = []Snap{ns}
		}
		if out == nil {
			out = map[int][]Snap{}
		}
		out[fi] = snaps
	}
	if only != nil {
		for _, fi := range only {
			check(fi)
		}
		return out
	}
	for fi := range city.Facilities {
		check(fi)
	}
	return out
}

// indexCells lists, for each vertex and edge, the cells snapped next to
// it: at the city's attachment and at every walker's own.
func (a *Access) indexCells() {
	g := a.City.Graph
	a.cellEnds = make([][]cellEnd, len(a.Profiles))
	for p := range a.cellEnds {
		ends := make([]cellEnd, len(a.City.CellSnap))
		for i := range ends {
			ends[i] = a.cellEndOf(p, i)
		}
		a.cellEnds[p] = ends
	}
	cnt := make([]uint32, g.NumVertices()+1)
	a.edgeCell = map[int32][]int32{}
	type cellSnap struct {
		i int32
		s Snap
	}
	all := make([]cellSnap, 0, len(a.City.CellSnap))
	for i, s := range a.City.CellSnap {
		all = append(all, cellSnap{int32(i), s})
	}
	for _, w := range a.walker {
		for i, s := range w.cell {
			all = append(all, cellSnap{i, s})
		}
	}
	slices.SortStableFunc(all[len(a.City.CellSnap):], func(x, y cellSnap) int { return cmp.Compare(x.i, y.i) })
	for _, cs := range all {
		i, s := cs.i, cs.s
		if s.Edge < 0 {
			continue
		}
		f, t := g.EdgeEnds(s.Edge)
		cnt[f+1]++
		if t != f {
			cnt[t+1]++
		}
		a.edgeCell[int32(s.Edge)] = append(a.edgeCell[int32(s.Edge)], i)
	}
	for v := 0; v < g.NumVertices(); v++ {
		cnt[v+1] += cnt[v]
	}
	a.vertexCell.off = cnt
	a.vertexCell.item = make([]int32, cnt[g.NumVertices()])
	fill := append([]uint32(nil), cnt[:g.NumVertices()]...)
	for _, cs := range all {
		i, s := cs.i, cs.s
		if s.Edge < 0 {
			continue
		}
		f, t := g.EdgeEnds(s.Edge)
		a.vertexCell.item[fill[f]] = i
		fill[f]++
		if t != f {
			a.vertexCell.item[fill[t]] = i
			fill[t]++
		}
	}
}

// sources returns the search sources of facilities fs for profile p: every
// access point, starting with the time of its straight leg.
func (a *Access) sources(p int, fs []int, dst []Source) []Source {
	c := a.Costs[p]
	for _, fi := range fs {
		for _, s := range a.FacilityAccessFor(p, fi) {
			dst = append(dst, Source{Snap: s, StartDs: c.Leg(s.DistM), ID: int32(fi)})
		}
	}
	return dst
}

// cellLegDs is the time of the straight leg from cell i to the network.
func (a *Access) cellLegDs(p, i int) uint32 { return a.Costs[p].Leg(a.CellSnap(p, i).DistM) }

// nearest runs one multi-source search for category c and reads every
// cell's time to its nearest facility. The search touches only what it
// reaches: the Searcher's arrays are reused, and only the cells next to a
// reached vertex or on a source's edge are read.
func (a *Access) nearest(s *Searcher, p, c int) ([]uint32, []int32) {
	ncell := len(a.City.CellSnap)
	times := make([]uint32, ncell)
	near := make([]int32, ncell)
	for i := range times {
		times[i], near[i] = Unreached, -1
	}
	src := a.sources(p, a.ByCategory[c], s.srcBuf[:0])
	s.srcBuf = src
	if len(src) == 0 {
		return times, near
	}
	a.nearestInto(s, p, src, a.cutoffDs, func(cell int32, t uint32, id int32) { times[cell], near[cell] = t, id })
	return times, near
}

// nearestInto runs one multi-source search from src, bounded by cutoffDs,
// and calls fn once with every cell it reaches, its time and its nearest
// source, as Reach.At would give them. A search that reached a large part
// of the network reads every cell in order; a small one only the cells
// next to the vertices it reached.
func (a *Access) nearestInto(s *Searcher, p int, src []Source, cutoffDs uint32, fn func(cell int32, t uint32, id int32)) {
	g := a.City.Graph
	costs := a.Costs[p]
	s.sparseNear(costs, src, cutoffDs, true)
	visit := func(cell int32) {
		var t uint32
		var id int32
		if e := a.cellEnds[p][cell].edge; e >= 0 && s.edgeGen[e] == s.edgeGenCur {
			// A source on the cell's own edge: pointTime weighs it too.
			cs := a.CellSnap(p, int(cell))
			t, id = pointTime(g, costs, true, cs, costs.Leg(cs.DistM), s.nearOf, s.edgeSources(cs.Edge))
		} else {
			var via uint32
			t, via = a.cellTime(p, cell, s.dist)
			if t == impassable {
				return
			}
			id = s.near[via]
		}
		if t <= cutoffDs {
			fn(cell, t, id)
		}
	}
	if len(s.touched) > g.NumVertices()/8 {
		for cell := range a.cellEnds[p] {
			visit(int32(cell))
		}
		return
	}
	a.eachReachedCell(s, s.srcs, visit)
}

// thresholdDs is category c's threshold, within the cutoff: beyond it
// nothing is known, and a facility counts within both.
func (a *Access) thresholdDs(c int) uint32 {
	return min(MinToDs(a.City.Taxonomy.Categories[c].ThresholdMin), a.cutoffDs)
}

// opportunities counts, per cell, the facilities of category c within the
// category's threshold, and averages the times to the K nearest, from one
// bounded search per facility. With K = 1 the mean is the nearest time,
// which a.TimeDs must hold.
func (a *Access) opportunities(s *Searcher, p, c, ncell int) ([]uint16, []float32) {
	var buf []Source
	count, topK := a.countOpportunities(s, p, c, a.ByCategory[c], &buf)
	return count, a.meanK(p, c, topK)
}

// countOpportunities counts, per cell, the facilities fs of category c
// within the category's threshold and, with K > 1, keeps every cell's K
// smallest times (within the cutoff) to them.
func (a *Access) countOpportunities(s *Searcher, p, c int, fs []int, buf *[]Source) ([]uint16, [][]uint32) {
	ncell := len(a.City.CellSnap)
	thr := a.thresholdDs(c)
	k := a.Options.K
	cutoff := thr
	if k > 1 {
		cutoff = a.cutoffDs
	}
	count := make([]uint16, ncell)
	var topK [][]uint32
	if k > 1 {
		topK = make([][]uint32, ncell)
	}
	a.eachFacilityCell(s, p, fs, cutoff, buf, func(_ int, cell int32, t uint32) {
		if t <= thr && count[cell] < math.MaxUint16 {
			count[cell]++
		}
		if k > 1 {
			topK[cell] = insertTopK(topK[cell], t, k)
		}
	})
	return count, topK
}

// meanK is the mean time in minutes to the K nearest facilities of
// category c per cell, NaN where fewer than K are within the cutoff: from
// topK, or with K = 1 from a.TimeDs.
func (a *Access) meanK(p, c int, topK [][]uint32) []float32 {
	k := a.Options.K
	mean := make([]float32, len(a.City.CellSnap))
	for i := range mean {
		var top []uint32
		if k > 1 {
			top = topK[i]
		}
		mean[i] = meanKMin(k, a.TimeDs[p][c][i], top)
	}
	return mean
}

// meanKMin is a cell's mean walk in minutes to its k nearest facilities:
// its nearest time t when k is 1, else the mean of top (its k smallest
// times); NaN when fewer than k are reached.
func meanKMin(k int, t uint32, top []uint32) float32 {
	switch {
	case k == 1:
		if t == Unreached {
			return float32(math.NaN())
		}
		return float32(DsToMin(t))
	case len(top) < k:
		return float32(math.NaN())
	}
	var sum float64
	for _, t := range top {
		sum += DsToMin(t)
	}
	return float32(sum / float64(k))
}

// insertTopK keeps the k smallest times, sorted.
func insertTopK(top []uint32, t uint32, k int) []uint32 {
	if len(top) == k && t >= top[k-1] {
		return top
	}
	i := sort.Search(len(top), func(i int) bool { return top[i] > t })
	if len(top) < k {
		top = append(top, 0)
	}
	copy(top[i+1:], top[i:len(top)-1])
	top[i] = t
	return top
}

// eachFacilityCell runs one search per facility in fs, bounded by cutoffDs,
// and calls fn with every cell the facility reaches and the cell's time to
// it. A facility's several access points make one search: it counts once.
func (a *Access) eachFacilityCell(s *Searcher, p int, fs []int, cutoffDs uint32, buf *[]Source, fn func(fac int, cell int32, t uint32)) {
	g := a.City.Graph
	c := a.Costs[p]
	for _, fi := range fs {
		src := a.sources(p, []int{fi}, (*buf)[:0])
		*buf = src
		if len(src) == 0 {
			continue
		}
		visit := func(cell int32) {
			var t uint32
			if e := int(a.cellEnds[p][cell].edge); slices.ContainsFunc(src, func(so Source) bool { return so.Snap.Edge == e }) {
				cs := a.CellSnap(p, int(cell))
				t, _ = pointTime(g, c, true, cs, c.Leg(cs.DistM), s.timeOf, src)
			} else {
				t, _ = a.cellTime(p, cell, s.dist)
			}
			if t <= cutoffDs {
				fn(fi, cell, t)
			}
		}
		s.sparse(c, src, cutoffDs, true)
		a.eachReachedCell(s, src, visit)
	}
}

// eachReachedCell calls visit once with every cell the sparse search just
// run from src may have reached: the cells of the vertices it touched and
// those on the sources' edges.
func (a *Access) eachReachedCell(s *Searcher, src []Source, visit func(cell int32)) {
	stamp := s.cellStamp(len(a.City.CellSnap))
	s.stampGen++
	gen := s.stampGen
	once := func(cell int32) {
		if stamp[cell] != gen {
			stamp[cell] = gen
			visit(cell)
		}
	}
	for _, v := range s.touched {
		for _, cell := range a.vertexCell.of(int(v)) {
			once(cell)
		}
	}
	for i := range src {
		if i > 0 && src[i].Snap.Edge == src[i-1].Snap.Edge {
			continue
		}
		for _, cell := range a.edgeCell[int32(src[i].Snap.Edge)] {
			once(cell)
		}
	}
}

// Facilities returns how many facilities each category has.
func (a *Access) Facilities(c int) int { return len(a.ByCategory[c]) }

// ProfileIndex returns the index of the profile with id, or -1.
func (a *Access) ProfileIndex(id string) int {
	for i := range a.Profiles {
		if a.Profiles[i].ID == id {
			return i
		}
	}
	return -1
}

// derived keeps report parts that depend on one category's times only: the
// cells in time order and the E2SFCA result under the default bands. A
// what-if scenario keeps those of the categories it did not change.
type derived struct {
	mu    sync.Mutex
	ord   map[[2]int][][]int32
	capac map[[2]int]*CapacityAccess
	dist  map[[3]int][]uint32 // life-circle network distances: profile, category, bound
	wi    whatIfCache         // reused by what-if scenarios (lifecircle.go)
}

func (d *derived) order(p, c int) [][]int32 {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.ord[[2]int{p, c}]
}

func (d *derived) setOrder(p, c int, g [][]int32) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ord == nil {
		d.ord = map[[2]int][][]int32{}
	}
	d.ord[[2]int{p, c}] = g
}

func (d *derived) capacity(p, c int) *CapacityAccess {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.capac[[2]int{p, c}]
}

func (d *derived) distance(p, c int, boundDm uint32) []uint32 {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.dist[[3]int{p, c, int(boundDm)}]
}

func (d *derived) setDistance(p, c int, boundDm uint32, v []uint32) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.dist == nil {
		d.dist = map[[3]int][]uint32{}
	}
	d.dist[[3]int{p, c, int(boundDm)}] = v
}

func (d *derived) setCapacity(p, c int, ca *CapacityAccess) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.capac == nil {
		d.capac = map[[2]int]*CapacityAccess{}
	}
	d.capac[[2]int{p, c}] = ca
}

// without copies d, leaving out the categories in changed.
func (d *derived) without(changed map[int]bool) *derived {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := &derived{ord: map[[2]int][][]int32{}, capac: map[[2]int]*CapacityAccess{}, wi: d.wi.forScenario(d)}
	for k, v := range d.ord {
		if !changed[k[1]] {
			n.ord[k] = v
		}
	}
	for k, v := range d.capac {
		if !changed[k[1]] {
			n.capac[k] = v
		}
	}
	for k, v := range d.dist {
		if !changed[k[1]] {
			if n.dist == nil {
				n.dist = map[[3]int][]uint32{}
			}
			n.dist[k] = v
		}
	}
	return n
}
