package geo

import (
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"

	"fifteen/geo/hex"
)

// IsochroneRes is the default H3 resolution of isochrone polygons: cells of
// about 25 m a side, so the area drawn hugs the streets actually reached
// and keeps the blocks between them as holes.
const IsochroneRes = 11

// MaxIsochroneMin bounds isochrone minutes.
const MaxIsochroneMin = 120.0

// IsochroneOptions tune an isochrone.
type IsochroneOptions struct {
	// Minutes are the contours, ascending (default 5, 10, 15).
	Minutes []float64
	// Reverse gives the area from which the point is reached rather than
	// the area reached from it; the same for walking unless one-way rules
	// apply.
	Reverse bool
	// Res is the H3 resolution of the polygons, 9 to 13 (default 11).
	Res int
	// Edges asks for the reached edges as lines with their times.
	Edges bool
}

// Contour is the area within one walking time.
type Contour struct {
	Minutes float64          `json:"minutes"`
	Area    orb.MultiPolygon `json:"-"`
	AreaKm2 float64          `json:"area_km2"`
	// Vertices is the number of network vertices reached.
	Vertices int `json:"vertices"`
}

// ReachedEdge is the part of an edge reached within the largest contour,
// from its first point (FromMin) to its last (ToMin).
type ReachedEdge struct {
	Edge    int            `json:"edge"`
	Line    orb.LineString `json:"-"`
	FromMin float64        `json:"from_min"`
	ToMin   float64        `json:"to_min"`
}

// IsochroneResult is the walking area around one origin.
type IsochroneResult struct {
	Origin   orb.Point     `json:"-"`
	Snap     Snap          `json:"-"`
	Contours []Contour     `json:"contours"`
	Edges    []ReachedEdge `json:"-"`
}

func (o *IsochroneOptions) fill() error {
	if len(o.Minutes) == 0 {
		o.Minutes = []float64{5, 10, 15}
	}
	if err := CheckContours(o.Minutes); err != nil {
		return err
	}
	o.Minutes = slices.Clone(o.Minutes)
	sort.Float64s(o.Minutes)
	if o.Res == 0 {
		o.Res = IsochroneRes
	}
	if o.Res < 9 || o.Res > 13 {
		return fmt.Errorf("%w: isochrone resolution %d outside 9..13", ErrBadOption, o.Res)
	}
	return nil
}

// Isochrone computes the walking contours around origin for the walker of
// costs, with searcher s over city's graph. A point farther from the network
// than the city's snapping limit gets an error wrapping ErrTooFar.
func Isochrone(city *City, costs *Costs, s *Searcher, origin orb.Point, opt IsochroneOptions) (*IsochroneResult, error) {
	if err := opt.fill(); err != nil {
		return nil, err
	}
	snap, err := city.Index.SnapStreetFor(origin, city.snapLimitM(), false, costs.Usable)
	if err != nil {
		return nil, err
	}
	g := city.Graph
	maxDs := MinToDs(opt.Minutes[len(opt.Minutes)-1])
	src := []Source{{Snap: snap, StartDs: costs.Leg(snap.DistM)}}
	toSource := opt.Reverse
	s.sparse(costs, src, maxDs, toSource)

	res := &IsochroneResult{Origin: origin, Snap: snap}
	bandCells := make([][]hex.Cell, len(opt.Minutes))
	bands := make([]uint32, len(opt.Minutes))
	for i, m := range opt.Minutes {
		bands[i] = MinToDs(m)
	}
	// Every edge with a reached end, once; and the origin's own edge.
	edges := make([]int, 0, 2*len(s.touched)+1)
	seen := map[int]bool{}
	addEdge := func(e int) {
		if !seen[e] {
			seen[e] = true
			edges = append(edges, e)
		}
	}
	addEdge(snap.Edge)
	for _, v := range s.touched {
		for _, a := range g.Out(int(v)) {
			addEdge(a.EdgeID())
		}
		for _, a := range g.In(int(v)) {
			addEdge(a.EdgeID())
		}
	}
	res.Contours = make([]Contour, len(opt.Minutes))
	for _, v := range s.touched {
		for bi := range bands {
			if s.dist[v] <= bands[bi] {
				res.Contours[bi].Vertices++
			}
		}
	}
	stepM := hex.EdgeLengthM(opt.Res) * 0.75
	// The searcher keeps the cell shapes it has met: H3 is asked about a
	// cell once per searcher, and repeated isochrones in a city reuse them.
	if s.cells == nil || s.cells.res != opt.Res {
		s.cells = newCellLocator(opt.Res)
		if s.shared != nil && s.shared.loc.res == opt.Res {
			s.cells.base = s.shared.loc
		}
	}
	loc := s.cells
	last := hex.Cell(0)
	lastBand := -1
	var pts []orb.Point
	for _, e := range edges {
		pts = g.AppendEdgeGeometry(pts[:0], e)
		var reached orb.LineString
		var firstT, lastT uint32
		visit := func(p orb.Point, offM float64) {
			t, _ := pointTime(g, costs, toSource, Snap{Edge: e, OffsetM: offM}, 0, s.timeOf, src)
			if t > maxDs {
				if len(reached) >= 2 && opt.Edges {
					res.Edges = append(res.Edges, ReachedEdge{Edge: e, Line: reached, FromMin: DsToMin(firstT), ToMin: DsToMin(lastT)})
				}
				reached = nil
				return
			}
			if opt.Edges {
				if len(reached) == 0 {
					firstT = t
				}
				reached = append(reached, p)
				lastT = t
			}
			b := sort.Search(len(bands), func(i int) bool { return bands[i] >= t })
			c, ok := loc.cell(p)
			if !ok || (c == last && b >= lastBand) {
				return
			}
			last, lastBand = c, b
			for bi := b; bi < len(bands); bi++ {
				bandCells[bi] = append(bandCells[bi], c)
			}
		}
		var offM float64
		for i, p := range pts {
			if i > 0 {
				a := pts[i-1]
				d := orbgeo.Distance(a, p)
				n := int(math.Ceil(d / stepM))
				for k := 1; k < n; k++ {
					f := float64(k) / float64(n)
					visit(orb.Point{a[0] + f*(p[0]-a[0]), a[1] + f*(p[1]-a[1])}, offM+f*d)
				}
				offM += d
			}
			visit(p, math.Min(offM, g.EdgeLengthM(e)))
		}
		if len(reached) >= 2 && opt.Edges {
			res.Edges = append(res.Edges, ReachedEdge{Edge: e, Line: reached, FromMin: DsToMin(firstT), ToMin: DsToMin(lastT)})
		}
	}
	// The origin itself belongs to every contour its leg fits in.
	if oc, ok := loc.cell(origin); ok {
		for bi := range bands {
			if src[0].StartDs <= bands[bi] {
				bandCells[bi] = append(bandCells[bi], oc)
			}
		}
	}
	for bi, m := range opt.Minutes {
		cells := bandCells[bi]
		slices.Sort(cells)
		cells = slices.Compact(cells)
		mp, err := loc.outline(cells)
		if err != nil {
			return nil, err
		}
		res.Contours[bi].Minutes = m
		res.Contours[bi].Area = mp
		res.Contours[bi].AreaKm2 = float64(len(cells)) * hex.CellAreaAvgM2(opt.Res) / 1e6
	}
	return res, nil
}
