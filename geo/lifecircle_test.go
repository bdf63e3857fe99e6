package geo

import (
	"cmp"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"

	"fifteen/geo/hex"
)

// lcLat is the latitude of the test street, in Chengdu.
const lcLat = 30.65

// lcPoint is the point xM metres east of the start of the test street.
func lcPoint(xM float64) orb.Point {
	return orb.Point{104.0 + xM/(orb.EarthRadius*math.Pi/180*math.Cos(lcLat*math.Pi/180)), lcLat}
}

// lcCity is a straight, level street 1,500 m long, running east, with
// facilities and populated cells on it at the positions (metres from the
// west end) below. Adults walk 1.25 m/s, so 5 minutes is 375 m and 10
// minutes 750 m; seniors walk 1 m/s: 300 m and 600 m.
//
//	facility  a5 at 0, b5 at 150 (tier 5), m10 at 0 (tier 10), x15 none (tier 15)
//	cell      0     250    500    900    1300 (off the network)
//	pop       100   300    200    400    50
//	community A     A      B      B      none
//
// Community A has 20 % aged 60+, B has no known share.
type lcCity struct {
	city  *City
	cells map[float64]int // position -> index in Population.Cells
}

func newLCCity(t *testing.T) lcCity {
	t.Helper()
	var b GraphBuilder
	b.AddWay(1, []int64{1, 2}, []orb.Point{lcPoint(0), lcPoint(1500)}, EdgeAttr{})
	g, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	if g.NumEdges() != 1 {
		t.Fatalf("%d edges, want 1", g.NumEdges())
	}
	from, _ := g.EdgeEnds(0)
	lengthM := g.EdgeLengthM(0)
	if d := orbgeo.Distance(lcPoint(0), lcPoint(1500)); math.Abs(d-1500) > 1 || math.Abs(lengthM-1500) > 1 {
		t.Fatalf("street is %v m (edge %v m), want 1500", d, lengthM)
	}
	// snap puts the point at xM on the street.
	snap := func(xM float64) Snap {
		off := xM
		if g.Vertex(from) != lcPoint(0) {
			off = lengthM - xM
		}
		return Snap{Edge: 0, OffsetM: off, Point: lcPoint(xM)}
	}

	tax := &Taxonomy{
		Version: "test",
		Categories: []Category{
			{ID: "a5", Tier: 5, ThresholdMin: 5, Kind: KindPoint, Select: []Selector{{"t": "a5"}}},
			{ID: "b5", Tier: 5, ThresholdMin: 5, Kind: KindPoint, Select: []Selector{{"t": "b5"}}},
			{ID: "m10", Tier: 10, ThresholdMin: 10, Kind: KindPoint, Select: []Selector{{"t": "m10"}}},
			{ID: "x15", Tier: 15, ThresholdMin: 15, Kind: KindPoint, Select: []Selector{{"t": "x15"}}},
		},
	}
	if err := tax.Validate(); err != nil {
		t.Fatal(err)
	}
	facs := []struct {
		cat string
		xM  float64
	}{{"a5", 0}, {"b5", 150}, {"m10", 0}}
	city := &City{Name: "lc", Taxonomy: tax, Graph: g, SnapMaxM: 100}
	for i, f := range facs {
		city.Facilities = append(city.Facilities, Facility{ID: f.cat, Category: f.cat, Point: lcPoint(f.xM), Source: "user"})
		city.FacilitySnap = append(city.FacilitySnap, snap(f.xM))
		city.FacilityAccess = append(city.FacilityAccess, []Snap{city.FacilitySnap[i]})
	}
	city.Communities = []Community{
		{ID: "A", Population: 400, Aged60Share: 0.2, ChildShare: -1},
		{ID: "B", Population: 600, Aged60Share: -1, ChildShare: -1},
	}

	type cellIn struct {
		xM   float64
		pop  float64
		comm int32
		snap Snap
	}
	ins := []cellIn{
		{0, 100, 0, snap(0)},
		{250, 300, 0, snap(250)},
		{500, 200, 1, snap(500)},
		{900, 400, 1, snap(900)},
		{1300, 50, -1, Snap{Edge: -1}},
	}
	type withCell struct {
		cellIn
		cell hex.Cell
	}
	var ws []withCell
	for _, in := range ins {
		c, err := hex.FromPoint(lcPoint(in.xM), PopulationRes)
		if err != nil {
			t.Fatal(err)
		}
		ws = append(ws, withCell{in, c})
	}
	slices.SortFunc(ws, func(a, b withCell) int { return cmp.Compare(a.cell, b.cell) })
	pop := &Population{Res: PopulationRes, PlacedByCommunity: make([]float64, 2), Method: []string{MethodCells, MethodCells}}
	lc := lcCity{city: city, cells: map[float64]int{}}
	for i, w := range ws {
		if i > 0 && ws[i-1].cell == w.cell {
			t.Fatalf("cells at %v m and %v m coincide", ws[i-1].xM, w.xM)
		}
		pop.Cells = append(pop.Cells, PopCell{Cell: w.cell, Pop: w.pop, Community: w.comm})
		city.CellSnap = append(city.CellSnap, w.snap)
		pop.Total += w.pop
		if w.comm >= 0 {
			pop.PlacedByCommunity[w.comm] += w.pop
		}
		lc.cells[w.xM] = i
	}
	city.Population = pop
	return lc
}

func lcAccess(t *testing.T, lc lcCity) *Access {
	t.Helper()
	a, err := ComputeAccess(lc.city, AccessOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func lcNear(got, want float64) bool { return math.Abs(got-want) < 1e-9 }

// checkTier compares one TierCompliance with hand-worked figures.
func checkTier(t *testing.T, where string, got TierCompliance, tier int, thrMin, residents, compliance float64, served map[string]float64, missing []MissingType) {
	t.Helper()
	if got.Tier != tier || !lcNear(got.ThresholdMin, thrMin) || !lcNear(got.Residents, residents) || !lcNear(got.Compliance, compliance) {
		t.Errorf("%s: tier %d threshold %v residents %v compliance %v, want %d %v %v %v",
			where, got.Tier, got.ThresholdMin, got.Residents, got.Compliance, tier, thrMin, residents, compliance)
	}
	if len(got.Served) != len(served) {
		t.Errorf("%s: served %v, want %v", where, got.Served, served)
	}
	for id, s := range served {
		if g, ok := got.Served[id]; !ok || !lcNear(g, s) {
			t.Errorf("%s: served[%s] = %v, want %v", where, id, g, s)
		}
	}
	if len(got.Missing) != len(missing) {
		t.Errorf("%s: missing %v, want %v", where, got.Missing, missing)
		return
	}
	for i := range missing {
		if got.Missing[i].Category != missing[i].Category || !lcNear(got.Missing[i].ServedShare, missing[i].ServedShare) {
			t.Errorf("%s: missing %v, want %v", where, got.Missing, missing)
			return
		}
	}
}

func TestLifeCirclesHandWorked(t *testing.T) {
	lc := newLCCity(t)
	a := lcAccess(t, lc)
	r, err := a.LifeCircles(LifeCircleConfig{ByMinutes: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Config.Tiers) != 3 || r.Config.MissingBelow != DefaultMissingBelow {
		t.Fatalf("config %+v, want 3 default tiers and missing below 0.5", r.Config)
	}
	adult, senior := a.ProfileIndex("adult"), a.ProfileIndex("senior")
	none := []MissingType(nil)

	// Adults. Tier 5 (375 m): a5 reaches 0 and 250, b5 (at 150) reaches
	// 0, 250 and 500 (350 m). Tier 10 (750 m): m10 reaches 0, 250, 500.
	// Tier 15: x15 has no facility.
	const cityPop = 1050.0
	checkTier(t, "adult city 5", r.City[adult][0], 5, 5, cityPop, 400/cityPop,
		map[string]float64{"a5": 400 / cityPop, "b5": 600 / cityPop}, []MissingType{{"a5", 400 / cityPop}})
	checkTier(t, "adult city 10", r.City[adult][1], 10, 10, cityPop, 600/cityPop,
		map[string]float64{"m10": 600 / cityPop}, none)
	checkTier(t, "adult city 15", r.City[adult][2], 15, 15, cityPop, 0,
		map[string]float64{"x15": 0}, []MissingType{{"x15", 0}})
	checkTier(t, "adult A 5", r.Communities[adult][0][0], 5, 5, 400, 1,
		map[string]float64{"a5": 1, "b5": 1}, none)
	checkTier(t, "adult B 5", r.Communities[adult][1][0], 5, 5, 600, 0,
		map[string]float64{"a5": 0, "b5": 200.0 / 600}, []MissingType{{"a5", 0}, {"b5", 200.0 / 600}})
	checkTier(t, "adult B 10", r.Communities[adult][1][1], 10, 10, 600, 200.0/600,
		map[string]float64{"m10": 200.0 / 600}, []MissingType{{"m10", 200.0 / 600}})
	checkTier(t, "adult A 15", r.Communities[adult][0][2], 15, 15, 400, 0,
		map[string]float64{"x15": 0}, []MissingType{{"x15", 0}})

	// Seniors. Tier 5 (300 m): b5 no longer reaches 500 (350 m). Cells
	// of A weigh 20 % of their population; B's and the unplaced cell's
	// share is unknown, so they weigh their population.
	const seniorPop = 20 + 60 + 200 + 400 + 50.0
	checkTier(t, "senior city 5", r.City[senior][0], 5, 5, seniorPop, 80/seniorPop,
		map[string]float64{"a5": 80 / seniorPop, "b5": 80 / seniorPop}, []MissingType{{"a5", 80 / seniorPop}, {"b5", 80 / seniorPop}})
	checkTier(t, "senior city 10", r.City[senior][1], 10, 10, seniorPop, 280/seniorPop,
		map[string]float64{"m10": 280 / seniorPop}, []MissingType{{"m10", 280 / seniorPop}})
	checkTier(t, "senior A 5", r.Communities[senior][0][0], 5, 5, 80, 1,
		map[string]float64{"a5": 1, "b5": 1}, none)
	// A tie keeps the tier's order.
	checkTier(t, "senior B 5", r.Communities[senior][1][0], 5, 5, 600, 0,
		map[string]float64{"a5": 0, "b5": 0}, []MissingType{{"a5", 0}, {"b5", 0}})

	wantMeets := map[float64][2]uint8{ // position -> adult, senior
		0: {0b011, 0b011}, 250: {0b011, 0b011}, 500: {0b010, 0b010}, 900: {0, 0}, 1300: {0, 0},
	}
	for x, w := range wantMeets {
		i := lc.cells[x]
		if g := [2]uint8{r.CellMeets[adult][i], r.CellMeets[senior][i]}; g != w {
			t.Errorf("cell at %v m meets %03b, want %03b (adult, senior)", x, g, w)
		}
	}
}

// TestLifeCirclesByDistance checks the default, GB 50180-2018's network
// distances: the reported threshold is the distance's time at the level
// speed (300 m is 4 minutes at 4.5 km/h and 5 minutes at 3.6 km/h), and
// on a level street both walkers reach the same cells.
func TestLifeCirclesByDistance(t *testing.T) {
	lc := newLCCity(t)
	a := lcAccess(t, lc)
	r, err := a.LifeCircles(LifeCircleConfig{})
	if err != nil {
		t.Fatal(err)
	}
	adult, senior := a.ProfileIndex("adult"), a.ProfileIndex("senior")
	for _, c := range []struct {
		p, tier int
		want    float64
	}{
		{adult, 0, 4}, {adult, 1, 500.0 / 1.25 / 60}, {adult, 2, 1000.0 / 1.25 / 60},
		{senior, 0, 5}, {senior, 1, 500.0 / 60}, {senior, 2, 1000.0 / 60},
	} {
		if got := r.City[c.p][c.tier].ThresholdMin; !lcNear(got, c.want) {
			t.Errorf("%s tier %d: threshold %v min, want %v", a.Profiles[c.p].ID, r.Config.Tiers[c.tier].Minutes, got, c.want)
		}
	}
	// Tier 5, 300 m: a5 reaches 0 and 250, b5 (at 150) 0 and 250 (not
	// 500, 350 m away). Tier 10, 500 m: m10 reaches 0, 250 and 500.
	for _, p := range []int{adult, senior} {
		for x, w := range map[float64]uint8{0: 0b011, 250: 0b011, 500: 0b010, 900: 0} {
			if g := r.CellMeets[p][lc.cells[x]]; g != w {
				t.Errorf("%s: cell at %v m meets %03b, want %03b", a.Profiles[p].ID, x, g, w)
			}
		}
	}
	checkTier(t, "adult B 5 by distance", r.Communities[adult][1][0], 5, 4, 600, 0,
		map[string]float64{"a5": 0, "b5": 0}, []MissingType{{"a5", 0}, {"b5", 0}})
}

func TestLifeCirclesMissingBelow(t *testing.T) {
	lc := newLCCity(t)
	a := lcAccess(t, lc)
	adult := a.ProfileIndex("adult")
	// B's adults: a5 0, b5 1/3, m10 1/3. Below 0.2 only a5 is missing;
	// x15 has no facility and is missing whatever the share.
	r, err := a.LifeCircles(LifeCircleConfig{ByMinutes: true, MissingBelow: 0.2})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tc := range r.Communities[adult][1] {
		for _, m := range tc.Missing {
			got = append(got, m.Category)
		}
	}
	if want := []string{"a5", "x15"}; !slices.Equal(got, want) {
		t.Errorf("missing below 0.2 in B: %v, want %v", got, want)
	}
}

func TestLifeCirclesConfigErrors(t *testing.T) {
	lc := newLCCity(t)
	a := lcAccess(t, lc)
	tier := func(minutes int, distM float64, cats ...string) LifeCircleTier {
		return LifeCircleTier{Minutes: minutes, DistanceM: distM, Categories: cats}
	}
	tests := []struct {
		name string
		cfg  LifeCircleConfig
		want error
		text string
	}{
		{"unknown category is named", LifeCircleConfig{Tiers: []LifeCircleTier{tier(5, 300, "a5", "bakery")}}, ErrUnknownCategory, `"bakery"`},
		{"empty tiers", LifeCircleConfig{Tiers: []LifeCircleTier{}}, ErrBadOption, "no tiers"},
		{"tier without categories", LifeCircleConfig{Tiers: []LifeCircleTier{tier(5, 300)}}, ErrBadOption, "no categories"},
		{"zero distance", LifeCircleConfig{Tiers: []LifeCircleTier{tier(5, 0, "a5")}}, ErrBadOption, "distance_m"},
		{"NaN distance", LifeCircleConfig{Tiers: []LifeCircleTier{tier(5, math.NaN(), "a5")}}, ErrBadOption, "distance_m"},
		{"zero minutes", LifeCircleConfig{Tiers: []LifeCircleTier{tier(0, 300, "a5")}}, ErrBadOption, "minutes"},
		{"category twice", LifeCircleConfig{Tiers: []LifeCircleTier{tier(5, 300, "a5", "a5")}}, ErrBadOption, "twice"},
		{"missing below over 1", LifeCircleConfig{MissingBelow: 1.5}, ErrBadOption, "missing_below"},
		{"missing below negative", LifeCircleConfig{MissingBelow: -0.1}, ErrBadOption, "missing_below"},
		{"missing below NaN", LifeCircleConfig{MissingBelow: math.NaN()}, ErrBadOption, "missing_below"},
		{"threshold beyond the 30-min cutoff", LifeCircleConfig{ByMinutes: true, Tiers: []LifeCircleTier{tier(45, 300, "a5")}}, ErrBadOption, "cutoff"},
		{"distance beyond 10 km", LifeCircleConfig{Tiers: []LifeCircleTier{tier(5, 20_000, "a5")}}, ErrBadOption, "beyond 10000"},
		{"nine tiers do not fit a uint8", LifeCircleConfig{Tiers: slices.Repeat([]LifeCircleTier{tier(5, 300, "a5")}, 9)}, ErrBadOption, "at most 8"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := a.LifeCircles(tc.cfg)
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.text) {
				t.Errorf("error %v, want %v containing %s", err, tc.want, tc.text)
			}
		})
	}
}

func TestLifeCirclesKeepsCallerConfig(t *testing.T) {
	lc := newLCCity(t)
	a := lcAccess(t, lc)
	cats := []string{"a5", "b5"}
	cfg := LifeCircleConfig{ByMinutes: true, Tiers: []LifeCircleTier{{Minutes: 5, DistanceM: 300, Categories: cats}}}
	r, err := a.LifeCircles(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r.Config.Tiers[0].Categories[0] = "changed"
	if cats[0] != "a5" || cfg.MissingBelow != 0 {
		t.Errorf("the caller's config changed: %v, missing below %v", cats, cfg.MissingBelow)
	}
	if len(r.City[0]) != 1 || len(r.CellMeets[0]) != len(lc.city.Population.Cells) {
		t.Errorf("shape: %d tiers, %d cells", len(r.City[0]), len(r.CellMeets[0]))
	}
}

func TestDefaultLifeCircleTiers(t *testing.T) {
	tax := &Taxonomy{Categories: []Category{
		{ID: "k", Tier: 5, Essential: true},
		{ID: "play", Tier: 5},
		{ID: "mid", Tier: 15, Essential: true},
	}}
	got := DefaultLifeCircleTiers(tax)
	want := []LifeCircleTier{
		{Minutes: 5, DistanceM: 300, Categories: []string{"k", "play"}},
		{Minutes: 15, DistanceM: 1000, Categories: []string{"mid"}},
	}
	if !slices.EqualFunc(got, want, func(a, b LifeCircleTier) bool {
		return a.Minutes == b.Minutes && a.DistanceM == b.DistanceM && slices.Equal(a.Categories, b.Categories)
	}) {
		t.Errorf("default tiers %+v, want %+v (a tier with no category is left out)", got, want)
	}
	if ess := EssentialLifeCircleTiers(tax); len(ess) != 2 || !slices.Equal(ess[0].Categories, []string{"k"}) {
		t.Errorf("essential tiers %+v, want play left out", ess)
	}
}
