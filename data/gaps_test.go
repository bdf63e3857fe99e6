package data

import (
	"math"
	"slices"
	"sync"
	"testing"

	"github.com/paulmach/orb"

	"fifteen/geo"
	"fifteen/geo/hex"
)

// Underserved areas and siting on the default city.

var (
	gapsOnce   sync.Once
	gapsAccess *geo.Access
	gapsErr    error
)

// gapsDefaultAccess computes the default access of the default city once
// per test binary.
func gapsDefaultAccess(tb testing.TB) *geo.Access {
	tb.Helper()
	city := defaultCity(tb)
	gapsOnce.Do(func() { gapsAccess, gapsErr = geo.ComputeAccess(city, geo.AccessOptions{}) })
	if gapsErr != nil {
		tb.Fatal(gapsErr)
	}
	return gapsAccess
}

func TestGapsClinicDefaultCity(t *testing.T) {
	a := gapsDefaultAccess(t)
	clusters, err := a.Gaps(geo.GapOptions{Category: "clinic"})
	if err != nil {
		t.Fatal(err)
	}
	if len(clusters) == 0 {
		t.Fatal("no underserved cluster for clinics")
	}
	c := slices.IndexFunc(a.City.Taxonomy.Categories, func(c geo.Category) bool { return c.ID == "clinic" })
	thr := geo.MinToDs(a.City.Taxonomy.Categories[c].ThresholdMin)
	var want float64
	for i, pc := range a.City.Population.Cells {
		if a.TimeDs[a.ProfileIndex("adult")][c][i] > thr {
			want += pc.Pop
		}
	}
	var total float64
	cells := map[hex.Cell]bool{}
	for k, cl := range clusters {
		total += cl.Population
		if cl.ID != k+1 || !(cl.Population > 0) || len(cl.Cells) == 0 || len(cl.Outline) == 0 || len(cl.Communities) == 0 {
			t.Errorf("cluster %d: id %d, population %v, %d cells, %d polygons, communities %v",
				k, cl.ID, cl.Population, len(cl.Cells), len(cl.Outline), cl.Communities)
		}
		if k > 0 && cl.Population > clusters[k-1].Population {
			t.Errorf("cluster %d (%v) ranked after a smaller one (%v)", k, cl.Population, clusters[k-1].Population)
		}
		if cl.MeanMin != nil && (*cl.MeanMin > *cl.MaxMin || *cl.MaxMin <= 15) {
			t.Errorf("cluster %d: mean %v, max %v min; want mean ≤ max and max beyond the 15-min threshold", k, *cl.MeanMin, *cl.MaxMin)
		}
		if cl.Unreached > cl.Population+1e-9 || (cl.MeanMin == nil) != (cl.Unreached >= cl.Population-1e-9) {
			t.Errorf("cluster %d: unreached %v of %v, mean %v", k, cl.Unreached, cl.Population, cl.MeanMin)
		}
		for _, h := range cl.Cells {
			if cells[h] {
				t.Errorf("cell %s in two clusters", h)
			}
			cells[h] = true
		}
	}
	if math.Abs(total-want) > 1e-6*want {
		t.Errorf("clusters hold %.1f residents, the cells beyond 15 min %.1f", total, want)
	}
	t.Logf("clinic: %d clusters, %.0f residents; largest %.0f residents on %d cells in %v",
		len(clusters), total, clusters[0].Population, len(clusters[0].Cells), clusters[0].Communities)

	// Filters keep a subset of the clusters.
	comm := clusters[0].Communities[0]
	some, err := a.Gaps(geo.GapOptions{Category: "clinic", Community: comm, MinPopulation: 50})
	if err != nil {
		t.Fatal(err)
	}
	for _, cl := range some {
		if cl.Population < 50 || !slices.Contains(cl.Communities, comm) {
			t.Errorf("filtered cluster %+v: want ≥ 50 residents of %s", cl, comm)
		}
	}
	tier, err := a.Gaps(geo.GapOptions{Tier: 15})
	if err != nil {
		t.Fatal(err)
	}
	var tierTotal float64
	for _, cl := range tier {
		tierTotal += cl.Population
	}
	if tierTotal < total-1e-6 {
		t.Errorf("tier 15 leaves %.1f residents underserved, fewer than clinics alone (%.1f)", tierTotal, total)
	}
}

func TestSiteClinicDefaultCity(t *testing.T) {
	a := gapsDefaultAccess(t)
	res, err := a.Siting(geo.SitingOptions{Category: "clinic", K: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Sites) != 3 {
		t.Fatalf("%d sites, want 3 (%d candidates)", len(res.Sites), res.Candidates)
	}
	var cum float64
	for i, s := range res.Sites {
		cum += s.Gain
		if s.Rank != i+1 || !(s.Gain > 0) || math.Abs(s.Cumulative-cum) > 1e-6 || s.Cells == 0 || s.Snap.Edge < 0 {
			t.Errorf("site %d: %+v", i, s)
		}
		if i > 0 && s.Gain > res.Sites[i-1].Gain {
			t.Errorf("site %d gains %.1f, more than site %d (%.1f)", i, s.Gain, i-1, res.Sites[i-1].Gain)
		}
		if s.Community == "" {
			t.Errorf("site %d at %v lies in no community", i, s.Point)
		}
	}
	if res.Covered > res.Uncovered {
		t.Errorf("covered %.1f of %.1f", res.Covered, res.Uncovered)
	}
	t.Logf("clinic K=3: %d candidates; gains %.0f, %.0f, %.0f of %.0f residents beyond 15 min",
		res.Candidates, res.Sites[0].Gain, res.Sites[1].Gain, res.Sites[2].Gain, res.Uncovered)

	// A capacity caps every gain.
	capped, err := a.Site(geo.SitingOptions{Category: "clinic", K: 3, Capacity: 100})
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range capped {
		if s.Gain > 100+1e-9 || (i > 0 && s.Gain > capped[i-1].Gain) {
			t.Errorf("capacity 100: site %d gains %v", i, s.Gain)
		}
	}
}

// allVertices returns every vertex of the city's network.
func allVertices(city *geo.City) []orb.Point {
	out := make([]orb.Point, city.Graph.NumVertices())
	for v := range out {
		out[v] = city.Graph.Vertex(v)
	}
	return out
}

// BenchmarkSitingK10 chooses 10 clinic sites on the default city among
// every network vertex (about 10,000 candidates), adult profile.
func BenchmarkSitingK10(b *testing.B) {
	a := gapsDefaultAccess(b)
	cands := allVertices(a.City)
	b.ReportAllocs()
	var sites []geo.Site
	for b.Loop() {
		var err error
		sites, err = a.Site(geo.SitingOptions{Category: "clinic", K: 10, Candidates: cands})
		if err != nil {
			b.Fatal(err)
		}
	}
	if len(sites) != 10 {
		b.Fatalf("%d sites", len(sites))
	}
	b.ReportMetric(float64(len(cands)), "candidates")
}

// BenchmarkSitingK10Default is BenchmarkSitingK10 with the default
// candidates: the vertices inside underserved cells.
func BenchmarkSitingK10Default(b *testing.B) {
	a := gapsDefaultAccess(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.Site(geo.SitingOptions{Category: "clinic", K: 10}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGapsClinic finds the underserved clusters for clinics.
func BenchmarkGapsClinic(b *testing.B) {
	a := gapsDefaultAccess(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.Gaps(geo.GapOptions{Category: "clinic"}); err != nil {
			b.Fatal(err)
		}
	}
}
