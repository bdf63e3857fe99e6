package geo

import (
	"math"
	"slices"

	"github.com/paulmach/orb"
)

// changedCells are the cells whose access for one profile may differ after
// a network change (see changedRegion), with how far the change is.
type changedCells struct {
	region []int32
	// toChange is, per cell of the city, the walk from it to the nearest
	// end of an edge the change took out (in the network before) or added
	// (after), 0 for the cells attached elsewhere or on such an edge, and
	// Unreached beyond the cutoff.
	toChange []uint32
	// nearAccess marks the cells within the cutoff of a facility whose
	// access points changed; accessCat the categories of those facilities.
	nearAccess []bool
	accessCat  map[int]bool
}

// changedRegion returns the cells whose access for profile p may differ
// between a (before) and b (after a network change): those within the
// cutoff of a removed edge before, or of an added edge after, or of a
// facility access point that changed, and those snapped elsewhere. Any
// walk of another cell within the cutoff uses only edges both networks
// share, at the same cost. With them comes each cell's walk to the change,
// which tells for which categories it matters (recomputeCells).
func (b *Access) changedRegion(a *Access, so, sn *Searcher, p int, pt *graphPatch, moved []int32, changedAccess []int) changedCells {
	n := len(b.City.CellSnap)
	ch := changedCells{toChange: make([]uint32, n)}
	for i := range ch.toChange {
		ch.toChange[i] = Unreached
	}
	in := make([]bool, n)
	add := func(cell int32, t uint32) {
		if !in[cell] {
			in[cell] = true
			ch.region = append(ch.region, cell)
		}
		ch.toChange[cell] = min(ch.toChange[cell], t)
	}
	// The cells near what changed, in the network before (removed edges,
	// a's attachments) and after (added edges, b's attachments).
	mark := func(acc *Access, se *Searcher, edges []int) {
		if len(edges) == 0 {
			return
		}
		g := acc.City.Graph
		var src []Source
		for _, e := range edges {
			src = append(src, Source{Snap: Snap{Edge: e}}, Source{Snap: Snap{Edge: e, OffsetM: g.EdgeLengthM(e)}})
			for _, cell := range acc.edgeCell[int32(e)] {
				add(cell, 0)
			}
		}
		c := acc.Costs[p]
		se.sparse(c, src, acc.cutoffDs, true)
		for _, v := range se.touched {
			for _, cell := range acc.vertexCell.of(int(v)) {
				// A walk of the cell over a changed edge passes an end of
				// it; one along the cell's own edge is counted above.
				t, _ := pointTime(g, c, true, acc.CellSnap(p, int(cell)), acc.cellLegDs(p, int(cell)), se.timeOf, nil)
				add(cell, t)
			}
		}
	}
	mark(a, so, pt.removed)
	mark(b, sn, pt.added)
	for _, cell := range moved {
		add(cell, 0)
	}
	// The cells near a facility whose access points changed, before and
	// after: they matter for its categories.
	if len(changedAccess) > 0 {
		ch.nearAccess = make([]bool, n)
		ch.accessCat = map[int]bool{}
		changed := map[int]bool{}
		for _, fi := range changedAccess {
			changed[fi] = true
		}
		for c, fs := range b.ByCategory {
			if slices.ContainsFunc(fs, func(fi int) bool { return changed[fi] }) {
				ch.accessCat[c] = true
			}
		}
		for _, st := range []struct {
			acc *Access
			se  *Searcher
		}{{a, so}, {b, sn}} {
			var src []Source
			for _, fi := range changedAccess {
				for _, s := range st.acc.FacilityAccessFor(p, fi) {
					if s.Edge >= 0 {
						src = append(src, Source{Snap: s})
					}
				}
			}
			if len(src) == 0 {
				continue
			}
			st.se.sparse(st.acc.Costs[p], src, st.acc.cutoffDs, true)
			near := func(cell int32) {
				ch.nearAccess[cell] = true
				add(cell, Unreached)
			}
			for _, v := range st.se.touched {
				for _, cell := range st.acc.vertexCell.of(int(v)) {
					near(cell)
				}
			}
			for _, s := range src {
				for _, cell := range st.acc.edgeCell[int32(s.Snap.Edge)] {
					near(cell)
				}
			}
		}
	}
	return ch
}

// recomputeCells computes again, for profile p and every category, the
// access of the cells of ch whose access for that category may differ from
// a's, from the facilities within their reach: a forward search from the
// cells bounds where a facility within the cutoff can be.
//
// A cell's nearest facility changes only if its walk there (a's time, or
// the cutoff when it reached none) or a walk to one it may reach instead
// passes the change, and its count only if a walk within the threshold
// (the cutoff for K > 1, which averages the K nearest) does: the cells
// farther from the change keep a's values for the category.
func (b *Access) recomputeCells(a *Access, s *Searcher, p int, ch changedCells) {
	g := b.City.Graph
	pos := make([]int32, len(b.City.CellSnap))
	for i := range pos {
		pos[i] = -1
	}
	fwd := make([]uint32, g.NumVertices())
	for i := range fwd {
		fwd[i] = Unreached
	}
	onEdge := make([]bool, g.NumEdges())
	var region []int32
	var seeds []Source
	var reached []uint32
	cats := b.City.Taxonomy.Categories
	k := b.Options.K
	var buf []Source
	for c := range cats {
		if len(b.ByCategory[c]) == 0 {
			continue
		}
		thr := min(MinToDs(cats[c].ThresholdMin), b.cutoffDs)
		cutoff := thr
		if k > 1 {
			cutoff = b.cutoffDs
		}
		// The cells of ch the change may reach for this category.
		region = region[:0]
		before := a.TimeDs[p][c]
		for _, cell := range ch.region {
			bound := b.cutoffDs
			if t := before[cell]; k == 1 && t != Unreached {
				bound = max(t, thr)
			}
			if ch.toChange[cell] <= bound || (ch.accessCat[c] && ch.nearAccess[cell]) {
				region = append(region, cell)
			}
		}
		if len(region) == 0 {
			continue
		}
		seeds = seeds[:0]
		for j, cell := range region {
			pos[cell] = int32(j)
			if cs := b.CellSnap(p, int(cell)); cs.Edge >= 0 {
				seeds = append(seeds, Source{Snap: cs, StartDs: b.cellLegDs(p, int(cell))})
				onEdge[cs.Edge] = true
			}
		}
		s.sparse(b.Costs[p], seeds, b.cutoffDs, false)
		// The walk from the nearest region cell to each vertex reached: a
		// facility is within t of a region cell only if an end of one of
		// its access edges is (or it lies on a region cell's edge).
		reached = append(reached[:0], s.touched...)
		for _, v := range reached {
			fwd[v] = s.dist[v]
		}
		within := func(fi int, t uint32) bool {
			for _, ap := range b.FacilityAccessFor(p, fi) {
				if ap.Edge < 0 {
					continue
				}
				f, to := g.EdgeEnds(ap.Edge)
				if fwd[f] <= t || fwd[to] <= t || onEdge[ap.Edge] {
					return true
				}
			}
			return false
		}
		// Candidates for the nearest facility (within the cutoff) and for
		// the counts (within the threshold, or the cutoff for K > 1).
		var cands, countCands []int
		for _, fi := range b.ByCategory[c] {
			if within(fi, b.cutoffDs) {
				cands = append(cands, fi)
				if cutoff == b.cutoffDs || within(fi, cutoff) {
					countCands = append(countCands, fi)
				}
			}
		}
		for _, v := range reached {
			fwd[v] = Unreached
		}
		for _, sd := range seeds {
			onEdge[sd.Snap.Edge] = false
		}
		b.recomputeCategory(s, p, c, region, pos, cands, countCands, thr, cutoff, &buf)
		for _, cell := range region {
			pos[cell] = -1
		}
	}
}

// recomputeCategory computes again the access of the cells of region
// (pos[cell] is the cell's position in it) for category c, from the
// facilities cands (nearest) and countCands (counts).
func (b *Access) recomputeCategory(s *Searcher, p, c int, region, pos []int32, cands, countCands []int, thr, cutoff uint32, buf *[]Source) {
	k := b.Options.K
	// The region's new values, by position in region; the tables are
	// copied (they are the baseline's until then) only if one differs.
	times, near := make([]uint32, len(region)), make([]int32, len(region))
	count, mean := make([]uint16, len(region)), make([]float32, len(region))
	for j := range region {
		times[j], near[j] = Unreached, -1
	}
	if len(cands) > 0 {
		src := b.sources(p, cands, (*buf)[:0])
		*buf = src
		b.nearestInto(s, p, src, b.cutoffDs, func(cell int32, t uint32, id int32) {
			if j := pos[cell]; j >= 0 {
				times[j], near[j] = t, id
			}
		})
	}
	var topK map[int32][]uint32
	if k > 1 {
		topK = map[int32][]uint32{}
	}
	b.eachFacilityCell(s, p, countCands, cutoff, buf, func(_ int, cell int32, t uint32) {
		j := pos[cell]
		if j < 0 {
			return
		}
		if t <= thr && count[j] < math.MaxUint16 {
			count[j]++
		}
		if k > 1 {
			topK[cell] = insertTopK(topK[cell], t, k)
		}
	})
	for j, cell := range region {
		var top []uint32
		if k > 1 {
			top = topK[cell]
		}
		mean[j] = meanKMin(k, times[j], top)
	}
	tt, tn, tc, tm := b.TimeDs[p][c], b.Nearest[p][c], b.Count[p][c], b.MeanKMin[p][c]
	changed := false
	for j, cell := range region {
		om, nm := tm[cell], mean[j]
		if tt[cell] != times[j] || tn[cell] != near[j] || tc[cell] != count[j] ||
			(om != nm && !(math.IsNaN(float64(om)) && math.IsNaN(float64(nm)))) {
			changed = true
			break
		}
	}
	if !changed {
		return
	}
	tt, tn, tc, tm = slices.Clone(tt), slices.Clone(tn), slices.Clone(tc), slices.Clone(tm)
	for j, cell := range region {
		tt[cell], tn[cell], tc[cell], tm[cell] = times[j], near[j], count[j], mean[j]
	}
	b.TimeDs[p][c], b.Nearest[p][c], b.Count[p][c], b.MeanKMin[p][c] = tt, tn, tc, tm
}

// walkerSnapsAfter sets b's own attachments of every walker after a
// network change, as cellWalkerSnaps and facilityWalkerSnaps find them on
// the patched network, snapping again only where resnap says an
// attachment may differ from a's: elsewhere a's stand.
func (b *Access) walkerSnapsAfter(a *Access, resnap func(s Snap, p orb.Point) bool) {
	city := b.City
	b.walker = make([]walkerSnaps, len(b.Profiles))
	for p := range b.Profiles {
		var before walkerSnaps
		if p < len(a.walker) {
			before = a.walker[p]
		}
		usable := b.Costs[p].Usable
		for i, s := range city.CellSnap {
			if s.Edge < 0 || usable(s.Edge) || city.Index == nil {
				continue
			}
			pt := city.Population.Cells[i].Point
			ns, ok := before.cell[int32(i)]
			if !ok || resnap(ns, pt) {
				var err error
				if ns, err = city.Index.SnapStreetFor(pt, city.snapLimitM(), false, usable); err != nil {
					ns = Snap{Edge: -1}
				}
			}
			if b.walker[p].cell == nil {
				b.walker[p].cell = map[int32]Snap{}
			}
			b.walker[p].cell[int32(i)] = ns
		}
		for fi := range city.Facilities {
			aps := b.FacilityAccess[fi]
			if len(aps) == 0 || city.Index == nil || slices.ContainsFunc(aps, func(s Snap) bool { return s.Edge >= 0 && usable(s.Edge) }) {
				continue
			}
			f := &city.Facilities[fi]
			snaps, ok := before.fac[fi]
			was := Snap{Edge: -1} // too far before
			if len(snaps) > 0 {
				was = snaps[0]
			}
			if !ok || resnap(was, f.Point) {
				snaps = nil
				if ns, err := city.Index.SnapStreetFor(f.Point, city.snapLimitM(), f.BelowStreet, usable); err == nil {
					snaps = []Snap{ns}
				}
			}
			if b.walker[p].fac == nil {
				b.walker[p].fac = map[int][]Snap{}
			}
			b.walker[p].fac[fi] = snaps
		}
	}
}
