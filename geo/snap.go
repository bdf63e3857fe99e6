package geo

import (
	"fmt"
	"math"
	"sort"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
)

// DefaultSnapM is the default maximum distance in metres from a point to the
// walk network for the point to be attached to it.
const DefaultSnapM = 250.0

// earthRadiusM is the radius orb/geo uses for its haversine distances.
const earthRadiusM = orb.EarthRadius

// Snap is a point attached to the walk network: the nearest point on an edge,
// projected onto the segment (not the nearest vertex).
type Snap struct {
	// Edge is the edge snapped to.
	Edge int
	// OffsetM is the distance along the edge from its From vertex to the
	// snapped point, in metres.
	OffsetM float64
	// DistM is the straight distance from the query point to the network.
	DistM float64
	// Point is the snapped point on the edge.
	Point orb.Point
}

// SnapFilter decides which edges a point may be attached to.
type SnapFilter func(e int, a EdgeAttr) bool

// SurfaceOnly is the filter for points at street level: it skips tunnels,
// underground ways and indoor corridors, which a person on the street cannot
// step onto.
func SurfaceOnly(_ int, a EdgeAttr) bool { return a.Flags&(FlagTunnel|FlagIndoor) == 0 }

// SegmentIndex is an R-tree of the graph's edge segments for snapping points
// to the nearest place on the network. Consecutive segments of an edge are
// indexed in runs of up to segRun, which keeps the tree small and quick to
// build while a search still visits only segments near the point. The tree
// (runTree) holds each run's box and the index of its first point in the
// graph's geometry, never a copy of the geometry.
type SegmentIndex struct {
	g  *Graph
	tr runTree // value: the run's first point, numbered as Graph.pointBase
	// A patched graph's index (see Graph.patch) shares the base's tree:
	// skip marks the edges taken out, more indexes the edges added.
	skip []bool
	more *SegmentIndex
}

// segRun is the number of segments per R-tree entry.
const segRun = 8

// NewSegmentIndex indexes every segment of g.
func NewSegmentIndex(g *Graph) *SegmentIndex {
	return newSegmentIndexOf(g, nil)
}

// newSegmentIndexOf indexes the segments of edges (all of g's when nil).
func newSegmentIndexOf(g *Graph, edges []int) *SegmentIndex {
	var boxes []fixedBox
	var vals []uint32
	var buf []fixed
	add := func(e int) {
		buf = g.edgeFixed(e, buf)
		for j := 0; j+1 < len(buf); j += segRun {
			end := min(j+segRun, len(buf)-1) // last point of the run
			f := buf[j]
			b := fixedBox{f.lon, f.lat, f.lon, f.lat}
			for _, f := range buf[j+1 : end+1] {
				b.extend(fixedBox{f.lon, f.lat, f.lon, f.lat})
			}
			boxes = append(boxes, b)
			vals = append(vals, g.pointBase(e)+uint32(j))
		}
	}
	if edges == nil {
		for e := 0; e < g.NumEdges(); e++ {
			add(e)
		}
	}
	for _, e := range edges {
		add(e)
	}
	return &SegmentIndex{g: g, tr: newRunTree(boxes, vals)}
}

// Graph returns the indexed graph.
func (ix *SegmentIndex) Graph() *Graph { return ix.g }

// SizeBytes returns the memory held by the index's own arrays (a patched
// graph's index shares its base's tree).
func (ix *SegmentIndex) SizeBytes() int {
	n := ix.tr.sizeBytes()
	if ix.more != nil {
		n += ix.more.SizeBytes()
	}
	return n
}

// edgeOfPoint returns the edge owning geometry point k (numbered as
// Graph.pointBase) and the point's position along it.
func (ix *SegmentIndex) edgeOfPoint(k uint32) (int, int) {
	g := ix.g
	e := sort.Search(len(g.geomOff)-1, func(e int) bool { return g.pointBase(e+1) > k })
	return e, int(k - g.pointBase(e))
}

// Nearest attaches p to the nearest point of an edge accepted by filter (nil
// accepts all) within maxDistM metres. It returns an error wrapping ErrTooFar
// when there is none, or ErrBadCoordinate for an invalid point.
//
// The search starts in a small box and widens it: a segment with a point
// within r metres of p has its bound inside the box of half-size r, so the
// best match found within r in that box is the best of all.
func (ix *SegmentIndex) Nearest(p orb.Point, maxDistM float64, filter SnapFilter) (Snap, error) {
	if err := ValidPoint(p); err != nil {
		return Snap{}, err
	}
	if !(maxDistM > 0) {
		return Snap{}, fmt.Errorf("%w: snapping limit %v m", ErrTooFar, maxDistM)
	}
	if ix.skip != nil {
		filter = skipFilter(ix.skip, filter)
	}
	s, err := ix.nearest(p, maxDistM, filter)
	if ix.more != nil {
		if m, merr := ix.more.nearest(p, maxDistM, filter); merr == nil && (err != nil || m.DistM < s.DistM) {
			return m, nil
		}
	}
	return s, err
}

func skipFilter(skip []bool, filter SnapFilter) SnapFilter {
	return func(e int, a EdgeAttr) bool {
		return !skip[e] && (filter == nil || filter(e, a))
	}
}

// nearest is Nearest over this index's own tree.
func (ix *SegmentIndex) nearest(p orb.Point, maxDistM float64, filter SnapFilter) (Snap, error) {
	proj := newLocalProj(p)
	best := Snap{Edge: -1, DistM: math.Inf(1)}
	var bestJ int
	var bestT float64
	var buf [64]fixed
	pts, ptsEdge := buf[:0], -1
	for r := math.Min(32, maxDistM); ; r = math.Min(4*r, maxDistM) {
		b := orbgeo.NewBoundAroundPoint(p, r)
		ix.tr.search(boxOfBound(b), func(k0 uint32) bool {
			e, j0 := ix.edgeOfPoint(k0)
			if filter != nil && !filter(e, ix.g.attr[e]) {
				return true
			}
			if e != ptsEdge {
				pts, ptsEdge = ix.g.edgeFixed(e, pts), e
			}
			end := min(j0+segRun, len(pts)-1)
			for j := j0; j < end; j++ {
				t, d := proj.segmentDist(pts[j].point(), pts[j+1].point())
				if d >= best.DistM {
					continue
				}
				best.DistM, best.Edge, bestJ, bestT = d, e, j, t
			}
			return true
		})
		if best.DistM <= r || r >= maxDistM {
			break
		}
	}
	if best.Edge < 0 || best.DistM > maxDistM {
		return Snap{}, fmt.Errorf("%w: (%.6f, %.6f) is more than %.0f m away", ErrTooFar, p[0], p[1], maxDistM)
	}
	if ptsEdge != best.Edge {
		pts = ix.g.edgeFixed(best.Edge, pts)
	}
	a, c := pts[bestJ].point(), pts[bestJ+1].point()
	best.Point = orb.Point{a[0] + bestT*(c[0]-a[0]), a[1] + bestT*(c[1]-a[1])}
	// Offset along the edge: the segments before the snapped one, then the
	// part of it up to the snapped point.
	var offM float64
	for j := 0; j < bestJ; j++ {
		offM += orbgeo.Distance(pts[j].point(), pts[j+1].point())
	}
	best.OffsetM = offM + bestT*orbgeo.Distance(a, c)
	if l := ix.g.EdgeLengthM(best.Edge); best.OffsetM > l {
		best.OffsetM = l // float32 edge lengths may round below the sum
	}
	return best, nil
}

// localProj is an equirectangular projection centred on a point, in metres;
// accurate to well under a metre over the few hundred metres of a snap.
type localProj struct {
	lon0, lat0, kx, ky float64
}

func newLocalProj(p orb.Point) localProj {
	ky := earthRadiusM * math.Pi / 180
	return localProj{lon0: p[0], lat0: p[1], kx: ky * math.Cos(p[1]*math.Pi/180), ky: ky}
}

func (l localProj) xy(p orb.Point) (float64, float64) {
	return (p[0] - l.lon0) * l.kx, (p[1] - l.lat0) * l.ky
}

// segmentDist returns the parameter t in [0,1] of the point of segment ab
// nearest to the projection's centre, and the distance to it in metres.
func (l localProj) segmentDist(a, b orb.Point) (t, distM float64) {
	ax, ay := l.xy(a)
	bx, by := l.xy(b)
	dx, dy := bx-ax, by-ay
	den := dx*dx + dy*dy
	if den > 0 {
		t = -(ax*dx + ay*dy) / den
		t = math.Max(0, math.Min(1, t))
	}
	px, py := ax+t*dx, ay+t*dy
	return t, math.Hypot(px, py)
}
