package geo

import (
	"math"
	"testing"
)

func TestQuantileAndGini(t *testing.T) {
	tests := []struct {
		name     string
		tw       []timeWeight
		wantQ    float64 // NaN for nil
		wantGini float64
	}{
		{"equal times: no inequality", []timeWeight{{t: 5, w: 1}, {t: 5, w: 3}}, 5, 0},
		// Two people, 0 and 10 minutes: mean difference 10/2... Gini =
		// sum|xi-xj| / (2 n^2 mean) = 2*10 / (2*4*5) = 0.5.
		{"two people 0 and 10", []timeWeight{{t: 10, w: 1}, {t: 0, w: 1}}, 10, 0.5},
		// Weights act as repeated people: 3 at 0 and 1 at 12:
		// sum|xi-xj| = 2*3*12 = 72; n=4, mean 3 -> 72/(2*16*3) = 0.75.
		{"weights are people", []timeWeight{{t: 0, w: 3}, {t: 12, w: 1}}, 12, 0.75},
		{"quantile among the unreached is nil", []timeWeight{{t: 4, w: 1}, {t: 30, w: 1, unreached: true}}, math.NaN(), 1 - (1*(0+4)+1*(4+34))/(2*34.0)},
		{"90th percentile", []timeWeight{{t: 1, w: 9}, {t: 2, w: 1}}, 1, 1 - (9*(0+9)+1*(9+11))/(10*11.0)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q, g := quantileAndGini(append([]timeWeight(nil), tc.tw...), 0.9)
			if math.IsNaN(tc.wantQ) != (q == nil) || (q != nil && *q != tc.wantQ) {
				t.Errorf("quantile %v, want %v", q, tc.wantQ)
			}
			if math.Abs(g-tc.wantGini) > 1e-12 {
				t.Errorf("gini %v, want %v", g, tc.wantGini)
			}
		})
	}
}
