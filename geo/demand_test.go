package geo

import (
	"math"
	"strings"
	"testing"
)

// TestE2SFCANeedByNormAndAgeSource works one nursing home by hand: 5 beds,
// a norm of 40 beds per 1,000 people aged 80+, and three groups of cells
// within the first zone whose 80+ share comes from the community (10 %),
// the taxonomy's city-level share (5 %) and, outside every community, the
// city-level share again. Demand 100 + 100 + 25 = 225 people aged 80+
// share 5 beds: A = 5/225 each. Need 4 + 4 + 1 = 9 beds; places 20/9,
// 20/9, 5/9; shortfall = need − places per group, 4 beds in all.
func TestE2SFCANeedByNormAndAgeSource(t *testing.T) {
	city := streetCity(
		[]testFacility{{category: "elderly_care", capacity: 5, source: "tag:beds"}},
		[]testCell{{pop: 1000, offM: 50, community: 0}, {pop: 2000, offM: 150, community: 1}, {pop: 500, offM: 250, community: -1}},
		[]Community{
			{ID: "a", Population: 1000, Aged60Share: -1, ChildShare: -1, AgeShares: map[string]float64{Age80Plus: 0.1}},
			unknownShares("b"),
		},
	)
	tax := city.Taxonomy.Clone()
	c, _ := tax.Category("elderly_care")
	c.Demand, c.PlacesPer1000 = Age80Plus, NewNorm(40)
	tax.AgeShares = map[string]float64{Age80Plus: 0.05}
	if err := tax.Validate(); err != nil {
		t.Fatal(err)
	}
	city.Taxonomy = tax
	ec := resultFor(t, mustE2SFCA(t, city, E2SFCAOptions{}), "elderly_care", "adult")
	if ec.DemandGroup != Age80Plus || !ec.HasNorm || ec.NormPer1000 != 40 {
		t.Fatalf("group %q norm %v/%v, want 80+ and 40", ec.DemandGroup, ec.NormPer1000, ec.HasNorm)
	}
	want := []CommunityCapacity{
		{Demand: 100, Need: 4, Places: 20.0 / 9, Shortfall: 4 - 20.0/9, AgeSource: AgeSourceCommunity},
		{Demand: 100, Need: 4, Places: 20.0 / 9, Shortfall: 4 - 20.0/9, AgeSource: AgeSourceCity},
	}
	for ci, w := range want {
		got := ec.Communities[ci]
		if !near(got.Demand, w.Demand) || !near(got.Need, w.Need) || !near(got.Places, w.Places) || !near(got.Shortfall, w.Shortfall) || got.AgeSource != w.AgeSource {
			t.Errorf("community %d = %+v, want %+v", ci, got, w)
		}
	}
	tot := ec.Total
	if !near(tot.Demand, 225) || !near(tot.Need, 9) || !near(tot.Places, 5) || !near(tot.Shortfall, 4) || tot.AgeSource != AgeSourceMixed {
		t.Errorf("total = %+v, want demand 225, need 9, places 5, shortfall 4, mixed sources (residents outside communities included)", tot)
	}
	if ec.DefaultShareCells != 0 {
		t.Errorf("%d cells on the national share, want 0", ec.DefaultShareCells)
	}
}

// TestE2SFCANationalBandAndNoCommunities: a city with no communities (a
// population grid) still has city totals, and a band nobody gives uses the
// national census share (3–5: 3.49 %).
func TestE2SFCANationalBandAndNoCommunities(t *testing.T) {
	city := streetCity(
		[]testFacility{{category: "kindergarten", capacity: 20, source: "tag:capacity"}},
		[]testCell{{pop: 1000, offM: 50, community: -1}, {pop: 1000, offM: 100, community: -1}},
		nil,
	)
	tax := city.Taxonomy.Clone()
	c, _ := tax.Category("kindergarten")
	c.Demand, c.PlacesPer1000 = Age3to5, NewNorm(900)
	if err := tax.Validate(); err != nil {
		t.Fatal(err)
	}
	city.Taxonomy = tax
	k := resultFor(t, mustE2SFCA(t, city, E2SFCAOptions{}), "kindergarten", "adult")
	demand := 2000 * 0.0349
	need := demand * 0.9
	tot := k.Total
	if !near(tot.Demand, demand) || !near(tot.Need, need) || !near(tot.Places, 20) || !near(tot.Shortfall, need-20) || tot.AgeSource != AgeSourceNational {
		t.Errorf("total = %+v, want demand %v need %v places 20 shortfall %v from the national share", tot, demand, need, need-20)
	}
	if k.DefaultShareCells != 2 || len(k.Communities) != 0 {
		t.Errorf("%d national cells, %d communities; want 2, 0", k.DefaultShareCells, len(k.Communities))
	}
}

// TestNoNormNoShortfall: without a norm nothing is needed or short, the
// places are still counted.
func TestNoNormNoShortfall(t *testing.T) {
	city := streetCity(
		[]testFacility{{category: "hospital", capacity: 100, source: "tag:beds"}},
		[]testCell{{pop: 400, offM: 50, community: 0}},
		[]Community{unknownShares("a")},
	)
	tax := city.Taxonomy.Clone()
	c, _ := tax.Category("hospital")
	c.PlacesPer1000 = nil
	if err := tax.Validate(); err != nil {
		t.Fatal(err)
	}
	city.Taxonomy = tax
	h := resultFor(t, mustE2SFCA(t, city, E2SFCAOptions{}), "hospital", "adult")
	if h.HasNorm || h.Total.Need != 0 || h.Total.Shortfall != 0 || !near(h.Total.Places, 100) || h.Total.AgeSource != AgeSourceAll {
		t.Errorf("no norm: %+v", h.Total)
	}
}

func TestNationalAgeSharesAddUp(t *testing.T) {
	// 0–2 is 3/5 of the 0–4 group (5.52 %); the school bands and it make
	// up the census's 0–14 share.
	sum := 0.6*0.0552 + NationalAgeShares[Age3to5] + NationalAgeShares[Age6to11] + NationalAgeShares[Age12to14]
	if math.Abs(sum-NationalAgeShares[Age0to14]) > 0.0003 {
		t.Errorf("0-2 + 3-5 + 6-11 + 12-14 = %.4f, want the 0-14 share %.4f", sum, NationalAgeShares[Age0to14])
	}
	for _, b := range AgeBands[1:] {
		if !(NationalAgeShares[b] > 0 && NationalAgeShares[b] < 1) {
			t.Errorf("band %s has no national share", b)
		}
	}
}

func TestAgeBandValidation(t *testing.T) {
	base := func() *Taxonomy { return e2sfcaTaxonomy().Clone() }
	for _, tc := range []struct {
		name string
		mod  func(*Taxonomy)
		want string
	}{
		{"unknown band", func(t *Taxonomy) { t.Categories[0].Demand = "teens" }, `category "kindergarten": demand "teens": unknown age band`},
		{"negative norm", func(t *Taxonomy) { t.Categories[2].PlacesPer1000 = NewNorm(-1) }, `category "elderly_care": places_per_1000 -1: negative`},
		{"NaN norm", func(t *Taxonomy) { t.Categories[2].PlacesPer1000 = NewNorm(math.NaN()) }, `category "elderly_care": places_per_1000 NaN: not a finite number`},
		{"city share band", func(t *Taxonomy) { t.AgeShares = map[string]float64{"seniors": 0.2} }, `age_shares: unknown age band "seniors"`},
		{"city share range", func(t *Taxonomy) { t.AgeShares = map[string]float64{"60+": 1.2} }, `age_shares "60+": 1.2 is not a share`},
	} {
		tax := base()
		tc.mod(tax)
		err := tax.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	// Legacy names still work.
	tax := base()
	tax.Categories[0].Demand = "children"
	if err := tax.Validate(); err != nil || tax.Categories[0].AgeBand() != Age0to14 {
		t.Errorf("legacy children: %v %q", err, tax.Categories[0].AgeBand())
	}
}

func TestGradesRule(t *testing.T) {
	for _, tc := range []struct {
		v      string
		lo, hi int
		want   bool
	}{
		{"1-4", 1, 4, true}, {"5-10", 1, 4, false}, {"5-10", 7, 9, true}, {"K-8", 1, 4, true},
		{"PK-K", 1, 4, false}, {"5;6", 7, 9, false}, {"5;6;7", 7, 9, true}, {"10-12", 7, 9, false},
		{"12-10", 10, 10, true}, {"unknown", 1, 4, false}, {"1-x", 1, 4, false}, {" 2 ", 1, 4, true},
	} {
		if got := gradesOverlap(tc.v, tc.lo, tc.hi); got != tc.want {
			t.Errorf("grades %q in %d..%d = %v, want %v", tc.v, tc.lo, tc.hi, got, tc.want)
		}
	}
	for _, bad := range []string{"#", "#1", "#4-1", "#a-b"} {
		if _, err := parseRule("grades", bad); err == nil {
			t.Errorf("rule %q accepted", bad)
		}
	}
	tax := &Taxonomy{Categories: []Category{{ID: "p", Tier: 10, ThresholdMin: 10, Kind: KindPoint,
		Select: []Selector{{"amenity": "school", "grades": "#1-4"}}}}}
	if err := tax.Validate(); err != nil {
		t.Fatal(err)
	}
	if got := tax.Match(mapTags{"amenity": "school", "grades": "K-5"}); len(got) != 1 {
		t.Errorf("K-5 school not primary: %v", got)
	}
	park := Category{ID: "x", Tier: 10, ThresholdMin: 10, Kind: KindPoint, MinAreaM2: 100, Select: []Selector{{"leisure": "park"}}}
	if err := (&Taxonomy{Categories: []Category{park}}).Validate(); err == nil || !strings.Contains(err.Error(), "min_area_m2 applies to kind area") {
		t.Errorf("min area on a point category: %v", err)
	}
}

type mapTags map[string]string

func (m mapTags) Find(k string) string { return m[k] }

func TestContainsWithExclusions(t *testing.T) {
	r, err := parseRule("name", "~中学|中學|!高级中学|!高級中學")
	if err != nil {
		t.Fatal(err)
	}
	for v, want := range map[string]bool{"石室中学": true, "成都市树德高级中学": false, "衛道中學": true, "臺中第一高級中學": false, "": false, "小学": false} {
		if got := r.test(v); got != want {
			t.Errorf("%q: %v, want %v", v, got, want)
		}
	}
	if _, err := parseRule("name", "~!高中"); err == nil {
		t.Error("a rule of exclusions only is accepted")
	}
}
