package geo

import (
	"fmt"
	"reflect"
)

// AccessTables are the results of an access computation and the options
// that made them, for a snapshot: a server opening a snapshot then starts
// with its baseline instead of computing it again.
type AccessTables struct {
	Options  AccessOptions
	TimeDs   [][][]uint32
	Nearest  [][][]int32
	Count    [][][]uint16
	MeanKMin [][][]float32
}

// Tables returns a's results and options (shared, not copied).
func (a *Access) Tables() AccessTables {
	return AccessTables{Options: a.Options, TimeDs: a.TimeDs, Nearest: a.Nearest, Count: a.Count, MeanKMin: a.MeanKMin}
}

// RestoreAccess returns the access of city with options opt from stored
// tables, without searching, when the tables were computed with the same
// options (as filled: walkers, cutoff, K) for a city of the same
// categories and cells; ok is false, and the caller computes, otherwise.
// Tables that do not fit the city are an error.
func RestoreAccess(city *City, opt AccessOptions, t AccessTables) (a *Access, ok bool, err error) {
	opt, err = fillAccessOptions(city, opt)
	if err != nil {
		return nil, false, err
	}
	if !reflect.DeepEqual(opt, t.Options) {
		return nil, false, nil
	}
	a, err = newAccess(city, opt)
	if err != nil {
		return nil, false, err
	}
	np, nc, ncell := len(a.Profiles), len(city.Taxonomy.Categories), len(city.Population.Cells)
	bad := fmt.Errorf("stored access: tables do not fit %d walkers, %d categories, %d cells", np, nc, ncell)
	if len(t.TimeDs) != np || len(t.Nearest) != np || len(t.Count) != np || len(t.MeanKMin) != np {
		return nil, false, bad
	}
	for p := 0; p < np; p++ {
		if len(t.TimeDs[p]) != nc || len(t.Nearest[p]) != nc || len(t.Count[p]) != nc || len(t.MeanKMin[p]) != nc {
			return nil, false, bad
		}
		for c := 0; c < nc; c++ {
			if len(t.TimeDs[p][c]) != ncell || len(t.Nearest[p][c]) != ncell || len(t.Count[p][c]) != ncell || len(t.MeanKMin[p][c]) != ncell {
				return nil, false, bad
			}
			for _, f := range t.Nearest[p][c] {
				if f < -1 || int(f) >= len(city.Facilities) {
					return nil, false, bad
				}
			}
		}
	}
	a.TimeDs, a.Nearest, a.Count, a.MeanKMin = t.TimeDs, t.Nearest, t.Count, t.MeanKMin
	return a, true, nil
}
