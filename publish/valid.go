package publish

import (
	"fmt"
	"math"

	"github.com/paulmach/orb"
)

// RingProblem describes what makes a ring invalid as a polygon ring, ""
// when nothing does: open or shorter than four points, a point repeated
// next to itself, a spike (a path turning straight back), and with strict
// also a point passed twice or two edges that cross or overlap (checked
// pair by pair: for tests and small rings).
func RingProblem(r orb.Ring, strict bool) string {
	n := len(r)
	if n < 4 || r[0] != r[n-1] {
		return "open or too short"
	}
	for i := 1; i < n; i++ {
		if r[i] == r[i-1] {
			return fmt.Sprintf("point %v repeated next to itself", r[i])
		}
		if i+1 < n && r[i+1] == r[i-1] {
			return fmt.Sprintf("spike at %v", r[i])
		}
	}
	if !strict {
		return ""
	}
	seen := make(map[orb.Point]bool, n)
	for _, p := range r[:n-1] {
		if seen[p] {
			return fmt.Sprintf("point %v passed twice", p)
		}
		seen[p] = true
	}
	for i := 0; i < n-1; i++ {
		for j := i + 1; j < n-1; j++ {
			if j == i+1 || (i == 0 && j == n-2) {
				continue // neighbours share a point
			}
			if segmentsMeet(r[i], r[i+1], r[j], r[j+1]) {
				return fmt.Sprintf("edges %d and %d meet", i, j)
			}
		}
	}
	return ""
}

// segmentsMeet reports whether segments ab and cd cross or touch.
func segmentsMeet(a, b, c, d orb.Point) bool {
	o := func(p, q, r orb.Point) float64 { return (q[0]-p[0])*(r[1]-p[1]) - (q[1]-p[1])*(r[0]-p[0]) }
	d1, d2, d3, d4 := o(c, d, a), o(c, d, b), o(a, b, c), o(a, b, d)
	if ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0)) {
		return true
	}
	on := func(p, q, r orb.Point) bool {
		return math.Min(p[0], q[0]) <= r[0] && r[0] <= math.Max(p[0], q[0]) && math.Min(p[1], q[1]) <= r[1] && r[1] <= math.Max(p[1], q[1])
	}
	return (d1 == 0 && on(c, d, a)) || (d2 == 0 && on(c, d, b)) || (d3 == 0 && on(a, b, c)) || (d4 == 0 && on(a, b, d))
}
