package geo_test

import (
	"math"
	"testing"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"

	"fifteen/geo"
)

// Published pairs: wandergis/coordtransform's test/app.js, all from
// (116.404, 39.915) in Beijing.
func TestChinaCRSPublishedPairs(t *testing.T) {
	in := orb.Point{116.404, 39.915}
	for _, tc := range []struct {
		name string
		got  orb.Point
		want orb.Point
		tolM float64
	}{
		{"bd09togcj02", geo.BD09ToGCJ02(in), orb.Point{116.39762729119315, 39.90865673957631}, 0.01},
		{"gcj02tobd09", geo.GCJ02ToBD09(in), orb.Point{116.41036949371029, 39.92133699351021}, 0.01},
		{"wgs84togcj02", geo.WGS84ToGCJ02(in), orb.Point{116.41024449916938, 39.91640428150164}, 0.01},
		// The published inverse is the one-step approximation; ours iterates
		// to the exact inverse, which lies within a metre of it.
		{"gcj02towgs84", geo.GCJ02ToWGS84(in), orb.Point{116.39775550083061, 39.91359571849836}, 1},
	} {
		if d := orbgeo.Distance(tc.got, tc.want); d > tc.tolM {
			t.Errorf("%s: %v, published %v: %.3f m apart", tc.name, tc.got, tc.want, d)
		}
	}
}

func TestChinaCRSRoundTrip(t *testing.T) {
	for _, p := range []orb.Point{{116.404, 39.915}, {104.0665, 30.5723}, {121.4737, 31.2304}, {113.2644, 23.1291}, {87.6168, 43.8256}, {126.535, 45.8038}} {
		if d := orbgeo.Distance(geo.GCJ02ToWGS84(geo.WGS84ToGCJ02(p)), p); d > 0.5 {
			t.Errorf("%v: WGS84 → GCJ-02 → WGS84 off by %.3f m", p, d)
		}
		if d := orbgeo.Distance(geo.BD09ToGCJ02(geo.GCJ02ToBD09(p)), p); d > 0.5 {
			t.Errorf("%v: GCJ-02 → BD-09 → GCJ-02 off by %.3f m", p, d)
		}
		bd := geo.GCJ02ToBD09(geo.WGS84ToGCJ02(p))
		if d := orbgeo.Distance(geo.ToWGS84(bd, geo.CRSBD09), p); d > 0.5 {
			t.Errorf("%v: WGS84 → BD-09 → WGS84 off by %.3f m", p, d)
		}
		// The offsets are hundreds of metres: a file in the wrong system
		// misplaces facilities by a few blocks.
		if d := orbgeo.Distance(geo.WGS84ToGCJ02(p), p); d < 100 || d > 1000 {
			t.Errorf("%v: GCJ-02 offset %.0f m, expected hundreds of metres", p, d)
		}
	}
}

func TestChinaCRSNoShiftOutsideChina(t *testing.T) {
	for _, p := range []orb.Point{{9.52, 47.14}, {-75.55, 39.74}, {139.69, 35.69}} {
		if got := geo.ToWGS84(p, geo.CRSGCJ02); got != p {
			t.Errorf("%v moved to %v outside China", p, got)
		}
		if got := geo.WGS84ToGCJ02(p); got != p {
			t.Errorf("%v moved to %v outside China", p, got)
		}
	}
	if _, err := geo.ParseCRS("epsg:3857"); err == nil {
		t.Error("an unknown coordinate system accepted")
	}
	if math.IsNaN(geo.GCJ02ToWGS84(orb.Point{116.4, 39.9})[0]) {
		t.Error("NaN")
	}
}
