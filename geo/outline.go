package geo

import (
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"fifteen/geo/hex"
)

// outline returns the union of cells as polygons with holes, from the
// boundaries the locator has already computed: every cell edge shared by
// two cells of the set cancels, and what remains chains into rings;
// counter-clockwise rings are outer, clockwise ones holes. Cells the
// locator has not seen, or whose shapes are not plain (near the poles or
// the antimeridian), go to H3 instead.
func (l *cellLocator) outline(cells []hex.Cell) (orb.MultiPolygon, error) {
	if len(cells) == 0 {
		return nil, nil
	}
	// Directed boundary edges: an edge shared with a neighbour in the set
	// appears once each way and cancels.
	edges := make(map[uint64]struct{}, 2*len(cells))
	var order []uint64
	for _, c := range cells {
		s := l.shape(c)
		if s == nil || !s.usable || len(s.vids) < 4 {
			return hex.CellsOutline(cells)
		}
		for i := 0; i+1 < len(s.vids); i++ {
			a, b := uint64(s.vids[i]), uint64(s.vids[i+1])
			if _, ok := edges[b<<32|a]; ok {
				delete(edges, b<<32|a)
				continue
			}
			edges[a<<32|b] = struct{}{}
			order = append(order, a<<32|b)
		}
	}
	next := make(map[int32]int32, len(edges))
	for _, e := range order {
		if _, ok := edges[e]; ok {
			next[int32(e>>32)] = int32(uint32(e))
		}
	}
	var outers, holes []orb.Ring
	for _, e := range order {
		start := int32(e >> 32)
		if _, ok := next[start]; !ok {
			continue // cancelled or already chained
		}
		var ring orb.Ring
		v := start
		for {
			ring = append(ring, l.vert(v))
			n, ok := next[v]
			if !ok {
				return hex.CellsOutline(cells) // not a clean chain: let H3 do it
			}
			delete(next, v)
			v = n
			if v == start {
				break
			}
		}
		ring = append(ring, l.vert(start))
		if planar.Area(ring) > 0 {
			outers = append(outers, ring)
		} else {
			holes = append(holes, ring)
		}
	}
	mp := make(orb.MultiPolygon, len(outers))
	for i, o := range outers {
		mp[i] = orb.Polygon{o}
	}
	bounds := make([]orb.Bound, len(mp))
	for i := range mp {
		bounds[i] = mp[i][0].Bound()
	}
	for _, h := range holes {
		for i := range mp {
			if bounds[i].Contains(h[0]) && planar.RingContains(mp[i][0], h[0]) {
				mp[i] = append(mp[i], h)
				break
			}
		}
	}
	return mp, nil
}

// vertexID returns the canonical id of a cell vertex: a vertex shared by
// neighbouring cells may differ in its last bits, so points within 1e-9°
// are one vertex. Vertices are binned at 1e-8°; the neighbouring bins are
// probed only for a point that close to a bin's edge. Ids of the shared
// base come first; this locator's own follow them.
func (l *cellLocator) vertexID(p orb.Point) int32 {
	if l.base != nil {
		if id, ok := l.base.findVertex(p); ok {
			return id
		}
	}
	if id, ok := l.findVertex(p); ok {
		return id + l.baseVerts()
	}
	kx, ky := vertexBin(p)
	if len(l.verts) == 0 {
		l.kx0, l.ky0 = kx, ky
	}
	id := int32(len(l.verts))
	l.verts = append(l.verts, p)
	l.vids[l.binKey(kx, ky)] = id
	return id + l.baseVerts()
}

func (l *cellLocator) baseVerts() int32 {
	if l.base == nil {
		return 0
	}
	return int32(len(l.base.verts))
}

// vert returns the vertex with canonical id.
func (l *cellLocator) vert(id int32) orb.Point {
	if n := l.baseVerts(); id < n {
		return l.base.verts[id]
	} else {
		return l.verts[id-n]
	}
}

const vertexBins = 1e8 // bins of 1e-8 degrees

func vertexBin(p orb.Point) (int64, int64) {
	return int64(math.Floor(p[0] * vertexBins)), int64(math.Floor(p[1] * vertexBins))
}

func (l *cellLocator) binKey(x, y int64) uint64 {
	return uint64(uint32(x-l.kx0))<<32 | uint64(uint32(y-l.ky0))
}

// findVertex looks p up among this locator's own vertices (reading only).
func (l *cellLocator) findVertex(p orb.Point) (int32, bool) {
	if len(l.verts) == 0 {
		return 0, false
	}
	kx, ky := vertexBin(p)
	match := func(k uint64) (int32, bool) {
		if id, ok := l.vids[k]; ok {
			v := l.verts[id]
			if math.Abs(v[0]-p[0]) < 1e-9 && math.Abs(v[1]-p[1]) < 1e-9 {
				return id, true
			}
		}
		return 0, false
	}
	if id, ok := match(l.binKey(kx, ky)); ok {
		return id, true
	}
	rx, ry := p[0]*vertexBins-float64(kx), p[1]*vertexBins-float64(ky) // position inside the bin, 0..1
	for _, dx := range [3]int64{-1, 0, 1} {
		if (dx == -1 && rx > 0.1) || (dx == 1 && rx < 0.9) {
			continue
		}
		for _, dy := range [3]int64{-1, 0, 1} {
			if (dy == -1 && ry > 0.1) || (dy == 1 && ry < 0.9) || (dx == 0 && dy == 0) {
				continue
			}
			if id, ok := match(l.binKey(kx+dx, ky+dy)); ok {
				return id, true
			}
		}
	}
	return 0, false
}
