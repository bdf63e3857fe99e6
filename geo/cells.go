package geo

import (
	"fmt"
	"math"

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
	pop := a.City.Population.Cells
	var rows []CellRow
	// Population.Cells are sorted by cell, so the children of a coarser
	// cell are contiguous.
	for lo := 0; lo < len(pop); {
		c := pop[lo].Cell.Parent(res)
		hi := lo + 1
		for hi < len(pop) && pop[hi].Cell.Parent(res) == c {
			hi++
		}
		rows = append(rows, a.CellRow(p, c, lo, hi))
		lo = hi
	}
	return rows, nil
}

// CellRow aggregates the access of profile p over the population cells
// lo..hi-1 (Population.Cells[lo:hi]: the populated children of c, which
// are contiguous) into c's row, as Cells does; the tiles build only the
// rows they show this way.
func (a *Access) CellRow(p int, c hex.Cell, lo, hi int) CellRow {
	cats := a.City.Taxonomy.Categories
	row := CellRow{Cell: c}
	reachedW, reachedT := make([]float64, len(cats)), make([]float64, len(cats))
	within := make([]float64, len(cats))
	weight := 0.0
	main, mainPop := int32(-1), 0.0
	communityPop := map[int32]float64{}
	for i := lo; i < hi; i++ {
		pc := &a.City.Population.Cells[i]
		w := a.CellWeight(p, i)
		row.Population += pc.Pop
		weight += w
		communityPop[pc.Community] += pc.Pop
		for ci := range cats {
			t := a.TimeDs[p][ci][i]
			if t != Unreached {
				reachedW[ci] += w
				reachedT[ci] += w * DsToMin(t)
			}
			if t <= MinToDs(cats[ci].ThresholdMin) {
				within[ci] += w
			}
		}
	}
	for cm, pop := range communityPop {
		if pop > mainPop || (pop == mainPop && cm < main) {
			main, mainPop = cm, pop
		}
	}
	if main >= 0 {
		row.Community = a.City.Communities[main].ID
	}
	row.Minutes = make([]float64, len(cats))
	row.Within = make([]float64, len(cats))
	for ci := range cats {
		row.Minutes[ci] = math.NaN()
		if reachedW[ci] > 0 {
			row.Minutes[ci] = reachedT[ci] / reachedW[ci]
		}
		if weight > 0 {
			row.Within[ci] = within[ci] / weight
		}
	}
	return row
}
