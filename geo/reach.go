package geo

import "slices"

// Unreached is the time of a vertex or point no source reaches within the
// cutoff.
const Unreached = uint32(impassable)

// Source is a place a search starts from: a point snapped onto an edge, with
// the time already spent getting there (the straight leg to the network).
type Source struct {
	Snap Snap
	// StartDs is the time at the snapped point, in deciseconds.
	StartDs uint32
	// ID is returned as the nearest source of what it reaches, for example
	// a facility index.
	ID int32
}

// Reach is the result of a multi-source search: for every vertex the
// walking time to (or from) the nearest source and which source that is.
type Reach struct {
	g        *Graph
	costs    *Costs
	toSource bool
	// TimeDs is the time per vertex in deciseconds, Unreached beyond the
	// cutoff.
	TimeDs []uint32
	// Nearest is the ID of the nearest source per vertex, -1 if none.
	Nearest  []int32
	CutoffDs uint32
	// sources on each edge, for points on the same edge as a source.
	edgeSrc map[int32][]Source
}

// Searcher runs walking searches over one graph, reusing its buffers. It is
// not safe for concurrent use: give each goroutine its own.
type Searcher struct {
	g    *Graph
	heap radixHeap   // for route trees, whose times are not bounded
	q    bucketQueue // for the bounded searches
	// sparse search state
	dist     []uint32
	near     []int32 // nearest source per vertex, valid where dist is reached
	srcBuf   []Source
	touched  []uint32
	stamp    []uint32
	stampGen uint32
	// sources by edge for the last sparseNear: srcs sorted by edge,
	// edgeGen[e] == edgeGenCur when edge e has some, from srcFirst[e].
	srcs       []Source
	keys       []uint64
	edgeGen    []uint32
	edgeGenCur uint32
	srcFirst   []uint32
	// cells caches H3 cell shapes for isochrones, over the shared ones
	cells  *cellLocator
	shared *CellShapes
}

// NewSearcher returns a Searcher over g.
func NewSearcher(g *Graph) *Searcher { return &Searcher{g: g} }

// Reach runs a multi-source Dijkstra from sources, bounded by cutoffDs.
// With toSource, times are those of walking from each vertex to the nearest
// source (a resident walking to a facility); otherwise from the sources
// outwards. Without one-way rules the two are the same.
func (s *Searcher) Reach(c *Costs, sources []Source, cutoffDs uint32, toSource bool) *Reach {
	g := s.g
	r := &Reach{
		g: g, costs: c, toSource: toSource, CutoffDs: cutoffDs,
		TimeDs:  make([]uint32, g.NumVertices()),
		Nearest: make([]int32, g.NumVertices()),
		edgeSrc: make(map[int32][]Source),
	}
	for i := range r.TimeDs {
		r.TimeDs[i] = Unreached
		r.Nearest[i] = -1
	}
	for _, src := range sources {
		if e := src.Snap.Edge; e >= 0 {
			r.edgeSrc[int32(e)] = append(r.edgeSrc[int32(e)], src)
		}
	}
	s.dijkstra(c, sources, cutoffDs, toSource, r.TimeDs, r.Nearest, nil)
	return r
}

// dijkstra is the search both Reach and sparse run: from the sources (each
// seeding both ends of its edge), bounded by cutoffDs, into dist (all
// Unreached on entry but for what touched lists) and, when not nil, near
// (the ID of the nearest source) and touched (the vertices reached). Times
// are whole deciseconds, so the queue is a bucket per decisecond up to the
// cutoff (bucketQueue): each vertex is taken once, in time order.
func (s *Searcher) dijkstra(c *Costs, sources []Source, cutoffDs uint32, toSource bool, dist []uint32, near []int32, touched *[]uint32) {
	g := s.g
	q := &s.q
	q.reset(cutoffDs)
	for _, src := range sources {
		e := src.Snap.Edge
		if e < 0 {
			continue
		}
		from, to := g.EdgeEnds(e)
		l := g.EdgeLengthM(e)
		// Time between the source and each end of its edge, walked in the
		// search's direction.
		var tFrom, tTo uint32
		if toSource {
			tFrom, tTo = c.Partial(g, e, 0, src.Snap.OffsetM), c.Partial(g, e, l, src.Snap.OffsetM)
		} else {
			tFrom, tTo = c.Partial(g, e, src.Snap.OffsetM, 0), c.Partial(g, e, src.Snap.OffsetM, l)
		}
		for _, end := range [2]struct {
			v uint32
			t uint32
		}{{uint32(from), tFrom}, {uint32(to), tTo}} {
			t, v := addTime(src.StartDs, end.t), end.v
			if t > cutoffDs || t >= dist[v] {
				continue
			}
			if touched != nil && dist[v] == Unreached {
				*touched = append(*touched, v)
			}
			dist[v] = t
			if near != nil {
				near[v] = src.ID
			}
			q.push(t, v)
		}
	}
	off, arcs := g.outOff, c.arcOut
	if toSource {
		off, arcs = g.inOff, c.arcIn
	}
	deadEnd := g.deadEnd
	for k := q.next(0); k >= 0; k = q.next(uint32(k) + 1) {
		t := uint32(k)
		// The bucket may grow while it is read (arcs of zero time).
		for i := 0; i < len(q.bucket(t)); i++ {
			v := q.bucket(t)[i]
			if dist[v] != t {
				continue // stale: v was reached sooner since
			}
			var id int32
			if near != nil {
				id = near[v]
			}
			for _, a := range arcs[off[v]:off[v+1]] {
				// impassable arcs cost MaxUint32: the sum wraps below t
				// or exceeds the cutoff, and is skipped either way.
				nt := t + a.w
				if nt < t || nt > cutoffDs || nt >= dist[a.head] {
					continue
				}
				if touched != nil && dist[a.head] == Unreached {
					*touched = append(*touched, a.head)
				}
				dist[a.head] = nt
				if near != nil {
					near[a.head] = id
				}
				if deadEnd[a.head] {
					continue // nothing to relax beyond it: no need to queue it
				}
				q.push(nt, a.head)
			}
		}
		q.done(t)
	}
}

func addTime(a, b uint32) uint32 {
	if a == impassable || b == impassable {
		return impassable
	}
	if s := uint64(a) + uint64(b); s < impassable {
		return uint32(s)
	}
	return impassable
}

// At returns the time and nearest source for a point snapped to the network
// with a straight leg of legDs: through either end of its edge, or directly
// along the edge to a source on the same edge.
func (r *Reach) At(p Snap, legDs uint32) (uint32, int32) {
	if p.Edge < 0 {
		return Unreached, -1
	}
	t, id := pointTime(r.g, r.costs, r.toSource, p, legDs, func(v int) (uint32, int32) {
		return r.TimeDs[v], r.Nearest[v]
	}, r.edgeSrc[int32(p.Edge)])
	if t > r.CutoffDs {
		return Unreached, -1
	}
	return t, id
}

// pointTime is the time of a point snapped on an edge, given the times of
// the vertices (timeOf) and the sources (only those on the point's edge
// matter): through either end of the edge, or along it to a source.
func pointTime(g *Graph, c *Costs, toSource bool, p Snap, legDs uint32, timeOf func(v int) (uint32, int32), srcs []Source) (uint32, int32) {
	if p.Edge < 0 {
		return Unreached, -1
	}
	from, to := g.EdgeEnds(p.Edge)
	l := g.EdgeLengthM(p.Edge)
	best, id := Unreached, int32(-1)
	try := func(t uint32, n int32) {
		if t < best {
			best, id = t, n
		}
	}
	tf, nf := timeOf(from)
	tt, nt := timeOf(to)
	if toSource {
		try(addTime(c.Partial(g, p.Edge, p.OffsetM, 0), tf), nf)
		try(addTime(c.Partial(g, p.Edge, p.OffsetM, l), tt), nt)
	} else {
		try(addTime(tf, c.Partial(g, p.Edge, 0, p.OffsetM)), nf)
		try(addTime(tt, c.Partial(g, p.Edge, l, p.OffsetM)), nt)
	}
	for _, s := range srcs {
		if s.Snap.Edge != p.Edge {
			continue
		}
		if toSource {
			try(addTime(c.Partial(g, p.Edge, p.OffsetM, s.Snap.OffsetM), s.StartDs), s.ID)
		} else {
			try(addTime(s.StartDs, c.Partial(g, p.Edge, s.Snap.OffsetM, p.OffsetM)), s.ID)
		}
	}
	return addTime(best, legDs), id
}

// sparse runs a bounded search from sources into the Searcher's own
// arrays, touching only the vertices it reaches: cheap to repeat once per
// facility. Results stay in s.dist (read with timeOf) and s.touched until
// the next call.
func (s *Searcher) sparse(c *Costs, sources []Source, cutoffDs uint32, toSource bool) {
	if s.dist == nil {
		s.dist = make([]uint32, s.g.NumVertices())
		for i := range s.dist {
			s.dist[i] = Unreached
		}
	}
	for _, v := range s.touched {
		s.dist[v] = Unreached
	}
	s.touched = s.touched[:0]
	s.dijkstra(c, sources, cutoffDs, toSource, s.dist, nil, &s.touched)
}

// sparseNear is sparse that also records the nearest source of every
// vertex reached (read with nearOf), and indexes the sources by edge (read
// with edgeSources).
func (s *Searcher) sparseNear(c *Costs, sources []Source, cutoffDs uint32, toSource bool) {
	n := s.g.NumVertices()
	if s.dist == nil {
		s.dist = make([]uint32, n)
		for i := range s.dist {
			s.dist[i] = Unreached
		}
	}
	if s.near == nil {
		s.near = make([]int32, n)
	}
	for _, v := range s.touched {
		s.dist[v] = Unreached
	}
	s.touched = s.touched[:0]
	s.dijkstra(c, sources, cutoffDs, toSource, s.dist, s.near, &s.touched)
	// Sources by edge, stable: the order among one edge's sources is
	// theirs, as pointTime breaks ties by it.
	s.keys = s.keys[:0]
	for i, src := range sources {
		s.keys = append(s.keys, uint64(uint32(src.Snap.Edge))<<32|uint64(i))
	}
	slices.Sort(s.keys)
	s.srcs = s.srcs[:0]
	for _, k := range s.keys {
		s.srcs = append(s.srcs, sources[uint32(k)])
	}
	if s.edgeGen == nil {
		s.edgeGen = make([]uint32, s.g.NumEdges())
		s.srcFirst = make([]uint32, s.g.NumEdges())
	}
	s.edgeGenCur++
	if s.edgeGenCur == 0 { // wrapped: clear the stamps
		clear(s.edgeGen)
		s.edgeGenCur = 1
	}
	for i := len(s.srcs) - 1; i >= 0; i-- {
		if e := s.srcs[i].Snap.Edge; e >= 0 {
			s.edgeGen[e] = s.edgeGenCur
			s.srcFirst[e] = uint32(i)
		}
	}
}

// edgeSources returns the sources of the last sparseNear on edge e.
func (s *Searcher) edgeSources(e int) []Source {
	if e < 0 || s.edgeGen[e] != s.edgeGenCur {
		return nil
	}
	i := int(s.srcFirst[e])
	j := i
	for j < len(s.srcs) && s.srcs[j].Snap.Edge == e {
		j++
	}
	return s.srcs[i:j]
}

// nearOf reads the last sparseNear search's time and nearest source at v.
func (s *Searcher) nearOf(v int) (uint32, int32) {
	if t := s.dist[v]; t != Unreached {
		return t, s.near[v]
	}
	return Unreached, -1
}

// timeOf reads the last sparse search's time at v.
func (s *Searcher) timeOf(v int) (uint32, int32) { return s.dist[v], 0 }

// cellStamp returns a stamp array of n entries for marking cells once per
// facility.
func (s *Searcher) cellStamp(n int) []uint32 {
	if len(s.stamp) < n {
		s.stamp = make([]uint32, n)
		s.stampGen = 0
	}
	return s.stamp
}
