package geo

import (
	"reflect"
	"slices"
)

// WhatIfDiff is the compact answer to a what-if scenario: what changed
// between the baseline access and the scenario's, not the whole report
// (which Access.Report still gives on request). Its size follows the
// change, not the city: on a city of 50,000 cells a facility what-if lists
// the few hundred cells and the communities it touches.
//
// Applied to the baseline it gives the scenario: every cell whose walk
// changed is in Cells, and every figure of the report (ReportWith's
// defaults) that changed is in Communities, before and after, as the
// scenario's report gives it; nothing unchanged is listed.
type WhatIfDiff struct {
	// Changes lists, per profile, the categories whose access changed.
	Changes []CategoryChange `json:"changes"`
	// Communities lists, per profile, the communities (and the whole
	// city, with an empty ID, first) whose report figures changed.
	Communities []CommunityChange `json:"communities"`
	// Cells lists the populated cells whose walk to a category changed
	// (as CellChanges).
	Cells []CellChange `json:"cells"`
}

// CategoryChange sums one category's change under one profile.
type CategoryChange struct {
	Profile  string `json:"profile"`
	Category string `json:"category"`
	// Cells is the number of populated cells whose walk time or count of
	// facilities within the threshold changed.
	Cells int `json:"cells"`
	// NewlyCovered and NoLongerCovered are residents (weighted as the
	// profile counts them, see Access.CellWeight) who come within the
	// category's threshold or fall out of it.
	NewlyCovered    float64 `json:"newly_covered"`
	NoLongerCovered float64 `json:"no_longer_covered"`
}

// CommunityChange is what changed in one community's report (or the whole
// city's, with an empty ID) under one profile: its composite figures
// before and after (always given), and the categories, life-circle tiers
// and capacity figures that changed, each as the baseline's report and
// the scenario's give it.
type CommunityChange struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Profile string `json:"profile"`
	// Population is the residents counted under the profile (Coverage.Population).
	Population                 float64 `json:"population"`
	CompleteShareBefore        float64 `json:"complete_share_before"`
	CompleteShareAfter         float64 `json:"complete_share_after"`
	MeanCategoriesWithinBefore float64 `json:"mean_categories_within_before"`
	MeanCategoriesWithinAfter  float64 `json:"mean_categories_within_after"`
	F15Before                  float64 `json:"f15_before"`
	F15After                   float64 `json:"f15_after"`
	// Categories are the categories whose coverage changed.
	Categories []CoverageChange `json:"categories"`
	// LifeCircle are the life-circle tiers whose compliance changed.
	LifeCircle []TierChange `json:"life_circle"`
	// Capacity are the categories whose capacity figures changed; Before
	// (After) is null when the category had no capacity before (after).
	Capacity []CapacityChange `json:"capacity"`
}

// CoverageChange is one category's coverage before and after.
type CoverageChange struct {
	Category string           `json:"category"`
	Before   CategoryCoverage `json:"before"`
	After    CategoryCoverage `json:"after"`
}

// TierChange is one life-circle tier's compliance before and after.
type TierChange struct {
	Tier   int            `json:"tier"`
	Before TierCompliance `json:"before"`
	After  TierCompliance `json:"after"`
}

// CapacityChange is one category's capacity figures before and after.
type CapacityChange struct {
	Category string           `json:"category"`
	Before   *CapacityFigures `json:"before"`
	After    *CapacityFigures `json:"after"`
}

// DiffAccess compares the scenario access b with the baseline a (b's
// cells must be a's: a scenario keeps the population). Only the
// categories whose times or counts differ are read cell by cell, and only
// the communities holding a changed cell are summed again; the categories
// a facility what-if did not touch share their tables, time orders,
// life-circle distances and capacity figures with the baseline. It
// returns the errors of Access.Report (no residents, a taxonomy with no
// life-circle tier).
func DiffAccess(a, b *Access) (*WhatIfDiff, error) {
	d := &WhatIfDiff{Changes: []CategoryChange{}, Communities: []CommunityChange{}, Cells: []CellChange{}}
	if !a.HasResidents() {
		return nil, errNoResidents()
	}
	lcA, err := a.lifeCirclesDefault()
	if err != nil {
		return nil, err
	}
	lcB, err := b.lifeCirclesDefault()
	if err != nil {
		return nil, err
	}
	capA, err := a.E2SFCA(E2SFCAOptions{})
	if err != nil {
		return nil, err
	}
	capB, err := b.E2SFCA(E2SFCAOptions{})
	if err != nil {
		return nil, err
	}
	cats := a.City.Taxonomy.Categories
	cells := a.City.Population.Cells
	ncomm := len(a.City.Communities)
	// The cells of each group: 0 the city, 1+i community i.
	members := make([][]int, ncomm+1)
	members[0] = make([]int, len(cells))
	for i, c := range cells {
		members[0][i] = i
		if c.Community >= 0 {
			members[c.Community+1] = append(members[c.Community+1], i)
		}
	}
	groupName := func(g int) (string, string) {
		if g == 0 {
			return "", a.City.Name
		}
		return a.City.Communities[g-1].ID, a.City.Communities[g-1].Name
	}
	var ordA, ordB [][][][]int32
	var tw []timeWeight
	nEss := a.essentials()
	for p := range b.Profiles {
		prof := b.Profiles[p].ID
		// The categories whose tables differ, and the groups holding a
		// changed cell of each.
		var changedCats []int
		touched := make([][]bool, len(cats))
		timesChanged := make([]bool, ncomm+1) // a walk changed: the composites may
		compsA := a.cellComps(p)
		var compsB []cellComp // compsA with the cells whose walks changed recomputed
		for c := range cats {
			ta, tb := a.TimeDs[p][c], b.TimeDs[p][c]
			ca, cb := a.Count[p][c], b.Count[p][c]
			if sameTimes(ta, tb) && sameCounts(ca, cb) && sameMeanK(a.MeanKMin[p][c], b.MeanKMin[p][c]) {
				continue
			}
			changedCats = append(changedCats, c)
			thr := MinToDs(cats[c].ThresholdMin)
			ch := CategoryChange{Profile: prof, Category: cats[c].ID}
			touched[c] = make([]bool, ncomm+1)
			mkA, mkB := a.MeanKMin[p][c], b.MeanKMin[p][c]
			for i := range cells {
				if ta[i] == tb[i] && ca[i] == cb[i] && sameFloat32(mkA[i], mkB[i]) {
					continue
				}
				ch.Cells++
				g := int(cells[i].Community) + 1
				touched[c][0] = true
				if g > 0 {
					touched[c][g] = true
				}
				w := a.CellWeight(p, i)
				switch inA, inB := ta[i] <= thr, tb[i] <= thr; {
				case inB && !inA:
					ch.NewlyCovered += w
				case inA && !inB:
					ch.NoLongerCovered += w
				}
				if ta[i] != tb[i] {
					if compsB == nil {
						compsB = slices.Clone(compsA)
					}
					compsB[i] = b.cellComposite(p, i)
					timesChanged[0] = true
					if g > 0 {
						timesChanged[g] = true
					}
					cc := CellChange{Cell: cells[i].Cell, Profile: prof, Category: cats[c].ID, Population: cells[i].Pop,
						BeforeMin: minutesOrNil(ta[i]), AfterMin: minutesOrNil(tb[i])}
					switch {
					case tb[i] <= thr && ta[i] > thr:
						cc.NowCovered = 1
					case tb[i] > thr && ta[i] <= thr:
						cc.NowCovered = -1
					}
					d.Cells = append(d.Cells, cc)
				}
			}
			d.Changes = append(d.Changes, ch)
		}
		if len(changedCats) > 0 && ordA == nil {
			ordA, ordB = a.cellsByTime(ncomm), b.cellsByTime(ncomm)
		}
		for g := range ncomm + 1 {
			idx := members[g]
			cc := CommunityChange{Profile: prof}
			cc.ID, cc.Name = groupName(g)
			var w []float64
			weights := func() []float64 {
				if w == nil {
					w = make([]float64, len(idx))
					for k, i := range idx {
						w[k] = a.CellWeight(p, i)
						cc.Population += w[k]
					}
				}
				return w
			}
			for _, c := range changedCats {
				if !touched[c][g] {
					continue
				}
				w := weights()
				before := a.keptCoverage(p, c, g, func() CategoryCoverage {
					return a.categoryCoverage(p, c, idx, w, cc.Population, ordA[p][c][g], &tw)
				})
				after := b.categoryCoverage(p, c, idx, w, cc.Population, ordB[p][c][g], &tw)
				if !reflect.DeepEqual(before, after) {
					cc.Categories = append(cc.Categories, CoverageChange{Category: cats[c].ID, Before: before, After: after})
				}
			}
			tiersA, tiersB := lcA.City[p], lcB.City[p]
			if g > 0 {
				tiersA, tiersB = lcA.Communities[p][g-1], lcB.Communities[p][g-1]
			}
			for t := range tiersB {
				// A tier the scenario took from the baseline shares its map.
				if !sameMap(tiersA[t].Served, tiersB[t].Served) && !reflect.DeepEqual(tiersA[t], tiersB[t]) {
					cc.LifeCircle = append(cc.LifeCircle, TierChange{Tier: tiersB[t].Tier, Before: tiersA[t], After: tiersB[t]})
				}
			}
			cc.Capacity = capacityChanges(capA, capB, prof, g)
			if !timesChanged[g] && len(cc.Categories) == 0 && len(cc.LifeCircle) == 0 && len(cc.Capacity) == 0 {
				continue
			}
			w = weights()
			if cc.Population > 0 {
				if compsB == nil {
					compsB = compsA
				}
				cb, wb, fb := sumComposite(func(i int) cellComp { return compsA[i] }, idx, w, nEss)
				ca, wa, fa := sumComposite(func(i int) cellComp { return compsB[i] }, idx, w, nEss)
				cc.CompleteShareBefore, cc.MeanCategoriesWithinBefore, cc.F15Before = cb/cc.Population, wb/cc.Population, fb/cc.Population
				cc.CompleteShareAfter, cc.MeanCategoriesWithinAfter, cc.F15After = ca/cc.Population, wa/cc.Population, fa/cc.Population
			}
			if len(cc.Categories) == 0 && len(cc.LifeCircle) == 0 && len(cc.Capacity) == 0 &&
				cc.CompleteShareBefore == cc.CompleteShareAfter && cc.MeanCategoriesWithinBefore == cc.MeanCategoriesWithinAfter &&
				cc.F15Before == cc.F15After {
				continue
			}
			if cc.Categories == nil {
				cc.Categories = []CoverageChange{}
			}
			if cc.LifeCircle == nil {
				cc.LifeCircle = []TierChange{}
			}
			d.Communities = append(d.Communities, cc)
		}
	}
	return d, nil
}

// cellComps returns every cell's parts of the composite figures under
// profile p (cellComposite), kept: a what-if recomputes only the cells
// whose walks changed.
func (a *Access) cellComps(p int) []cellComp {
	a.derived.mu.Lock()
	if p < len(a.derived.wi.comps) && a.derived.wi.comps[p] != nil {
		defer a.derived.mu.Unlock()
		return a.derived.wi.comps[p]
	}
	a.derived.mu.Unlock()
	out := make([]cellComp, len(a.City.Population.Cells))
	for i := range out {
		out[i] = a.cellComposite(p, i)
	}
	a.derived.mu.Lock()
	defer a.derived.mu.Unlock()
	if len(a.derived.wi.comps) < len(a.Profiles) {
		a.derived.wi.comps = make([][]cellComp, len(a.Profiles))
	}
	a.derived.wi.comps[p] = out
	return out
}

// keptCoverage returns the coverage of category c by group g under
// profile p, computed by cover the first time and kept: the baseline's
// figures serve every scenario.
func (a *Access) keptCoverage(p, c, g int, cover func() CategoryCoverage) CategoryCoverage {
	k := [3]int{p, c, g}
	a.derived.mu.Lock()
	cg, ok := a.derived.wi.cover[k]
	a.derived.mu.Unlock()
	if ok {
		return cg
	}
	cg = cover()
	a.derived.mu.Lock()
	defer a.derived.mu.Unlock()
	if a.derived.wi.cover == nil {
		a.derived.wi.cover = map[[3]int]CategoryCoverage{}
	}
	a.derived.wi.cover[k] = cg
	return cg
}

// capacityChanges lists the capacity figures of group g (0: the city, 1+i:
// community i) under profile prof that differ between the baseline's
// E2SFCA results ca and the scenario's cb.
func capacityChanges(ca, cb []CapacityAccess, prof string, g int) []CapacityChange {
	out := []CapacityChange{}
	fig := func(x *CapacityAccess) *CapacityFigures {
		cc := x.Total
		if g > 0 {
			cc = x.Communities[g-1]
		}
		f := capacityFigures(x, cc)
		return &f
	}
	find := func(cs []CapacityAccess, cat string) *CapacityAccess {
		for k := range cs {
			if cs[k].Profile == prof && cs[k].Category == cat {
				return &cs[k]
			}
		}
		return nil
	}
	seen := map[string]bool{}
	for _, cs := range [2][]CapacityAccess{cb, ca} {
		for k := range cs {
			x := &cs[k]
			if x.Profile != prof || seen[x.Category] {
				continue
			}
			seen[x.Category] = true
			ch := CapacityChange{Category: x.Category}
			ya, yb := find(ca, x.Category), find(cb, x.Category)
			if ya != nil && yb != nil && len(ya.Ratio) > 0 && len(yb.Ratio) > 0 && &ya.Ratio[0] == &yb.Ratio[0] {
				continue // the baseline's result, kept by the scenario
			}
			if ya != nil {
				ch.Before = fig(ya)
			}
			if yb != nil {
				ch.After = fig(yb)
			}
			if !reflect.DeepEqual(ch.Before, ch.After) {
				out = append(out, ch)
			}
		}
	}
	return out
}

func sameCounts(a, b []uint16) bool { return sameTable(a, b, func(x, y uint16) bool { return x == y }) }

func sameMeanK(a, b []float32) bool { return sameTable(a, b, sameFloat32) }

// sameFloat32 is equality with NaN equal to itself.
func sameFloat32(x, y float32) bool { return x == y || (x != x && y != y) }

// sameMap reports whether two maps are one.
func sameMap(a, b map[string]float64) bool {
	return a != nil && reflect.ValueOf(a).UnsafePointer() == reflect.ValueOf(b).UnsafePointer()
}
