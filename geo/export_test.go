package geo

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
	for i, cs := range cells {
		times[i], near[i] = r.At(cs, a.cellLegDs(p, i))
	}
	return times, near
}
