package geo

import (
	"math"
	"slices"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"

	"fifteen/geo/hex"
)

// NetworkCells returns the sorted, unique cells of resolution res crossed by
// the edges of g. Each edge's geometry is sampled every third of the cell
// edge length, so a cell the network merely clips may be missed only where
// the way crosses it for less than that. Points outside WGS84 are skipped.
func NetworkCells(g *Graph, res int) []hex.Cell {
	if g == nil || hex.EdgeLengthM(res) <= 0 {
		return nil
	}
	return networkCellsWith(newCellLocator(res), g)
}

// networkCellsWith is NetworkCells with the given locator, which keeps the
// shapes of every cell met.
func networkCellsWith(loc *cellLocator, g *Graph) []hex.Cell {
	stepM := hex.EdgeLengthM(loc.res) / 3
	var cells []hex.Cell
	add := func(p orb.Point) {
		c, ok := loc.cell(p)
		if !ok {
			return
		}
		if n := len(cells); n == 0 || cells[n-1] != c {
			cells = append(cells, c)
		}
	}
	var pts []orb.Point
	for e := range g.NumEdges() {
		pts = g.AppendEdgeGeometry(pts[:0], e)
		for i, a := range pts {
			add(a)
			if i+1 == len(pts) {
				break
			}
			b := pts[i+1]
			n := int(math.Ceil(orbgeo.Distance(a, b) / stepM))
			for k := 1; k < n; k++ {
				t := float64(k) / float64(n)
				add(orb.Point{a[0] + t*(b[0]-a[0]), a[1] + t*(b[1]-a[1])})
			}
		}
	}
	slices.Sort(cells)
	return slices.Compact(cells)
}

// cellLocator finds the cell of a point at one resolution. It remembers the
// outlines of the cells it found, so that a point clearly inside one of the
// last few (consecutive samples along a way mostly are) needs no call into
// H3; a point near an outline, or in no remembered cell, is asked of H3.
type cellLocator struct {
	res    int
	shapes map[hex.Cell]*cellShape
	recent [4]*cellShape // most recent first
	// canonical cell vertices, for outlines
	verts    []orb.Point
	vids     map[uint64]int32
	kx0, ky0 int64
	// grid buckets shapes by their bounds, bucketDeg wide
	grid      map[uint64][]*cellShape
	bucketDeg float64
	// base is a shared, read-only locator consulted first (see CellShapes)
	base *cellLocator
}

// CellShapes is a read-only index of the H3 cell shapes along a walk
// network, shared by every searcher: isochrones then rarely ask H3 for a
// cell. Build it once per graph and resolution.
type CellShapes struct{ loc *cellLocator }

// NewCellShapes computes the shapes of the cells at res along g's edges.
func NewCellShapes(g *Graph, res int) *CellShapes {
	loc := newCellLocator(res)
	networkCellsWith(loc, g)
	return &CellShapes{loc: loc}
}

// Len returns the number of cell shapes held.
func (cs *CellShapes) Len() int { return len(cs.loc.shapes) }

// HasCellShapes reports whether the searcher uses shared cell shapes.
func (s *Searcher) HasCellShapes() bool { return s.shared != nil }

// UseCellShapes gives the searcher a shared shape index for isochrones at
// its resolution.
func (s *Searcher) UseCellShapes(cs *CellShapes) {
	s.shared = cs
	s.cells = nil
}

func (l *cellLocator) bucketOf(p orb.Point) uint64 {
	return uint64(uint32(int32(math.Floor(p[0]/l.bucketDeg))))<<32 | uint64(uint32(int32(math.Floor(p[1]/l.bucketDeg))))
}

// addToGrid files a shape under every bucket its bound touches.
func (l *cellLocator) addToGrid(s *cellShape) {
	x0, x1 := math.Floor(s.bound.Min[0]/l.bucketDeg), math.Floor(s.bound.Max[0]/l.bucketDeg)
	y0, y1 := math.Floor(s.bound.Min[1]/l.bucketDeg), math.Floor(s.bound.Max[1]/l.bucketDeg)
	for x := x0; x <= x1; x++ {
		for y := y0; y <= y1; y++ {
			k := uint64(uint32(int32(x)))<<32 | uint64(uint32(int32(y)))
			l.grid[k] = append(l.grid[k], s)
		}
	}
}

// cellShape is a cell's outline prepared for a point-inside test with a
// safety margin.
type cellShape struct {
	ring   orb.Ring // closed, counter-clockwise
	vids   []int32  // canonical vertex ids of ring, for outlines (see outline)
	cell   hex.Cell
	bound  orb.Bound
	edges  []cellEdge // counter-clockwise
	usable bool
}

// cellEdge is one edge of a cell outline, from a to a+(dx, dy) in (lon,
// lat) degrees. A point p is well inside the edge when the cross product
// (dx, dy) × (p - a) exceeds minCross: the edge length times a margin that
// covers the gap between H3's edges, which are great-circle arcs, and the
// straight lines drawn between their ends in (lon, lat), plus rounding.
type cellEdge struct {
	a        orb.Point
	dx, dy   float64
	minCross float64
}

func newCellLocator(res int) *cellLocator {
	return &cellLocator{res: res, shapes: make(map[hex.Cell]*cellShape), vids: make(map[uint64]int32),
		grid: make(map[uint64][]*cellShape), bucketDeg: 2 * hex.EdgeLengthM(res) / 111_000}
}

// cell returns the cell of p, or false when p is outside WGS84.
func (l *cellLocator) cell(p orb.Point) (hex.Cell, bool) {
	for i, s := range l.recent {
		if s == nil {
			break
		}
		if s.holds(p) {
			l.promote(s, i)
			return s.cell, true
		}
	}
	// Shapes met before, found through a grid of buckets about a cell wide:
	// the shared base's first, then this locator's own.
	bk := l.bucketOf(p)
	if l.base != nil {
		for _, s := range l.base.grid[bk] {
			if s.holds(p) {
				l.promote(s, len(l.recent)-1)
				return s.cell, true
			}
		}
	}
	for _, s := range l.grid[bk] {
		if s.holds(p) {
			l.promote(s, len(l.recent)-1)
			return s.cell, true
		}
	}
	c, err := hex.FromPoint(p, l.res)
	if err != nil {
		return 0, false
	}
	s := l.shape(c)
	if s == nil {
		s = newCellShape(c)
		if s.usable {
			for _, p := range s.ring {
				s.vids = append(s.vids, l.vertexID(p))
			}
			l.addToGrid(s)
		}
		l.shapes[c] = s
	}
	i := slices.Index(l.recent[:], s)
	if i < 0 {
		i = len(l.recent) - 1
	}
	l.promote(s, i)
	return c, true
}

// shape returns the shape of c met before, from the base or this locator.
func (l *cellLocator) shape(c hex.Cell) *cellShape {
	if l.base != nil {
		if s := l.base.shapes[c]; s != nil {
			return s
		}
	}
	return l.shapes[c]
}

// promote moves s, found at position i of the recent list (or to replace
// the one there), to the front.
func (l *cellLocator) promote(s *cellShape, i int) {
	copy(l.recent[1:i+1], l.recent[:i])
	l.recent[0] = s
}

// newCellShape prepares the outline of c. Cells whose outline is not a
// small counter-clockwise polygon in (lon, lat), such as those crossing the
// antimeridian or near a pole, are marked unusable and always go to H3.
func newCellShape(c hex.Cell) *cellShape {
	s := &cellShape{cell: c}
	pts := c.Boundary()
	s.ring = pts
	if len(pts) < 4 {
		return s
	}
	s.bound = pts.Bound()
	latDeg := math.Max(math.Abs(s.bound.Min[1]), math.Abs(s.bound.Max[1]))
	if s.bound.Max[0]-s.bound.Min[0] > 1 || s.bound.Max[1]-s.bound.Min[1] > 1 || latDeg > 80 {
		return s
	}
	var area2, maxEdgeDeg float64
	for i := range len(pts) - 1 {
		a, b := pts[i], pts[i+1]
		area2 += a[0]*b[1] - b[0]*a[1]
		maxEdgeDeg = max(maxEdgeDeg, math.Hypot(b[0]-a[0], b[1]-a[1]))
	}
	if area2 <= 0 {
		return s
	}
	// A great-circle arc of angle θ (at most its length in degrees of
	// (lon, lat)) strays from the straight line between its ends by about
	// θ²/8·tan φ. Take four times that, plus 1e-7° (about a centimetre)
	// for rounding.
	thetaRad := maxEdgeDeg * math.Pi / 180
	marginDeg := 1e-7 + thetaRad*thetaRad/2*(1+math.Tan(latDeg*math.Pi/180))*180/math.Pi
	s.edges = make([]cellEdge, len(pts)-1)
	for i := range s.edges {
		a, b := pts[i], pts[i+1]
		dx, dy := b[0]-a[0], b[1]-a[1]
		s.edges[i] = cellEdge{a: a, dx: dx, dy: dy, minCross: marginDeg * math.Hypot(dx, dy)}
	}
	s.usable = true
	return s
}

// holds reports whether p lies inside the cell, farther than the margin
// from its outline. False means "ask H3", not "outside"; a point with a NaN
// coordinate is never held.
func (s *cellShape) holds(p orb.Point) bool {
	b := s.bound
	if !s.usable || !(p[0] >= b.Min[0] && p[0] <= b.Max[0] && p[1] >= b.Min[1] && p[1] <= b.Max[1]) {
		return false
	}
	for _, e := range s.edges {
		if e.dx*(p[1]-e.a[1])-e.dy*(p[0]-e.a[0]) <= e.minCross {
			return false
		}
	}
	return true
}
