package geo

import (
	"fmt"
	"math"
	"sort"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
	"github.com/tidwall/rtree"
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
// build while a search still visits only segments near the point.
type SegmentIndex struct {
	g  *Graph
	tr rtree.RTreeG[uint32] // value: index in g.geom of the run's first point
	// A patched graph's index (see Graph.patch) shares the base's tree:
	// skip marks the edges taken out, more indexes the edges added.
	skip []bool
	more *SegmentIndex
}

// segRun is the number of segments per R-tree entry.
const segRun = 8

// NewSegmentIndex indexes every segment of g.
func NewSegmentIndex(g *Graph) *SegmentIndex {
	ix := &SegmentIndex{g: g}
	for e := 0; e < g.NumEdges(); e++ {
		lo, hi := g.geomOff[e], g.geomOff[e+1]
		for k := lo; k+1 < hi; k += segRun {
			end := min(k+segRun, hi-1) // last point of the run
			b := orb.Bound{Min: g.geom[k].point(), Max: g.geom[k].point()}
			for _, f := range g.geom[k+1 : end+1] {
				b = b.Extend(f.point())
			}
			ix.tr.Insert(b.Min, b.Max, k)
		}
	}
	return ix
}

// Graph returns the indexed graph.
func (ix *SegmentIndex) Graph() *Graph { return ix.g }

// SizeBytes estimates the memory held by the index.
func (ix *SegmentIndex) SizeBytes() int {
	// tidwall/rtree stores about 40 bytes per item plus node overhead.
	return ix.tr.Len() * 48
}

// edgeOfPoint returns the edge owning geometry point k.
func (ix *SegmentIndex) edgeOfPoint(k uint32) int {
	off := ix.g.geomOff
	return sort.Search(len(off)-1, func(e int) bool { return off[e+1] > k })
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
	var bestK uint32
	var bestT float64
	for r := math.Min(32, maxDistM); ; r = math.Min(4*r, maxDistM) {
		b := orbgeo.NewBoundAroundPoint(p, r)
		ix.tr.Search(b.Min, b.Max, func(_, _ [2]float64, k0 uint32) bool {
			e := -1
			end := min(k0+segRun, ix.g.geomOff[ix.edgeOfPoint(k0)+1]-1)
			for k := k0; k < end; k++ {
				t, d := proj.segmentDist(ix.g.geom[k].point(), ix.g.geom[k+1].point())
				if d >= best.DistM {
					continue
				}
				if e < 0 {
					e = ix.edgeOfPoint(k0)
					if filter != nil && !filter(e, ix.g.attr[e]) {
						return true
					}
				}
				best.DistM, best.Edge, bestK, bestT = d, e, k, t
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
	a, c := ix.g.geom[bestK].point(), ix.g.geom[bestK+1].point()
	best.Point = orb.Point{a[0] + bestT*(c[0]-a[0]), a[1] + bestT*(c[1]-a[1])}
	// Offset along the edge: the segments before the snapped one, then the
	// part of it up to the snapped point.
	var offM float64
	for k := ix.g.geomOff[best.Edge]; k < bestK; k++ {
		offM += orbgeo.Distance(ix.g.geom[k].point(), ix.g.geom[k+1].point())
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
