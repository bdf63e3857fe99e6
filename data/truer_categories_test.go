package data

import (
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"fifteen/geo"
)

// TestDefaultCityTruerCategories pins issue 11's category rules on the
// default city: middle-school coverage counts only secondary schools,
// garden pools are no sports grounds, parks reach 1 ha, and greenway
// coverage falls below 100 %.
func TestDefaultCityTruerCategories(t *testing.T) {
	city := defaultCity(t)
	secondary := []string{"Schulzentrum", "Weiterführende", "Realschule", "Oberschule", "Gymnasium", "Sekundar"}
	n := map[string]int{}
	for _, f := range city.Facilities {
		n[f.Category]++
		switch f.Category {
		case "middle_school":
			if !containsAny(f.Name, secondary) {
				t.Errorf("middle school %s %q has no secondary name", f.ID, f.Name)
			}
		case "primary_school":
			if !strings.Contains(f.Name, "Primarschule") {
				t.Errorf("primary school %s %q is not a Primarschule", f.ID, f.Name)
			}
		case "park":
			if a := facilityAreaM2(f.Geom); a < 10000 {
				t.Errorf("park %s %q of %.0f m², under 1 ha", f.ID, f.Name, a)
			}
		}
	}
	if n["middle_school"] != 3 || n["school_unknown"] != 8 {
		t.Errorf("%d middle schools, %d of unknown level; want 3 and 8", n["middle_school"], n["school_unknown"])
	}
	// 326 sports facilities before, of which 111 unnamed garden pools.
	if n["sports"] > 220 {
		t.Errorf("%d sports facilities: garden pools count again?", n["sports"])
	}
	a, err := geo.ComputeAccess(city, geo.AccessOptions{Profiles: geo.DefaultProfiles()[:1]})
	if err != nil {
		t.Fatal(err)
	}
	r, err := a.Report()
	if err != nil {
		t.Fatal(err)
	}
	share := map[string]float64{}
	for _, c := range r.Total.Profiles[0].Categories {
		share[c.Category] = c.Share
	}
	t.Logf("coverage: middle school %.3f, primary %.3f, unknown level %.3f, greenway %.3f, park %.3f, sports %.3f",
		share["middle_school"], share["primary_school"], share["school_unknown"], share["greenway"], share["park"], share["sports"])
	if share["greenway"] >= 0.99 {
		t.Errorf("greenway coverage %.4f, want below 99 %%", share["greenway"])
	}
	if s := share["middle_school"]; s < 0.1 || s > 0.3 {
		t.Errorf("middle-school coverage %.3f, want that of the 3 secondary schools (about 0.2)", s)
	}
}

func containsAny(s string, subs []string) bool {
	for _, x := range subs {
		if strings.Contains(s, x) {
			return true
		}
	}
	return false
}

func TestShareInside(t *testing.T) {
	sq := orb.Polygon{{{0, 0}, {0.001, 0}, {0.001, 0.001}, {0, 0.001}, {0, 0}}}
	ix := newPolyIndex([]orb.Polygon{sq})
	for _, tc := range []struct {
		name string
		g    orb.Geometry
		want float64
	}{
		{"inside", orb.LineString{{0.0002, 0.0005}, {0.0008, 0.0005}}, 1},
		{"half", orb.LineString{{0.0005, 0.0005}, {0.0015, 0.0005}}, 0.5},
		{"touching at one vertex", orb.LineString{{0.0009, 0.0005}, {0.0109, 0.0005}}, 0.01},
		{"outside", orb.LineString{{0.002, 0.002}, {0.003, 0.002}}, 0},
		{"point", orb.Point{0.0005, 0.0005}, 0},
	} {
		if got := ix.shareInside(tc.g); got < tc.want-0.02 || got > tc.want+0.02 {
			t.Errorf("%s: share %.3f, want %.3f", tc.name, got, tc.want)
		}
	}
}
