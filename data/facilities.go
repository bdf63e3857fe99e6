package data

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"path"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"fifteen/geo"
)

// ErrBadFacilities means a planner's facility file is malformed: not a
// GeoJSON FeatureCollection or a CSV with the required columns, or a
// feature or row with a missing or bad value. Errors for an unknown
// category or a bad coordinate wrap geo.ErrUnknownCategory or
// geo.ErrBadCoordinate as well.
var ErrBadFacilities = errors.New("data: invalid facility file")

// FacilityFormat is the format of a planner's facility file.
type FacilityFormat int

// Facility file formats.
const (
	// FormatAuto picks the format from the file name (.geojson or .json:
	// GeoJSON; .csv, .tsv or .txt: CSV) or else from the content (JSON
	// starts with '{').
	FormatAuto FacilityFormat = iota
	// FormatGeoJSON is a GeoJSON FeatureCollection.
	FormatGeoJSON
	// FormatCSV is CSV with a header row.
	FormatCSV
)

// maxFacilityBytes bounds a facility file.
const maxFacilityBytes = 256 << 20

// LoadFacilities reads a planner's own facility file, GeoJSON or CSV
// (chosen as FormatAuto describes), whose facilities must all belong to
// categories of tax. name is the file name, used to pick the format and in
// messages. See LoadFacilitiesGeoJSON and LoadFacilitiesCSV for the formats.
func LoadFacilities(r io.Reader, name string, tax *geo.Taxonomy) ([]geo.Facility, error) {
	return LoadFacilitiesFormat(r, name, FormatAuto, tax)
}

// LoadFacilitiesFormat is LoadFacilities with an explicit format.
func LoadFacilitiesFormat(r io.Reader, name string, format FacilityFormat, tax *geo.Taxonomy) ([]geo.Facility, error) {
	if tax == nil {
		return nil, fmt.Errorf("%s: %w: no taxonomy", name, geo.ErrBadTaxonomy)
	}
	switch format {
	case FormatGeoJSON:
		return LoadFacilitiesGeoJSON(r, name, tax)
	case FormatCSV:
		return LoadFacilitiesCSV(r, name, tax)
	case FormatAuto:
	default:
		return nil, fmt.Errorf("%s: %w: unknown format %d", name, ErrBadFacilities, format)
	}
	switch strings.ToLower(path.Ext(strings.ReplaceAll(name, `\`, "/"))) {
	case ".geojson", ".json":
		return LoadFacilitiesGeoJSON(r, name, tax)
	case ".csv", ".tsv", ".txt":
		return LoadFacilitiesCSV(r, name, tax)
	}
	br := bufio.NewReader(r)
	head, _ := br.Peek(512)
	head = bytes.TrimLeft(bytes.TrimPrefix(head, bomUTF8), " \t\r\n")
	if len(head) > 0 && head[0] == '{' {
		return LoadFacilitiesGeoJSON(br, name, tax)
	}
	return LoadFacilitiesCSV(br, name, tax)
}

// LoadFacilitiesGeoJSON reads a GeoJSON FeatureCollection of facilities.
// Geometries may be Point, or Polygon, MultiPolygon, LineString or
// MultiLineString, which are kept in Geom while Point becomes a point on or
// inside them. Properties:
//
//	category  required: a category id of tax (also accepted: its name or
//	          name_zh, ignoring case)
//	name      optional string
//	capacity  optional number or numeric string >= 0
//	id        optional string or number; else the feature's own "id"; else
//	          its index in the collection
//
// Facility IDs are "user:<id>" and must be unique; Source is "user";
// CapacitySource is "user" when capacity is given, else the category
// default applies. Errors name the file, the feature (0-based index) and the
// problem.
func LoadFacilitiesGeoJSON(r io.Reader, name string, tax *geo.Taxonomy) ([]geo.Facility, error) {
	if tax == nil {
		return nil, fmt.Errorf("%s: %w: no taxonomy", name, geo.ErrBadTaxonomy)
	}
	b, err := readFacilityFile(r, name)
	if err != nil {
		return nil, err
	}
	if b, _, err = decodeText(b, name); err != nil {
		return nil, fmt.Errorf("%w (%w)", err, ErrBadFacilities)
	}
	var fc struct {
		Type     string            `json:"type"`
		Features []json.RawMessage `json:"features"`
	}
	if err := json.Unmarshal(b, &fc); err != nil {
		return nil, fmt.Errorf("%s: %w: %s", name, ErrBadFacilities, jsonErrorAt(b, err))
	}
	if fc.Type != "FeatureCollection" {
		return nil, fmt.Errorf("%s: %w: GeoJSON type %q, want FeatureCollection", name, ErrBadFacilities, fc.Type)
	}
	l := newFacilityLoader(name, tax)
	out := make([]geo.Facility, 0, len(fc.Features))
	for i, raw := range fc.Features {
		f, err := l.feature(i, raw)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

// LoadFacilitiesCSV reads facilities from CSV (UTF-8, optionally with a
// byte-order mark; comma, semicolon or tab separated) with a header row.
// Columns, matched ignoring case and surrounding spaces, in any order:
//
//	lon, lat   required: longitude and latitude in WGS84 degrees (also
//	           lng/longitude/x and latitude/y)
//	category   required: as for GeoJSON
//	name       optional
//	capacity   optional number >= 0
//	id         optional; else the data row number (1 = first row after the
//	           header)
//
// Other columns are ignored. IDs, sources and capacity are as for GeoJSON.
// Errors name the file, the line and the problem.
func LoadFacilitiesCSV(r io.Reader, name string, tax *geo.Taxonomy) ([]geo.Facility, error) {
	if tax == nil {
		return nil, fmt.Errorf("%s: %w: no taxonomy", name, geo.ErrBadTaxonomy)
	}
	b, err := readFacilityFile(r, name)
	if err != nil {
		return nil, err
	}
	b, _, err = decodeText(b, name)
	if err != nil {
		return nil, fmt.Errorf("%w (%w)", err, ErrBadFacilities)
	}
	cr := csv.NewReader(bytes.NewReader(b))
	cr.Comma = sniffFacilityComma(b)
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("%s: %w: empty file, want a header row", name, ErrBadFacilities)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %v", name, ErrBadFacilities, err)
	}
	cols, err := csvColumns(header)
	if err != nil {
		return nil, fmt.Errorf("%s: %w: header: %v", name, ErrBadFacilities, err)
	}
	l := newFacilityLoader(name, tax)
	var out []geo.Facility
	for row := 1; ; row++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w: %v", name, ErrBadFacilities, err)
		}
		line, _ := cr.FieldPos(0)
		f, err := l.csvRow(row, line, rec, cols)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

func readFacilityFile(r io.Reader, name string) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxFacilityBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(b) > maxFacilityBytes {
		return nil, fmt.Errorf("%s: %w: larger than %d bytes", name, ErrBadFacilities, maxFacilityBytes)
	}
	return b, nil
}

// sniffFacilityComma picks the separator of the header line: the most frequent of
// comma, semicolon and tab, comma when tied.
func sniffFacilityComma(b []byte) rune {
	line, _, _ := bytes.Cut(b, []byte{'\n'})
	best, n := ',', bytes.Count(line, []byte{','})
	for _, c := range []rune{';', '\t'} {
		if k := bytes.Count(line, []byte(string(c))); k > n {
			best, n = c, k
		}
	}
	return best
}

// csvCols holds the index of each known column, -1 when absent.
type csvCols struct {
	lon, lat, category, name, capacity, id int
}

var csvColumnNames = map[string]string{
	"lon": "lon", "lng": "lon", "long": "lon", "longitude": "lon", "x": "lon",
	"lat": "lat", "latitude": "lat", "y": "lat",
	"category": "category", "name": "name", "capacity": "capacity", "id": "id",
}

func csvColumns(header []string) (csvCols, error) {
	c := csvCols{-1, -1, -1, -1, -1, -1}
	seen := map[string]string{}
	for i, h := range header {
		key := strings.ToLower(strings.TrimSpace(h))
		col, ok := csvColumnNames[key]
		if !ok {
			continue
		}
		if prev, dup := seen[col]; dup {
			return c, fmt.Errorf("columns %q and %q both give %s", prev, h, col)
		}
		seen[col] = h
		switch col {
		case "lon":
			c.lon = i
		case "lat":
			c.lat = i
		case "category":
			c.category = i
		case "name":
			c.name = i
		case "capacity":
			c.capacity = i
		case "id":
			c.id = i
		}
	}
	var missing []string
	if c.lon < 0 {
		missing = append(missing, "lon")
	}
	if c.lat < 0 {
		missing = append(missing, "lat")
	}
	if c.category < 0 {
		missing = append(missing, "category")
	}
	if len(missing) > 0 {
		return c, fmt.Errorf("missing column %s (have %s)", strings.Join(missing, ", "), strings.Join(header, ","))
	}
	return c, nil
}

// facilityLoader holds what checking one file's facilities needs.
type facilityLoader struct {
	name string
	tax  *geo.Taxonomy
	ids  map[string]string // facility ID -> where it was first seen
}

func newFacilityLoader(name string, tax *geo.Taxonomy) *facilityLoader {
	return &facilityLoader{name: name, tax: tax, ids: map[string]string{}}
}

// category resolves a category given by id, or by English or Chinese name,
// ignoring case and surrounding spaces.
func (l *facilityLoader) category(s string) (*geo.Category, bool) {
	s = strings.TrimSpace(s)
	if c, ok := l.tax.Category(s); ok {
		return c, true
	}
	for i := range l.tax.Categories {
		c := &l.tax.Categories[i]
		if strings.EqualFold(s, c.ID) || (c.Name != "" && strings.EqualFold(s, c.Name)) || (c.NameZH != "" && s == c.NameZH) {
			return c, true
		}
	}
	return nil, false
}

// build fills a facility from checked fields; where names the feature or
// row in messages.
func (l *facilityLoader) build(where, id, category, name string, capacity float64, hasCapacity bool, p orb.Point, g orb.Geometry) (geo.Facility, error) {
	if strings.TrimSpace(category) == "" {
		return geo.Facility{}, fmt.Errorf("%s: %s: %w: missing category", l.name, where, ErrBadFacilities)
	}
	c, ok := l.category(category)
	if !ok {
		return geo.Facility{}, fmt.Errorf("%s: %s: %w %q (%w)", l.name, where, geo.ErrUnknownCategory, category, ErrBadFacilities)
	}
	if hasCapacity && !(capacity >= 0 && capacity <= geo.MaxCapacity) {
		return geo.Facility{}, fmt.Errorf("%s: %s: %w: capacity %v is not in [0, %g]", l.name, where, ErrBadFacilities, capacity, float64(geo.MaxCapacity))
	}
	if n := utf8.RuneCountInString(name); n > geo.MaxNameRunes {
		return geo.Facility{}, fmt.Errorf("%s: %s: %w: name of %d characters, at most %d", l.name, where, ErrBadFacilities, n, geo.MaxNameRunes)
	}
	fid := "user:" + id
	if prev, dup := l.ids[fid]; dup {
		return geo.Facility{}, fmt.Errorf("%s: %s: %w: duplicate id %q (first at %s)", l.name, where, ErrBadFacilities, id, prev)
	}
	l.ids[fid] = where
	f := geo.Facility{
		ID: fid, Category: c.ID, Name: strings.TrimSpace(name),
		Point: p, Geom: g, Source: "user",
	}
	if hasCapacity {
		f.Capacity, f.CapacitySource = capacity, "user"
	} else if c.DefaultCapacity > 0 {
		f.Capacity, f.CapacitySource = c.DefaultCapacity, "default"
	}
	return f, nil
}

func (l *facilityLoader) csvRow(row, line int, rec []string, cols csvCols) (geo.Facility, error) {
	where := fmt.Sprintf("line %d", line)
	get := func(i int) string {
		if i < 0 || i >= len(rec) {
			return ""
		}
		return strings.TrimSpace(rec[i])
	}
	lon, err1 := strconv.ParseFloat(get(cols.lon), 64)
	lat, err2 := strconv.ParseFloat(get(cols.lat), 64)
	if err1 != nil || err2 != nil {
		return geo.Facility{}, fmt.Errorf("%s: %s: %w: lon %q, lat %q are not numbers (%w)", l.name, where, geo.ErrBadCoordinate, get(cols.lon), get(cols.lat), ErrBadFacilities)
	}
	p := orb.Point{lon, lat}
	if err := geo.ValidPoint(p); err != nil {
		return geo.Facility{}, fmt.Errorf("%s: %s: %w (%w)", l.name, where, err, ErrBadFacilities)
	}
	capacity, hasCap, err := parseFacilityCapacity(get(cols.capacity))
	if err != nil {
		return geo.Facility{}, fmt.Errorf("%s: %s: %w: %v", l.name, where, ErrBadFacilities, err)
	}
	id := get(cols.id)
	if id == "" {
		id = strconv.Itoa(row)
	}
	return l.build(where, id, get(cols.category), get(cols.name), capacity, hasCap, p, nil)
}

func (l *facilityLoader) feature(i int, raw json.RawMessage) (geo.Facility, error) {
	where := fmt.Sprintf("feature %d", i)
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%s: %s: %w: %s", l.name, where, ErrBadFacilities, fmt.Sprintf(format, args...))
	}
	var gf geojson.Feature
	if err := json.Unmarshal(raw, &gf); err != nil {
		return geo.Facility{}, bad("%v", err)
	}
	if gf.Type != "Feature" {
		return geo.Facility{}, bad("type %q, want Feature", gf.Type)
	}
	props := gf.Properties
	str := func(key string) (string, error) {
		switch v := props[key].(type) {
		case nil:
			return "", nil
		case string:
			return strings.TrimSpace(v), nil
		default:
			return "", fmt.Errorf("property %q is %T, want a string", key, v)
		}
	}
	category, err := str("category")
	if err != nil {
		return geo.Facility{}, bad("%v", err)
	}
	name, err := str("name")
	if err != nil {
		return geo.Facility{}, bad("%v", err)
	}
	id, err := facilityIDString(props["id"])
	if err != nil {
		return geo.Facility{}, bad("property %v", err)
	}
	if id == "" {
		if id, err = facilityIDString(gf.ID); err != nil {
			return geo.Facility{}, bad("feature %v", err)
		}
	}
	if id == "" {
		id = strconv.Itoa(i)
	}
	if id != strconv.Itoa(i) {
		where = fmt.Sprintf("feature %d (id %q)", i, id)
	}
	capacity, hasCap, err := facilityCapacityValue(props["capacity"])
	if err != nil {
		return geo.Facility{}, bad("%v", err)
	}
	p, g, err := facilityGeometry(gf.Geometry)
	if err != nil {
		if errors.Is(err, geo.ErrBadCoordinate) {
			return geo.Facility{}, fmt.Errorf("%s: %s: %w (%w)", l.name, where, err, ErrBadFacilities)
		}
		return geo.Facility{}, bad("%v", err)
	}
	return l.build(where, id, category, name, capacity, hasCap, p, g)
}

// facilityIDString turns a GeoJSON id (string or number) into a string; "" when
// absent.
func facilityIDString(v any) (string, error) {
	switch v := v.(type) {
	case nil:
		return "", nil
	case string:
		return strings.TrimSpace(v), nil
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), nil
	case json.Number:
		return v.String(), nil
	default:
		return "", fmt.Errorf("id is %T, want a string or number", v)
	}
}

// facilityCapacityValue reads a capacity property: a number or numeric string
// >= 0; null or "" means none.
func facilityCapacityValue(v any) (float64, bool, error) {
	switch v := v.(type) {
	case nil:
		return 0, false, nil
	case float64:
		return checkFacilityCapacity(v, strconv.FormatFloat(v, 'g', -1, 64))
	case string:
		return parseFacilityCapacity(v)
	default:
		return 0, false, fmt.Errorf("capacity is %T, want a number", v)
	}
}

func parseFacilityCapacity(s string) (float64, bool, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false, nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, false, fmt.Errorf("capacity %q is not a number", s)
	}
	return checkFacilityCapacity(v, s)
}

func checkFacilityCapacity(v float64, s string) (float64, bool, error) {
	if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
		return 0, false, fmt.Errorf("capacity %s must be a finite number >= 0", s)
	}
	return v, true, nil
}

// facilityGeometry checks a feature geometry and returns its representative
// point, and the geometry itself unless it is a point.
func facilityGeometry(g orb.Geometry) (orb.Point, orb.Geometry, error) {
	if g == nil {
		return orb.Point{}, nil, errors.New("no geometry")
	}
	if err := checkFacilityPoints(g); err != nil {
		return orb.Point{}, nil, err
	}
	switch g := g.(type) {
	case orb.Point:
		return g, nil, nil
	case orb.LineString:
		if len(g) < 2 {
			return orb.Point{}, nil, errors.New("LineString with fewer than 2 points")
		}
	case orb.MultiLineString:
		if len(g) == 0 {
			return orb.Point{}, nil, errors.New("empty MultiLineString")
		}
		for i, ls := range g {
			if len(ls) < 2 {
				return orb.Point{}, nil, fmt.Errorf("MultiLineString line %d has fewer than 2 points", i)
			}
		}
	case orb.Polygon:
		if err := checkFacilityPolygon(g); err != nil {
			return orb.Point{}, nil, err
		}
	case orb.MultiPolygon:
		if len(g) == 0 {
			return orb.Point{}, nil, errors.New("empty MultiPolygon")
		}
		for i, p := range g {
			if err := checkFacilityPolygon(p); err != nil {
				return orb.Point{}, nil, fmt.Errorf("MultiPolygon polygon %d: %v", i, err)
			}
		}
	default:
		return orb.Point{}, nil, fmt.Errorf("geometry %s not supported (want Point, Polygon, MultiPolygon, LineString or MultiLineString)", g.GeoJSONType())
	}
	return representativePoint(g), g, nil
}

func checkFacilityPolygon(p orb.Polygon) error {
	if len(p) == 0 {
		return errors.New("empty Polygon")
	}
	for i, r := range p {
		if len(r) < 4 {
			return fmt.Errorf("ring %d has %d points, want at least 4 (closed)", i, len(r))
		}
	}
	return nil
}

// checkFacilityPoints validates every coordinate of g.
func checkFacilityPoints(g orb.Geometry) error {
	var err error
	visit := func(p orb.Point) {
		if err == nil {
			err = geo.ValidPoint(p)
		}
	}
	switch g := g.(type) {
	case orb.Point:
		visit(g)
	case orb.MultiPoint:
		for _, p := range g {
			visit(p)
		}
	case orb.LineString:
		for _, p := range g {
			visit(p)
		}
	case orb.MultiLineString:
		for _, ls := range g {
			for _, p := range ls {
				visit(p)
			}
		}
	case orb.Polygon:
		for _, r := range g {
			for _, p := range r {
				visit(p)
			}
		}
	case orb.MultiPolygon:
		for _, pg := range g {
			for _, r := range pg {
				for _, p := range r {
					visit(p)
				}
			}
		}
	}
	return err
}
