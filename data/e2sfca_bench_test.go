package data

import (
	"math"
	"testing"

	"fifteen/geo"
)

// TestE2SFCADefaultCity checks capacity-aware access on the embedded city
// for every profile and every category with capacity: finite, non-negative
// ratios, a shortfall within each community's demand, and the supply of
// the facilities with demand in reach all taken up.
func TestE2SFCADefaultCity(t *testing.T) {
	city := defaultCity(t)
	a, err := geo.ComputeAccess(city, geo.AccessOptions{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := a.E2SFCA(geo.E2SFCAOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) == 0 {
		t.Fatal("no category with capacity")
	}
	allInCommunities := true
	for _, pc := range city.Population.Cells {
		allInCommunities = allInCommunities && pc.Community >= 0
	}
	cats := map[string]bool{}
	for _, r := range res {
		where := r.Profile + "/" + r.Category
		cats[r.Category] = true
		finite := func(what string, v float64) {
			if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
				t.Fatalf("%s: %s %v, want a finite number >= 0", where, what, v)
			}
		}
		for _, v := range r.Ratio {
			finite("cell ratio", v)
		}
		c, _ := city.Taxonomy.Category(r.Category)
		fs := a.ByCategory[categoryIndex(city, r.Category)]
		var supply float64
		for j, v := range r.FacilityRatio {
			finite("facility ratio", v)
			if v > 0 {
				s := city.Facilities[fs[j]].Capacity
				if s <= 0 {
					s = c.DefaultCapacity
				}
				supply += s
			}
		}
		var places, demand, short float64
		for ci, cc := range r.Communities {
			demand += cc.Demand
			short += cc.Shortfall
			finite("demand", cc.Demand)
			finite("places", cc.Places)
			finite("shortfall", cc.Shortfall)
			finite("mean ratio", cc.MeanRatio)
			if cc.Shortfall > cc.Demand*(1+1e-9) {
				t.Errorf("%s: community %s short of %v places for a demand of %v", where, city.Communities[ci].ID, cc.Shortfall, cc.Demand)
			}
			places += cc.Places
		}
		t.Logf("%s (%s): %d facilities, %d default capacity, %d without, %d cells with the national share; demand %.0f, places %.0f, short %.0f",
			where, r.DemandGroup, len(fs), r.UsedDefaultCapacity, r.NoCapacity, r.DefaultShareCells, demand, places, short)
		if allInCommunities && math.Abs(places-supply) > 1e-6*math.Max(1, supply) {
			t.Errorf("%s: %v places reached, supply with demand in reach %v", where, places, supply)
		}
	}
	for i := range city.Taxonomy.Categories {
		c := &city.Taxonomy.Categories[i]
		if c.DefaultCapacity > 0 && !cats[c.ID] {
			t.Errorf("category %s has a default capacity but no result", c.ID)
		}
	}
}

func categoryIndex(city *geo.City, id string) int {
	for i := range city.Taxonomy.Categories {
		if city.Taxonomy.Categories[i].ID == id {
			return i
		}
	}
	return -1
}

// BenchmarkE2SFCA computes capacity-aware access for every category with
// capacity and the three default profiles on the default city, from one
// access computation.
func BenchmarkE2SFCA(b *testing.B) {
	city := defaultCity(b)
	a, err := geo.ComputeAccess(city, geo.AccessOptions{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		// Explicit bands: the default ones would be answered from the
		// access's cache after the first iteration.
		if _, err := a.E2SFCA(geo.E2SFCAOptions{Bands: geo.DefaultE2SFCABands()}); err != nil {
			b.Fatal(err)
		}
	}
}
