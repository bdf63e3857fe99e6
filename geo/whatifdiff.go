package geo

import "slices"

// WhatIfDiff is the compact answer to a what-if scenario: what changed
// between the baseline access and the scenario's, not the whole report
// (which Access.Report still gives on request). Its size follows the
// change, not the city: on a city of 50,000 cells a facility what-if lists
// the few hundred cells and the communities it touches.
type WhatIfDiff struct {
	// Changes lists, per profile, the categories whose access changed.
	Changes []CategoryChange `json:"changes"`
	// Communities lists the communities (and the whole city, with an
	// empty ID) whose figures changed, per profile and category.
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

// CommunityChange is one community's figures for one profile and category
// before and after, as in CategoryCoverage: residents within the
// threshold, residents with nothing within the cutoff, and the mean number
// of facilities within the threshold.
type CommunityChange struct {
	ID                  string  `json:"id"`
	Name                string  `json:"name"`
	Profile             string  `json:"profile"`
	Category            string  `json:"category"`
	Population          float64 `json:"population"`
	CoveredBefore       float64 `json:"covered_before"`
	CoveredAfter        float64 `json:"covered_after"`
	ShareBefore         float64 `json:"share_before"`
	ShareAfter          float64 `json:"share_after"`
	UnreachedBefore     float64 `json:"unreached_before"`
	UnreachedAfter      float64 `json:"unreached_after"`
	OpportunitiesBefore float64 `json:"opportunities_before"`
	OpportunitiesAfter  float64 `json:"opportunities_after"`
}

// DiffAccess compares the scenario access b with the baseline a (b's
// cells must be a's: a scenario keeps the population). Only the
// categories whose times or counts differ are read cell by cell; the
// categories a facility what-if did not touch share their tables with the
// baseline and are skipped at once.
func DiffAccess(a, b *Access) *WhatIfDiff {
	d := &WhatIfDiff{Changes: []CategoryChange{}, Communities: []CommunityChange{}, Cells: []CellChange{}}
	cats := a.City.Taxonomy.Categories
	cells := a.City.Population.Cells
	ncomm := len(a.City.Communities)
	for p := range b.Profiles {
		for c := range cats {
			ta, tb := a.TimeDs[p][c], b.TimeDs[p][c]
			ca, cb := a.Count[p][c], b.Count[p][c]
			if sameTimes(ta, tb) && sameCounts(ca, cb) {
				continue
			}
			thr := MinToDs(cats[c].ThresholdMin)
			ch := CategoryChange{Profile: b.Profiles[p].ID, Category: cats[c].ID}
			touched := make([]bool, ncomm+1) // 0: the city
			for i := range cells {
				if ta[i] == tb[i] && ca[i] == cb[i] {
					continue
				}
				ch.Cells++
				touched[0] = true
				if cm := cells[i].Community; cm >= 0 {
					touched[cm+1] = true
				}
				w := a.CellWeight(p, i)
				switch inA, inB := ta[i] <= thr, tb[i] <= thr; {
				case inB && !inA:
					ch.NewlyCovered += w
				case inA && !inB:
					ch.NoLongerCovered += w
				}
				if ta[i] != tb[i] {
					cc := CellChange{Cell: cells[i].Cell, Profile: b.Profiles[p].ID, Category: cats[c].ID, Population: cells[i].Pop,
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
			// The touched groups' figures, before and after, from their
			// own cells.
			groups := make([]CommunityChange, ncomm+1)
			for g := range groups {
				groups[g] = CommunityChange{Profile: ch.Profile, Category: ch.Category}
			}
			groups[0].Name = a.City.Name
			for ci, cm := range a.City.Communities {
				groups[ci+1].ID, groups[ci+1].Name = cm.ID, cm.Name
			}
			for i := range cells {
				cm := cells[i].Community
				inComm := cm >= 0 && touched[cm+1]
				w := a.CellWeight(p, i)
				for _, g := range [2]int{0, int(cm) + 1} {
					if g == 0 || inComm {
						gc := &groups[g]
						gc.Population += w
						if ta[i] <= thr {
							gc.CoveredBefore += w
						}
						if tb[i] <= thr {
							gc.CoveredAfter += w
						}
						if ta[i] == Unreached {
							gc.UnreachedBefore += w
						}
						if tb[i] == Unreached {
							gc.UnreachedAfter += w
						}
						gc.OpportunitiesBefore += w * float64(ca[i])
						gc.OpportunitiesAfter += w * float64(cb[i])
					}
					if cm < 0 {
						break
					}
				}
			}
			for g := range groups {
				if !touched[g] {
					continue
				}
				gc := groups[g]
				if gc.Population > 0 {
					gc.ShareBefore, gc.ShareAfter = gc.CoveredBefore/gc.Population, gc.CoveredAfter/gc.Population
					gc.OpportunitiesBefore /= gc.Population
					gc.OpportunitiesAfter /= gc.Population
				}
				d.Communities = append(d.Communities, gc)
			}
		}
	}
	return d
}

func sameCounts(a, b []uint16) bool {
	if len(a) > 0 && len(b) > 0 && &a[0] == &b[0] {
		return true
	}
	return slices.Equal(a, b)
}
