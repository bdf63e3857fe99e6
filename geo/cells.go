package geo

import (
	"fmt"
	"math"
	"slices"

	"fifteen/geo/hex"
)

// CellRow is one H3 cell of the cells result: its population and, for each
// category, the population-weighted walk minutes of those who reach one
// within the cutoff (NaN when none does) and the share within the
// category's threshold.
type CellRow struct {
	Cell       hex.Cell
	Community  string
	Population float64
	Minutes    []float64
	Within     []float64
}

// MinCellsRes is the coarsest resolution of Access.Cells.
const MinCellsRes = 7

// Cells aggregates the access of profile p to H3 cells of resolution res
// (MinCellsRes to PopulationRes), sorted by cell: a coarser cell combines
// its children population-weighted, and belongs to the community that
// holds most of its residents (none when most live outside every
// community; ties to the first).
func (a *Access) Cells(p, res int) ([]CellRow, error) {
	if res < MinCellsRes || res > PopulationRes {
		return nil, fmt.Errorf("%w: resolution %d outside %d..%d", ErrBadOption, res, MinCellsRes, PopulationRes)
	}
	if p < 0 || p >= len(a.Profiles) {
		return nil, fmt.Errorf("%w: walker %d", ErrBadOption, p)
	}
	cats := a.City.Taxonomy.Categories
	type acc struct {
		row                CellRow
		reachedW, reachedT []float64
		within             []float64
		weight             float64
		communityPop       map[int32]float64
	}
	byCell := map[hex.Cell]*acc{}
	var order []hex.Cell
	for i, pc := range a.City.Population.Cells {
		c := pc.Cell.Parent(res)
		x := byCell[c]
		if x == nil {
			x = &acc{row: CellRow{Cell: c}, reachedW: make([]float64, len(cats)), reachedT: make([]float64, len(cats)),
				within: make([]float64, len(cats)), communityPop: map[int32]float64{}}
			byCell[c] = x
			order = append(order, c)
		}
		w := a.CellWeight(p, i)
		x.row.Population += pc.Pop
		x.weight += w
		x.communityPop[pc.Community] += pc.Pop
		for ci := range cats {
			t := a.TimeDs[p][ci][i]
			if t != Unreached {
				x.reachedW[ci] += w
				x.reachedT[ci] += w * DsToMin(t)
			}
			if t <= MinToDs(cats[ci].ThresholdMin) {
				x.within[ci] += w
			}
		}
	}
	slices.Sort(order)
	rows := make([]CellRow, 0, len(order))
	for _, c := range order {
		x := byCell[c]
		main, mainPop := int32(-1), 0.0
		for cm, pop := range x.communityPop {
			if pop > mainPop || (pop == mainPop && cm < main) {
				main, mainPop = cm, pop
			}
		}
		if main >= 0 {
			x.row.Community = a.City.Communities[main].ID
		}
		x.row.Minutes = make([]float64, len(cats))
		x.row.Within = make([]float64, len(cats))
		for ci := range cats {
			x.row.Minutes[ci] = math.NaN()
			if x.reachedW[ci] > 0 {
				x.row.Minutes[ci] = x.reachedT[ci] / x.reachedW[ci]
			}
			if x.weight > 0 {
				x.row.Within[ci] = x.within[ci] / x.weight
			}
		}
		rows = append(rows, x.row)
	}
	return rows, nil
}
