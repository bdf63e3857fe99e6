package data

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"

	"fifteen/geo"
)

// Life-circle compliance on the default city, checked against invariants
// that hold whatever the data.

var (
	lcOnce   sync.Once
	lcAccess *geo.Access
	lcErr    error
)

// lcDefaultAccess computes the default access of the default city once
// per test binary.
func lcDefaultAccess(tb testing.TB) *geo.Access {
	tb.Helper()
	city := defaultCity(tb)
	lcOnce.Do(func() { lcAccess, lcErr = geo.ComputeAccess(city, geo.AccessOptions{}) })
	if lcErr != nil {
		tb.Fatal(lcErr)
	}
	return lcAccess
}

func lcProfile(tb testing.TB, a *geo.Access, id string) int {
	tb.Helper()
	p := a.ProfileIndex(id)
	if p < 0 {
		tb.Fatalf("no profile %q", id)
	}
	return p
}

// TestLifeCirclesDefaultCityInvariants checks, for every profile, community
// and tier: shares lie in [0, 1], compliance is at most the smallest served
// share of the tier's categories, Missing is sorted and holds exactly the
// categories below MissingBelow, and CellMeets agrees with compliance.
func TestLifeCirclesDefaultCityInvariants(t *testing.T) {
	a := lcDefaultAccess(t)
	r, err := a.LifeCircles(geo.LifeCircleConfig{})
	if err != nil {
		t.Fatal(err)
	}
	city := a.City
	if got, want := len(r.Config.Tiers), 3; got != want {
		t.Fatalf("%d default tiers, want %d", got, want)
	}
	const eps = 1e-9
	check := func(where string, tc geo.TierCompliance, tier geo.LifeCircleTier) {
		t.Helper()
		if tc.Compliance < 0 || tc.Compliance > 1+eps {
			t.Errorf("%s: compliance %v outside [0, 1]", where, tc.Compliance)
		}
		minServed := math.Inf(1)
		for _, id := range tier.Categories {
			s, ok := tc.Served[id]
			if !ok {
				t.Errorf("%s: no served share for %s", where, id)
			}
			if s < 0 || s > 1+eps {
				t.Errorf("%s: served[%s] = %v outside [0, 1]", where, id, s)
			}
			minServed = min(minServed, s)
		}
		if tc.Compliance > minServed+eps {
			t.Errorf("%s: compliance %v above the smallest served share %v", where, tc.Compliance, minServed)
		}
		n := 0
		for i, m := range tc.Missing {
			if i > 0 && m.ServedShare < tc.Missing[i-1].ServedShare {
				t.Errorf("%s: missing not least served first: %v", where, tc.Missing)
			}
			if m.ServedShare != tc.Served[m.Category] {
				t.Errorf("%s: missing %s share %v, served %v", where, m.Category, m.ServedShare, tc.Served[m.Category])
			}
		}
		for _, id := range tier.Categories {
			if tc.Residents > 0 && tc.Served[id] < r.Config.MissingBelow {
				n++
			}
		}
		if tc.Residents > 0 && n != len(tc.Missing) {
			t.Errorf("%s: %d categories below %v, %d missing", where, n, r.Config.MissingBelow, len(tc.Missing))
		}
	}
	byPop := true // every cell weighs its population
	for _, c := range city.Communities {
		byPop = byPop && c.Aged60Share < 0
	}
	for p := range a.Profiles {
		id := a.Profiles[p].ID
		for k := range city.Communities {
			for ti, tier := range r.Config.Tiers {
				check(fmt.Sprintf("%s %s %d min", id, city.Communities[k].ID, tier.Minutes), r.Communities[p][k][ti], tier)
			}
		}
		for ti, tier := range r.Config.Tiers {
			tc := r.City[p][ti]
			check(id+" city", tc, tier)
			t.Logf("%-10s %2d min: compliance %.3f  served %v  missing %v", id, tier.Minutes, tc.Compliance, tc.Served, tc.Missing)
			if a.Profiles[p].Weight == geo.WeightAged60 && !byPop {
				continue
			}
			// CellMeets weighted by population gives the city figure.
			var met, all float64
			for i, c := range city.Population.Cells {
				all += c.Pop
				if r.CellMeets[p][i]&(1<<ti) != 0 {
					met += c.Pop
				}
			}
			if math.Abs(met/all-tc.Compliance) > 1e-9 || math.Abs(all-tc.Residents) > 1e-6*all {
				t.Errorf("%s tier %d: cells give %v of %v, result %v of %v", id, tier.Minutes, met/all, all, tc.Compliance, tc.Residents)
			}
		}
	}
}

// TestLifeCirclesSeniorNoBetterThanAdult: the senior profile walks slower
// and is never faster on any edge, so, by time, a cell it serves is served
// to adults too, and no community or tier does better for seniors.
func TestLifeCirclesSeniorNoBetterThanAdult(t *testing.T) {
	a := lcDefaultAccess(t)
	r, err := a.LifeCircles(geo.LifeCircleConfig{ByMinutes: true})
	if err != nil {
		t.Fatal(err)
	}
	adult, senior := lcProfile(t, a, "adult"), lcProfile(t, a, "senior")
	for i := range r.CellMeets[senior] {
		if s, ad := r.CellMeets[senior][i], r.CellMeets[adult][i]; s&^ad != 0 {
			t.Fatalf("cell %d meets tiers %03b for seniors but %03b for adults", i, s, ad)
		}
	}
	for k, c := range a.City.Communities {
		for ti, tier := range r.Config.Tiers {
			s, ad := r.Communities[senior][k][ti], r.Communities[adult][k][ti]
			if s.Compliance > ad.Compliance+1e-9 {
				t.Errorf("%s tier %d: senior compliance %v above adult %v", c.ID, tier.Minutes, s.Compliance, ad.Compliance)
			}
			for id, sv := range s.Served {
				if sv > ad.Served[id]+1e-9 {
					t.Errorf("%s tier %d: %s served to %v of seniors, %v of adults", c.ID, tier.Minutes, id, sv, ad.Served[id])
				}
			}
		}
	}
}

// TestLifeCirclesByDistanceThreshold: compliance is by GB 50180-2018's
// network distances by default; the reported threshold in minutes is the
// distance at the walker's level speed: 300 m at the adult's 4.5 km/h
// (1.25 m/s) is 240 s, 4 minutes; at the senior's 3.6 km/h it is 5. Adults
// and seniors may use the same ways, so by distance they are served alike.
func TestLifeCirclesByDistanceThreshold(t *testing.T) {
	a := lcDefaultAccess(t)
	r, err := a.LifeCircles(geo.LifeCircleConfig{})
	if err != nil {
		t.Fatal(err)
	}
	adult, senior := lcProfile(t, a, "adult"), lcProfile(t, a, "senior")
	want := map[int][2]float64{5: {4, 5}, 10: {500.0 / 75, 500.0 / 60}, 15: {1000.0 / 75, 1000.0 / 60}}
	for ti, tier := range r.Config.Tiers {
		w := want[tier.Minutes]
		if got := r.City[adult][ti].ThresholdMin; math.Abs(got-w[0]) > 1e-9 {
			t.Errorf("adult %d min (%v m): threshold %v min, want %v", tier.Minutes, tier.DistanceM, got, w[0])
		}
		if got := r.City[senior][ti].ThresholdMin; math.Abs(got-w[1]) > 1e-9 {
			t.Errorf("senior %d min (%v m): threshold %v min, want %v", tier.Minutes, tier.DistanceM, got, w[1])
		}
	}
	if got := geo.MinToDs(r.City[adult][0].ThresholdMin); got != 2400 {
		t.Errorf("adult 300 m threshold is %d ds, want 2400", got)
	}
	if !slices.Equal(r.CellMeets[adult], r.CellMeets[senior]) {
		t.Error("by distance, adults and seniors (who may use the same ways) meet different tiers")
	}
	for ti, tier := range r.Config.Tiers {
		if d := r.City[adult][ti].DistanceM; d == nil || *d != tier.DistanceM {
			t.Errorf("tier %d: distance_m %v, want %v", tier.Minutes, d, tier.DistanceM)
		}
	}
	// By minutes the 10-minute circle is 750 m for an adult, by the
	// standard's distance 500 m: compliance falls.
	byTime, err := a.LifeCircles(geo.LifeCircleConfig{ByMinutes: true})
	if err != nil {
		t.Fatal(err)
	}
	d, tm := r.City[adult][1].Compliance, byTime.City[adult][1].Compliance
	t.Logf("adult 10-minute compliance: %.4f by 500 m, %.4f by 10 minutes", d, tm)
	if d > tm+1e-9 {
		t.Errorf("adult 10-min compliance by 500 m %v above by 10 minutes (750 m) %v", d, tm)
	}
	if byTime.City[adult][1].DistanceM != nil {
		t.Error("by minutes, a distance is reported")
	}
}

func TestLifeCirclesDefaultCityUnknownCategory(t *testing.T) {
	a := lcDefaultAccess(t)
	_, err := a.LifeCircles(geo.LifeCircleConfig{Tiers: []geo.LifeCircleTier{
		{Minutes: 5, DistanceM: 300, Categories: []string{"kindergarten", "bakery"}},
	}})
	if !errors.Is(err, geo.ErrUnknownCategory) || !strings.Contains(err.Error(), `"bakery"`) {
		t.Errorf("error %v, want %v naming bakery", err, geo.ErrUnknownCategory)
	}
}

// BenchmarkLifeCircles is the default life-circle compliance of the
// default city for the three default profiles, access computed once.
func BenchmarkLifeCircles(b *testing.B) {
	a := lcDefaultAccess(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.LifeCircles(geo.LifeCircleConfig{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLifeCirclesByMinutes is BenchmarkLifeCircles with the tiers'
// minutes as thresholds.
func BenchmarkLifeCirclesByMinutes(b *testing.B) {
	a := lcDefaultAccess(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.LifeCircles(geo.LifeCircleConfig{ByMinutes: true}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLifeCirclesDistanceCold is the first default (by distance)
// life-circle computation on a fresh Access: the network-distance searches
// of every tier category and profile included.
func BenchmarkLifeCirclesDistanceCold(b *testing.B) {
	city := defaultCity(b)
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		a, err := geo.ComputeAccess(city, geo.AccessOptions{})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := a.LifeCircles(geo.LifeCircleConfig{}); err != nil {
			b.Fatal(err)
		}
	}
}
