package geo

import (
	"math"
	"slices"
	"sort"
)

// CategoryCoverage is how well one group of residents reaches one category.
type CategoryCoverage struct {
	Category     string  `json:"category"`
	ThresholdMin float64 `json:"threshold_min"`
	// Population is the residents counted (for the senior profile, those
	// aged 60 and over where known).
	Population float64 `json:"population"`
	// Covered is the residents within the threshold; Share is
	// Covered / Population.
	Covered float64 `json:"covered"`
	Share   float64 `json:"share"`
	// MeanMin is the mean walk in minutes of those who reach a facility
	// within the cutoff; null when nobody does.
	MeanMin *float64 `json:"mean_min"`
	// P90Min is the 90th percentile of everyone's walk; null when more
	// than a tenth of them reach nothing within the cutoff.
	P90Min *float64 `json:"p90_min"`
	// Unreached is the residents with no facility within the cutoff.
	Unreached float64 `json:"unreached"`
	// Gini is the Gini coefficient of walk times over residents, with
	// those unreached counted at the cutoff.
	Gini float64 `json:"gini"`
	// Opportunities is the mean number of facilities within the
	// threshold (cumulative opportunities).
	Opportunities float64 `json:"opportunities"`
	// MeanKMin is the mean over residents of the mean walk to the K
	// nearest facilities, of those who have K within the cutoff.
	MeanKMin *float64 `json:"mean_k_min,omitempty"`
}

// Coverage is one group's access to every category under one profile, with
// the composite figures.
type Coverage struct {
	Profile    string             `json:"profile"`
	Population float64            `json:"population"`
	Categories []CategoryCoverage `json:"categories"`
	// CompleteShare is the share of residents whose cell reaches every
	// essential category within its threshold.
	CompleteShare float64 `json:"complete_share"`
	// MeanCategoriesWithin is the mean number of categories reached within
	// their thresholds.
	MeanCategoriesWithin float64 `json:"mean_categories_within"`
	// F15 is the share of residents whose mean walk over the essential
	// categories (the unreached counted at the cutoff) is at most 15
	// minutes.
	F15 float64 `json:"f15"`
	// LifeCircle is the GB 50180-2018 compliance per tier.
	LifeCircle []TierCompliance `json:"life_circle"`
	// Capacity is the capacity-aware access (E2SFCA) of each category
	// with places.
	Capacity []CapacityFigures `json:"capacity"`
}

// CapacityFigures are one category's places against the residents who use
// it (see Access.E2SFCA).
type CapacityFigures struct {
	Category string `json:"category"`
	// DemandGroup is the age band of the category's users ("all", "3-5",
	// "60+", ... ; Category.Demand).
	DemandGroup string `json:"demand_group"`
	// Demand is the residents of DemandGroup (people).
	Demand float64 `json:"demand"`
	// NormPer1000 is the category's norm in places per 1,000 people of
	// DemandGroup (Category.PlacesPer1000, sources in
	// docs/categories.md); null when the category has none.
	NormPer1000 *float64 `json:"norm_per_1000"`
	// Need is the places the norm asks for, Demand × NormPer1000 / 1000
	// (places); 0 without a norm.
	Need float64 `json:"need"`
	// Places is the places the residents reach by E2SFCA (places).
	Places float64 `json:"places"`
	// Shortfall is the places missing against the need, summed cell by
	// cell (places); 0 without a norm.
	Shortfall float64 `json:"shortfall"`
	// MeanRatio is Places / Demand (places per person of DemandGroup).
	MeanRatio float64 `json:"mean_ratio"`
	// AgeSource says where the share of DemandGroup among the residents
	// came from: "community" (the community's counts or shares), "city"
	// (the taxonomy's age_shares), "national" (China's 2020 census
	// defaults), "mixed", or "" for "all".
	AgeSource string `json:"age_source"`
}

// capacityFigures converts one aggregate of a CapacityAccess.
func capacityFigures(ca *CapacityAccess, cc CommunityCapacity) CapacityFigures {
	f := CapacityFigures{Category: ca.Category, DemandGroup: ca.DemandGroup,
		Demand: cc.Demand, Need: cc.Need, Places: cc.Places, Shortfall: cc.Shortfall,
		MeanRatio: cc.MeanRatio, AgeSource: cc.AgeSource}
	if ca.HasNorm {
		f.NormPer1000 = ptr(ca.NormPer1000)
	}
	return f
}

// CommunityCoverage is the coverage of one community under each profile.
type CommunityCoverage struct {
	ID         string  `json:"id"`
	Name       string  `json:"name"`
	Population float64 `json:"population"`
	// PopulationMethod is how the community's residents were placed on
	// cells (Population.Method); empty for the whole city.
	PopulationMethod string     `json:"population_method,omitempty"`
	Profiles         []Coverage `json:"profiles"`
}

// CoverageReport is the coverage of every community, and of the whole city,
// for every profile and category.
type CoverageReport struct {
	City        string  `json:"city"`
	Attribution string  `json:"attribution"`
	CutoffMin   float64 `json:"cutoff_min"`
	K           int     `json:"k"`
	// PopulationSource and PopulationEstimated say where the residents
	// came from and how many of them are an estimate from residential
	// floor area (Population.Source, Population.Estimated).
	PopulationSource    string              `json:"population_source"`
	PopulationEstimated float64             `json:"population_estimated"`
	Total               CommunityCoverage   `json:"total"`
	Communities         []CommunityCoverage `json:"communities"`
}

// CellWeight returns the residents of cell i counted under profile p: the
// cell's population, or for a profile weighted by age, the part aged 60 and
// over where the community gives its share.
func (a *Access) CellWeight(p, i int) float64 {
	pc := a.City.Population.Cells[i]
	if a.Profiles[p].Weight == WeightAged60 && pc.Community >= 0 {
		if s := a.City.Communities[pc.Community].Aged60Share; s >= 0 {
			return pc.Pop * s
		}
	}
	return pc.Pop
}

// ReportOptions tune the life-circle and capacity parts of a report.
type ReportOptions struct {
	LifeCircle LifeCircleConfig
	E2SFCA     E2SFCAOptions
}

// Report computes the coverage report, with life-circle compliance under
// the default tiers and E2SFCA capacity figures under the default bands.
func (a *Access) Report() (*CoverageReport, error) { return a.ReportWith(ReportOptions{}) }

// ReportWith computes the coverage report with the given options.
func (a *Access) ReportWith(opt ReportOptions) (*CoverageReport, error) {
	if !a.HasResidents() {
		return nil, errNoResidents()
	}
	lc, err := a.LifeCircles(opt.LifeCircle)
	if err != nil {
		return nil, err
	}
	caps, err := a.E2SFCA(opt.E2SFCA)
	if err != nil {
		return nil, err
	}
	return a.report(lc, caps), nil
}

func (a *Access) report(lc *LifeCircleResult, caps []CapacityAccess) *CoverageReport {
	cells := a.City.Population.Cells
	byComm := make([][]int, len(a.City.Communities))
	all := make([]int, len(cells))
	for i, c := range cells {
		all[i] = i
		if c.Community >= 0 {
			byComm[c.Community] = append(byComm[c.Community], i)
		}
	}
	r := &CoverageReport{
		City: a.City.Name, Attribution: a.City.Attribution,
		CutoffMin: a.Options.CutoffMin, K: a.Options.K,
		PopulationSource: a.City.Population.Source, PopulationEstimated: a.City.Population.Estimated,
	}
	ord := a.cellsByTime(len(a.City.Communities))
	r.Total = a.coverageOf("", a.City.Name, all, ord, 0)
	for ci, cm := range a.City.Communities {
		cc := a.coverageOf(cm.ID, cm.Name, byComm[ci], ord, ci+1)
		cc.Population = cm.Population
		if ci < len(a.City.Population.Method) {
			cc.PopulationMethod = a.City.Population.Method[ci]
		}
		r.Communities = append(r.Communities, cc)
	}
	for p := range a.Profiles {
		r.Total.Profiles[p].LifeCircle = lc.City[p]
		r.Total.Profiles[p].Capacity = []CapacityFigures{}
		for ci := range r.Communities {
			r.Communities[ci].Profiles[p].LifeCircle = lc.Communities[p][ci]
			r.Communities[ci].Profiles[p].Capacity = []CapacityFigures{}
		}
	}
	for k := range caps {
		ca := &caps[k]
		p := a.ProfileIndex(ca.Profile)
		for ci, cc := range ca.Communities {
			r.Communities[ci].Profiles[p].Capacity = append(r.Communities[ci].Profiles[p].Capacity, capacityFigures(ca, cc))
		}
		// The city total counts every cell, those outside the
		// communities (or of a gridded city with none) included.
		r.Total.Profiles[p].Capacity = append(r.Total.Profiles[p].Capacity, capacityFigures(ca, ca.Total))
	}
	return r
}

// coverageOf summarises the given cells.
// cellsByTime orders the cells by walk time, unreached last, for every
// profile and category, and splits the order by group (0: every cell;
// 1+i: community i): each group's quantiles and Gini then read their cells
// in order without sorting again.
func (a *Access) cellsByTime(ncomm int) [][][][]int32 {
	cells := a.City.Population.Cells
	n := len(cells)
	ord := make([][][][]int32, len(a.Profiles))
	keys := make([]uint64, n)
	a.derived.mu.Lock()
	base := a.derived.wi.base // a facility scenario's baseline: its orders are patched
	a.derived.mu.Unlock()
	for p := range ord {
		ord[p] = make([][][]int32, len(a.City.Taxonomy.Categories))
		for c := range ord[p] {
			if g := a.derived.order(p, c); g != nil {
				ord[p][c] = g
				continue
			}
			var all []int32
			if base != nil && base.derived.order(p, c) != nil {
				all = orderAfter(base.derived.order(p, c)[0], base.TimeDs[p][c], a.TimeDs[p][c])
			} else {
				for i, t := range a.TimeDs[p][c] {
					keys[i] = uint64(t)<<32 | uint64(i) // time, then index: a plain sort is stable
				}
				slices.Sort(keys)
				all = make([]int32, n)
				for j, k := range keys {
					all[j] = int32(uint32(k))
				}
			}
			groups := make([][]int32, ncomm+1)
			groups[0] = all
			for _, i := range all {
				if cm := cells[i].Community; cm >= 0 {
					groups[cm+1] = append(groups[cm+1], i)
				}
			}
			ord[p][c] = groups
			a.derived.setOrder(p, c, groups)
		}
	}
	return ord
}

func (a *Access) coverageOf(id, name string, idx []int, ord [][][][]int32, group int) CommunityCoverage {
	cats := a.City.Taxonomy.Categories
	cc := CommunityCoverage{ID: id, Name: name}
	for _, i := range idx {
		cc.Population += a.City.Population.Cells[i].Pop
	}
	var tw []timeWeight
	for p := range a.Profiles {
		cov := Coverage{Profile: a.Profiles[p].ID}
		w := make([]float64, len(idx))
		for k, i := range idx {
			w[k] = a.CellWeight(p, i)
			cov.Population += w[k]
		}
		for c := range cats {
			cov.Categories = append(cov.Categories, a.categoryCoverage(p, c, idx, w, cov.Population, ord[p][c][group], &tw))
		}
		if cov.Population > 0 {
			compW, withinW, f15W := a.composite(p, idx, w)
			cov.CompleteShare = compW / cov.Population
			cov.MeanCategoriesWithin = withinW / cov.Population
			cov.F15 = f15W / cov.Population
		}
		cc.Profiles = append(cc.Profiles, cov)
	}
	return cc
}

// categoryCoverage summarises category c under profile p over the cells
// idx weighted w (pop their sum); ord is those cells in time order
// (cellsByTime) and tw a scratch buffer.
func (a *Access) categoryCoverage(p, c int, idx []int, w []float64, pop float64, ord []int32, tw *[]timeWeight) CategoryCoverage {
	cat := &a.City.Taxonomy.Categories[c]
	cutMin := a.Options.CutoffMin
	thr := MinToDs(cat.ThresholdMin)
	cg := CategoryCoverage{Category: cat.ID, ThresholdMin: cat.ThresholdMin, Population: pop}
	times := a.TimeDs[p][c]
	var reachedW, reachedT, oppW, meanKW, meanKT float64
	for k, i := range idx {
		t := times[i]
		wk := w[k]
		if t <= thr {
			cg.Covered += wk
		}
		if t == Unreached {
			cg.Unreached += wk
		} else {
			reachedW += wk
			reachedT += wk * DsToMin(t)
		}
		oppW += wk * float64(a.Count[p][c][i])
		if mk := a.MeanKMin[p][c][i]; a.Options.K > 1 && !math.IsNaN(float64(mk)) {
			meanKW += wk
			meanKT += wk * float64(mk)
		}
	}
	if pop > 0 {
		cg.Share = cg.Covered / pop
		cg.Opportunities = oppW / pop
	}
	if reachedW > 0 {
		cg.MeanMin = ptr(reachedT / reachedW)
	}
	if meanKW > 0 {
		cg.MeanKMin = ptr(meanKT / meanKW)
	}
	*tw = (*tw)[:0]
	for _, i := range ord {
		t := times[i]
		m := cutMin
		if t != Unreached {
			m = DsToMin(t)
		}
		*tw = append(*tw, timeWeight{t: m, w: a.CellWeight(p, int(i)), unreached: t == Unreached})
	}
	cg.P90Min, cg.Gini = quantileAndGiniSorted(*tw, 0.9)
	return cg
}

// cellComp is one cell's part of the composite figures under a profile:
// the categories within their thresholds, whether every essential one is,
// and the sum of the walks to the essential ones (the unreached counted at
// the cutoff).
type cellComp struct {
	within   int
	complete bool
	essSum   float64
}

// cellComposite is cell i's part of the composite figures under profile p.
func (a *Access) cellComposite(p, i int) cellComp {
	cats := a.City.Taxonomy.Categories
	x := cellComp{complete: true}
	for c := range cats {
		cat := &cats[c]
		t := a.TimeDs[p][c][i]
		if t <= MinToDs(cat.ThresholdMin) {
			x.within++
		} else if cat.Essential {
			x.complete = false
		}
		if cat.Essential {
			m := a.Options.CutoffMin
			if t != Unreached {
				m = DsToMin(t)
			}
			x.essSum += m
		}
	}
	return x
}

// essentials counts the essential categories.
func (a *Access) essentials() int {
	n := 0
	for _, c := range a.City.Taxonomy.Categories {
		if c.Essential {
			n++
		}
	}
	return n
}

// composite sums, over the cells idx weighted w under profile p, the
// residents whose cell is complete (every essential category within its
// threshold), the categories within their thresholds (weighted), and the
// residents whose mean walk over the essential categories, the unreached
// counted at the cutoff, is at most 15 minutes (F15).
func (a *Access) composite(p int, idx []int, w []float64) (compW, withinW, f15W float64) {
	return sumComposite(func(i int) cellComp { return a.cellComposite(p, i) }, idx, w, a.essentials())
}

// sumComposite is composite with each cell's part given by comp.
func sumComposite(comp func(i int) cellComp, idx []int, w []float64, nEss int) (compW, withinW, f15W float64) {
	for k, i := range idx {
		x := comp(i)
		if x.complete {
			compW += w[k]
		}
		withinW += w[k] * float64(x.within)
		if nEss > 0 && x.essSum/float64(nEss) <= 15 {
			f15W += w[k]
		}
	}
	return compW, withinW, f15W
}

// CityComposite returns the whole city's complete share and F15 under
// profile p, as its report gives them (Coverage.CompleteShare and
// Coverage.F15), without the rest of the report.
func (a *Access) CityComposite(p int) (completeShare, f15 float64) {
	n := len(a.City.Population.Cells)
	idx, w := make([]int, n), make([]float64, n)
	var pop float64
	for i := range idx {
		idx[i], w[i] = i, a.CellWeight(p, i)
		pop += w[i]
	}
	if pop <= 0 {
		return 0, 0
	}
	comps := a.cellComps(p)
	compW, _, f15W := sumComposite(func(i int) cellComp { return comps[i] }, idx, w, a.essentials())
	return compW / pop, f15W / pop
}

// orderAfter returns the cells in order of (time, index) under the times
// after, given their order under the times before: the cells whose time
// did not change keep their order, and those whose time changed, sorted
// alone, are merged in. A what-if changes few cells: this is linear where
// a sort is not.
func orderAfter(ordBefore []int32, before, after []uint32) []int32 {
	key := func(i int32) uint64 { return uint64(after[i])<<32 | uint64(uint32(i)) }
	var moved []uint64
	kept := make([]int32, 0, len(ordBefore))
	for _, i := range ordBefore {
		if before[i] != after[i] {
			moved = append(moved, key(i))
		} else {
			kept = append(kept, i)
		}
	}
	slices.Sort(moved)
	out := make([]int32, 0, len(ordBefore))
	j := 0
	for _, i := range kept {
		k := key(i)
		for j < len(moved) && moved[j] < k {
			out = append(out, int32(uint32(moved[j])))
			j++
		}
		out = append(out, i)
	}
	for ; j < len(moved); j++ {
		out = append(out, int32(uint32(moved[j])))
	}
	return out
}

type timeWeight struct {
	t, w      float64
	unreached bool
}

// quantileAndGini returns the weighted q-quantile of the times (nil when
// it falls among the unreached) and their weighted Gini coefficient.
func quantileAndGini(tw []timeWeight, q float64) (*float64, float64) {
	sort.Slice(tw, func(a, b int) bool {
		if tw[a].unreached != tw[b].unreached {
			return !tw[a].unreached
		}
		return tw[a].t < tw[b].t
	})
	return quantileAndGiniSorted(tw, q)
}

// quantileAndGiniSorted is quantileAndGini on times already in order,
// unreached last.
func quantileAndGiniSorted(tw []timeWeight, q float64) (*float64, float64) {
	var total, sumWX float64
	for _, x := range tw {
		total += x.w
		sumWX += x.w * x.t
	}
	if total <= 0 {
		return nil, 0
	}
	var quant *float64
	found := false
	var cum, cumX, lorenz float64
	for _, x := range tw {
		prevX := cumX
		cum += x.w
		cumX += x.w * x.t
		if !found && cum >= q*total {
			found = true
			if !x.unreached {
				quant = ptr(x.t)
			}
		}
		lorenz += x.w * (prevX + cumX)
	}
	gini := 0.0
	if sumWX > 0 {
		gini = math.Max(0, 1-lorenz/(total*sumWX)) // rounding can dip below 0
	}
	return quant, gini
}

func ptr(f float64) *float64 { return &f }
