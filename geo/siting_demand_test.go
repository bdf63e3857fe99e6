package geo

import (
	"math"
	"slices"
	"testing"

	"github.com/paulmach/orb"
)

// withClinicDemand returns the site city with its clinic category used by
// band, with a norm and a default capacity when norm > 0.
func withClinicDemand(t *testing.T, sc siteCity, band string, norm, defCap float64) siteCity {
	t.Helper()
	tax := sc.city.Taxonomy.Clone()
	c := &tax.Categories[0]
	c.Demand = band
	if norm > 0 {
		c.PlacesPer1000 = NewNorm(norm)
	}
	c.DefaultCapacity = defCap
	if err := tax.Validate(); err != nil {
		t.Fatal(err)
	}
	sc.city.Taxonomy = tax
	return sc
}

// bandWeights returns the users of the clinic's band beyond the threshold,
// computed independently: the west community's 60+ share is 0.25, the east
// gives none (China's 18.70 %).
func bandWeights(a *Access) ([]float64, uint32) {
	w, thr := siteWeights(a, 0)
	for i, pc := range a.City.Population.Cells {
		share := 0.187
		if pc.Community == 0 {
			share = 0.25
		}
		w[i] *= share
	}
	return w, thr
}

// disjointCandidates picks up to n crossings whose cover sets share no
// cell, where greedy is optimal; it also returns every crossing, in the
// shuffled order it tried them (arbitrary candidates for the caller).
func disjointCandidates(t *testing.T, a *Access, sc siteCity, w []float64, thr uint32, n int) ([]orb.Point, []coverSet, []orb.Point) {
	verts := sc.vertices()
	sc.rng.Shuffle(len(verts), func(i, j int) { verts[i], verts[j] = verts[j], verts[i] })
	var cands []orb.Point
	var sets []coverSet
	taken := map[int32]bool{}
	for _, v := range verts {
		cs := bruteCover(t, a, 0, v, thr, w)
		if len(cs.cells) == 0 || slices.ContainsFunc(cs.cells, func(c int32) bool { return taken[c] }) {
			continue
		}
		for _, c := range cs.cells {
			taken[c] = true
		}
		cands, sets = append(cands, v), append(sets, cs)
		if len(cands) == n {
			break
		}
	}
	return cands, sets, verts
}

// TestSitingWeightsByDemandGroup: sites for a 60+ facility maximise the
// people aged 60+ brought within reach, not all residents; greedy equals
// the best subset on disjoint candidates (brute force) and stays within
// 1 − 1/e of it on arbitrary ones; opening the chosen sites as a scenario
// brings exactly the reported gain within the threshold.
func TestSitingWeightsByDemandGroup(t *testing.T) {
	for seed := range uint64(6) {
		sc := withClinicDemand(t, newSiteCity(t, seed, 1+int(seed%2)), Age60Plus, 0, 0)
		a := sc.access(t)
		w, thr := bandWeights(a)
		cands, sets, _ := disjointCandidates(t, a, sc, w, thr, 8)
		for _, k := range []int{1, 2, 3} {
			res, err := a.Siting(SitingOptions{Category: "clinic", K: k, Candidates: cands})
			if err != nil {
				t.Fatal(err)
			}
			if res.DemandGroup != Age60Plus || res.Measure != SitingCovered {
				t.Fatalf("group %q measure %q", res.DemandGroup, res.Measure)
			}
			if want := bestSubset(sets, w, k, 0); math.Abs(res.Covered-want) > 1e-9 {
				t.Errorf("seed %d k %d: greedy covers %v people aged 60+, best subset %v", seed, k, res.Covered, want)
			}
			checkSites(t, a, res, cands, w, thr, 0)
		}
		// Arbitrary (overlapping) candidates: within 1 − 1/e of the best.
		all := sc.vertices()[:12]
		allSets := make([]coverSet, len(all))
		for i, c := range all {
			allSets[i] = bruteCover(t, a, 0, c, thr, w)
		}
		res, err := a.Siting(SitingOptions{Category: "clinic", K: 3, Candidates: all})
		if err != nil {
			t.Fatal(err)
		}
		if best := bestSubset(allSets, w, 3, 0); res.Covered < (1-1/math.E)*best-1e-9 || res.Covered > best+1e-9 {
			t.Errorf("seed %d: greedy %v, best %v", seed, res.Covered, best)
		}
		t.Logf("seed %d: %d sites cover %.1f people aged 60+ of %.1f beyond reach", seed, len(res.Sites), res.Covered, res.Uncovered)
		checkScenarioGain(t, a, res, w)
	}
}

// checkScenarioGain opens the sites as a scenario and checks that the
// weighted residents within the threshold grow by exactly res.Covered.
func checkScenarioGain(t *testing.T, a *Access, res *SitingResult, w []float64) {
	t.Helper()
	var add []NewFacility
	for _, s := range res.Sites {
		add = append(add, NewFacility{Category: res.Category, Point: s.Point})
	}
	b, err := a.WhatIf(Scenario{Add: add})
	if err != nil {
		t.Fatal(err)
	}
	thr := MinToDs(res.ThresholdMin)
	var gained float64
	for i, wi := range w {
		if wi > 0 && b.TimeDs[0][0][i] <= thr {
			gained += wi
		}
	}
	if math.Abs(gained-res.Covered) > 1e-9*math.Max(1, gained) {
		t.Errorf("the scenario brings %v within reach, siting reported %v", gained, res.Covered)
	}
}

// maxFlowPlaces is the most places k sites of the given capacity can fill
// when each may serve any cell of its cover set: a maximum flow from the
// sites to the cells (Edmonds–Karp), the brute-force optimum of the
// capacitated form for one choice of sites.
func maxFlowPlaces(sets []coverSet, weight []float64, chosen []int, capacity float64) float64 {
	// Nodes: 0 source, 1..k sites, then the cells, then the sink.
	cellNode := map[int32]int{}
	k := len(chosen)
	for _, s := range chosen {
		for _, c := range sets[s].cells {
			if _, ok := cellNode[c]; !ok && weight[c] > 0 {
				cellNode[c] = 1 + k + len(cellNode)
			}
		}
	}
	n := 2 + k + len(cellNode)
	sink := n - 1
	capM := make([][]float64, n)
	for i := range capM {
		capM[i] = make([]float64, n)
	}
	for j, s := range chosen {
		capM[0][1+j] = capacity
		for _, c := range sets[s].cells {
			if v, ok := cellNode[c]; ok {
				capM[1+j][v] = math.Inf(1)
			}
		}
	}
	for c, v := range cellNode {
		capM[v][sink] = weight[c]
	}
	var flow float64
	for {
		prev := make([]int, n)
		for i := range prev {
			prev[i] = -1
		}
		prev[0] = 0
		queue := []int{0}
		for len(queue) > 0 && prev[sink] < 0 {
			u := queue[0]
			queue = queue[1:]
			for v := range n {
				if prev[v] < 0 && capM[u][v] > 1e-12 {
					prev[v] = u
					queue = append(queue, v)
				}
			}
		}
		if prev[sink] < 0 {
			return flow
		}
		f := math.Inf(1)
		for v := sink; v != 0; v = prev[v] {
			f = min(f, capM[prev[v]][v])
		}
		for v := sink; v != 0; v = prev[v] {
			capM[prev[v]][v] -= f
			capM[v][prev[v]] += f
		}
		flow += f
	}
}

// bestFlowSubset is the best maxFlowPlaces over every choice of k sets.
func bestFlowSubset(sets []coverSet, weight []float64, k int, capacity float64) float64 {
	best := 0.0
	var rec func(start int, chosen []int)
	rec = func(start int, chosen []int) {
		if len(chosen) == k || start == len(sets) {
			best = max(best, maxFlowPlaces(sets, weight, chosen, capacity))
			return
		}
		for i := start; i < len(sets); i++ {
			rec(i+1, append(chosen, i))
		}
	}
	rec(0, nil)
	return best
}

// TestSitingCapacitatedPlaces: with a capacity, a site fills at most its
// places, the cells weigh the places their users lack against the norm
// (the E2SFCA shortfall, near full clinics too), and greedy is within
// 1 − 1/e of the brute-force best choice (the maximum flow over every
// subset), equal to it on disjoint candidates.
func TestSitingCapacitatedPlaces(t *testing.T) {
	const capacity = 6.0
	for seed := range uint64(6) {
		// 200 places per 1,000 aged 60+, existing clinics of 5 places.
		sc := withClinicDemand(t, newSiteCity(t, seed, 2), Age60Plus, 200, 5)
		a := sc.access(t)
		short, demand := a.cellShortfall(0, 0)
		var totalShort, totalNeed float64
		for i := range short {
			totalShort += short[i]
			totalNeed += demand[i] * 0.2
		}
		ca, err := a.E2SFCA(E2SFCAOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got := resultFor(t, ca, "clinic", "adult").Total.Shortfall; math.Abs(got-totalShort) > 1e-9 {
			t.Fatalf("seed %d: cell shortfalls add up to %v, E2SFCA says %v", seed, totalShort, got)
		}
		all := sc.vertices()[:10]
		sets := make([]coverSet, len(all))
		for i, c := range all {
			sets[i] = bruteCover(t, a, 0, c, MinToDs(4), short)
		}
		for _, k := range []int{1, 2, 3} {
			res, err := a.Siting(SitingOptions{Category: "clinic", K: k, Candidates: all, Capacity: capacity})
			if err != nil {
				t.Fatal(err)
			}
			if res.Measure != SitingPlaces || math.Abs(res.Uncovered-totalShort) > 1e-9 {
				t.Fatalf("seed %d: measure %q uncovered %v, want places and the shortfall %v (need %v)", seed, res.Measure, res.Uncovered, totalShort, totalNeed)
			}
			checkSites(t, a, res, all, short, MinToDs(4), capacity)
			var chosen []int
			for _, s := range res.Sites {
				chosen = append(chosen, slices.Index(all, s.Point))
			}
			// The reported gain is a feasible assignment of the chosen
			// sites, and greedy is near the best of all choices.
			if f := maxFlowPlaces(sets, short, chosen, capacity); res.Covered > f+1e-9 {
				t.Errorf("seed %d k %d: %v places filled, more than the chosen sites can (%v)", seed, k, res.Covered, f)
			}
			best := bestFlowSubset(sets, short, k, capacity)
			if res.Covered < (1-1/math.E)*best-1e-9 || res.Covered > float64(k)*capacity+1e-9 {
				t.Errorf("seed %d k %d: greedy fills %v places, best choice %v", seed, k, res.Covered, best)
			}
		}
		t.Logf("seed %d: shortfall %.1f of need %.1f places", seed, totalShort, totalNeed)
		// Disjoint candidates: greedy is the best choice.
		cands, dsets, _ := disjointCandidates(t, a, sc, short, MinToDs(4), 6)
		res, err := a.Siting(SitingOptions{Category: "clinic", K: 2, Candidates: cands, Capacity: capacity})
		if err != nil {
			t.Fatal(err)
		}
		if best := bestFlowSubset(dsets, short, 2, capacity); math.Abs(res.Covered-best) > 1e-9 {
			t.Errorf("seed %d: disjoint candidates, greedy %v, best %v", seed, res.Covered, best)
		}
	}
}
