package data

import (
	"fmt"
	"math"
	"slices"
	"testing"

	orbgeo "github.com/paulmach/orb/geo"

	"fifteen/geo"
)

// The access engine on the default city, checked against one single-source
// search per facility, against invariants that follow from the walker
// profiles, and against local edits.

// accBruteCategories and accBruteProfiles are checked facility by facility:
// a point category with a short threshold, one with a long one, an area
// category (several access points per park) and a line category.
var (
	accBruteCategories = []string{"clinic", "kindergarten", "park", "greenway"}
	accBruteProfiles   = []string{"adult", "wheelchair"}
)

// accCategory returns the index of category id in the city's taxonomy.
func accCategory(tb testing.TB, city *geo.City, id string) int {
	tb.Helper()
	for i, c := range city.Taxonomy.Categories {
		if c.ID == id {
			return i
		}
	}
	tb.Fatalf("no category %q in the taxonomy", id)
	return -1
}

// accProfile returns the index of profile id in a, failing when absent.
func accProfile(tb testing.TB, a *geo.Access, id string) int {
	tb.Helper()
	p := a.ProfileIndex(id)
	if p < 0 {
		tb.Fatalf("no profile %q", id)
	}
	return p
}

// accFacilityTimes runs one single-source search per facility fi of
// category c for profile p, bounded by the access cutoff, and returns the
// time of every cell to it: times[j][cell] for facility a.ByCategory[c][j].
func accFacilityTimes(a *geo.Access, s *geo.Searcher, p, c int) [][]uint32 {
	cutoff := geo.MinToDs(a.Options.CutoffMin)
	times := make([][]uint32, len(a.ByCategory[c]))
	for j, fi := range a.ByCategory[c] {
		times[j] = accSingleSource(s, a, p, a.FacilityAccessFor(p, fi), int32(fi), cutoff)
	}
	return times
}

// accSingleSource returns every cell's time to one facility with access
// points pts for profile p of a: one search, each point starting with its
// straight leg, each cell joined to the network where its walker may
// (Access.CellSnap).
func accSingleSource(s *geo.Searcher, a *geo.Access, p int, pts []geo.Snap, id int32, cutoffDs uint32) []uint32 {
	city, costs := a.City, a.Costs[p]
	out := make([]uint32, len(city.CellSnap))
	if len(pts) == 0 {
		for i := range out {
			out[i] = geo.Unreached
		}
		return out
	}
	src := make([]geo.Source, 0, len(pts))
	for _, sn := range pts {
		src = append(src, geo.Source{Snap: sn, StartDs: costs.Leg(sn.DistM), ID: id})
	}
	r := s.Reach(costs, src, cutoffDs, true)
	for i := range city.CellSnap {
		cs := a.CellSnap(p, i)
		out[i], _ = r.At(cs, costs.Leg(cs.DistM))
	}
	return out
}

// accCheckCell compares one cell of a against the per-facility times.
func accCheckCell(t *testing.T, a *geo.Access, p, c, cell int, times [][]uint32, k int) {
	t.Helper()
	fs := a.ByCategory[c]
	thr := geo.MinToDs(a.City.Taxonomy.Categories[c].ThresholdMin)
	best := geo.Unreached
	var count int
	all := make([]uint32, 0, len(fs))
	for j := range fs {
		tj := times[j][cell]
		best = min(best, tj)
		if tj <= thr {
			count++
		}
		if tj != geo.Unreached {
			all = append(all, tj)
		}
	}
	where := fmt.Sprintf("%s/%s cell %d (%s)", a.Profiles[p].ID, a.City.Taxonomy.Categories[c].ID, cell, a.City.Population.Cells[cell].Cell)
	if got := a.TimeDs[p][c][cell]; got != best {
		t.Errorf("%s: TimeDs = %d, min over single-facility searches = %d", where, got, best)
	}
	near := a.Nearest[p][c][cell]
	switch {
	case best == geo.Unreached && near != -1:
		t.Errorf("%s: unreached but Nearest = %d", where, near)
	case best != geo.Unreached:
		j := slices.Index(fs, int(near))
		if j < 0 {
			t.Errorf("%s: Nearest = %d is not a facility of the category", where, near)
		} else if times[j][cell] != best {
			t.Errorf("%s: Nearest = %d (%s) is %d ds away, the nearest %d ds", where, near, a.City.Facilities[near].ID, times[j][cell], best)
		}
	}
	if got := int(a.Count[p][c][cell]); got != count {
		t.Errorf("%s: Count = %d, facilities within %d ds = %d", where, got, thr, count)
	}
	got := float64(a.MeanKMin[p][c][cell])
	if len(all) < k {
		if !math.IsNaN(got) {
			t.Errorf("%s: MeanKMin = %v with %d facilities within the cutoff, want NaN (k=%d)", where, got, len(all), k)
		}
		return
	}
	slices.Sort(all)
	var sum float64
	for _, tj := range all[:k] {
		sum += geo.DsToMin(tj)
	}
	if want := sum / float64(k); !(math.Abs(got-want) <= 1e-4) {
		t.Errorf("%s: MeanKMin = %v, mean of the %d nearest = %v (times %v)", where, got, k, want, all[:k])
	}
}

// TestAccessMatchesPerFacilitySearch checks the multi-source search and the
// per-facility counts against one plain search per facility: the time is
// the minimum over facilities, Nearest achieves it, and Count is the number
// of facilities within the category's threshold.
func TestAccessMatchesPerFacilitySearch(t *testing.T) {
	city := defaultCity(t)
	a, err := geo.ComputeAccess(city, geo.AccessOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s := geo.NewSearcher(city.Graph)
	for _, pid := range accBruteProfiles {
		p := accProfile(t, a, pid)
		for _, cid := range accBruteCategories {
			c := accCategory(t, city, cid)
			t.Run(pid+"/"+cid, func(t *testing.T) {
				if a.Facilities(c) == 0 {
					t.Fatalf("no %s in the default city: the check would prove nothing", cid)
				}
				times := accFacilityTimes(a, s, p, c)
				var reached, counted int
				for cell := range city.CellSnap {
					accCheckCell(t, a, p, c, cell, times, 1)
					if a.TimeDs[p][c][cell] != geo.Unreached {
						reached++
					}
					if a.Count[p][c][cell] > 1 {
						counted++
					}
				}
				t.Logf("%d facilities, %d of %d cells reached, %d with more than one within the threshold",
					a.Facilities(c), reached, len(city.CellSnap), counted)
				if reached == 0 {
					t.Error("no cell reached")
				}
			})
		}
	}
}

// TestAccessMeanK checks MeanKMin with K = 3 against the three smallest
// per-facility times, and that K leaves times and counts alone.
func TestAccessMeanK(t *testing.T) {
	city := defaultCity(t)
	const k = 3
	a, err := geo.ComputeAccess(city, geo.AccessOptions{K: k})
	if err != nil {
		t.Fatal(err)
	}
	a1, err := geo.ComputeAccess(city, geo.AccessOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s := geo.NewSearcher(city.Graph)
	for _, pid := range accBruteProfiles {
		p := accProfile(t, a, pid)
		for _, cid := range accBruteCategories {
			c := accCategory(t, city, cid)
			t.Run(pid+"/"+cid, func(t *testing.T) {
				times := accFacilityTimes(a, s, p, c)
				var withK int
				for cell := range city.CellSnap {
					accCheckCell(t, a, p, c, cell, times, k)
					if !math.IsNaN(float64(a.MeanKMin[p][c][cell])) {
						withK++
					}
				}
				if !slices.Equal(a.TimeDs[p][c], a1.TimeDs[p][c]) || !slices.Equal(a.Count[p][c], a1.Count[p][c]) {
					t.Error("K = 3 changed TimeDs or Count")
				}
				t.Logf("%d of %d cells have %d facilities within the cutoff", withK, len(city.CellSnap), k)
			})
		}
	}
}

// TestAccessInvariants checks what follows from the profiles and the
// definitions, for every cell and category: a senior is never faster than
// an adult (slower everywhere) nor a wheelchair user than a senior (same
// speed, worse on steps, unpaved ways and slopes); more people are covered
// within 15 minutes than within 10; Count agrees with TimeDs; and a cell
// off the network reaches nothing.
func TestAccessInvariants(t *testing.T) {
	base := defaultCity(t)
	// Detach every seventh cell from the network, so that the off-network
	// rule is tested whether or not the default city has such cells.
	city := *base
	city.CellSnap = slices.Clone(base.CellSnap)
	var detached int
	for i := range city.CellSnap {
		if i%7 == 3 {
			city.CellSnap[i] = geo.Snap{Edge: -1}
		}
		if city.CellSnap[i].Edge < 0 {
			detached++
		}
	}
	a, err := geo.ComputeAccess(&city, geo.AccessOptions{})
	if err != nil {
		t.Fatal(err)
	}
	adult, senior, wheel := accProfile(t, a, "adult"), accProfile(t, a, "senior"), accProfile(t, a, "wheelchair")
	cats := city.Taxonomy.Categories
	pop := city.Population.Cells
	for c := range cats {
		thr := geo.MinToDs(cats[c].ThresholdMin)
		for p := range a.Profiles {
			var cover10, cover15 float64
			for i := range pop {
				tm := a.TimeDs[p][c][i]
				if tm <= geo.MinToDs(10) {
					cover10 += pop[i].Pop
				}
				if tm <= geo.MinToDs(15) {
					cover15 += pop[i].Pop
				}
				where := fmt.Sprintf("%s/%s cell %d", a.Profiles[p].ID, cats[c].ID, i)
				if city.CellSnap[i].Edge < 0 {
					if tm != geo.Unreached || a.Nearest[p][c][i] != -1 || a.Count[p][c][i] != 0 || !math.IsNaN(float64(a.MeanKMin[p][c][i])) {
						t.Errorf("%s: off the network but time %d, nearest %d, count %d, mean %v",
							where, tm, a.Nearest[p][c][i], a.Count[p][c][i], a.MeanKMin[p][c][i])
					}
					continue
				}
				if (tm <= thr) != (a.Count[p][c][i] > 0) {
					t.Errorf("%s: time %d ds against threshold %d ds but Count %d", where, tm, thr, a.Count[p][c][i])
				}
				if (tm == geo.Unreached) != (a.Nearest[p][c][i] < 0) {
					t.Errorf("%s: time %d ds but Nearest %d", where, tm, a.Nearest[p][c][i])
				}
			}
			if cover15 < cover10 {
				t.Errorf("%s/%s: %.0f people within 15 min, fewer than %.0f within 10", a.Profiles[p].ID, cats[c].ID, cover15, cover10)
			}
		}
		for i := range pop {
			ta, ts, tw := a.TimeDs[adult][c][i], a.TimeDs[senior][c][i], a.TimeDs[wheel][c][i]
			if ts < ta {
				t.Errorf("%s cell %d: senior %d ds faster than adult %d ds", cats[c].ID, i, ts, ta)
			}
			// A wheelchair user whose cell or facility joins the
			// network elsewhere (off steps) may take another way.
			if tw < ts && a.CellSnap(wheel, i) == a.CellSnap(senior, i) && a.Nearest[wheel][c][i] >= 0 &&
				slices.Equal(a.FacilityAccessFor(wheel, int(a.Nearest[wheel][c][i])), a.FacilityAccessFor(senior, int(a.Nearest[wheel][c][i]))) {
				t.Errorf("%s cell %d: wheelchair %d ds faster than senior %d ds", cats[c].ID, i, tw, ts)
			}
			if a.Count[senior][c][i] > a.Count[adult][c][i] {
				t.Errorf("%s cell %d: senior reaches %d within the threshold, adult only %d", cats[c].ID, i, a.Count[senior][c][i], a.Count[adult][c][i])
			}
		}
	}
	t.Logf("%d of %d cells off the network", detached, len(city.CellSnap))
}

// accMoveClinic returns a copy of city in which one clinic has moved by
// about distM metres, and the index of that clinic. The city itself and
// its slices are left untouched.
func accMoveClinic(t *testing.T, city *geo.City, distM float64) (*geo.City, int) {
	t.Helper()
	moved := *city
	moved.Facilities = slices.Clone(city.Facilities)
	moved.FacilitySnap = slices.Clone(city.FacilitySnap)
	moved.FacilityAccess = slices.Clone(city.FacilityAccess)
	for fi, f := range city.Facilities {
		if f.Category != "clinic" || city.FacilitySnap[fi].Edge < 0 || !city.Graph.InLargest(city.FacilitySnap[fi].Edge) {
			continue
		}
		for _, bearing := range []float64{0, 90, 180, 270} {
			p := orbgeo.PointAtBearingAndDistance(f.Point, bearing, distM)
			sn, err := city.Index.Nearest(p, city.SnapMaxM, geo.SurfaceOnly)
			if err != nil || !city.Graph.InLargest(sn.Edge) {
				continue
			}
			nf := f
			nf.Point = p
			moved.Facilities[fi] = nf
			moved.FacilitySnap[fi] = sn
			moved.FacilityAccess[fi] = geo.FacilityAccess(city.Index, &nf, geo.KindPoint, sn, nil, nil)
			t.Logf("moved %s %q %.0f m from %v to %v", f.ID, f.Name, distM, f.Point, p)
			return &moved, fi
		}
	}
	t.Fatal("no clinic could be moved")
	return nil, -1
}

// TestAccessMoveFacility moves one clinic about 400 m and checks that only
// cells within the cutoff of its old or new place change, that counts
// change only within the threshold of either, and that other categories do
// not change at all.
func TestAccessMoveFacility(t *testing.T) {
	city := defaultCity(t)
	before, err := geo.ComputeAccess(city, geo.AccessOptions{K: 2})
	if err != nil {
		t.Fatal(err)
	}
	moved, fi := accMoveClinic(t, city, 400)
	after, err := geo.ComputeAccess(moved, geo.AccessOptions{K: 2})
	if err != nil {
		t.Fatal(err)
	}
	if city.Facilities[fi].Point == moved.Facilities[fi].Point || city.FacilityAccess[fi][0] == moved.FacilityAccess[fi][0] {
		t.Fatal("moving the copy changed the original city")
	}
	clinic := accCategory(t, city, "clinic")
	thr := geo.MinToDs(city.Taxonomy.Categories[clinic].ThresholdMin)
	cutoff := geo.MinToDs(before.Options.CutoffMin)
	s := geo.NewSearcher(city.Graph)
	for p := range before.Profiles {
		old := accSingleSource(s, before, p, before.FacilityAccessFor(p, fi), int32(fi), cutoff)
		now := accSingleSource(s, after, p, after.FacilityAccessFor(p, fi), int32(fi), cutoff)
		var changed, counts int
		for c := range city.Taxonomy.Categories {
			for i := range city.CellSnap {
				bt, at := before.TimeDs[p][c][i], after.TimeDs[p][c][i]
				bn, an := before.Nearest[p][c][i], after.Nearest[p][c][i]
				bc, ac := before.Count[p][c][i], after.Count[p][c][i]
				bm, am := before.MeanKMin[p][c][i], after.MeanKMin[p][c][i]
				same := bt == at && bn == an && bc == ac && (bm == am || math.IsNaN(float64(bm)) && math.IsNaN(float64(am)))
				if same {
					continue
				}
				where := fmt.Sprintf("%s/%s cell %d (%s)", before.Profiles[p].ID, city.Taxonomy.Categories[c].ID, i, city.Population.Cells[i].Cell)
				if c != clinic {
					t.Errorf("%s changed though no facility of its category moved", where)
					continue
				}
				changed++
				if old[i] == geo.Unreached && now[i] == geo.Unreached {
					t.Errorf("%s changed (time %d -> %d, nearest %d -> %d) beyond the cutoff of the moved clinic", where, bt, at, bn, an)
				}
				if bc != ac {
					counts++
					if old[i] > thr && now[i] > thr {
						t.Errorf("%s: count %d -> %d though the moved clinic is beyond the threshold from both places (%d, %d ds)", where, bc, ac, old[i], now[i])
					}
				}
			}
		}
		t.Logf("%s: %d cells changed, %d counts", before.Profiles[p].ID, changed, counts)
		if changed == 0 {
			t.Errorf("%s: moving a clinic %d m changed nothing", before.Profiles[p].ID, 400)
		}
	}
}
