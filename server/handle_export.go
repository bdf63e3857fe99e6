package server

import (
	"bytes"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb"

	"fifteen/publish"
)

// The map's tools that read the loaded data: a download of any published
// collection (the catalogue the OGC API and fifteen export share) and a
// search of names.
//
//	GET /v1/export?collection=&format=csv|geojson|gpkg[&category=&profile=&res=&id=]
//	GET /v1/search?q=[&limit=]
func (s *state) routesExport(e *echo.Echo) {
	e.GET("/v1/export", s.getExport)
	e.GET("/v1/search", s.getSearch)
}

// exportFormats are the formats of /v1/export with their media types and
// file extensions.
var exportFormats = map[string]struct{ media, ext string }{
	"geojson": {"application/geo+json", "geojson"},
	"csv":     {"text/csv; charset=utf-8", "csv"},
	"gpkg":    {"application/geopackage+sqlite3", "gpkg"},
}

// getExport answers GET /v1/export: one collection of the catalogue (or one
// feature of it, with id=) as a file to download.
func (s *state) getExport(c echo.Context) error {
	for k := range c.QueryParams() {
		switch k {
		case "collection", "format", "id", publish.ParamCategory, publish.ParamProfile, publish.ParamRes:
		default:
			return badParam(k, "unknown parameter; /v1/export takes collection, format, id, category, profile and res")
		}
	}
	name := c.QueryParam("collection")
	if name == "" {
		return badParam("collection", "missing")
	}
	coll, err := publish.Lookup(name)
	if err != nil {
		return badParam("collection", "%v", strings.TrimPrefix(err.Error(), "geo: bad option: "))
	}
	format := c.QueryParam("format")
	if format == "" {
		format = "geojson"
	}
	ff, ok := exportFormats[format]
	if !ok {
		return badParam("format", "%q: use geojson, csv or gpkg", format)
	}
	var p publish.Params
	for _, param := range []string{publish.ParamCategory, publish.ParamProfile, publish.ParamRes} {
		v := c.QueryParam(param)
		if v == "" {
			continue
		}
		if !coll.Takes(param) {
			return badParam(param, "collection %s takes %v", coll.ID, coll.Params)
		}
		switch param {
		case publish.ParamCategory:
			if _, err := s.city.Taxonomy.Index(v); err != nil {
				return badParam(param, "%v", err)
			}
			p.Category = v
		case publish.ParamProfile:
			if _, err := s.base.ResolveProfile(v); err != nil {
				return badParam(param, "%v", err)
			}
			p.Profile = v
		case publish.ParamRes:
			n, err := strconv.Atoi(v)
			if err != nil || n < 7 || n > 10 {
				return badParam(param, "%q: an H3 resolution from 7 to 10", v)
			}
			p.Res = n
		}
	}
	id := c.QueryParam("id")
	file := "fifteen-" + coll.ID
	if id != "" {
		file += "-" + exportFileSafe(id)
	}
	file += "." + ff.ext
	// Built on each request and compressed by the gzip middleware (the
	// response cache compresses too, and /v1/ is not among the routes the
	// middleware leaves alone).
	body, err := func() ([]byte, error) {
		l, err := coll.Layer(publish.Source{Access: s.base, Report: s.report}, p)
		if err != nil {
			return nil, err
		}
		if id != "" {
			f, ok := l.(publish.Finder)
			if !ok {
				return nil, badParam("id", "collection %s has no feature ids", coll.ID)
			}
			i, ok := f.Find(id)
			if !ok {
				return nil, notFound("id", "no feature %q in collection %s", id, coll.ID)
			}
			l = publish.Subset{L: l, Index: []int{i}}
		}
		var buf bytes.Buffer
		switch format {
		case "csv":
			err = publish.WriteCSV(&buf, l, publish.CSVOptions{Attribution: s.city.Attribution, BOM: true})
		case "gpkg":
			var b []byte
			b, err = publish.GeoPackage(c.Request().Context(), l, publish.GPKGOptions{Table: coll.ID, Attribution: s.city.Attribution})
			buf.Write(b)
		default:
			err = publish.WriteGeoJSON(&buf, []publish.Member{{Key: "attribution", Value: s.city.Attribution}}, l)
		}
		return buf.Bytes(), err
	}()
	if err != nil {
		return err
	}
	c.Response().Header().Set("Content-Disposition", `attachment; filename="`+file+`"`)
	c.Response().Header().Set("Cache-Control", "no-cache")
	return c.Blob(http.StatusOK, ff.media, body)
}

// exportFileSafe keeps letters, digits, "-" and "_" of a feature id for a
// file name.
func exportFileSafe(id string) string {
	var b strings.Builder
	for _, r := range id {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}

// searchHit is one answer of /v1/search.
type searchHit struct {
	// Kind is "community", "facility" or "category" (every facility of a
	// category whose English or Chinese name matched).
	Kind     string `json:"kind"`
	ID       string `json:"id"`
	Name     string `json:"name"`
	NameZH   string `json:"name_zh,omitempty"`
	Category string `json:"category,omitempty"`
	// Lon and Lat are a point to show; BBox [west, south, east, north]
	// the extent to zoom to.
	Lon  float64    `json:"lon"`
	Lat  float64    `json:"lat"`
	BBox [4]float64 `json:"bbox"`
	rank int
}

// searchMaxQuery bounds the query's length, in characters.
const searchMaxQuery = 100

// getSearch answers GET /v1/search: communities, facilities and facility
// categories whose names (in any script; categories in English and
// Chinese) or ids contain q, case-insensitively; names that start with q
// come first.
func (s *state) getSearch(c echo.Context) error {
	q := strings.TrimSpace(c.QueryParam("q"))
	if q == "" {
		return badParam("q", "missing: give part of a name")
	}
	if utf8.RuneCountInString(q) > searchMaxQuery {
		return badParam("q", "longer than %d characters", searchMaxQuery)
	}
	limit := 20
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			return badParam("limit", "%q: a number from 1 to 200", v)
		}
		limit = n
	}
	return c.JSON(http.StatusOK, map[string]any{"query": q, "results": s.search(q, limit)})
}

// search ranks the matches of q: by kind (communities, then categories,
// then facilities), names starting with q first, then by name.
func (s *state) search(q string, limit int) []searchHit {
	lq := strings.ToLower(q)
	match := func(names ...string) (int, bool) {
		best, ok := 3, false
		for _, n := range names {
			ln := strings.ToLower(n)
			switch {
			case n == "":
			case ln == lq:
				best, ok = 0, true
			case strings.HasPrefix(ln, lq):
				best, ok = min(best, 1), true
			case strings.Contains(ln, lq):
				best, ok = min(best, 2), true
			}
		}
		return best, ok
	}
	box := func(b orb.Bound) [4]float64 { return [4]float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]} }
	var hits []searchHit
	for _, cm := range s.city.Communities {
		if r, ok := match(cm.Name, cm.ID); ok {
			b := cm.Geom.Bound()
			ctr := b.Center()
			hits = append(hits, searchHit{Kind: "community", ID: cm.ID, Name: cm.Name, Lon: ctr[0], Lat: ctr[1], BBox: box(b), rank: r})
		}
	}
	for _, cat := range s.city.Taxonomy.Categories {
		if r, ok := match(cat.Name, cat.NameZH, cat.ID); ok {
			var b orb.Bound
			n := 0
			for _, f := range s.city.Facilities {
				if f.Category != cat.ID {
					continue
				}
				if n == 0 {
					b = f.Point.Bound()
				} else {
					b = b.Extend(f.Point)
				}
				n++
			}
			if n == 0 {
				continue
			}
			ctr := b.Center()
			hits = append(hits, searchHit{Kind: "category", ID: cat.ID, Name: cat.Name, NameZH: cat.NameZH, Category: cat.ID,
				Lon: ctr[0], Lat: ctr[1], BBox: box(b), rank: 10 + r})
		}
	}
	for _, f := range s.city.Facilities {
		if r, ok := match(f.Name, f.ID); ok {
			b := f.Point.Bound()
			if f.Geom != nil {
				b = f.Geom.Bound()
			}
			hits = append(hits, searchHit{Kind: "facility", ID: f.ID, Name: f.Name, Category: f.Category,
				Lon: f.Point[0], Lat: f.Point[1], BBox: box(b), rank: 20 + r})
		}
	}
	sort.SliceStable(hits, func(i, j int) bool {
		if hits[i].rank != hits[j].rank {
			return hits[i].rank < hits[j].rank
		}
		return hits[i].Name < hits[j].Name
	})
	if len(hits) > limit {
		hits = hits[:limit]
	}
	r := func(f float64) float64 { return publish.Round(f, publish.CoordDecimals) }
	for i := range hits {
		h := &hits[i]
		h.Lon, h.Lat = r(h.Lon), r(h.Lat)
		for k := range h.BBox {
			h.BBox[k] = r(h.BBox[k])
		}
	}
	if hits == nil {
		hits = []searchHit{}
	}
	return hits
}
