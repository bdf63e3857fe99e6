package data

import (
	"testing"

	"github.com/paulmach/osm"

	"fifteen/geo"
)

func tags(kv ...string) osm.Tags {
	var t osm.Tags
	for i := 0; i+1 < len(kv); i += 2 {
		t = append(t, osm.Tag{Key: kv[i], Value: kv[i+1]})
	}
	return t
}

func TestWalkAttrRules(t *testing.T) {
	tests := []struct {
		name  string
		tags  osm.Tags
		walk  bool
		flags geo.EdgeFlags
	}{
		{"footway", tags("highway", "footway"), true, 0},
		{"residential street", tags("highway", "residential"), true, 0},
		{"primary is walkable and major", tags("highway", "primary"), true, geo.FlagMajorRoad},
		{"tertiary_link", tags("highway", "tertiary_link"), true, 0},
		{"corridor is indoor", tags("highway", "corridor"), true, geo.FlagIndoor},
		{"steps", tags("highway", "steps"), true, geo.FlagSteps},
		{"motorway excluded", tags("highway", "motorway"), false, 0},
		{"trunk excluded", tags("highway", "trunk"), false, 0},
		{"trunk with foot=yes", tags("highway", "trunk", "foot", "yes"), true, geo.FlagMajorRoad},
		{"motorway_link with foot=designated", tags("highway", "motorway_link", "foot", "designated"), true, geo.FlagMajorRoad},
		{"motorway with foot=no", tags("highway", "motorway", "foot", "no"), false, 0},
		{"foot=no", tags("highway", "residential", "foot", "no"), false, 0},
		{"foot=private", tags("highway", "path", "foot", "private"), false, 0},
		{"foot=use_sidepath", tags("highway", "secondary", "foot", "use_sidepath"), false, 0},
		{"access=no", tags("highway", "service", "access", "no"), false, 0},
		{"access=private", tags("highway", "track", "access", "private"), false, 0},
		{"access=private foot=yes", tags("highway", "service", "access", "private", "foot", "yes"), true, 0},
		{"access=no foot=permissive", tags("highway", "path", "access", "no", "foot", "permissive"), true, 0},
		{"access=no foot=designated", tags("highway", "footway", "access", "no", "foot", "designated"), true, 0},
		{"access=no foot=customers is still closed", tags("highway", "service", "access", "no", "foot", "customers"), false, 0},
		{"access=destination stays open", tags("highway", "residential", "access", "destination"), true, 0},
		{"vehicle oneway ignored", tags("highway", "residential", "oneway", "yes"), true, 0},
		{"oneway:foot=yes", tags("highway", "footway", "oneway:foot", "yes"), true, geo.FlagOnewayFwd},
		{"oneway:foot=-1", tags("highway", "footway", "oneway:foot", "-1"), true, geo.FlagOnewayBwd},
		{"oneway:foot=no", tags("highway", "footway", "oneway", "yes", "oneway:foot", "no"), true, 0},
		{"unpaved surface", tags("highway", "path", "surface", "gravel"), true, geo.FlagUnpaved},
		{"paved surface", tags("highway", "path", "surface", "asphalt"), true, 0},
		{"track grade4 without surface", tags("highway", "track", "tracktype", "grade4"), true, geo.FlagUnpaved},
		{"tunnel", tags("highway", "footway", "tunnel", "yes"), true, geo.FlagTunnel},
		{"building passage is not a tunnel", tags("highway", "footway", "tunnel", "building_passage"), true, 0},
		{"layer -1", tags("highway", "footway", "layer", "-1"), true, geo.FlagTunnel},
		{"layer 1", tags("highway", "footway", "layer", "1"), true, 0},
		{"indoor=yes", tags("highway", "footway", "indoor", "yes"), true, geo.FlagIndoor},
		{"bridge", tags("highway", "footway", "bridge", "yes"), true, geo.FlagBridge},
		{"incline", tags("highway", "footway", "incline", "12%"), true, geo.FlagIncline},
		{"incline up has no magnitude", tags("highway", "footway", "incline", "up"), true, 0},
		{"no highway", tags("building", "yes"), false, 0},
		{"construction", tags("highway", "construction"), false, 0},
		{"proposed", tags("highway", "proposed"), false, 0},
		{"platform not listed", tags("highway", "platform"), false, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, ok := WalkAttr(tc.tags)
			if ok != tc.walk {
				t.Fatalf("walkable = %v, want %v", ok, tc.walk)
			}
			if ok && a.Flags != tc.flags {
				t.Fatalf("flags %b, want %b", a.Flags, tc.flags)
			}
		})
	}
}

func TestParseIncline(t *testing.T) {
	tests := []struct {
		in   string
		want int8
		ok   bool
	}{
		{"10%", 10, true}, {"-5 %", -5, true}, {"45°", 100, true}, {"0.5", 1, true},
		{"up", 0, false}, {"", 0, false}, {"steep", 0, false}, {"300%", 127, true}, {"NaN", 0, false},
	}
	for _, tc := range tests {
		got, ok := parseIncline(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseIncline(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
