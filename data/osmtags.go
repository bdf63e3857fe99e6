package data

import (
	"math"
	"strconv"
	"strings"

	"github.com/paulmach/osm"

	"fifteen/geo"
)

// walkableHighway lists the highway values a pedestrian may use by default.
var walkableHighway = map[string]bool{
	"footway": true, "path": true, "pedestrian": true, "steps": true,
	"living_street": true, "residential": true, "service": true, "unclassified": true,
	"tertiary": true, "tertiary_link": true, "secondary": true, "secondary_link": true,
	"primary": true, "primary_link": true, "track": true, "cycleway": true,
	"bridleway": true, "corridor": true,
}

// footOnlyHighway lists the highway values walkable only with an explicit
// foot=yes|designated|permissive.
var footOnlyHighway = map[string]bool{
	"motorway": true, "motorway_link": true, "trunk": true, "trunk_link": true,
}

var majorHighway = map[string]bool{
	"primary": true, "primary_link": true, "secondary": true, "secondary_link": true,
	"trunk": true, "trunk_link": true, "motorway": true, "motorway_link": true,
}

var unpavedSurface = map[string]bool{
	"unpaved": true, "gravel": true, "fine_gravel": true, "dirt": true, "earth": true,
	"grass": true, "ground": true, "mud": true, "sand": true, "pebblestone": true,
	"woodchips": true, "rock": true, "stones": true, "grass_paver": true, "shells": true,
	"snow": true, "ice": true, "salt": true,
}

func footAllowed(v string) bool {
	return v == "yes" || v == "designated" || v == "permissive"
}

// WalkAttr decides whether a way with these tags is walkable and returns the
// attributes its edges carry. The rules:
//   - highway must be one of footway, path, pedestrian, steps, living_street,
//     residential, service, unclassified, tertiary, secondary, primary (and
//     their _link), track, cycleway, bridleway or corridor; motorway and trunk
//     (and links) only with foot=yes|designated|permissive;
//   - foot=no|private|use_sidepath excludes the way;
//   - access=no|private excludes it unless foot=yes|designated|permissive;
//   - oneway is ignored (it binds vehicles); oneway:foot=yes|1|true|-1 binds
//     walkers;
//   - steps, unpaved surfaces (or track with tracktype grade3-5), tunnels
//     (tunnel=yes|culvert, layer < 0, location=underground), indoor ways
//     (indoor=yes, highway=corridor), bridges and tagged inclines are recorded.
func WalkAttr(tags osm.Tags) (geo.EdgeAttr, bool) {
	hw := tags.Find("highway")
	foot := tags.Find("foot")
	switch {
	case walkableHighway[hw]:
	case footOnlyHighway[hw]:
		if !footAllowed(foot) {
			return geo.EdgeAttr{}, false
		}
	default:
		return geo.EdgeAttr{}, false
	}
	switch foot {
	case "no", "private", "use_sidepath":
		return geo.EdgeAttr{}, false
	}
	switch tags.Find("access") {
	case "no", "private":
		if !footAllowed(foot) {
			return geo.EdgeAttr{}, false
		}
	}
	var a geo.EdgeAttr
	if hw == "steps" {
		a.Flags |= geo.FlagSteps
	}
	if majorHighway[hw] {
		a.Flags |= geo.FlagMajorRoad
	}
	surface := tags.Find("surface")
	if unpavedSurface[surface] {
		a.Flags |= geo.FlagUnpaved
	} else if surface == "" && hw == "track" {
		switch tags.Find("tracktype") {
		case "grade3", "grade4", "grade5":
			a.Flags |= geo.FlagUnpaved
		}
	}
	if t := tags.Find("tunnel"); t == "yes" || t == "culvert" {
		a.Flags |= geo.FlagTunnel
	}
	if l, err := strconv.Atoi(strings.TrimSpace(tags.Find("layer"))); err == nil && l < 0 {
		a.Flags |= geo.FlagTunnel
	}
	if tags.Find("location") == "underground" {
		a.Flags |= geo.FlagTunnel
	}
	if hw == "corridor" || tags.Find("indoor") == "yes" {
		a.Flags |= geo.FlagIndoor
	}
	if b := tags.Find("bridge"); b != "" && b != "no" {
		a.Flags |= geo.FlagBridge
	}
	switch tags.Find("oneway:foot") {
	case "yes", "1", "true":
		a.Flags |= geo.FlagOnewayFwd
	case "-1", "reverse":
		a.Flags |= geo.FlagOnewayBwd
	}
	if pct, ok := parseIncline(tags.Find("incline")); ok {
		a.Flags |= geo.FlagIncline
		a.InclinePct = pct
	}
	return a, true
}

// parseIncline reads incline values such as "10%", "-5 %", "3°" or "0.08".
// "up" and "down" carry no magnitude and are not recorded.
func parseIncline(v string) (int8, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	deg := false
	switch {
	case strings.HasSuffix(v, "%"):
		v = strings.TrimSpace(strings.TrimSuffix(v, "%"))
	case strings.HasSuffix(v, "°"):
		v = strings.TrimSpace(strings.TrimSuffix(v, "°"))
		deg = true
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	if deg {
		f = math.Tan(f*math.Pi/180) * 100
	}
	f = math.Round(f)
	if f > 127 {
		f = 127
	}
	if f < -127 {
		f = -127
	}
	return int8(f), true
}

var residentialBuilding = map[string]bool{
	"house": true, "residential": true, "apartments": true, "detached": true,
	"semidetached_house": true, "terrace": true, "dormitory": true, "bungalow": true,
	"farm": true, "cabin": true, "static_caravan": true, "houseboat": true,
}

// buildingLevels returns building:levels (plus roof:levels), at least 1.
func buildingLevels(tags osm.Tags) float64 {
	lv := 1.0
	if f, err := strconv.ParseFloat(strings.TrimSpace(tags.Find("building:levels")), 64); err == nil && f >= 1 && f < 200 {
		lv = f
	}
	if f, err := strconv.ParseFloat(strings.TrimSpace(tags.Find("roof:levels")), 64); err == nil && f > 0 && f < 20 {
		lv += f * 0.5 // a roof level is about half a storey of floor space
	}
	return lv
}

func isBuilding(tags osm.Tags) bool {
	b := tags.Find("building")
	return b != "" && b != "no"
}

// belowStreet reports whether a feature is mapped underground or indoors:
// location=underground|indoor, indoor=* other than no, or a negative level.
func belowStreet(tags osm.Tags) bool {
	switch tags.Find("location") {
	case "underground", "indoor":
		return true
	}
	if v := tags.Find("indoor"); v != "" && v != "no" {
		return true
	}
	lv := strings.TrimSpace(tags.Find("level"))
	if i := strings.IndexAny(lv, ";,"); i >= 0 {
		lv = lv[:i]
	}
	if f, err := strconv.ParseFloat(lv, 64); err == nil && f < 0 {
		return true
	}
	return false
}
