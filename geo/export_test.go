package geo

import "github.com/paulmach/orb"

// OneCategoryForBench runs the searches of one profile and category as
// ComputeAccess does (nearest facility, then opportunities), for the
// benchmarks of the external test package.
func (a *Access) OneCategoryForBench(s *Searcher, p, c int) {
	a.TimeDs[p][c], a.Nearest[p][c] = a.nearest(s, p, c)
	a.opportunities(s, p, c, len(a.City.Population.Cells))
}

// NearestForTest is the nearest-facility search of one profile and
// category as ComputeAccess runs it.
func (a *Access) NearestForTest(s *Searcher, p, c int) ([]uint32, []int32) {
	return a.nearest(s, p, c)
}

// NearestByReachForTest is the same search over whole-graph arrays
// (Searcher.Reach and Reach.At), the reference.
func (a *Access) NearestByReachForTest(s *Searcher, p, c int) ([]uint32, []int32) {
	cells := a.City.CellSnap
	times := make([]uint32, len(cells))
	near := make([]int32, len(cells))
	r := s.Reach(a.Costs[p], a.sources(p, a.ByCategory[c], nil), a.cutoffDs, true)
	for i := range cells {
		times[i], near[i] = r.At(a.CellSnap(p, i), a.cellLegDs(p, i))
	}
	return times, near
}

// RebuildWhatIfForTest is the network what-if by rebuilding the graph
// and recomputing everything, the reference for the patched one.
func (a *Access) RebuildWhatIfForTest(sc Scenario) (*Access, error) {
	old := a.City
	g, err := old.Graph.rebuild(old.Index, old.SnapMaxM, sc.CloseWays, sc.AddLinks)
	if err != nil {
		return nil, err
	}
	city := *old
	city.Graph = g
	city.Index = NewSegmentIndex(g)
	city.FacilitySnap = city.Index.SnapAll(func(i int) orb.Point { return city.Facilities[i].Point }, len(city.Facilities), city.SnapMaxM,
		func(i int) bool { return city.Facilities[i].BelowStreet })
	cells := city.Population.Cells
	city.CellSnap = city.Index.SnapAll(func(i int) orb.Point { return cells[i].Point }, len(cells), city.SnapMaxM, nil)
	city.FacilityAccess = make([][]Snap, len(a.FacilityAccess))
	for i, pts := range a.FacilityAccess {
		for _, s := range pts {
			if ns, err := city.Index.Nearest(s.Point, 0.5, nil); err == nil {
				ns.DistM = s.DistM
				city.FacilityAccess[i] = append(city.FacilityAccess[i], ns)
			}
		}
		if len(city.FacilityAccess[i]) == 0 && city.FacilitySnap[i].Edge >= 0 {
			city.FacilityAccess[i] = []Snap{city.FacilitySnap[i]}
		}
	}
	return ComputeAccess(&city, a.Options)
}
