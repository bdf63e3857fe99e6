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
// to the nearest place on the network.
type SegmentIndex struct {
	g    *Graph
	tr   rtree.RTreeG[uint32] // value: index of the segment's first point in g.geom
	cumM []float32            // cumulative length from the edge's From to each point
}

// NewSegmentIndex indexes every segment of g.
func NewSegmentIndex(g *Graph) *SegmentIndex {
	ix := &SegmentIndex{g: g, cumM: make([]float32, len(g.geom))}
	for e := 0; e < g.NumEdges(); e++ {
		lo, hi := g.geomOff[e], g.geomOff[e+1]
		var cum float64
		for k := lo; k < hi; k++ {
			if k > lo {
				cum += orbgeo.Distance(g.geom[k-1], g.geom[k])
			}
			ix.cumM[k] = float32(cum)
			if k+1 < hi {
				a, b := g.geom[k], g.geom[k+1]
				ix.tr.Insert(
					[2]float64{math.Min(a[0], b[0]), math.Min(a[1], b[1])},
					[2]float64{math.Max(a[0], b[0]), math.Max(a[1], b[1])},
					k)
			}
		}
	}
	return ix
}

// Graph returns the indexed graph.
func (ix *SegmentIndex) Graph() *Graph { return ix.g }

// SizeBytes estimates the memory held by the index.
func (ix *SegmentIndex) SizeBytes() int {
	// tidwall/rtree stores about 40 bytes per item plus node overhead.
	return ix.tr.Len()*48 + cap(ix.cumM)*4
}

// edgeOfPoint returns the edge owning geometry point k.
func (ix *SegmentIndex) edgeOfPoint(k uint32) int {
	off := ix.g.geomOff
	return sort.Search(len(off)-1, func(e int) bool { return off[e+1] > k })
}

// Nearest attaches p to the nearest point of an edge accepted by filter (nil
// accepts all) within maxDistM metres. It returns an error wrapping ErrTooFar
// when there is none, or ErrBadCoordinate for an invalid point.
func (ix *SegmentIndex) Nearest(p orb.Point, maxDistM float64, filter SnapFilter) (Snap, error) {
	if err := ValidPoint(p); err != nil {
		return Snap{}, err
	}
	b := orbgeo.NewBoundAroundPoint(p, maxDistM)
	best := Snap{Edge: -1, DistM: math.Inf(1)}
	var bestK uint32
	var bestT float64
	proj := newLocalProj(p)
	ix.tr.Search(b.Min, b.Max, func(_, _ [2]float64, k uint32) bool {
		a, c := ix.g.geom[k], ix.g.geom[k+1]
		t, d := proj.segmentDist(a, c)
		if d >= best.DistM {
			return true
		}
		e := ix.edgeOfPoint(k)
		if filter != nil && !filter(e, ix.g.attr[e]) {
			return true
		}
		best.DistM, best.Edge, bestK, bestT = d, e, k, t
		return true
	})
	if best.Edge < 0 || best.DistM > maxDistM {
		return Snap{}, fmt.Errorf("%w: (%.6f, %.6f) is more than %.0f m away", ErrTooFar, p[0], p[1], maxDistM)
	}
	a, c := ix.g.geom[bestK], ix.g.geom[bestK+1]
	best.Point = orb.Point{a[0] + bestT*(c[0]-a[0]), a[1] + bestT*(c[1]-a[1])}
	segM := float64(ix.cumM[bestK+1] - ix.cumM[bestK])
	best.OffsetM = float64(ix.cumM[bestK]) + bestT*segM
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
