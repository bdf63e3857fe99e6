package geo

import (
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
)

// EdgeFlags are the walking attributes of an edge that a walker profile
// needs: steps, surface, tunnels, indoor corridors and one-way rules.
type EdgeFlags uint16

// Edge flags.
const (
	// FlagSteps marks highway=steps.
	FlagSteps EdgeFlags = 1 << iota
	// FlagUnpaved marks an unpaved or loose surface (gravel, grass, dirt…).
	FlagUnpaved
	// FlagTunnel marks a tunnel, a covered passage underground or a way on
	// a layer below 0.
	FlagTunnel
	// FlagIndoor marks indoor ways and highway=corridor.
	FlagIndoor
	// FlagBridge marks a bridge.
	FlagBridge
	// FlagOnewayFwd allows walking only from the edge's From to its To.
	FlagOnewayFwd
	// FlagOnewayBwd allows walking only from the edge's To to its From.
	FlagOnewayBwd
	// FlagIncline marks that InclinePct was tagged.
	FlagIncline
	// FlagMajorRoad marks primary, secondary and trunk roads (and links).
	FlagMajorRoad
)

// EdgeAttr is what a walker profile knows of an edge besides its length.
// Two consecutive pieces of way merge into one edge only when their
// attributes are equal once oriented the same way.
type EdgeAttr struct {
	Flags EdgeFlags
	// InclinePct is the signed slope in percent along the edge direction
	// (From to To), valid when Flags has FlagIncline.
	InclinePct int8
}

// reversed returns the attributes of the same way walked the other way.
func (a EdgeAttr) reversed() EdgeAttr {
	r := a
	fwd, bwd := a.Flags&FlagOnewayFwd, a.Flags&FlagOnewayBwd
	r.Flags &^= FlagOnewayFwd | FlagOnewayBwd
	if fwd != 0 {
		r.Flags |= FlagOnewayBwd
	}
	if bwd != 0 {
		r.Flags |= FlagOnewayFwd
	}
	r.InclinePct = -a.InclinePct
	return r
}

// Arc is one directed step of the graph in compressed sparse row form: from
// the vertex that owns it to Head along edge EdgeID(). Reverse() tells whether
// the arc walks the edge against its geometry (To to From).
type Arc struct {
	Head uint32
	edge uint32 // edge index << 1 | reverse bit
}

// EdgeID returns the index of the edge the arc walks.
func (a Arc) EdgeID() int { return int(a.edge >> 1) }

// Reverse reports whether the arc walks its edge from To to From.
func (a Arc) Reverse() bool { return a.edge&1 == 1 }

// Graph is the pedestrian network: vertices are junctions and dead ends, and
// every chain of degree-2 nodes with the same attributes is one edge that
// keeps its full geometry. Adjacency is stored as CSR arrays, so the graph
// costs a few slices however many edges it has. A Graph is immutable once
// built and safe for concurrent use.
type Graph struct {
	vertex []fixed // vertex coordinates

	from, to []uint32
	lengthM  []float32
	attr     []EdgeAttr
	// Edge e's points after its first (the From vertex) are
	// geom[geomOff[e]:geomOff[e+1]], each the step from the one before
	// in 1e-7 degrees (steps of up to 0.0033°, 250-360 m, the rule
	// between consecutive OSM nodes). An edge with a longer step, or
	// whose geometry does not start at its From vertex, keeps as many
	// unused steps and its points whole in absPts (see appendGeom).
	geomOff []uint32
	geom    []gstep
	absEdge []uint32 // the edges kept whole, ascending
	absOff  []uint32 // absEdge[i]'s points are absPts[absOff[i]:absOff[i+1]]
	absPts  []fixed
	wayOff  []uint32 // edge e's OSM ways are ways[wayOff[e]:wayOff[e+1]]
	ways    []int64

	outOff []uint32 // CSR: arcs leaving v are out[outOff[v]:outOff[v+1]]
	out    []Arc
	inOff  []uint32 // CSR: arcs entering v, as arcs from v walked backwards
	in     []Arc

	// off marks edges a network scenario took out (Graph.patch); nil
	// when all are walkable.
	off []bool

	deadEnd  []bool   // vertex has a single neighbour
	comp     []uint32 // component of each vertex
	compSize []uint32 // vertices per component
	largest  uint32   // the largest component
	// cut marks a graph cut from a city's (ShardCity): its components are
	// the city's, not its own.
	cut bool
}

// NumVertices returns the number of vertices.
func (g *Graph) NumVertices() int { return len(g.vertex) }

// NumEdges returns the number of edges.
func (g *Graph) NumEdges() int { return len(g.from) }

// Vertex returns the coordinates of vertex v.
func (g *Graph) Vertex(v int) orb.Point { return g.vertex[v].point() }

// EdgeEnds returns the From and To vertices of edge e.
func (g *Graph) EdgeEnds(e int) (from, to int) { return int(g.from[e]), int(g.to[e]) }

// EdgeLengthM returns the length of edge e in metres along its geometry.
func (g *Graph) EdgeLengthM(e int) float64 { return float64(g.lengthM[e]) }

// EdgeAttr returns the walking attributes of edge e.
func (g *Graph) EdgeAttr(e int) EdgeAttr { return g.attr[e] }

// EdgeGeometry returns the points of edge e from From to To, in a new
// slice.
func (g *Graph) EdgeGeometry(e int) orb.LineString {
	return g.AppendEdgeGeometry(make(orb.LineString, 0, g.EdgeNumPoints(e)), e)
}

// AppendEdgeGeometry appends the points of edge e, from From to To, to dst.
func (g *Graph) AppendEdgeGeometry(dst []orb.Point, e int) []orb.Point {
	g.eachEdgePoint(e, func(f fixed) { dst = append(dst, f.point()) })
	return dst
}

// EdgeNumPoints returns the number of points of edge e's geometry.
func (g *Graph) EdgeNumPoints(e int) int { return int(g.geomOff[e+1]-g.geomOff[e]) + 1 }

// EdgePoint returns point i of edge e's geometry.
func (g *Graph) EdgePoint(e, i int) orb.Point {
	if a, ok := g.absIndex(e); ok {
		return g.absPts[int(g.absOff[a])+i].point()
	}
	f := g.vertex[g.from[e]]
	for _, d := range g.geom[g.geomOff[e] : int(g.geomOff[e])+i] {
		f = d.from(f)
	}
	return f.point()
}

// pointBase numbers the points of all edges one after the other: point
// j of edge e is pointBase(e) + j (every edge has one point more than
// steps).
func (g *Graph) pointBase(e int) uint32 { return g.geomOff[e] + uint32(e) }

// gstep is the step from one point of an edge to the next, in 1e-7
// degrees.
type gstep struct{ dlon, dlat int16 }

func (d gstep) from(f fixed) fixed { return fixed{f.lon + int32(d.dlon), f.lat + int32(d.dlat)} }

// absIndex returns edge e's position in absEdge, if it is kept whole.
func (g *Graph) absIndex(e int) (int, bool) {
	if len(g.absEdge) == 0 {
		return 0, false
	}
	return slices.BinarySearch(g.absEdge, uint32(e))
}

// eachEdgePoint calls fn with every point of edge e, from From to To.
func (g *Graph) eachEdgePoint(e int, fn func(fixed)) {
	if a, ok := g.absIndex(e); ok {
		for _, f := range g.absPts[g.absOff[a]:g.absOff[a+1]] {
			fn(f)
		}
		return
	}
	f := g.vertex[g.from[e]]
	fn(f)
	for _, d := range g.geom[g.geomOff[e]:g.geomOff[e+1]] {
		f = d.from(f)
		fn(f)
	}
}

// edgeFixed returns the points of edge e in buf's storage.
func (g *Graph) edgeFixed(e int, buf []fixed) []fixed {
	buf = buf[:0]
	g.eachEdgePoint(e, func(f fixed) { buf = append(buf, f) })
	return buf
}

// appendGeom stores the geometry of the next edge, pts from its From
// vertex (at from) to its To vertex: as steps when they all fit, whole
// otherwise. The edge's From must already be set.
func (g *Graph) appendGeom(from fixed, pts []fixed) {
	if len(g.geomOff) == 0 {
		g.geomOff = append(g.geomOff, 0)
	}
	e := len(g.geomOff) - 1
	fits := len(pts) > 0 && pts[0] == from
	for i := 1; fits && i < len(pts); i++ {
		dl, da := int64(pts[i].lon)-int64(pts[i-1].lon), int64(pts[i].lat)-int64(pts[i-1].lat)
		fits = dl >= math.MinInt16 && dl <= math.MaxInt16 && da >= math.MinInt16 && da <= math.MaxInt16
	}
	for i := 1; i < len(pts); i++ {
		var d gstep
		if fits {
			d = gstep{int16(pts[i].lon - pts[i-1].lon), int16(pts[i].lat - pts[i-1].lat)}
		}
		g.geom = append(g.geom, d)
	}
	g.geomOff = append(g.geomOff, uint32(len(g.geom)))
	if !fits {
		if len(g.absOff) == 0 {
			g.absOff = append(g.absOff, 0)
		}
		g.absEdge = append(g.absEdge, uint32(e))
		g.absPts = append(g.absPts, pts...)
		g.absOff = append(g.absOff, uint32(len(g.absPts)))
	}
}

// appendGeomPoints is appendGeom for points in degrees.
func (g *Graph) appendGeomPoints(from fixed, pts []orb.Point) {
	f := make([]fixed, len(pts))
	for i, p := range pts {
		f[i] = toFixed(p)
	}
	g.appendGeom(from, f)
}

// fixed is a coordinate in 1e-7 degrees, the precision OSM stores: half
// the memory of an orb.Point and no loss for OSM data.
type fixed struct{ lon, lat int32 }

const fixedScale = 1e7

func toFixed(p orb.Point) fixed {
	return fixed{int32(math.Round(p[0] * fixedScale)), int32(math.Round(p[1] * fixedScale))}
}

func (f fixed) point() orb.Point {
	return orb.Point{float64(f.lon) / fixedScale, float64(f.lat) / fixedScale}
}

// EdgeWays returns the OSM way ids that edge e was built from. The slice
// aliases the graph's storage and must not be modified.
func (g *Graph) EdgeWays(e int) []int64 { return g.ways[g.wayOff[e]:g.wayOff[e+1]:g.wayOff[e+1]] }

// Out returns the arcs leaving vertex v that a walker may take.
func (g *Graph) Out(v int) []Arc { return g.out[g.outOff[v]:g.outOff[v+1]] }

// In returns the arcs that arrive at vertex v, each turned round: Head is
// the vertex the walker comes from and Reverse() tells the direction of the
// turned arc, so the walker's own direction along the edge is the opposite.
// Without one-way rules In(v) equals Out(v). Searches over In give walking
// times to v rather than from it.
func (g *Graph) In(v int) []Arc { return g.in[g.inOff[v]:g.inOff[v+1]] }

// Component returns the connected component of vertex v (ignoring one-way
// rules), numbered from 0.
func (g *Graph) Component(v int) int { return int(g.comp[v]) }

// NumComponents returns the number of connected components.
func (g *Graph) NumComponents() int { return len(g.compSize) }

// ComponentSize returns the number of vertices in component c.
func (g *Graph) ComponentSize(c int) int { return int(g.compSize[c]) }

// LargestComponent returns the component with the most vertices.
func (g *Graph) LargestComponent() int { return int(g.largest) }

// EdgeOpen reports whether edge e is walkable: false only for the edges a
// what-if scenario took out of the network (closed ways, edges cut where a
// new link joins them), which keep their index but have no arcs.
func (g *Graph) EdgeOpen(e int) bool { return g.off == nil || !g.off[e] }

// InLargest reports whether edge e belongs to the largest component.
func (g *Graph) InLargest(e int) bool { return g.comp[g.from[e]] == g.largest }

// TotalLengthM returns the summed length of all edges in metres.
func (g *Graph) TotalLengthM() float64 {
	var s float64
	for e, l := range g.lengthM {
		if g.EdgeOpen(e) {
			s += float64(l)
		}
	}
	return s
}

// SizeBytes returns the memory held by the graph's arrays.
func (g *Graph) SizeBytes() int {
	return cap(g.vertex)*8 + cap(g.from)*4 + cap(g.to)*4 + cap(g.lengthM)*4 + cap(g.attr)*4 +
		cap(g.geomOff)*4 + cap(g.geom)*4 + cap(g.absEdge)*4 + cap(g.absOff)*4 + cap(g.absPts)*8 +
		cap(g.wayOff)*4 + cap(g.ways)*8 +
		cap(g.outOff)*4 + cap(g.out)*8 + sharedSize(g.in, g.out, cap(g.inOff)*4+cap(g.in)*8) +
		cap(g.comp)*4 + cap(g.compSize)*4 + cap(g.deadEnd) + cap(g.off)
}

func sharedSize(a, b []Arc, size int) int {
	if len(a) > 0 && len(b) > 0 && &a[0] == &b[0] {
		return 0
	}
	return size
}

// GraphBuilder collects walkable ways and builds a Graph. Nodes are
// identified by their OSM ids: ways that share a node id are joined there.
// The zero value is ready to use.
type GraphBuilder struct {
	idx   map[int64]uint32
	pts   []orb.Point
	uses  []uint16 // how many way positions use each node (saturating)
	end   []bool   // node ends a piece
	piece []piece
	seq   []uint32 // node indexes of all pieces, back to back
}

type piece struct {
	way        int64
	moreWays   []int64 // further ways of a piece re-added from a merged edge
	start, end uint32  // seq[start:end]
	attr       EdgeAttr
}

// AddWay adds one walkable piece of way: consecutive nodes with their ids and
// coordinates, all present in the input. A way with gaps (nodes missing from
// a clipped extract) is added as several pieces, never joined across a gap.
// Pieces with fewer than two nodes are ignored.
func (b *GraphBuilder) AddWay(wayID int64, nodeIDs []int64, pts []orb.Point, attr EdgeAttr) {
	if len(nodeIDs) != len(pts) {
		panic("geo: AddWay needs one point per node id")
	}
	if len(nodeIDs) < 2 {
		return
	}
	if b.idx == nil {
		b.idx = make(map[int64]uint32)
	}
	start := uint32(len(b.seq))
	for i, id := range nodeIDs {
		n, ok := b.idx[id]
		if !ok {
			n = uint32(len(b.pts))
			b.idx[id] = n
			b.pts = append(b.pts, pts[i])
			b.uses = append(b.uses, 0)
			b.end = append(b.end, false)
		}
		if b.uses[n] < 0xffff {
			b.uses[n]++
		}
		b.seq = append(b.seq, n)
	}
	b.end[b.seq[start]] = true
	b.end[b.seq[len(b.seq)-1]] = true
	b.piece = append(b.piece, piece{way: wayID, start: start, end: uint32(len(b.seq)), attr: attr})
}

// addEdgeWays is AddWay for a piece that already stands for several ways
// (an edge of a graph being rebuilt): the edge keeps all of them.
func (b *GraphBuilder) addEdgeWays(ways []int64, nodeIDs []int64, pts []orb.Point, attr EdgeAttr) {
	n := len(b.piece)
	b.AddWay(ways[0], nodeIDs, pts, attr)
	if len(b.piece) > n && len(ways) > 1 {
		b.piece[n].moreWays = ways[1:]
	}
}

// NumWays returns the number of pieces added so far.
func (b *GraphBuilder) NumWays() int { return len(b.piece) }

// rawEdge is a run of nodes between two junction nodes within one piece.
type rawEdge struct {
	start, end uint32 // b.seq[start:end], at least two nodes
	p          uint32 // piece index
}

// Build merges the pieces into a Graph. It returns an error wrapping
// ErrEmptyNetwork when no piece was added.
func (b *GraphBuilder) Build() (*Graph, error) {
	if len(b.piece) == 0 {
		return nil, ErrEmptyNetwork
	}
	n := len(b.pts)
	junction := make([]bool, n)
	for i := range junction {
		junction[i] = b.end[i] || b.uses[i] >= 2
	}
	// Split pieces at junction nodes.
	raws := make([]rawEdge, 0, len(b.piece)*2)
	for pi, p := range b.piece {
		s := p.start
		for k := p.start + 1; k < p.end; k++ {
			if junction[b.seq[k]] {
				raws = append(raws, rawEdge{start: s, end: k + 1, p: uint32(pi)})
				s = k
			}
		}
	}
	// Incidence of junction nodes.
	deg := make([]uint32, n+1)
	for _, r := range raws {
		deg[b.seq[r.start]]++
		deg[b.seq[r.end-1]]++
	}
	incOff := make([]uint32, n+1)
	for i := 0; i < n; i++ {
		incOff[i+1] = incOff[i] + deg[i]
	}
	inc := make([]uint32, incOff[n]) // raw edge index per incidence
	fill := append([]uint32(nil), incOff[:n]...)
	for ri, r := range raws {
		a, z := b.seq[r.start], b.seq[r.end-1]
		inc[fill[a]] = uint32(ri)
		fill[a]++
		inc[fill[z]] = uint32(ri)
		fill[z]++
	}
	// A junction node is kept as a vertex unless it joins exactly two
	// distinct raw edges whose attributes match when walked through it.
	keep := make([]bool, n)
	for v := 0; v < n; v++ {
		if !junction[v] {
			continue
		}
		keep[v] = true
		if incOff[v+1]-incOff[v] != 2 {
			continue
		}
		r1, r2 := inc[incOff[v]], inc[incOff[v]+1]
		if r1 == r2 {
			continue
		}
		if b.attrInto(raws[r1], uint32(v)) == b.attrOutOf(raws[r2], uint32(v)) {
			keep[v] = false
		}
	}

	g := &Graph{}
	vid := make([]uint32, n)
	for i := range vid {
		vid[i] = ^uint32(0)
	}
	vertexOf := func(node uint32) uint32 {
		if vid[node] == ^uint32(0) {
			vid[node] = uint32(len(g.vertex))
			g.vertex = append(g.vertex, toFixed(b.pts[node]))
		}
		return vid[node]
	}
	used := make([]bool, len(raws))
	g.geomOff = append(g.geomOff, 0)
	g.wayOff = append(g.wayOff, 0)
	var pts []fixed
	walk := func(startNode uint32, first uint32) {
		// Follow raw edges from startNode through unkept nodes.
		fromV := vertexOf(startNode)
		cur := startNode
		r := first
		attr := b.attrOutOf(raws[r], cur)
		var lengthM float64
		pts = append(pts[:0], toFixed(b.pts[startNode]))
		lastWay := int64(0)
		nways := 0
		for {
			used[r] = true
			re := raws[r]
			p := b.piece[re.p]
			addWay := func(w int64) {
				if nways == 0 || w != lastWay {
					g.ways = append(g.ways, w)
					lastWay = w
					nways++
				}
			}
			addWay(p.way)
			for _, w := range p.moreWays {
				addWay(w)
			}
			nodes := b.seq[re.start:re.end]
			forward := nodes[0] == cur
			if !forward && nodes[len(nodes)-1] != cur {
				panic("geo: raw edge does not touch the current node")
			}
			if nodes[0] == cur && nodes[len(nodes)-1] == cur {
				forward = true // a closed loop: walk it as drawn
			}
			prev := b.pts[cur]
			for k := 1; k < len(nodes); k++ {
				var node uint32
				if forward {
					node = nodes[k]
				} else {
					node = nodes[len(nodes)-1-k]
				}
				pt := b.pts[node]
				lengthM += orbgeo.Distance(prev, pt)
				pts = append(pts, toFixed(pt))
				prev = pt
				cur = node
			}
			if keep[cur] {
				break
			}
			// Continue through the unkept node along its other raw edge.
			o1, o2 := inc[incOff[cur]], inc[incOff[cur]+1]
			next := o1
			if next == r {
				next = o2
			}
			if used[next] {
				break // closed chain back to a node we already left
			}
			r = next
		}
		g.from = append(g.from, fromV)
		g.to = append(g.to, vertexOf(cur))
		g.lengthM = append(g.lengthM, float32(lengthM))
		g.attr = append(g.attr, attr)
		g.appendGeom(g.vertex[fromV], pts)
		g.wayOff = append(g.wayOff, uint32(len(g.ways)))
	}
	for v := 0; v < n; v++ {
		if !keep[v] {
			continue
		}
		for k := incOff[v]; k < incOff[v+1]; k++ {
			if r := inc[k]; !used[r] {
				walk(uint32(v), r)
			}
		}
	}
	// What is left are closed chains of unkept nodes: keep one node each.
	for ri := range raws {
		if used[ri] {
			continue
		}
		s := b.seq[raws[ri].start]
		keep[s] = true
		walk(s, uint32(ri))
	}
	// The arrays grew by appending: keep only what they hold.
	g.from, g.to, g.lengthM, g.attr = exact(g.from), exact(g.to), exact(g.lengthM), exact(g.attr)
	g.geomOff, g.geom, g.wayOff, g.ways = exact(g.geomOff), exact(g.geom), exact(g.wayOff), exact(g.ways)
	g.absEdge, g.absOff, g.absPts = exact(g.absEdge), exact(g.absOff), exact(g.absPts)
	g.renumberVertices()
	g.buildAdjacency()
	g.buildComponents()
	return g, nil
}

// exact returns a copy of s with no spare capacity.
func exact[T any](s []T) []T {
	r := make([]T, len(s))
	copy(r, s)
	return r
}

// attrOutOf returns the attributes of raw edge r walked away from node.
func (b *GraphBuilder) attrOutOf(r rawEdge, node uint32) EdgeAttr {
	a := b.piece[r.p].attr
	if b.seq[r.start] == node {
		return a
	}
	return a.reversed()
}

// attrInto returns the attributes of raw edge r walked towards node.
func (b *GraphBuilder) attrInto(r rawEdge, node uint32) EdgeAttr {
	a := b.piece[r.p].attr
	if b.seq[r.end-1] == node {
		return a
	}
	return a.reversed()
}

// renumberVertices orders vertices along a Hilbert curve, so that vertices
// near each other on the map are near each other in memory: searches then
// touch far fewer cache lines.
func (g *Graph) renumberVertices() {
	nv := len(g.vertex)
	if nv == 0 {
		return
	}
	var minX, minY, maxX, maxY int32 = math.MaxInt32, math.MaxInt32, math.MinInt32, math.MinInt32
	for _, v := range g.vertex {
		minX, maxX = min(minX, v.lon), max(maxX, v.lon)
		minY, maxY = min(minY, v.lat), max(maxY, v.lat)
	}
	span := max(int64(maxX)-int64(minX), int64(maxY)-int64(minY)) + 1
	key := make([]uint64, nv)
	for i, v := range g.vertex {
		x := uint32((int64(v.lon) - int64(minX)) * 65535 / span)
		y := uint32((int64(v.lat) - int64(minY)) * 65535 / span)
		key[i] = hilbert16(x, y)<<32 | uint64(i)
	}
	sort.Slice(key, func(a, b int) bool { return key[a] < key[b] })
	newID := make([]uint32, nv)
	vertex := make([]fixed, nv)
	for n, k := range key {
		old := uint32(k)
		newID[old] = uint32(n)
		vertex[n] = g.vertex[old]
	}
	g.vertex = vertex
	for e := range g.from {
		g.from[e] = newID[g.from[e]]
		g.to[e] = newID[g.to[e]]
	}
}

// hilbert16 returns the position of (x, y), each in [0, 65535], along a
// Hilbert curve over the 65536 × 65536 grid (the classic xy2d).
func hilbert16(x, y uint32) uint64 {
	const n = 1 << 16
	var d uint64
	for s := uint32(n / 2); s > 0; s /= 2 {
		var rx, ry uint32
		if x&s != 0 {
			rx = 1
		}
		if y&s != 0 {
			ry = 1
		}
		d += uint64(s) * uint64(s) * uint64((3*rx)^ry)
		if ry == 0 {
			if rx == 1 {
				x, y = n-1-x, n-1-y
			}
			x, y = y, x
		}
	}
	return d
}

func (g *Graph) buildAdjacency() {
	nv := len(g.vertex)
	oneway := false
	for _, a := range g.attr {
		if a.Flags&(FlagOnewayFwd|FlagOnewayBwd) != 0 {
			oneway = true
			break
		}
	}
	g.outOff, g.out = g.csr(nv, false)
	if oneway {
		g.inOff, g.in = g.csr(nv, true)
	} else {
		g.inOff, g.in = g.outOff, g.out
	}
	// A dead end touches one neighbour only (its edges, however many, all
	// lead there or back to itself): a search that reaches it from that
	// neighbour can never improve anything through it.
	g.deadEnd = make([]bool, nv)
	for v := 0; v < nv; v++ {
		other := -1
		dead := true
		for _, arcs := range [2][]Arc{g.Out(v), g.In(v)} {
			for _, a := range arcs {
				h := int(a.Head)
				if h == v {
					continue
				}
				if other >= 0 && h != other {
					dead = false
				}
				other = h
			}
		}
		g.deadEnd[v] = dead
	}
}

// csr builds arcs per vertex. With incoming, the arcs of v are those that
// arrive at v, stored pointing at their tail.
func (g *Graph) csr(nv int, incoming bool) ([]uint32, []Arc) {
	off := make([]uint32, nv+1)
	type dirArc struct{ tail, head, edge uint32 }
	arcs := func(yield func(dirArc)) {
		for e := range g.from {
			if !g.EdgeOpen(e) {
				continue
			}
			f, t, fl := g.from[e], g.to[e], g.attr[e].Flags
			if fl&FlagOnewayBwd == 0 {
				yield(dirArc{f, t, uint32(e) << 1})
			}
			if fl&FlagOnewayFwd == 0 {
				yield(dirArc{t, f, uint32(e)<<1 | 1})
			}
		}
	}
	owner := func(a dirArc) (uint32, uint32) {
		if incoming {
			return a.head, a.tail
		}
		return a.tail, a.head
	}
	arcs(func(a dirArc) { o, _ := owner(a); off[o+1]++ })
	for i := 0; i < nv; i++ {
		off[i+1] += off[i]
	}
	out := make([]Arc, off[nv])
	fill := append([]uint32(nil), off[:nv]...)
	arcs(func(a dirArc) {
		o, h := owner(a)
		e := a.edge
		if incoming {
			e ^= 1 // turned round: from the head back to the tail
		}
		out[fill[o]] = Arc{Head: h, edge: e}
		fill[o]++
	})
	return off, out
}

func (g *Graph) buildComponents() {
	nv := len(g.vertex)
	parent := make([]uint32, nv)
	for i := range parent {
		parent[i] = uint32(i)
	}
	find := func(x uint32) uint32 {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	for e := range g.from {
		if !g.EdgeOpen(e) {
			continue
		}
		a, b := find(g.from[e]), find(g.to[e])
		if a != b {
			parent[a] = b
		}
	}
	g.comp = make([]uint32, nv)
	// Components are numbered in the order of their first vertex.
	label := make([]uint32, nv)
	for i := range label {
		label[i] = ^uint32(0)
	}
	for v := 0; v < nv; v++ {
		r := find(uint32(v))
		c := label[r]
		if c == ^uint32(0) {
			c = uint32(len(g.compSize))
			label[r] = c
			g.compSize = append(g.compSize, 0)
		}
		g.comp[v] = c
		g.compSize[c]++
	}
	for c, s := range g.compSize {
		if s > g.compSize[g.largest] {
			g.largest = uint32(c)
		}
	}
}

// ComponentsBySize returns the component ids ordered from largest to
// smallest.
func (g *Graph) ComponentsBySize() []int {
	ids := make([]int, len(g.compSize))
	for i := range ids {
		ids[i] = i
	}
	sort.SliceStable(ids, func(a, b int) bool { return g.compSize[ids[a]] > g.compSize[ids[b]] })
	return ids
}

// String summarises the graph for logs.
func (g *Graph) String() string {
	return fmt.Sprintf("graph: %d vertices, %d edges, %.1f km, %d components",
		g.NumVertices(), g.NumEdges(), g.TotalLengthM()/1000, g.NumComponents())
}
