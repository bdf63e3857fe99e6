package data

import (
	"context"
	"sync"
	"testing"

	"fifteen/geo"
)

var (
	cityOnce sync.Once
	cityLI   *geo.City
	cityErr  error
)

// defaultCity loads the embedded city once per test binary.
func defaultCity(tb testing.TB) *geo.City {
	tb.Helper()
	cityOnce.Do(func() { cityLI, _, cityErr = Load(context.Background(), Config{}) })
	if cityErr != nil {
		tb.Fatal(cityErr)
	}
	return cityLI
}

// BenchmarkReachOneCategory is one multi-source search over the default
// city for one category (clinics), adult profile, 30-minute cutoff.
func BenchmarkReachOneCategory(b *testing.B) {
	city := defaultCity(b)
	fa := city.FacilityAccess
	costs := geo.NewCosts(city.Graph, &geo.DefaultProfiles()[0])
	var src []geo.Source
	for i, f := range city.Facilities {
		if f.Category == "clinic" {
			for _, s := range fa[i] {
				src = append(src, geo.Source{Snap: s, StartDs: costs.Leg(s.DistM), ID: int32(i)})
			}
		}
	}
	s := geo.NewSearcher(city.Graph)
	b.ReportAllocs()
	for b.Loop() {
		s.Reach(costs, src, geo.MinToDs(30), true)
	}
}

// BenchmarkAccessAll computes every category for the three default
// profiles on the default city.
func BenchmarkAccessAll(b *testing.B) {
	city := defaultCity(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := geo.ComputeAccess(city, geo.AccessOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
