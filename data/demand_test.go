package data

import (
	"errors"
	"math"
	"strings"
	"testing"

	"fifteen/geo"
)

// TestDefaultCityDemandNorms is the first "done when" on the
// default city, with the default taxonomy: nursing-home need is tens of
// beds per municipality (40 beds per 1,000 aged 60+, China's 60+ share for
// want of local figures), kindergarten demand is the children aged 3–5, and
// the city totals (and the E2SFCA supply) hold.
func TestDefaultCityDemandNorms(t *testing.T) {
	city := defaultCity(t)
	a, err := geo.ComputeAccess(city, geo.AccessOptions{Profiles: geo.DefaultProfiles()[:1]})
	if err != nil {
		t.Fatal(err)
	}
	res, err := a.E2SFCA(geo.E2SFCAOptions{})
	if err != nil {
		t.Fatal(err)
	}
	byCat := map[string]*geo.CapacityAccess{}
	for i := range res {
		byCat[res[i].Category] = &res[i]
	}
	ec, kg := byCat["elderly_care"], byCat["kindergarten"]
	if ec == nil || kg == nil {
		t.Fatal("no elderly_care or kindergarten capacity result")
	}
	if ec.DemandGroup != geo.Age60Plus || ec.NormPer1000 != 40 {
		t.Errorf("elderly_care: group %s norm %v, want 60+ and 40", ec.DemandGroup, ec.NormPer1000)
	}
	for ci, cc := range ec.Communities {
		m := city.Communities[ci]
		want := m.Population * geo.NationalAgeShares[geo.Age60Plus] * 0.040
		if math.Abs(cc.Need-want) > 0.01*want+1 {
			t.Errorf("%s: nursing-home need %.1f beds, want about %.1f (population %.0f)", m.Name, cc.Need, want, m.Population)
		}
		if cc.Need >= 100 || cc.Shortfall > cc.Need+1e-9 || cc.AgeSource != geo.AgeSourceNational {
			t.Errorf("%s: need %.1f, shortfall %.1f, age source %q; want under 100 beds, shortfall <= need, national", m.Name, cc.Need, cc.Shortfall, cc.AgeSource)
		}
		t.Logf("%-14s population %6.0f  aged 60+ %6.0f  beds needed %5.1f  reached %6.1f  short %5.1f", m.Name, m.Population, cc.Demand, cc.Need, cc.Places, cc.Shortfall)
	}
	if kg.DemandGroup != geo.Age3to5 {
		t.Errorf("kindergarten demand group %q, want 3-5", kg.DemandGroup)
	}
	total := city.Population.Total
	if want := total * geo.NationalAgeShares[geo.Age3to5]; math.Abs(kg.Total.Demand-want) > 1e-6*want {
		t.Errorf("kindergarten demand %.1f, want the children aged 3-5 %.1f", kg.Total.Demand, want)
	}
	if want := total * geo.NationalAgeShares[geo.Age3to5] * 0.9; math.Abs(kg.Total.Need-want) > 1e-6*want {
		t.Errorf("kindergarten need %.1f, want %.1f (900 per 1,000 aged 3-5)", kg.Total.Need, want)
	}
	if kg.Total.Shortfall > kg.Total.Need {
		t.Errorf("kindergarten shortfall %v above need %v", kg.Total.Shortfall, kg.Total.Need)
	}
	t.Logf("kindergarten: children 3-5 %.0f, places needed %.0f, reached %.0f, short %.0f", kg.Total.Demand, kg.Total.Need, kg.Total.Places, kg.Total.Shortfall)
}

// TestTaxonomyNormErrors: a bad norm or age band gets one error naming the
// file and the category.
func TestTaxonomyNormErrors(t *testing.T) {
	cat := func(extra string) string {
		return `{"categories": [{"id": "beds", "tier": 15, "threshold_min": 15, "kind": "point",
			"select": [{"amenity": "nursing_home"}]` + extra + `}]}`
	}
	for _, tc := range []struct{ name, in, want string }{
		{"negative norm", cat(`, "demand": "60+", "places_per_1000": -5`), `places_per_1000 -5: negative`},
		{"text norm", cat(`, "demand": "60+", "places_per_1000": "forty"`), `places_per_1000 "forty": not a number`},
		{"object norm", cat(`, "places_per_1000": {"v": 1}`), `places_per_1000 {"v": 1}: not a number`},
		{"unknown band", cat(`, "demand": "pensioners"`), `demand "pensioners": unknown age band`},
	} {
		_, err := LoadTaxonomy(strings.NewReader(tc.in), "city.json")
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		msg := err.Error()
		if !strings.HasPrefix(msg, "city.json: ") || !strings.Contains(msg, `category "beds"`) || !strings.Contains(msg, tc.want) || !errors.Is(err, geo.ErrBadTaxonomy) {
			t.Errorf("%s: %q, want the file, the category and %q", tc.name, msg, tc.want)
		}
	}
	_, err := LoadTaxonomy(strings.NewReader(`{"age_shares": {"3-6": 0.04}, "categories": [{"id": "k", "tier": 5, "threshold_min": 5, "kind": "point", "select": [{"amenity": "kindergarten"}]}]}`), "city.json")
	if err == nil || !strings.Contains(err.Error(), `city.json: `) || !strings.Contains(err.Error(), `unknown age band "3-6"`) {
		t.Errorf("unknown city age band: %v", err)
	}
	// A good file overrides the default norm and gives city shares.
	tax, err := LoadTaxonomy(strings.NewReader(cat(`, "demand": "80+", "places_per_1000": 120, "norm_source": "local plan"`)), "city.json")
	if err != nil {
		t.Fatal(err)
	}
	if n, ok := tax.Categories[0].NormPer1000(); !ok || n != 120 || tax.Categories[0].AgeBand() != geo.Age80Plus {
		t.Errorf("norm %v %v band %s", n, ok, tax.Categories[0].AgeBand())
	}
}

// TestReadmePlannerQuestions pins the figures the README gives for the
// seed's two questions, with their hand checks.
func TestReadmePlannerQuestions(t *testing.T) {
	a := defaultAccess(t, geo.AccessOptions{})
	r, err := a.Report()
	if err != nil {
		t.Fatal(err)
	}
	adult := a.ProfileIndex("adult")
	for _, cc := range r.Communities {
		if cc.Name != "Vaduz" {
			continue
		}
		for _, f := range cc.Profiles[adult].Capacity {
			if f.Category != "elderly_care" {
				continue
			}
			// 5,229 × 18.70 % × 40 / 1,000 = 39.1 beds, none reached.
			want := 5229 * 0.187 * 0.040
			if math.Abs(f.Need-want) > 0.05 || f.Places != 0 || math.Abs(f.Shortfall-f.Need) > 1e-9 || f.AgeSource != "national" {
				t.Errorf("Vaduz beds: %+v, want need = shortfall = %.1f, no places, national ages", f, want)
			}
		}
	}
	for _, f := range r.Total.Profiles[adult].Capacity {
		if f.Category == "elderly_care" && (math.Round(f.Need) != 279 || math.Round(f.Shortfall) != 246) {
			t.Errorf("country: need %.1f, short %.1f; the README says 279 and 246", f.Need, f.Shortfall)
		}
	}
	res, err := a.Siting(geo.SitingOptions{Category: "kindergarten", K: 3, Capacity: 270})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		gain      float64
		community string
	}{{29, "Vaduz"}, {28, "Balzers"}, {28, "Balzers"}}
	if len(res.Sites) != 3 || math.Round(res.Uncovered) != 976 {
		t.Fatalf("%d sites, %.1f places short; want 3 and 976", len(res.Sites), res.Uncovered)
	}
	communityName := map[string]string{}
	for _, c := range a.City.Communities {
		communityName[c.ID] = c.Name
	}
	for i, w := range want {
		s := res.Sites[i]
		if math.Round(s.Gain) != w.gain || communityName[s.Community] != w.community {
			t.Errorf("site %d: %.1f places in %s, the README says %v in %s", i+1, s.Gain, communityName[s.Community], w.gain, w.community)
		}
	}
}
