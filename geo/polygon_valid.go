package geo

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// ErrInvalidPolygon means a polygon is not valid: a ring crosses itself,
// or a hole lies outside its shell. Such a polygon has no well-defined
// inside, so the cells and people it holds would be arbitrary.
var ErrInvalidPolygon = errors.New("geo: invalid polygon")

// ValidatePolygon checks that no ring of poly crosses itself and that
// every hole lies within the shell (touching allowed). Rings are closed.
// It runs in about O(n log n) for a ring of n vertices of ordinary shape.
func ValidatePolygon(poly orb.Polygon) error {
	for ri, ring := range poly {
		if p, ok := ringCrossing(ring); ok {
			what := "the outer ring"
			if ri > 0 {
				what = fmt.Sprintf("hole %d", ri)
			}
			return fmt.Errorf("%w: %s crosses itself near (%.6f, %.6f)", ErrInvalidPolygon, what, p[0], p[1])
		}
	}
	if len(poly) == 0 {
		return nil
	}
	shell := poly[0]
	for hi, hole := range poly[1:] {
		for _, p := range hole {
			if !planar.RingContains(shell, p) {
				return fmt.Errorf("%w: hole %d lies outside the outer ring, at (%.6f, %.6f)", ErrInvalidPolygon, hi+1, p[0], p[1])
			}
		}
	}
	return nil
}

// ringCrossing finds two non-adjacent edges of a closed ring that cross
// (each passing strictly through the other), and returns a point near
// the crossing. Edges are swept in order of their west end, so only
// those whose longitude spans overlap are compared.
func ringCrossing(r orb.Ring) (orb.Point, bool) {
	n := len(r) - 1 // edges
	if n < 4 {
		return orb.Point{}, false
	}
	idx := make([]int, 0, n)
	for i := range n {
		if r[i] != r[i+1] {
			idx = append(idx, i)
		}
	}
	minX := func(i int) float64 { return math.Min(r[i][0], r[i+1][0]) }
	slices.SortFunc(idx, func(a, b int) int {
		if c := cmpF(minX(a), minX(b)); c != 0 {
			return c
		}
		return a - b
	})
	for k, i := range idx {
		maxXi := math.Max(r[i][0], r[i+1][0])
		loYi, hiYi := math.Min(r[i][1], r[i+1][1]), math.Max(r[i][1], r[i+1][1])
		for _, j := range idx[k+1:] {
			if minX(j) > maxXi {
				break
			}
			if d := j - i; d == 1 || d == -1 || (i == 0 && j == n-1) || (j == 0 && i == n-1) {
				continue // neighbours share a vertex
			}
			if math.Max(r[j][1], r[j+1][1]) < loYi || math.Min(r[j][1], r[j+1][1]) > hiYi {
				continue
			}
			if properCross(r[i], r[i+1], r[j], r[j+1]) {
				return r[i], true
			}
		}
	}
	return orb.Point{}, false
}

func cmpF(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// properCross tells whether segments ab and cd cross at a point interior
// to both.
func properCross(a, b, c, d orb.Point) bool {
	o := func(p, q, r orb.Point) float64 { return (q[0]-p[0])*(r[1]-p[1]) - (q[1]-p[1])*(r[0]-p[0]) }
	d1, d2, d3, d4 := o(a, b, c), o(a, b, d), o(c, d, a), o(c, d, b)
	return ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))
}
