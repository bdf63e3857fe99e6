package data

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"fifteen/geo"
)

// ErrBadScenarioFile means a scenario file could not be read.
var ErrBadScenarioFile = errors.New("data: invalid scenario file")

// MaxScenarioBytes bounds a scenario file.
const MaxScenarioBytes = 8 << 20

// scenarioJSON is the plain JSON scenario format.
type scenarioJSON struct {
	Name string `json:"name"`
	Add  []struct {
		ID       string   `json:"id"`
		Name     string   `json:"name"`
		Category string   `json:"category"`
		Lon      *float64 `json:"lon"`
		Lat      *float64 `json:"lat"`
		Capacity float64  `json:"capacity"`
	} `json:"add"`
	Close     []string       `json:"close"`
	AddLinks  [][][2]float64 `json:"add_links"`
	CloseWays []int64        `json:"close_ways"`
}

// LoadScenario reads a what-if scenario, as plain JSON
//
//	{"name": "...", "add": [{"category": "clinic", "lon": 9.52, "lat": 47.14, "name": "...", "capacity": 0}],
//	 "close": ["osm:way/123"], "add_links": [[[9.5, 47.1], [9.51, 47.1]]], "close_ways": [123]}
//
// or as a GeoJSON FeatureCollection whose features say what they do in an
// "action" property: "add" (the default for points: a new facility with
// category, name, capacity, id), "link" (the default for lines: a new walk
// link), "close" (a facility by "id") or "close_way" (an OSM way by "way").
// name is used in errors.
func LoadScenario(r io.Reader, name string) (geo.Scenario, error) {
	var sc geo.Scenario
	b, err := io.ReadAll(io.LimitReader(r, MaxScenarioBytes+1))
	if err != nil {
		return sc, fmt.Errorf("%s: %w", name, err)
	}
	if len(b) > MaxScenarioBytes {
		return sc, fmt.Errorf("%s: %w: larger than %d bytes", name, ErrBadScenarioFile, MaxScenarioBytes)
	}
	var probe struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(b, &probe); err != nil {
		return sc, fmt.Errorf("%s: %w: %s", name, ErrBadScenarioFile, describeTopJSON(err))
	}
	if probe.Type != "" {
		return scenarioFromGeoJSON(b, name)
	}
	var sj scenarioJSON
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&sj); err != nil {
		return sc, fmt.Errorf("%s: %w: %s", name, ErrBadScenarioFile, DescribeJSONError(err))
	}
	sc.Name, sc.Close, sc.CloseWays = sj.Name, sj.Close, sj.CloseWays
	if err := checkScenarioName("name", sj.Name); err != nil {
		return sc, fmt.Errorf("%s: %w: %w", name, ErrBadScenarioFile, err)
	}
	if n := len(sj.Add) + len(sj.Close) + len(sj.AddLinks) + len(sj.CloseWays); n > geo.MaxScenarioChanges {
		return sc, fmt.Errorf("%s: %w: %d changes, at most %d", name, ErrBadScenarioFile, n, geo.MaxScenarioChanges)
	}
	for i, a := range sj.Add {
		if a.Lon == nil || a.Lat == nil {
			return sc, fmt.Errorf("%s: %w: add[%d] needs lon and lat", name, ErrBadScenarioFile, i)
		}
		p := orb.Point{*a.Lon, *a.Lat}
		if err := geo.ValidPoint(p); err != nil {
			return sc, fmt.Errorf("%s: %w: add[%d]: %w", name, ErrBadScenarioFile, i, err)
		}
		if err := checkScenarioName(fmt.Sprintf("add[%d].name", i), a.Name); err != nil {
			return sc, fmt.Errorf("%s: %w: %w", name, ErrBadScenarioFile, err)
		}
		if !(a.Capacity >= 0 && a.Capacity <= geo.MaxCapacity) {
			return sc, fmt.Errorf("%s: %w: add[%d].capacity %v is not in [0, %g]", name, ErrBadScenarioFile, i, a.Capacity, float64(geo.MaxCapacity))
		}
		sc.Add = append(sc.Add, geo.NewFacility{ID: a.ID, Name: a.Name, Category: a.Category, Point: p, Capacity: a.Capacity})
	}
	for i, l := range sj.AddLinks {
		var ls orb.LineString
		for _, p := range l {
			ls = append(ls, orb.Point(p))
		}
		if err := checkLine(ls); err != nil {
			return sc, fmt.Errorf("%s: %w: add_links[%d]: %w", name, ErrBadScenarioFile, i, err)
		}
		sc.AddLinks = append(sc.AddLinks, ls)
	}
	return sc, nil
}

func checkLine(ls orb.LineString) error {
	if len(ls) < 2 {
		return fmt.Errorf("a link needs at least two points")
	}
	for _, p := range ls {
		if err := geo.ValidPoint(p); err != nil {
			return err
		}
	}
	return nil
}

func scenarioFromGeoJSON(b []byte, name string) (geo.Scenario, error) {
	var sc geo.Scenario
	fc, err := geojson.UnmarshalFeatureCollection(b)
	if err != nil || fc.Type != "FeatureCollection" {
		if err == nil {
			err = fmt.Errorf("type %q", fc.Type)
		}
		return sc, fmt.Errorf("%s: %w: not a GeoJSON FeatureCollection (%s)", name, ErrBadScenarioFile, DescribeJSONError(err))
	}
	if n, ok := fc.ExtraMembers["name"].(string); ok {
		sc.Name = n
	}
	if err := checkScenarioName("name", sc.Name); err != nil {
		return sc, fmt.Errorf("%s: %w: %w", name, ErrBadScenarioFile, err)
	}
	if n := len(fc.Features); n > geo.MaxScenarioChanges {
		return sc, fmt.Errorf("%s: %w: %d features, at most %d", name, ErrBadScenarioFile, n, geo.MaxScenarioChanges)
	}
	for i, f := range fc.Features {
		bad := func(format string, args ...any) error {
			return fmt.Errorf("%s: %w: feature %d: %s", name, ErrBadScenarioFile, i, fmt.Sprintf(format, args...))
		}
		if f == nil {
			return sc, bad("null feature")
		}
		str := func(key string) (string, error) {
			switch v := f.Properties[key].(type) {
			case nil:
				return "", nil
			case string:
				return v, nil
			case float64:
				return strconv.FormatFloat(v, 'f', -1, 64), nil
			}
			return "", bad("%q is not a string", key)
		}
		action, err := str("action")
		if err != nil {
			return sc, err
		}
		if action == "" {
			switch f.Geometry.(type) {
			case orb.Point:
				action = "add"
			case orb.LineString:
				action = "link"
			}
		}
		switch action {
		case "add":
			p, ok := f.Geometry.(orb.Point)
			if !ok {
				return sc, bad("a new facility needs a Point geometry")
			}
			if err := geo.ValidPoint(p); err != nil {
				return sc, bad("%v", err)
			}
			nf := geo.NewFacility{Point: p}
			for key, dst := range map[string]*string{"category": &nf.Category, "name": &nf.Name, "id": &nf.ID} {
				if *dst, err = str(key); err != nil {
					return sc, err
				}
			}
			if nf.Category == "" {
				return sc, bad("a new facility needs a category")
			}
			if err := checkScenarioName("name", nf.Name); err != nil {
				return sc, bad("%v", err)
			}
			if v, ok := f.Properties["capacity"]; ok && v != nil {
				c, err := toFloat(v)
				if err != nil || !(c >= 0 && c <= geo.MaxCapacity) {
					return sc, bad("capacity %v is not a number of places in [0, %g]", v, float64(geo.MaxCapacity))
				}
				nf.Capacity = c
			}
			sc.Add = append(sc.Add, nf)
		case "link":
			l, ok := f.Geometry.(orb.LineString)
			if !ok {
				return sc, bad("a link needs a LineString geometry")
			}
			if err := checkLine(l); err != nil {
				return sc, bad("%v", err)
			}
			sc.AddLinks = append(sc.AddLinks, l)
		case "close":
			id, err := str("id")
			if err != nil {
				return sc, err
			}
			if id == "" {
				return sc, bad("close needs the facility's id")
			}
			sc.Close = append(sc.Close, id)
		case "close_way":
			w, err := toFloat(f.Properties["way"])
			if err != nil || w != float64(int64(w)) {
				return sc, bad("close_way needs the OSM way id in \"way\"")
			}
			sc.CloseWays = append(sc.CloseWays, int64(w))
		default:
			return sc, bad("unknown action %q (want add, link, close or close_way)", action)
		}
	}
	return sc, nil
}

func toFloat(v any) (float64, error) {
	switch x := v.(type) {
	case float64:
		return x, nil
	case string:
		return strconv.ParseFloat(x, 64)
	}
	return 0, fmt.Errorf("not a number: %v", v)
}

// checkScenarioName bounds a name given in a scenario.
func checkScenarioName(field, v string) error {
	if n := utf8.RuneCountInString(v); n > geo.MaxNameRunes {
		return fmt.Errorf("%s is %d characters long, at most %d", field, n, geo.MaxNameRunes)
	}
	return nil
}

// describeTopJSON describes an error decoding a document's top level,
// which must be an object.
func describeTopJSON(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("want a JSON object, not a JSON %s", te.Value)
	}
	return DescribeJSONError(err)
}
