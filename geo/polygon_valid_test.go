package geo

import (
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
)

func TestValidatePolygon(t *testing.T) {
	square := orb.Ring{{0, 0}, {1, 0}, {1, 1}, {0, 1}, {0, 0}}
	cases := []struct {
		name string
		poly orb.Polygon
		ok   bool
	}{
		{"square", orb.Polygon{square}, true},
		{"square with a hole inside", orb.Polygon{square, {{0.2, 0.2}, {0.4, 0.2}, {0.4, 0.4}, {0.2, 0.4}, {0.2, 0.2}}}, true},
		{"hole touching the shell", orb.Polygon{square, {{0, 0.2}, {0.4, 0.2}, {0.4, 0.4}, {0, 0.2}}}, true},
		{"bowtie issue-12", orb.Polygon{{{0, 0}, {1, 1}, {1, 0}, {0, 1}, {0, 0}}}, false},
		{"hole outside its shell issue-12", orb.Polygon{square, {{2, 2}, {3, 2}, {3, 3}, {2, 2}}}, false},
		{"hole half out", orb.Polygon{square, {{0.5, 0.5}, {1.5, 0.5}, {1.5, 0.6}, {0.5, 0.5}}}, false},
		{"repeated vertex", orb.Polygon{{{0, 0}, {1, 0}, {1, 0}, {1, 1}, {0, 1}, {0, 0}}}, true},
		{"crossing hole", orb.Polygon{square, {{0.2, 0.2}, {0.8, 0.8}, {0.8, 0.2}, {0.2, 0.8}, {0.2, 0.2}}}, false},
	}
	for _, c := range cases {
		err := ValidatePolygon(c.poly)
		if (err == nil) != c.ok || (err != nil && !errors.Is(err, ErrInvalidPolygon)) {
			t.Errorf("%s: %v, want ok=%v", c.name, err, c.ok)
		}
	}
}

// TestRingCrossingMatchesBruteForce compares the sweep with every pair of
// edges, on random rings (many of which cross themselves).
func TestRingCrossingMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 12))
	for it := range 2000 {
		n := 4 + rng.IntN(9)
		r := make(orb.Ring, n)
		for i := range r {
			r[i] = orb.Point{float64(rng.IntN(6)), float64(rng.IntN(6))}
		}
		r = append(r, r[0])
		_, got := ringCrossing(r)
		want := false
		m := len(r) - 1
		for i := range m {
			for j := i + 2; j < m; j++ {
				if i == 0 && j == m-1 {
					continue
				}
				if r[i] == r[i+1] || r[j] == r[j+1] {
					continue
				}
				if properCross(r[i], r[i+1], r[j], r[j+1]) {
					want = true
				}
			}
		}
		if got != want {
			t.Fatalf("ring %d %v: sweep %v, brute force %v", it, r, got, want)
		}
	}
}
