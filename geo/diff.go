package geo

import "fifteen/geo/hex"

// CategoryDiff is how one category's coverage of a group changes.
type CategoryDiff struct {
	Category     string  `json:"category"`
	ShareBefore  float64 `json:"share_before"`
	ShareAfter   float64 `json:"share_after"`
	CoveredDelta float64 `json:"covered_delta"`
	// UnreachedDelta is the change in residents with no facility within
	// the cutoff.
	UnreachedDelta float64 `json:"unreached_delta"`
}

// CoverageDiff is one group's change under one profile.
type CoverageDiff struct {
	Profile             string         `json:"profile"`
	CompleteShareBefore float64        `json:"complete_share_before"`
	CompleteShareAfter  float64        `json:"complete_share_after"`
	F15Before           float64        `json:"f15_before"`
	F15After            float64        `json:"f15_after"`
	Categories          []CategoryDiff `json:"categories"`
}

// CommunityDiff is one community's change (or the whole city's, with an
// empty ID).
type CommunityDiff struct {
	ID       string         `json:"id"`
	Name     string         `json:"name"`
	Profiles []CoverageDiff `json:"profiles"`
}

// CellChange is one populated cell whose walk to a category changed.
type CellChange struct {
	Cell       hex.Cell `json:"h3"`
	Profile    string   `json:"profile"`
	Category   string   `json:"category"`
	Population float64  `json:"population"`
	// BeforeMin and AfterMin are the walks in minutes, nil when nothing
	// was within the cutoff.
	BeforeMin *float64 `json:"before_min"`
	AfterMin  *float64 `json:"after_min"`
	// NowCovered is +1 when the cell comes within the category threshold,
	// -1 when it falls out of it, 0 otherwise.
	NowCovered int `json:"now_covered"`
}

// ReportDiff compares two coverage reports of the same communities.
type ReportDiff struct {
	Total       CommunityDiff   `json:"total"`
	Communities []CommunityDiff `json:"communities"`
}

// DiffReports compares a scenario's report with the baseline's.
func DiffReports(before, after *CoverageReport) *ReportDiff {
	d := &ReportDiff{Total: diffCommunity(before.Total, after.Total)}
	for i := range after.Communities {
		d.Communities = append(d.Communities, diffCommunity(before.Communities[i], after.Communities[i]))
	}
	return d
}

func diffCommunity(b, a CommunityCoverage) CommunityDiff {
	cd := CommunityDiff{ID: a.ID, Name: a.Name}
	for p := range a.Profiles {
		pb, pa := b.Profiles[p], a.Profiles[p]
		pd := CoverageDiff{Profile: pa.Profile, CompleteShareBefore: pb.CompleteShare, CompleteShareAfter: pa.CompleteShare,
			F15Before: pb.F15, F15After: pa.F15}
		for c := range pa.Categories {
			cb, ca := pb.Categories[c], pa.Categories[c]
			pd.Categories = append(pd.Categories, CategoryDiff{
				Category: ca.Category, ShareBefore: cb.Share, ShareAfter: ca.Share,
				CoveredDelta: ca.Covered - cb.Covered, UnreachedDelta: ca.Unreached - cb.Unreached,
			})
		}
		cd.Profiles = append(cd.Profiles, pd)
	}
	return cd
}

// CellChanges lists the populated cells whose walk changed between the
// baseline a and the scenario b (b's cells must be a's: a scenario keeps
// the population).
func CellChanges(a, b *Access) []CellChange {
	var out []CellChange
	cats := a.City.Taxonomy.Categories
	for p := range b.Profiles {
		for c := range cats {
			if sameTimes(a.TimeDs[p][c], b.TimeDs[p][c]) {
				continue
			}
			thr := MinToDs(cats[c].ThresholdMin)
			for i, pc := range a.City.Population.Cells {
				tb, ta := a.TimeDs[p][c][i], b.TimeDs[p][c][i]
				if tb == ta {
					continue
				}
				ch := CellChange{Cell: pc.Cell, Profile: b.Profiles[p].ID, Category: cats[c].ID, Population: pc.Pop,
					BeforeMin: minutesOrNil(tb), AfterMin: minutesOrNil(ta)}
				switch {
				case ta <= thr && tb > thr:
					ch.NowCovered = 1
				case ta > thr && tb <= thr:
					ch.NowCovered = -1
				}
				out = append(out, ch)
			}
		}
	}
	return out
}

func sameTimes(a, b []uint32) bool { return sameTable(a, b, func(x, y uint32) bool { return x == y }) }

// sameTable reports whether two tables hold equal values (eq), at once
// when they share their storage (a what-if shares the tables it did not
// change with the baseline).
func sameTable[T any](a, b []T, eq func(x, y T) bool) bool {
	if len(a) != len(b) {
		return false
	}
	if len(a) > 0 && &a[0] == &b[0] {
		return true
	}
	for i := range a {
		if !eq(a[i], b[i]) {
			return false
		}
	}
	return true
}

func minutesOrNil(t uint32) *float64 {
	if t == Unreached {
		return nil
	}
	return ptr(DsToMin(t))
}
