package geo

import (
	"context"
	"maps"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/paulmach/orb"

	"fifteen/geo/hex"
)

// SitingBySearchForTest is Siting with the cover sets found the way they
// were before they were found from the demand side: one bounded search
// from each candidate (coverSetsBySearch), the reference.
func (a *Access) SitingBySearchForTest(opt SitingOptions) (*SitingResult, error) {
	return a.siting(context.Background(), opt, a.coverSetsBySearch)
}

// coverSetsBySearch snaps every candidate and computes its cover set among
// the cells of positive weight, in parallel, one bounded search per
// candidate walking to it. A candidate too far from the network has an
// empty set.
func (a *Access) coverSetsBySearch(ctx context.Context, p int, thrDs uint32, cands []orb.Point, weight []float64, withTimes bool, maxWorkers int) ([]coverSet, []Snap, int) {
	ix := a.City.Index
	if ix == nil {
		ix = NewSegmentIndex(a.City.Graph)
	}
	snapM := a.City.SnapMaxM
	if snapM == 0 {
		snapM = DefaultSnapM
	}
	covers := make([]coverSet, len(cands))
	snaps := make([]Snap, len(cands))
	var tooFar atomic.Int64
	var next atomic.Int64
	const chunk = 32
	workers := runtime.GOMAXPROCS(0)
	if maxWorkers > 0 {
		workers = min(workers, maxWorkers)
	}
	workers = max(1, min(workers, (len(cands)+chunk-1)/chunk))
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := NewSearcher(a.City.Graph)
			var src [1]Source
			var packed []uint64
			for {
				lo := int(next.Add(chunk)) - chunk
				if lo >= len(cands) || ctx.Err() != nil {
					return
				}
				for i := lo; i < min(lo+chunk, len(cands)); i++ {
					sn, err := ix.SnapStreetFor(cands[i], snapM, false, a.Costs[p].Usable)
					if err != nil {
						snaps[i] = Snap{Edge: -1}
						tooFar.Add(1)
						continue
					}
					snaps[i] = sn
					src[0] = Source{Snap: sn, StartDs: a.Costs[p].Leg(sn.DistM), ID: int32(i)}
					packed = packed[:0]
					a.sourceCells(s, p, src[:], thrDs, weight, func(cell int32, t uint32) {
						packed = append(packed, uint64(cell)<<32|uint64(t))
					})
					covers[i] = unpackCover(packed, withTimes)
				}
			}
		}()
	}
	wg.Wait()
	return covers, snaps, int(tooFar.Load())
}

// unpackCover sorts (cell << 32 | time) pairs by cell and splits them.
func unpackCover(packed []uint64, withTimes bool) coverSet {
	if len(packed) == 0 {
		return coverSet{}
	}
	slices.Sort(packed)
	cs := coverSet{cells: make([]int32, len(packed))}
	if withTimes {
		cs.times = make([]uint32, len(packed))
	}
	for k, x := range packed {
		cs.cells[k] = int32(x >> 32)
		if withTimes {
			cs.times[k] = uint32(x)
		}
	}
	return cs
}

// sourceCells runs one search from src, a single place, bounded by
// cutoffDs, and calls fn with every population cell of positive weight it
// reaches and the cell's time to it, as eachFacilityCell does for a
// facility.
func (a *Access) sourceCells(s *Searcher, p int, src []Source, cutoffDs uint32, weight []float64, fn func(cell int32, t uint32)) {
	g := a.City.Graph
	c := a.Costs[p]
	stamp := s.cellStamp(len(a.City.CellSnap))
	s.stampGen++
	gen := s.stampGen
	visit := func(cell int32) {
		if stamp[cell] == gen || !(weight[cell] > 0) {
			return
		}
		stamp[cell] = gen
		t, _ := pointTime(g, c, true, a.CellSnap(p, int(cell)), a.cellLegDs(p, int(cell)), s.timeOf, src)
		if t <= cutoffDs {
			fn(cell, t)
		}
	}
	s.sparse(c, src, cutoffDs, true)
	for _, v := range s.touched {
		for _, cell := range a.vertexCell.of(int(v)) {
			visit(cell)
		}
	}
	for _, so := range src {
		for _, cell := range a.edgeCell[int32(so.Snap.Edge)] {
			visit(cell)
		}
	}
}

// verticesInCellsByFromPoint is verticesInCells placing every vertex with
// hex.FromPoint, the reference.
func verticesInCellsByFromPoint(g *Graph, cells []hex.Cell) []bool {
	member := map[hex.Cell]bool{}
	for _, c := range cells {
		member[c] = true
	}
	in := make([]bool, g.NumVertices())
	for v := range in {
		if len(cells) == 0 {
			break
		}
		if c, err := hex.FromPoint(g.Vertex(v), cells[0].Res()); err == nil && member[c] {
			in[v] = true
		}
	}
	return in
}

// VerticesInCellsForTest checks verticesInCells against placing every
// vertex with hex.FromPoint, for the cells of resolution res under any
// vertex, every keep-th of them (by cell order). It returns the vertices
// placed differently and how many are in the cells.
func VerticesInCellsForTest(g *Graph, res, keep int) (diff []int, n int) {
	seen := map[hex.Cell]bool{}
	for v := range g.NumVertices() {
		if c, err := hex.FromPoint(g.Vertex(v), res); err == nil {
			seen[c] = true
		}
	}
	var sel []hex.Cell
	for i, c := range slices.Sorted(maps.Keys(seen)) {
		if i%keep == 0 {
			sel = append(sel, c)
		}
	}
	got, want := verticesInCells(g, sel, 2), verticesInCellsByFromPoint(g, sel)
	for v := range got {
		if got[v] != want[v] {
			diff = append(diff, v)
		}
		if want[v] {
			n++
		}
	}
	return diff, n
}

// SnapCandidatesForTest attaches candidates as Siting does, for profile p.
func (a *Access) SnapCandidatesForTest(p int, cands []orb.Point) []Snap {
	s, _ := a.snapCandidates(context.Background(), p, cands, 0)
	return s
}
