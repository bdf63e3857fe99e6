package data

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"fifteen/geo"
)

// ErrBadCommunities means a communities GeoJSON file is malformed. Errors
// about a feature's population also wrap geo.ErrNoPopulation, and errors
// about its coordinates geo.ErrBadCoordinate.
var ErrBadCommunities = errors.New("data: invalid communities file")

// MaxCommunitiesBytes and MaxCommunities bound a communities file: 256
// MiB and 100,000 features (a country's municipalities in detail).
const (
	MaxCommunitiesBytes = 256 << 20
	MaxCommunities      = 100_000
)

// LoadCommunities reads communities from a GeoJSON FeatureCollection of
// Polygon and MultiPolygon features; name is the file name used in errors.
//
// Feature properties:
//   - id: the community id; else the feature's own id, else iso3166_2, else
//     osm_id, else name, else "#<index>". Ids must be unique.
//   - name: the display name; the id when absent.
//   - population (required): residents, a number or numeric string > 0.
//   - households (optional): a number >= 0.
//   - aged_60_share (optional): share of residents aged 60 and over, 0..1;
//     also read from share_60plus, or from a pop_60plus count.
//   - child_share (optional): share of residents under 15, 0..1.
//   - share_<band> or pop_<band> (optional): the share (0..1) or the count
//     (0..population) of residents in an age band, for the bands 0_14,
//     3_5, 6_11, 12_14, 60plus, 65plus and 80plus (geo.AgeBands); a share
//     wins over a count. They fill geo.Community.AgeShares.
//
// Every error wraps ErrBadCommunities and names the file, the feature (index
// and id) and the problem.
func LoadCommunities(r io.Reader, name string) ([]geo.Community, error) {
	cs, _, err := loadCommunities(r, name, false)
	return cs, err
}

// LoadCommunityOutlines is LoadCommunities that also accepts a file where
// no feature has a population: then every community has Population 0,
// hasPopulation is false, and the residents are to come from another input
// (a grid, a raster or OSM). A file where some features have a population
// and others not is an error, as for LoadCommunities.
func LoadCommunityOutlines(r io.Reader, name string) (cs []geo.Community, hasPopulation bool, err error) {
	return loadCommunities(r, name, true)
}

func loadCommunities(r io.Reader, name string, outlinesOK bool) ([]geo.Community, bool, error) {
	raw, err := io.ReadAll(io.LimitReader(r, MaxCommunitiesBytes+1))
	if err != nil {
		return nil, false, commErr(name, -1, "", fmt.Sprintf("reading: %v", err))
	}
	if len(raw) > MaxCommunitiesBytes {
		return nil, false, commErr(name, -1, "", fmt.Sprintf("larger than %d bytes", MaxCommunitiesBytes))
	}
	if raw, _, err = decodeText(raw, name); err != nil {
		return nil, false, fmt.Errorf("%w (%w)", err, ErrBadCommunities)
	}
	var head struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return nil, false, commErr(name, -1, "", fmt.Sprintf("not valid JSON: %v", err))
	}
	if head.Type != "FeatureCollection" {
		return nil, false, commErr(name, -1, "", fmt.Sprintf("not a GeoJSON FeatureCollection (type %q)", head.Type))
	}
	fc, err := geojson.UnmarshalFeatureCollection(raw)
	if err != nil {
		return nil, false, commErr(name, -1, "", fmt.Sprintf("invalid GeoJSON: %v", err))
	}
	if len(fc.Features) == 0 {
		return nil, false, commErr(name, -1, "", "no community in the FeatureCollection")
	}
	if len(fc.Features) > MaxCommunities {
		return nil, false, commErr(name, -1, "", fmt.Sprintf("%d communities, at most %d", len(fc.Features), MaxCommunities))
	}

	// A file of outlines only: no feature has a population.
	needPop := true
	if outlinesOK {
		needPop = false
		for _, f := range fc.Features {
			if f != nil && f.Properties["population"] != nil {
				needPop = true
				break
			}
		}
	}
	comms := make([]geo.Community, 0, len(fc.Features))
	seen := make(map[string]int, len(fc.Features))
	for i, f := range fc.Features {
		c, err := communityFromFeature(name, i, f, needPop)
		if err != nil {
			return nil, false, err
		}
		if j, dup := seen[c.ID]; dup {
			return nil, false, commErr(name, i, c.ID, fmt.Sprintf("duplicate id, also feature %d", j))
		}
		seen[c.ID] = i
		comms = append(comms, c)
	}
	return comms, needPop, nil
}

// communityFromFeature converts feature i of file name.
func communityFromFeature(name string, i int, f *geojson.Feature, needPop bool) (geo.Community, error) {
	if f == nil {
		return geo.Community{}, commErr(name, i, "", "null feature")
	}
	props := f.Properties
	id := communityID(i, f)
	fail := func(msg string, wrapped ...error) error { return commErr(name, i, id, msg, wrapped...) }

	var mp orb.MultiPolygon
	switch g := f.Geometry.(type) {
	case orb.Polygon:
		mp = orb.MultiPolygon{g}
	case orb.MultiPolygon:
		mp = g
	case nil:
		return geo.Community{}, fail("feature without geometry, want a Polygon or MultiPolygon")
	default:
		return geo.Community{}, fail(fmt.Sprintf("geometry is a %s, want a Polygon or MultiPolygon", g.GeoJSONType()))
	}
	mp, err := cleanMultiPolygon(mp)
	if err != nil {
		return geo.Community{}, fail(err.Error(), errors.Unwrap(err))
	}

	c := geo.Community{ID: id, Geom: mp, Aged60Share: -1, ChildShare: -1}
	c.Name, _ = props["name"].(string)
	if c.Name == "" {
		c.Name = id
	}

	// An outline (needPop false) has no population: its residents come
	// from another input.
	var pop float64
	if needPop {
		var ok bool
		var err error
		pop, ok, err = propNumber(props, "population")
		switch {
		case err != nil:
			return geo.Community{}, fail("polygon with no population: "+err.Error(), geo.ErrNoPopulation)
		case !ok:
			return geo.Community{}, fail("polygon with no population: property population missing", geo.ErrNoPopulation)
		case pop <= 0:
			return geo.Community{}, fail(fmt.Sprintf("polygon with no population: population %v is not positive", pop), geo.ErrNoPopulation)
		case pop > geo.MaxPopulation:
			return geo.Community{}, fail(fmt.Sprintf("population %v is more than %g, the bound on one community", pop, float64(geo.MaxPopulation)))
		}
		c.Population = pop
	}

	if v, ok, err := propNumber(props, "households"); err != nil {
		return geo.Community{}, fail(err.Error())
	} else if ok {
		if v < 0 || v > geo.MaxPopulation {
			return geo.Community{}, fail(fmt.Sprintf("households %v is not in [0, %g]", v, float64(geo.MaxPopulation)))
		}
		c.Households = v
	}

	for _, key := range []string{"aged_60_share", "share_60plus"} {
		v, ok, err := propShare(props, key)
		if err != nil {
			return geo.Community{}, fail(err.Error())
		}
		if ok {
			c.Aged60Share = v
			break
		}
	}
	if c.Aged60Share < 0 && needPop {
		if v, ok, err := propNumber(props, "pop_60plus"); err != nil {
			return geo.Community{}, fail(err.Error())
		} else if ok {
			if v < 0 || v > pop {
				return geo.Community{}, fail(fmt.Sprintf("pop_60plus %v outside 0..population %v", v, pop))
			}
			c.Aged60Share = v / pop
		}
	}
	if v, ok, err := propShare(props, "child_share"); err != nil {
		return geo.Community{}, fail(err.Error())
	} else if ok {
		c.ChildShare = v
	}
	for _, band := range geo.AgeBands {
		if band == geo.AgeAll {
			continue
		}
		suffix := bandPropSuffix(band)
		v, ok, err := propShare(props, "share_"+suffix)
		if err != nil {
			return geo.Community{}, fail(err.Error())
		}
		if !ok {
			n, nok, err := propNumber(props, "pop_"+suffix)
			if err != nil {
				return geo.Community{}, fail(err.Error())
			}
			if nok {
				if n < 0 || n > pop {
					return geo.Community{}, fail(fmt.Sprintf("pop_%s %v outside 0..population %v", suffix, n, pop))
				}
				v, ok = n/pop, true
			}
		}
		if !ok {
			continue
		}
		if c.AgeShares == nil {
			c.AgeShares = map[string]float64{}
		}
		c.AgeShares[band] = v
	}
	if s, ok := c.AgeShares[geo.Age0to14]; ok && c.ChildShare < 0 {
		c.ChildShare = s
	}
	if s, ok := c.AgeShares[geo.Age60Plus]; ok && c.Aged60Share < 0 {
		c.Aged60Share = s
	}
	return c, nil
}

// bandPropSuffix names an age band in property keys: "3-5" is "3_5", "60+"
// is "60plus".
func bandPropSuffix(band string) string {
	return strings.NewReplacer("-", "_", "+", "plus").Replace(band)
}

// communityID picks the id of feature i by the documented precedence.
func communityID(i int, f *geojson.Feature) string {
	if s, ok := idString(f.Properties["id"]); ok {
		return s
	}
	if s, ok := idString(f.ID); ok {
		return s
	}
	for _, key := range []string{"iso3166_2", "osm_id", "name"} {
		if s, ok := idString(f.Properties[key]); ok {
			return s
		}
	}
	return "#" + strconv.Itoa(i)
}

// idString formats a JSON string or number as an id.
func idString(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		s := strings.TrimSpace(x)
		return s, s != ""
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case json.Number:
		return x.String(), true
	}
	return "", false
}

// propNumber reads property key as a finite number, accepting numeric
// strings. ok is false when the property is absent or null.
func propNumber(props geojson.Properties, key string) (v float64, ok bool, err error) {
	raw, present := props[key]
	if !present || raw == nil {
		return 0, false, nil
	}
	switch x := raw.(type) {
	case float64:
		v = x
	case json.Number:
		v, err = x.Float64()
	case string:
		v, err = strconv.ParseFloat(strings.TrimSpace(x), 64)
	default:
		return 0, false, fmt.Errorf("%s %v is not a number", key, raw)
	}
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, false, fmt.Errorf("%s %q is not a number", key, fmt.Sprint(raw))
	}
	return v, true, nil
}

// propShare reads property key as a share in 0..1.
func propShare(props geojson.Properties, key string) (float64, bool, error) {
	v, ok, err := propNumber(props, key)
	if err != nil || !ok {
		return 0, ok, err
	}
	if v < 0 || v > 1 {
		return 0, false, fmt.Errorf("%s %v outside 0..1", key, v)
	}
	return v, true, nil
}

// cleanMultiPolygon checks every coordinate, closes unclosed rings and
// rejects rings with fewer than four positions. Its errors wrap
// geo.ErrBadCoordinate or are plain messages.
func cleanMultiPolygon(mp orb.MultiPolygon) (orb.MultiPolygon, error) {
	out := make(orb.MultiPolygon, 0, len(mp))
	for pi, poly := range mp {
		if len(poly) == 0 {
			continue
		}
		clean := make(orb.Polygon, 0, len(poly))
		for ri, ring := range poly {
			for _, p := range ring {
				if err := geo.ValidPoint(p); err != nil {
					return nil, fmt.Errorf("polygon %d ring %d: %w", pi, ri, err)
				}
			}
			if n := len(ring); n > 0 && ring[0] != ring[n-1] {
				ring = append(ring[:n:n], ring[0])
			}
			if len(ring) < 4 {
				return nil, fmt.Errorf("polygon %d ring %d has %d positions, want at least 4", pi, ri, len(ring))
			}
			clean = append(clean, ring)
		}
		if err := geo.ValidatePolygon(clean); err != nil {
			if len(mp) > 1 {
				return nil, fmt.Errorf("polygon %d: %w", pi, err)
			}
			return nil, err
		}
		out = append(out, clean)
	}
	if len(out) == 0 {
		return nil, errors.New("empty polygon")
	}
	return out, nil
}

// commErr builds an error locating a problem in a communities file. i < 0
// means the file as a whole. It wraps ErrBadCommunities and any extra
// sentinels.
func commErr(name string, i int, id, msg string, wrapped ...error) error {
	where := name
	if i >= 0 {
		where = fmt.Sprintf("%s: feature %d", name, i)
		if id != "" {
			where += fmt.Sprintf(" (id %q)", id)
		}
	}
	errs := []error{ErrBadCommunities}
	for _, e := range wrapped {
		if e != nil {
			errs = append(errs, e)
		}
	}
	return &locatedError{msg: where + ": " + msg, errs: errs}
}

// locatedError is an error message that locates a problem in an input file
// and wraps the sentinels describing it.
type locatedError struct {
	msg  string
	errs []error
}

func (e *locatedError) Error() string   { return e.msg }
func (e *locatedError) Unwrap() []error { return e.errs }
