package geo

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
)

// NewFacility is a facility a scenario opens.
type NewFacility struct {
	ID       string    `json:"id,omitempty"`
	Name     string    `json:"name,omitempty"`
	Category string    `json:"category"`
	Point    orb.Point `json:"-"`
	Capacity float64   `json:"capacity,omitempty"`
}

// Scenario is a what-if change to the city: facilities opened or closed,
// walk links added (a new crossing, a greenway segment) or ways closed.
type Scenario struct {
	Name string
	Add  []NewFacility
	// Close lists facility ids (as in Facility.ID) to close.
	Close []string
	// AddLinks are new walkable lines; each end joins the network at the
	// nearest point within the snapping limit.
	AddLinks []orb.LineString
	// CloseWays lists OSM way ids whose edges are closed to walkers.
	CloseWays []int64
}

// WhatIf applies a scenario to a's city and returns the access of the
// changed city. Opening or closing facilities is incremental: an opened
// facility is searched from once per profile and only the cells it reaches
// change; a closed one is searched from once to take back its counts, and
// the nearest times of its category are searched again. Adding links or
// closing ways changes the network itself and recomputes everything. The
// result equals ComputeAccess on the changed city.
func (a *Access) WhatIf(sc Scenario) (*Access, error) {
	return a.WhatIfContext(context.Background(), sc)
}

// WhatIfContext is WhatIf that gives up, with ctx's error, once ctx ends
// (a network change recomputes every category).
func (a *Access) WhatIfContext(ctx context.Context, sc Scenario) (*Access, error) {
	if n := len(sc.Add) + len(sc.Close) + len(sc.AddLinks) + len(sc.CloseWays); n > MaxScenarioChanges {
		return nil, fmt.Errorf("%w: %d changes, at most %d", ErrBadScenario, n, MaxScenarioChanges)
	}
	if len(sc.AddLinks) > 0 || len(sc.CloseWays) > 0 {
		return a.whatIfNetwork(ctx, sc)
	}
	city := *a.City // shallow: the changed slices are copied below
	city.Facilities = slices.Clip(city.Facilities)
	city.FacilitySnap = slices.Clip(city.FacilitySnap)
	city.FacilityAccess = slices.Clip(a.FacilityAccess)
	catIdx := map[string]int{}
	for i, c := range city.Taxonomy.Categories {
		catIdx[c.ID] = i
	}
	// One OSM element may be a facility of several categories (a school
	// that is primary and middle): closing its id closes every one.
	// Only the ids the scenario names are looked up: a scan each, not a
	// map of every facility (28,000 on a large city) per what-if.
	byID := map[string][]int{}
	want := map[string]bool{}
	for _, id := range sc.Close {
		want[id] = true
	}
	for k, nf := range sc.Add {
		if nf.ID == "" {
			want["scenario:"+strconv.Itoa(k+1)] = true
		} else {
			want[nf.ID] = true
		}
	}
	if len(want) > 0 {
		for i := range city.Facilities {
			if id := city.Facilities[i].ID; want[id] {
				byID[id] = append(byID[id], i)
			}
		}
	}
	closed := map[int]bool{}
	for _, id := range sc.Close {
		idx, ok := byID[id]
		if !ok {
			return nil, fmt.Errorf("%w: no facility %q to close", ErrBadScenario, id)
		}
		open := 0
		for _, i := range idx {
			if !a.City.Closed[i] {
				closed[i] = true
				open++
			}
		}
		if open == 0 {
			return nil, fmt.Errorf("%w: facility %q is already closed", ErrBadScenario, id)
		}
	}
	var added []int
	for k, nf := range sc.Add {
		ci, ok := catIdx[nf.Category]
		if !ok {
			return nil, fmt.Errorf("%w: new facility %d: %w %q", ErrBadScenario, k, ErrUnknownCategory, nf.Category)
		}
		if err := ValidPoint(nf.Point); err != nil {
			return nil, fmt.Errorf("%w: new facility %d: %w", ErrBadScenario, k, err)
		}
		if !(nf.Capacity >= 0 && nf.Capacity <= MaxCapacity) {
			return nil, fmt.Errorf("%w: new facility %d: capacity %v is not in [0, %g]", ErrBadScenario, k, nf.Capacity, float64(MaxCapacity))
		}
		id := nf.ID
		if id == "" {
			id = "scenario:" + strconv.Itoa(k+1)
		}
		if _, dup := byID[id]; dup {
			return nil, fmt.Errorf("%w: new facility id %q exists", ErrBadScenario, id)
		}
		f := Facility{ID: id, Category: nf.Category, Name: nf.Name, Point: nf.Point, Capacity: nf.Capacity, Source: "scenario"}
		if nf.Capacity > 0 {
			f.CapacitySource = "user"
		} else if d := city.Taxonomy.Categories[ci].DefaultCapacity; d > 0 {
			f.Capacity, f.CapacitySource = d, "default"
		}
		snap, err := city.Index.SnapStreet(nf.Point, city.SnapMaxM, false)
		if err != nil {
			return nil, fmt.Errorf("%w: new facility %d: %w", ErrBadScenario, k, err)
		}
		byID[id] = []int{len(city.Facilities)}
		added = append(added, len(city.Facilities))
		city.Facilities = append(city.Facilities, f)
		city.FacilitySnap = append(city.FacilitySnap, snap)
		city.FacilityAccess = append(city.FacilityAccess, []Snap{snap})
	}
	city.Closed = map[int]bool{}
	for i := range a.City.Closed {
		city.Closed[i] = true
	}
	for i := range closed {
		city.Closed[i] = true
	}
	b := a.cloneFor(&city)
	changed := map[int]bool{}
	for i := range closed {
		changed[catIdx[city.Facilities[i].Category]] = true
	}
	for _, i := range added {
		changed[catIdx[city.Facilities[i].Category]] = true
	}
	for c := range changed {
		b.ByCategory[c] = nil
		for _, fi := range a.ByCategory[c] {
			if !closed[fi] {
				b.ByCategory[c] = append(b.ByCategory[c], fi)
			}
		}
		for _, fi := range added {
			if catIdx[city.Facilities[fi].Category] == c {
				b.ByCategory[c] = append(b.ByCategory[c], fi)
			}
		}
	}
	b.derived = a.derived.without(changed)
	b.scenarioOf(a)
	s := NewSearcher(city.Graph)
	ncell := len(city.Population.Cells)
	for c := range changed {
		var closedHere, addedHere []int
		for i := range closed {
			if catIdx[city.Facilities[i].Category] == c {
				closedHere = append(closedHere, i)
			}
		}
		for _, i := range added {
			if catIdx[city.Facilities[i].Category] == c {
				addedHere = append(addedHere, i)
			}
		}
		b.changedInScenario(c, closedHere, addedHere)
		thr := min(MinToDs(city.Taxonomy.Categories[c].ThresholdMin), b.cutoffDs)
		for p := range b.Profiles {
			times := slices.Clone(a.TimeDs[p][c])
			near := slices.Clone(a.Nearest[p][c])
			count := slices.Clone(a.Count[p][c])
			b.TimeDs[p][c], b.Nearest[p][c], b.Count[p][c] = times, near, count
			if b.Options.K > 1 {
				// The K nearest of a cell depend on every facility: count
				// them again.
				if len(b.ByCategory[c]) == 0 {
					b.TimeDs[p][c], b.Nearest[p][c], b.Count[p][c], b.MeanKMin[p][c] = unreachedCells(ncell)
					continue
				}
				b.TimeDs[p][c], b.Nearest[p][c] = b.nearest(s, p, c)
				b.Count[p][c], b.MeanKMin[p][c] = b.opportunities(s, p, c, ncell)
				continue
			}
			var buf []Source
			if len(closedHere) > 0 {
				b.eachFacilityCell(s, p, closedHere, thr, &buf, func(_ int, cell int32, t uint32) {
					if t <= thr {
						count[cell]--
					}
				})
				if len(b.ByCategory[c]) == 0 {
					b.TimeDs[p][c], b.Nearest[p][c], _, b.MeanKMin[p][c] = unreachedCells(ncell)
					continue
				}
				b.nearestAfterClose(s, p, c, closed, times, near)
			}
			if len(addedHere) > 0 {
				b.eachFacilityCell(s, p, addedHere, b.cutoffDs, &buf, func(fi int, cell int32, t uint32) {
					if t < times[cell] || (t == times[cell] && int32(fi) < near[cell]) {
						times[cell], near[cell] = t, int32(fi)
					}
					if t <= thr && count[cell] < math.MaxUint16 {
						count[cell]++
					}
				})
			}
			mean := make([]float32, ncell)
			for i, t := range times {
				mean[i] = float32(math.NaN())
				if t != Unreached {
					mean[i] = float32(DsToMin(t))
				}
			}
			b.MeanKMin[p][c] = mean
		}
	}
	return b, nil
}

// nearestAfterClose updates times and near (category c, profile p, copies
// of the baseline's) once the facilities in closed are gone. Only the
// cells whose nearest facility closed change. Any facility now within the
// cutoff of such a cell is reached by a forward search from those cells
// bounded by the cutoff; one search back from those candidates alone gives
// the cells their new times, as the search from every facility would.
func (b *Access) nearestAfterClose(s *Searcher, p, c int, closed map[int]bool, times []uint32, near []int32) {
	g := b.City.Graph
	var affected []int32
	var seeds []Source
	affEdge := map[int]bool{}
	for i, n := range near {
		if n >= 0 && closed[int(n)] {
			affected = append(affected, int32(i))
			if cs := b.CellSnap(p, i); cs.Edge >= 0 {
				seeds = append(seeds, Source{Snap: cs, StartDs: b.cellLegDs(p, i)})
				affEdge[cs.Edge] = true
			}
		}
	}
	if len(affected) == 0 {
		return
	}
	for _, i := range affected {
		times[i], near[i] = Unreached, -1
	}
	// Forward: where can the affected cells walk within the cutoff?
	s.sparse(b.Costs[p], seeds, b.cutoffDs, false)
	var src []Source
	for _, fi := range b.ByCategory[c] {
		cand := false
		for _, ap := range b.FacilityAccessFor(p, fi) {
			if ap.Edge < 0 {
				continue
			}
			f, t := g.EdgeEnds(ap.Edge)
			if s.dist[f] != Unreached || s.dist[t] != Unreached || affEdge[ap.Edge] {
				cand = true
				break
			}
		}
		if cand {
			src = b.sources(p, []int{fi}, src)
		}
	}
	if len(src) == 0 {
		return
	}
	want := make([]bool, len(times))
	for _, i := range affected {
		want[i] = true
	}
	b.nearestInto(s, p, src, b.cutoffDs, func(cell int32, t uint32, id int32) {
		if want[cell] {
			times[cell], near[cell] = t, id
		}
	})
}

// cloneFor copies a's result tables (the outer slices only: inner slices
// are replaced, never written, by WhatIf) for a changed city.
func (a *Access) cloneFor(city *City) *Access {
	b := *a
	b.City = city
	b.FacilityAccess = city.FacilityAccess
	// The cells keep their walkers' attachments; added facilities get
	// theirs.
	b.walker = make([]walkerSnaps, len(a.walker))
	for p, w := range a.walker {
		b.walker[p].cell = w.cell
		b.walker[p].fac = maps.Clone(w.fac)
		for fi, s := range b.facilityWalkerSnaps(p, newFacilities(a, city)) {
			if b.walker[p].fac == nil {
				b.walker[p].fac = map[int][]Snap{}
			}
			b.walker[p].fac[fi] = s
		}
	}
	b.ByCategory = slices.Clone(a.ByCategory)
	cl3u := func(x [][][]uint32) [][][]uint32 {
		y := make([][][]uint32, len(x))
		for i := range x {
			y[i] = slices.Clone(x[i])
		}
		return y
	}
	cl3i := func(x [][][]int32) [][][]int32 {
		y := make([][][]int32, len(x))
		for i := range x {
			y[i] = slices.Clone(x[i])
		}
		return y
	}
	cl3c := func(x [][][]uint16) [][][]uint16 {
		y := make([][][]uint16, len(x))
		for i := range x {
			y[i] = slices.Clone(x[i])
		}
		return y
	}
	cl3f := func(x [][][]float32) [][][]float32 {
		y := make([][][]float32, len(x))
		for i := range x {
			y[i] = slices.Clone(x[i])
		}
		return y
	}
	b.TimeDs, b.Nearest, b.Count, b.MeanKMin = cl3u(a.TimeDs), cl3i(a.Nearest), cl3c(a.Count), cl3f(a.MeanKMin)
	return &b
}

// newFacilities returns the indexes of the facilities city has beyond a's.
func newFacilities(a *Access, city *City) []int {
	out := []int{}
	for fi := len(a.City.Facilities); fi < len(city.Facilities); fi++ {
		out = append(out, fi)
	}
	return out
}

// whatIfNetwork applies the network changes of sc (closed ways, new
// links) without rebuilding the network or recomputing the whole city: the
// graph is patched (Graph.patch), only points near what changed are snapped
// again, and only the cells within the cutoff of a changed edge (in the
// network before or after) get new access, from the facilities within
// their reach. The result equals ComputeAccess on the patched city.
func (a *Access) whatIfNetwork(ctx context.Context, sc Scenario) (*Access, error) {
	old := a.City
	g, ix, pt, err := old.Graph.patch(old.Index, old.snapLimitM(), sc.CloseWays, sc.AddLinks)
	if err != nil {
		return nil, err
	}
	city := *old
	city.Graph, city.Index = g, ix
	resnap := resnapArea(old.Graph, g, pt, old.snapLimitM())
	city.FacilitySnap = slices.Clone(old.FacilitySnap)
	for i, s := range old.FacilitySnap {
		f := &city.Facilities[i]
		if resnap(s, f.Point) {
			ns, err := ix.SnapStreet(f.Point, city.snapLimitM(), f.BelowStreet)
			if err != nil {
				ns = Snap{Edge: -1}
			}
			city.FacilitySnap[i] = ns
		}
	}
	cells := city.Population.Cells
	city.CellSnap = slices.Clone(old.CellSnap)
	var moved []int32 // cells snapped elsewhere
	for i, s := range old.CellSnap {
		if resnap(s, cells[i].Point) {
			ns, err := ix.SnapStreet(cells[i].Point, city.snapLimitM(), false)
			if err != nil {
				ns = Snap{Edge: -1}
			}
			if ns != s {
				moved = append(moved, int32(i))
			}
			city.CellSnap[i] = ns
		}
	}
	// Access points on a removed edge are found again on the new edges
	// (those on a closed way are gone); the others stay.
	city.FacilityAccess = slices.Clone(a.FacilityAccess)
	var changedAccess []int
	for i, pts := range a.FacilityAccess {
		hit := false
		for _, s := range pts {
			if s.Edge >= 0 && !g.EdgeOpen(s.Edge) {
				hit = true
			}
		}
		if !hit {
			continue
		}
		changedAccess = append(changedAccess, i)
		var np []Snap
		for _, s := range pts {
			if s.Edge >= 0 && g.EdgeOpen(s.Edge) {
				np = append(np, s)
				continue
			}
			if ns, err := ix.Nearest(s.Point, 0.5, nil); err == nil {
				ns.DistM = s.DistM // the straight leg to the network is unchanged
				np = append(np, ns)
			}
		}
		if len(np) == 0 && city.FacilitySnap[i].Edge >= 0 {
			np = []Snap{city.FacilitySnap[i]}
		}
		city.FacilityAccess[i] = np
	}

	b := &Access{City: &city, Options: a.Options, Profiles: a.Profiles, cutoffDs: a.cutoffDs, derived: &derived{},
		FacilityAccess: city.FacilityAccess, ByCategory: a.ByCategory}
	for i := range b.Profiles {
		b.Costs = append(b.Costs, extendCosts(a.Costs[i], g, &b.Profiles[i]))
	}
	// Every walker's own attachments are found again on the patched
	// network, as ComputeAccess would (few points need them: those whose
	// city attachment the walker may not use), before the cells are
	// indexed at them.
	b.walkerSnapsAfter(a, resnap)
	b.indexCells()
	np, nc := len(a.Profiles), len(old.Taxonomy.Categories)
	b.TimeDs, b.Nearest = make([][][]uint32, np), make([][][]int32, np)
	b.Count, b.MeanKMin = make([][][]uint16, np), make([][][]float32, np)
	for p := 0; p < np; p++ {
		b.TimeDs[p], b.Nearest[p] = make([][]uint32, nc), make([][]int32, nc)
		b.Count[p], b.MeanKMin[p] = make([][]uint16, nc), make([][]float32, nc)
		// Shared with the baseline until recomputeCells changes them.
		copy(b.TimeDs[p], a.TimeDs[p])
		copy(b.Nearest[p], a.Nearest[p])
		copy(b.Count[p], a.Count[p])
		copy(b.MeanKMin[p], a.MeanKMin[p])
	}
	so, sn := NewSearcher(old.Graph), NewSearcher(g)
	for p := 0; p < np; p++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		movedP, accessP := b.walkerChanges(a, p, moved, changedAccess)
		if ch := b.changedRegion(a, so, sn, p, pt, movedP, accessP); len(ch.region) > 0 {
			b.recomputeCells(a, sn, p, ch)
		}
	}
	// Facility changes on top of the new network are incremental.
	if len(sc.Add) > 0 || len(sc.Close) > 0 {
		return b.WhatIf(Scenario{Name: sc.Name, Add: sc.Add, Close: sc.Close})
	}
	return b, nil
}

// walkerChanges returns, for profile p, the cells attached elsewhere in b
// than in a, and the facilities whose access points differ, as the walker
// joins the network: moved and changedAccess (the city's attachments that
// changed) and the walker's own attachments that changed.
func (b *Access) walkerChanges(a *Access, p int, moved []int32, changedAccess []int) ([]int32, []int) {
	var aw, bw walkerSnaps
	if p < len(a.walker) {
		aw = a.walker[p]
	}
	if p < len(b.walker) {
		bw = b.walker[p]
	}
	var movedP []int32
	for _, i := range unionSorted(moved, aw.cell, bw.cell) {
		if a.CellSnap(p, int(i)) != b.CellSnap(p, int(i)) {
			movedP = append(movedP, i)
		}
	}
	var accessP []int
	for _, fi := range unionSorted(changedAccess, aw.fac, bw.fac) {
		if !slices.Equal(a.FacilityAccessFor(p, fi), b.FacilityAccessFor(p, fi)) {
			accessP = append(accessP, fi)
		}
	}
	return movedP, accessP
}

// unionSorted returns the keys in ks and those of ms, sorted, once each.
func unionSorted[K cmp.Ordered, V any](ks []K, ms ...map[K]V) []K {
	set := make(map[K]bool, len(ks))
	for _, k := range ks {
		set[k] = true
	}
	for _, m := range ms {
		for k := range m {
			set[k] = true
		}
	}
	return slices.Sorted(maps.Keys(set))
}

// resnapArea returns whether a point snapped at s must be snapped again on
// the patched graph g: its edge was taken out, a new edge may be nearer, or
// the largest component changed near it (SnapStreet prefers it).
func resnapArea(old, g *Graph, pt *graphPatch, maxDistM float64) func(s Snap, p orb.Point) bool {
	var areas []orb.Bound
	pad := func(b orb.Bound) orb.Bound { return orbgeo.BoundPad(b, maxDistM+1) }
	for _, e := range pt.added {
		areas = append(areas, pad(g.EdgeGeometry(e).Bound()))
	}
	var flipped orb.Bound
	nflip := 0
	for e := 0; e < old.NumEdges(); e++ {
		if g.EdgeOpen(e) && old.InLargest(e) != g.InLargest(e) {
			if nflip == 0 {
				flipped = g.EdgeGeometry(e).Bound()
			} else {
				flipped = flipped.Union(g.EdgeGeometry(e).Bound())
			}
			nflip++
		}
	}
	if nflip > 0 {
		areas = append(areas, pad(flipped))
	}
	return func(s Snap, p orb.Point) bool {
		if s.Edge >= 0 && !g.EdgeOpen(s.Edge) {
			return true
		}
		for _, b := range areas {
			if b.Contains(p) {
				return true
			}
		}
		return false
	}
}
