package geo

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/paulmach/orb"

	"fifteen/geo/hex"
)

// GapOptions select the underserved areas that Access.Gaps reports.
type GapOptions struct {
	// Category is the id of the category whose threshold residents must
	// reach. It must be empty when Tier is set.
	Category string
	// Profile is the walker, "adult" when empty.
	Profile string
	// MinPopulation drops clusters of fewer residents.
	MinPopulation float64
	// Community, when set, keeps only the clusters holding residents of
	// the community with this id.
	Community string
	// Tier, when 5, 10 or 15, replaces Category by a life-circle tier: a
	// resident is underserved when beyond the threshold of any category of
	// the taxonomy whose Tier is this one. 0 means Category.
	Tier int
}

// Cluster is a contiguous area of underserved residents: populated H3 cells
// beyond the threshold that are neighbours of one another.
type Cluster struct {
	// ID is the cluster's rank, from 1, by population.
	ID int `json:"id"`
	// Cells are the cluster's PopulationRes cells, sorted.
	Cells []hex.Cell `json:"cells"`
	// Population is the number of underserved residents.
	Population float64 `json:"population"`
	// Aged60 and Children are the residents aged 60 and over and under
	// 15, counted where the residents' community gives the share; the
	// others add nothing, so AgeKnown is false when any resident's
	// community lacks a share and the figures are then lower bounds.
	Aged60   float64 `json:"aged60"`
	Children float64 `json:"children"`
	AgeKnown bool    `json:"age_known"`
	// AreaKm2 is the area of the cells.
	AreaKm2 float64 `json:"area_km2"`
	// Communities are the ids of the communities of the residents, the
	// most populous first.
	Communities []string `json:"communities"`
	// MeanMin and MaxMin are the population-weighted mean and the largest
	// walk, in minutes, to the nearest facility (for a tier: to the
	// farthest of the tier's nearest facilities) of the residents who
	// reach one within the access cutoff; nil when none does.
	MeanMin *float64 `json:"mean_min"`
	MaxMin  *float64 `json:"max_min"`
	// Unreached is the residents with no facility within the cutoff (or,
	// for a tier, missing one of the tier's categories within it).
	Unreached float64 `json:"unreached"`
	// Outline is the cluster's outline, holes included: a cluster ringing
	// a served area has a hole there.
	Outline orb.MultiPolygon `json:"-"`
}

// gapTarget is what a resident must reach: categories and their thresholds
// under one profile.
type gapTarget struct {
	p     int
	cats  []int
	thrDs []uint32
}

// gapTarget resolves the profile and the categories of opt.
func (a *Access) gapTarget(category, profile string, tier int) (gapTarget, error) {
	var g gapTarget
	var err error
	if g.p, err = a.ResolveProfile(profile); err != nil {
		return g, err
	}
	cats := a.City.Taxonomy.Categories
	switch {
	case tier != 0 && category != "":
		return g, fmt.Errorf("%w: give a category (%q) or a tier (%d), not both", ErrBadOption, category, tier)
	case tier != 0:
		if err := ValidTier(tier); err != nil {
			return g, err
		}
		for c := range cats {
			if cats[c].Tier == tier {
				g.cats = append(g.cats, c)
			}
		}
		if len(g.cats) == 0 {
			return g, fmt.Errorf("%w: no category of tier %d in the taxonomy", ErrBadOption, tier)
		}
	case category == "":
		return g, fmt.Errorf("%w: no category given", ErrBadOption)
	default:
		c, err := a.City.Taxonomy.Index(category)
		if err != nil {
			return g, err
		}
		g.cats = []int{c}
	}
	for _, c := range g.cats {
		thr := MinToDs(cats[c].ThresholdMin)
		if thr > a.cutoffDs {
			return g, fmt.Errorf("%w: threshold %g min of %q is beyond the access cutoff of %g min",
				ErrBadOption, cats[c].ThresholdMin, cats[c].ID, a.Options.CutoffMin)
		}
		g.thrDs = append(g.thrDs, thr)
	}
	return g, nil
}

// timeOf returns the walk of population cell i to the target (the largest
// over its categories) and whether that is beyond some threshold.
func (g *gapTarget) timeOf(a *Access, i int) (t uint32, under bool) {
	for k, c := range g.cats {
		tc := a.TimeDs[g.p][c][i]
		if tc > g.thrDs[k] {
			under = true
		}
		t = max(t, tc)
	}
	return t, under
}

// gapCell is one underserved H3 cell: the population cells on it (one per
// community sharing it) that are beyond the threshold.
type gapCell struct {
	cell    hex.Cell
	entries []int32
}

// underserved returns the H3 cells with residents beyond the target, in
// cell order.
func (a *Access) underserved(g *gapTarget) []gapCell {
	byCell := map[hex.Cell]int{}
	var out []gapCell
	for i, pc := range a.City.Population.Cells {
		if !(pc.Pop > 0) {
			continue
		}
		if _, under := g.timeOf(a, i); !under {
			continue
		}
		k, ok := byCell[pc.Cell]
		if !ok {
			k = len(out)
			byCell[pc.Cell] = k
			out = append(out, gapCell{cell: pc.Cell})
		}
		out[k].entries = append(out[k].entries, int32(i))
	}
	slices.SortFunc(out, func(x, y gapCell) int { return cmp.Compare(x.cell, y.cell) })
	return out
}

// Gaps returns the underserved areas for one category, or one life-circle
// tier, and one profile: the populated cells whose residents are beyond the
// threshold (or reach nothing within the access cutoff, or lie too far from
// the network), grouped into clusters of neighbouring PopulationRes cells
// and ranked by population, largest first (ties by their first cell).
// Several population cells on one H3 cell (one per community sharing it)
// count as one cell. Residents are counted whatever the profile's Weight.
//
// It returns an error wrapping ErrUnknownCategory for an unknown category
// and ErrBadOption for an unknown profile or community, a bad tier or
// MinPopulation, neither or both of Category and Tier, or a threshold
// beyond the access cutoff.
func (a *Access) Gaps(opt GapOptions) ([]Cluster, error) {
	if !a.HasResidents() {
		return nil, errNoResidents()
	}
	g, err := a.gapTarget(opt.Category, opt.Profile, opt.Tier)
	if err != nil {
		return nil, err
	}
	if !(opt.MinPopulation >= 0) || math.IsInf(opt.MinPopulation, 0) {
		return nil, fmt.Errorf("%w: min population %v is not a non-negative number", ErrBadOption, opt.MinPopulation)
	}
	comm := int32(-1)
	if opt.Community != "" {
		i := slices.IndexFunc(a.City.Communities, func(c Community) bool { return c.ID == opt.Community })
		if i < 0 {
			return nil, fmt.Errorf("%w: unknown community %q", ErrBadOption, opt.Community)
		}
		comm = int32(i)
	}
	cells := a.underserved(&g)
	idx := make(map[hex.Cell]int, len(cells))
	for k, c := range cells {
		idx[c.cell] = k
	}
	seen := make([]bool, len(cells))
	var out []Cluster
	var queue []int
	for start := range cells {
		if seen[start] {
			continue
		}
		seen[start] = true
		queue = append(queue[:0], start)
		for q := 0; q < len(queue); q++ {
			for _, n := range cells[queue[q]].cell.Neighbors() {
				if k, ok := idx[n]; ok && !seen[k] {
					seen[k] = true
					queue = append(queue, k)
				}
			}
		}
		members := make([]gapCell, len(queue))
		for j, k := range queue {
			members[j] = cells[k]
		}
		cl, touches, err := a.cluster(&g, members, comm)
		if err != nil {
			return nil, err
		}
		if cl.Population < opt.MinPopulation || (comm >= 0 && !touches) {
			continue
		}
		out = append(out, cl)
	}
	slices.SortStableFunc(out, func(x, y Cluster) int {
		return cmp.Or(cmp.Compare(y.Population, x.Population), cmp.Compare(x.Cells[0], y.Cells[0]))
	})
	for i := range out {
		out[i].ID = i + 1
	}
	return out, nil
}

// cluster sums up the members of one cluster, and tells whether one of them
// has residents of community comm.
func (a *Access) cluster(g *gapTarget, members []gapCell, comm int32) (Cluster, bool, error) {
	pop := a.City.Population.Cells
	comms := a.City.Communities
	cl := Cluster{AgeKnown: true}
	byComm := map[int32]float64{}
	var reachedW, reachedT float64
	minT, maxT := Unreached, uint32(0)
	touches := false
	for _, m := range members {
		cl.Cells = append(cl.Cells, m.cell)
		cl.AreaKm2 += m.cell.AreaM2() / 1e6
		for _, i := range m.entries {
			pc := pop[i]
			cl.Population += pc.Pop
			byComm[pc.Community] += pc.Pop
			touches = touches || pc.Community == comm
			aged, child := -1.0, -1.0
			if pc.Community >= 0 {
				aged, child = comms[pc.Community].Aged60Share, comms[pc.Community].ChildShare
			}
			if aged >= 0 {
				cl.Aged60 += pc.Pop * aged
			}
			if child >= 0 {
				cl.Children += pc.Pop * child
			}
			if aged < 0 || child < 0 {
				cl.AgeKnown = false
			}
			t, _ := g.timeOf(a, int(i))
			if t == Unreached {
				cl.Unreached += pc.Pop
				continue
			}
			reachedW += pc.Pop
			reachedT += pc.Pop * DsToMin(t)
			minT, maxT = min(minT, t), max(maxT, t)
		}
	}
	slices.Sort(cl.Cells)
	if reachedW > 0 {
		// Clamped: a weighted mean of equal times may round past them.
		cl.MeanMin = ptr(max(DsToMin(minT), min(reachedT/reachedW, DsToMin(maxT))))
		cl.MaxMin = ptr(DsToMin(maxT))
	}
	type share struct {
		id  string
		pop float64
	}
	var shares []share
	for ci, p := range byComm {
		if ci >= 0 {
			shares = append(shares, share{comms[ci].ID, p})
		}
	}
	slices.SortFunc(shares, func(x, y share) int { return cmp.Or(cmp.Compare(y.pop, x.pop), cmp.Compare(x.id, y.id)) })
	for _, s := range shares {
		cl.Communities = append(cl.Communities, s.id)
	}
	outline, err := hex.CellsOutline(cl.Cells)
	if err != nil {
		return cl, false, fmt.Errorf("gaps: outline: %w", err)
	}
	cl.Outline = outline
	return cl, touches, nil
}
