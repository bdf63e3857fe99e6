package geo

// OneCategoryForBench runs the searches of one profile and category as
// ComputeAccess does (nearest facility, then opportunities), for the
// benchmarks of the external test package.
func (a *Access) OneCategoryForBench(s *Searcher, p, c int) {
	times, near := a.nearest(s, p, c)
	_, _ = times, near
	a.opportunities(s, p, c, len(a.City.Population.Cells))
}
