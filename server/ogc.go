package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math"
	"mime"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/clip"

	"fifteen/geo"
	hexcell "fifteen/geo/hex"
	"fifteen/publish"
)

// Media types of the OGC API.
const (
	ogcMediaGeoJSON = "application/geo+json"
	ogcMediaJSON    = "application/json"
	ogcMediaHTML    = "text/html"
	ogcMediaOpenAPI = "application/vnd.oai.openapi+json;version=3.0"
	ogcCRS84        = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
	ogcLicenseURL   = "https://www.openstreetmap.org/copyright"
	ogcMediaSchema  = "application/schema+json"
	// ogcRelSchema is OGC API - Features Part 5's link relation to a
	// collection's schema.
	ogcRelSchema = "http://www.opengis.net/def/rel/ogc/1.0/schema"
)

// ogcConformance are the OGC API - Features Part 1 classes implemented.
var ogcConformance = []string{
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
}

// ogc serves OGC API - Features over the state's data.
type ogc struct {
	s *state
	// once fills colls, byID and openapi on first use: they describe
	// the communities from the baseline report, which the OGC routes wait
	// for (state.waitBaseline).
	once    sync.Once
	colls   []*ogcCollection
	byID    map[string]*ogcCollection
	sets    ogcMemo[ogcSetKey, *ogcSet]
	openapi []byte
}

func newOGC(s *state) *ogc { return &ogc{s: s} }

// init describes the collections, once.
func (o *ogc) init() {
	o.once.Do(func() {
		o.byID = map[string]*ogcCollection{}
		o.colls = o.newCollections()
		for _, c := range o.colls {
			o.byID[c.id] = c
		}
		o.openapi = ogcMustJSON(ogcOpenAPI(o.s, o.colls))
	})
}

// lookup resolves a collection id.
func (o *ogc) lookup(id string) (*ogcCollection, error) {
	if c, ok := o.byID[id]; ok {
		return c, nil
	}
	return nil, notFound("collectionId", "no collection %q; the collections are listed at /collections", id)
}

// ogcFormat is the negotiated encoding: html or JSON, and whether the f
// parameter chose it.
type ogcFormat struct{ html, explicit bool }

// ogcNegotiate picks JSON or HTML: the f parameter (json or html) first, then
// the Accept header. htmlDefault makes HTML the answer unless Accept asks
// for JSON (the landing page); otherwise JSON is, unless Accept prefers
// text/html (browsers).
func ogcNegotiate(c echo.Context, htmlDefault bool) (ogcFormat, error) {
	switch v := c.QueryParam("f"); v {
	case "json":
		return ogcFormat{explicit: true}, nil
	case "html":
		return ogcFormat{html: true, explicit: true}, nil
	case "":
	default:
		return ogcFormat{}, badParam("f", "%q: want json or html", v)
	}
	htmlQ, jsonQ := ogcAcceptQ(c.Request().Header.Get(echo.HeaderAccept))
	if htmlDefault {
		return ogcFormat{html: !(jsonQ > 0 && jsonQ >= htmlQ)}, nil
	}
	return ogcFormat{html: htmlQ > jsonQ}, nil
}

// ogcAcceptQ returns the quality an Accept header gives to HTML and to the
// best JSON type (application/json, application/geo+json and other +json
// types); wildcards count for neither.
func ogcAcceptQ(accept string) (htmlQ, jsonQ float64) {
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if v, ok := params["q"]; ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil && f >= 0 && f <= 1 {
				q = f
			}
		}
		switch {
		case mt == ogcMediaHTML:
			htmlQ = math.Max(htmlQ, q)
		case mt == ogcMediaJSON || (strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json")):
			jsonQ = math.Max(jsonQ, q)
		}
	}
	return htmlQ, jsonQ
}

// ogcItemsQuery is a parsed items request.
type ogcItemsQuery struct {
	bbox          orb.Bound
	hasBBox       bool
	limit, offset int
	params        ogcParams
}

// ogcCommonParams are the parameters every items request takes.
var ogcCommonParams = []string{"f", "bbox", "limit", "offset"}

// parseItems parses an items request, rejecting unknown parameters.
func (o *ogc) parseItems(c echo.Context, coll *ogcCollection) (ogcItemsQuery, error) {
	var q ogcItemsQuery
	if err := ogcCheckParams(c, coll, ogcCommonParams); err != nil {
		return q, err
	}
	var err error
	if q.bbox, q.hasBBox, err = queryBBox(c); err != nil {
		return q, err
	}
	// A limit above the maximum is served at the maximum, as OGC API -
	// Features describes (the next link carries on from there).
	if q.limit, err = queryInt(c, "limit", o.s.cfg.ItemsLimit, 1, math.MaxInt32); err != nil {
		return q, err
	}
	q.limit = min(q.limit, o.s.cfg.ItemsMaxLimit)
	if q.offset, err = queryInt(c, "offset", 0, 0, math.MaxInt32); err != nil {
		return q, err
	}
	q.params, err = o.parseParams(c, coll, 0)
	return q, err
}

// itemParams parses the parameters of a single feature request. A cell's
// resolution is its id's own unless res= says otherwise.
func (o *ogc) itemParams(c echo.Context, coll *ogcCollection, id string) (ogcParams, error) {
	if err := ogcCheckParams(c, coll, []string{"f"}); err != nil {
		return ogcParams{}, err
	}
	res := 0
	if coll.takes(ogcParamRes) {
		if cell, err := hexcell.Parse(id); err == nil {
			res = cell.Res()
		}
		if res < 7 || res > 10 {
			return ogcParams{}, notFound("featureId", "no cell %q of resolution 7 to 10 in collection %q", id, coll.id)
		}
	}
	p, err := o.parseParams(c, coll, res)
	if err != nil {
		return p, err
	}
	// A cluster's id names its category and walker: they choose the set.
	if coll.id == "underserved" {
		if cat, prof, _, ok := publish.ParseClusterID(id); ok {
			if ci, err := o.s.city.Taxonomy.Index(cat); err == nil {
				p.category = ci
			}
			if pi, err := o.s.base.ResolveProfile(prof); err == nil {
				p.profile = pi
			}
		}
	}
	return p, nil
}

// ogcCheckParams rejects query parameters the collection does not take.
func ogcCheckParams(c echo.Context, coll *ogcCollection, common []string) error {
	names := make([]string, 0, len(c.QueryParams()))
	for k := range c.QueryParams() {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		known := coll.takes(k)
		for _, n := range common {
			known = known || k == n
		}
		if !known {
			takes := append(append([]string(nil), common...), coll.params...)
			return badParam(k, "unknown parameter; collection %q takes %s", coll.id, strings.Join(takes, ", "))
		}
	}
	return nil
}

// parseParams parses the collection parameters coll takes; resDefault, when
// not 0, is the default resolution of cells.
func (o *ogc) parseParams(c echo.Context, coll *ogcCollection, resDefault int) (ogcParams, error) {
	p := ogcParams{category: -1, profile: -1}
	var err error
	if coll.takes(ogcParamCategory) {
		if p.category, err = o.s.categoryIndex(c.QueryParam(ogcParamCategory), false); err != nil {
			return p, err
		}
		if p.category < 0 && coll.id == "underserved" {
			p.category = o.s.city.Taxonomy.DefaultGapCategory()
		}
	}
	if coll.takes(ogcParamProfile) {
		v := c.QueryParam(ogcParamProfile)
		if v != "" || !coll.allProfiles { // some collections: every walker by default
			if p.profile, err = o.s.profileIndex(o.s.base, v); err != nil {
				return p, err
			}
		}
	}
	if coll.takes(ogcParamRes) {
		if resDefault == 0 {
			resDefault = 10
		}
		if p.res, err = queryInt(c, ogcParamRes, resDefault, 7, 10); err != nil {
			return p, err
		}
	}
	return p, nil
}

// ogcLink is a link of an OGC API document.
type ogcLink struct {
	Href  string `json:"href"`
	Rel   string `json:"rel"`
	Type  string `json:"type,omitempty"`
	Title string `json:"title,omitempty"`
}

// ogcWithQuery returns base+path with the query q, sorted, with the given
// parameters set (an empty value removes one).
func ogcWithQuery(base, path string, q url.Values, set ...string) string {
	v := url.Values{}
	for k, vs := range q {
		v[k] = append([]string(nil), vs...)
	}
	for i := 0; i+1 < len(set); i += 2 {
		if set[i+1] == "" {
			v.Del(set[i])
		} else {
			v.Set(set[i], set[i+1])
		}
	}
	if len(v) == 0 {
		return base + path
	}
	return base + path + "?" + v.Encode()
}

// ogcSelfLinks are the self and alternate links of a document served as JSON
// (of type jsonType) and HTML.
func ogcSelfLinks(base, path string, q url.Values, jsonType string) []ogcLink {
	return []ogcLink{
		{Href: ogcWithQuery(base, path, q, "f", "json"), Rel: "self", Type: jsonType, Title: "This document"},
		{Href: ogcWithQuery(base, path, q, "f", "html"), Rel: "alternate", Type: ogcMediaHTML, Title: "This document as HTML"},
	}
}

func ogcAppendLinks(dst []byte, links []ogcLink) []byte {
	dst = append(dst, '[')
	for i, l := range links {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"href":`...)
		dst = publish.AppendString(dst, l.Href)
		dst = append(dst, `,"rel":`...)
		dst = publish.AppendString(dst, l.Rel)
		if l.Type != "" {
			dst = append(dst, `,"type":`...)
			dst = publish.AppendString(dst, l.Type)
		}
		if l.Title != "" {
			dst = append(dst, `,"title":`...)
			dst = publish.AppendString(dst, l.Title)
		}
		dst = append(dst, '}')
	}
	return append(dst, ']')
}

// landingDoc is the landing page.
func (o *ogc) landingDoc(base string) map[string]any {
	s := o.s
	return map[string]any{
		"title": "fifteen: " + s.city.Name,
		"description": "15-minute walking access to community facilities in " + s.city.Name +
			": facilities, communities with their coverage, H3 cells with walk minutes, " +
			"underserved areas, greenways and the walk network, as OGC API - Features.",
		"attribution": s.city.Attribution,
		"version":     s.cfg.Version,
		"links": []ogcLink{
			{Href: base + "/?f=json", Rel: "self", Type: ogcMediaJSON, Title: "This document"},
			{Href: base + "/?f=html", Rel: "alternate", Type: ogcMediaHTML, Title: "This document as HTML"},
			{Href: base + "/api", Rel: "service-desc", Type: ogcMediaOpenAPI, Title: "The API definition (OpenAPI 3.0)"},
			{Href: base + "/conformance", Rel: "conformance", Type: ogcMediaJSON, Title: "Conformance classes implemented"},
			{Href: base + "/collections", Rel: "data", Type: ogcMediaJSON, Title: "The feature collections"},
			{Href: base + "/map", Rel: "related", Type: ogcMediaHTML, Title: "The planner's map"},
			{Href: ogcLicenseURL, Rel: "license", Type: ogcMediaHTML, Title: s.city.Attribution},
		},
	}
}

// conformanceDoc lists the conformance classes.
func (o *ogc) conformanceDoc(base string) map[string]any {
	return map[string]any{
		"conformsTo": ogcConformance,
		"links":      ogcSelfLinks(base, "/conformance", nil, ogcMediaJSON),
	}
}

// collectionDoc is one collection's metadata.
func (o *ogc) collectionDoc(base string, coll *ogcCollection) (map[string]any, error) {
	path := "/collections/" + coll.id
	links := ogcSelfLinks(base, path, nil, ogcMediaJSON)
	links = append(links,
		// No query on the GeoJSON items link: GDAL appends /{featureId} to it.
		ogcLink{Href: base + path + "/items", Rel: "items", Type: ogcMediaGeoJSON, Title: coll.title + " (GeoJSON)"},
		ogcLink{Href: base + path + "/items?f=html", Rel: "items", Type: ogcMediaHTML, Title: coll.title + " (HTML)"},
		ogcLink{Href: base + path + "/schema", Rel: ogcRelSchema, Type: ogcMediaSchema, Title: "The schema of the features (OGC API - Features Part 5)"},
		ogcLink{Href: base + path + "/schema/feature", Rel: "describedBy", Type: ogcMediaSchema, Title: "The JSON Schema of one GeoJSON feature, with its field types"},
		ogcLink{Href: ogcLicenseURL, Rel: "license", Type: ogcMediaHTML, Title: o.s.city.Attribution},
	)
	doc := map[string]any{
		"id": coll.id, "title": coll.title, "description": coll.description,
		"itemType": "feature", "crs": []string{ogcCRS84}, "storageCrs": ogcCRS84,
		"attribution": o.s.city.Attribution, "links": links,
	}
	// The extent is that of the default selection. A default that cannot
	// be computed (an underserved category whose threshold passes the
	// access cutoff) leaves the extent out rather than the collection.
	if fs, err := o.set(coll, o.defaultParams(coll)); err != nil {
		o.s.cfg.Logger.Warn("ogc: no extent", "collection", coll.id, "err", err)
	} else if ext, ok := ogcExtent(fs.Bounds()); ok {
		doc["extent"] = map[string]any{"spatial": map[string]any{
			"bbox": [][]float64{{ogcRound6(ext.Min[0]), ogcRound6(ext.Min[1]), ogcRound6(ext.Max[0]), ogcRound6(ext.Max[1])}},
			"crs":  ogcCRS84,
		}}
	}
	return doc, nil
}

// defaultParams are the parameters of a request that gives none.
func (o *ogc) defaultParams(coll *ogcCollection) ogcParams {
	p := ogcParams{category: -1, profile: -1}
	if coll.id == "underserved" {
		p.category = o.s.city.Taxonomy.DefaultGapCategory()
	}
	if coll.takes(ogcParamProfile) && !coll.allProfiles {
		p.profile = o.s.base.ProfileIndex(geo.DefaultProfile)
		if p.profile < 0 {
			p.profile = 0
		}
	}
	if coll.takes(ogcParamRes) {
		p.res = 10
	}
	return p
}

func (o *ogc) collectionJSON(base string, coll *ogcCollection) ([]byte, error) {
	doc, err := o.collectionDoc(base, coll)
	if err != nil {
		return nil, err
	}
	return ogcMarshal(doc)
}

func (o *ogc) collectionsDoc(base string) (map[string]any, error) {
	var colls []map[string]any
	for _, c := range o.colls {
		d, err := o.collectionDoc(base, c)
		if err != nil {
			return nil, err
		}
		colls = append(colls, d)
	}
	return map[string]any{
		"attribution": o.s.city.Attribution,
		"links":       ogcSelfLinks(base, "/collections", nil, ogcMediaJSON),
		"collections": colls,
	}, nil
}

func (o *ogc) collectionsJSON(base string) ([]byte, error) {
	doc, err := o.collectionsDoc(base)
	if err != nil {
		return nil, err
	}
	return ogcMarshal(doc)
}

// ogcExtent is the union of bounds; ok is false when there are none.
func ogcExtent(bs []orb.Bound) (orb.Bound, bool) {
	if len(bs) == 0 {
		return orb.Bound{}, false
	}
	b := bs[0]
	for _, x := range bs[1:] {
		b = b.Union(x)
	}
	return b, true
}

func ogcRound6(f float64) float64 { return math.Round(f*1e6) / 1e6 }

// ogcPage is one page of a collection's features.
type ogcPage struct {
	coll          *ogcCollection
	set           *ogcSet
	idx           []int // the features on the page
	matched       int
	links         []ogcLink
	attribution   string
	limit, offset int
	base          string
	query         url.Values
}

// page selects one page of features and its links.
func (o *ogc) page(base string, coll *ogcCollection, q ogcItemsQuery, query url.Values) (*ogcPage, error) {
	fs, err := o.set(coll, q.params)
	if err != nil {
		return nil, err
	}
	var match []int // nil: every feature
	matched := fs.Len()
	if q.hasBBox {
		match = []int{}
		for i, b := range fs.Bounds() {
			if b.Intersects(q.bbox) && geomIntersects(fs.layer.Geometry(i), q.bbox) {
				match = append(match, i)
			}
		}
		matched = len(match)
	}
	start, end := min(q.offset, matched), min(q.offset+q.limit, matched)
	idx := make([]int, 0, end-start)
	for k := start; k < end; k++ {
		if match != nil {
			idx = append(idx, match[k])
		} else {
			idx = append(idx, k)
		}
	}
	links := ogcItemsLinks(base, coll.id, coll.title, query, collectionQuery(coll, query), q.limit, q.offset, end < matched)
	return &ogcPage{coll: coll, set: fs, idx: idx, matched: matched, links: links,
		attribution: o.s.city.Attribution,
		limit:       q.limit, offset: q.offset, base: base, query: query}, nil
}

// ogcItemsLinks are the links of an items page of collection id: self,
// alternate, next (when more), prev (past the first page), the
// collection and the features' schema (with schemaQuery).
func ogcItemsLinks(base, id, title string, query, schemaQuery url.Values, limit, offset int, more bool) []ogcLink {
	path := "/collections/" + id + "/items"
	lim := strconv.Itoa(limit)
	off := func(n int) string {
		if n == 0 {
			return ""
		}
		return strconv.Itoa(n)
	}
	links := []ogcLink{
		{Href: ogcWithQuery(base, path, query, "f", "json", "offset", off(offset)), Rel: "self", Type: ogcMediaGeoJSON, Title: "This page"},
		{Href: ogcWithQuery(base, path, query, "f", "html", "offset", off(offset)), Rel: "alternate", Type: ogcMediaHTML, Title: "This page as HTML"},
	}
	if more {
		links = append(links, ogcLink{Href: ogcWithQuery(base, path, query, "f", "json", "limit", lim, "offset", off(offset+limit)),
			Rel: "next", Type: ogcMediaGeoJSON, Title: "Next page"})
	}
	if offset > 0 {
		links = append(links, ogcLink{Href: ogcWithQuery(base, path, query, "f", "json", "limit", lim, "offset", off(max(0, offset-limit))),
			Rel: "prev", Type: ogcMediaGeoJSON, Title: "Previous page"})
	}
	links = append(links, ogcLink{Href: base + "/collections/" + id + "?f=json", Rel: "collection", Type: ogcMediaJSON, Title: title},
		ogcLink{Href: ogcWithQuery(base, "/collections/"+id+"/schema/feature", schemaQuery), Rel: "describedBy",
			Type: ogcMediaSchema, Title: "The JSON Schema of these features"})
	return links
}

// collectionQuery keeps the collection parameters of a query (those that
// choose the features, and so their schema).
func collectionQuery(coll *ogcCollection, q url.Values) url.Values {
	out := url.Values{}
	for _, k := range coll.params {
		if v := q.Get(k); v != "" {
			out.Set(k, v)
		}
	}
	return out
}

// ogcPageJSON streams a page as a GeoJSON FeatureCollection.
func ogcPageJSON(p *ogcPage) ([]byte, error) {
	b := make([]byte, 0, 1024+512*len(p.idx))
	b = append(b, `{"type":"FeatureCollection","attribution":`...)
	b = publish.AppendString(b, p.attribution)
	b = append(b, `,"numberMatched":`...)
	b = strconv.AppendInt(b, int64(p.matched), 10)
	b = append(b, `,"numberReturned":`...)
	b = strconv.AppendInt(b, int64(len(p.idx)), 10)
	b = append(b, `,"links":`...)
	b = ogcAppendLinks(b, p.links)
	b = append(b, `,"features":[`...)
	var scratch []publish.Value
	for k, i := range p.idx {
		if k > 0 {
			b = append(b, ',')
		}
		b, scratch = p.set.Append(b, i, scratch)
	}
	return append(b, "]}\n"...), nil
}

// ogcFeature is one feature and its links.
type ogcFeature struct {
	coll        *ogcCollection
	body        []byte // the Feature
	links       []ogcLink
	attribution string
}

// feature finds one feature.
func (o *ogc) feature(base string, coll *ogcCollection, p ogcParams, id string, query url.Values) (*ogcFeature, error) {
	fs, err := o.set(coll, p)
	if err != nil {
		return nil, err
	}
	i, ok := fs.Find(id)
	if !ok {
		return nil, notFound("featureId", "no feature %q in collection %q", id, coll.id)
	}
	body, _ := fs.Append(nil, i, nil)
	return &ogcFeature{coll: coll, body: body, links: ogcItemLinks(base, coll.id, coll.title, id, query), attribution: o.s.city.Attribution}, nil
}

// ogcItemLinks are one feature's links: itself (in every format) and its
// collection.
func ogcItemLinks(base, collID, collTitle, id string, query url.Values) []ogcLink {
	links := ogcSelfLinks(base, "/collections/"+collID+"/items/"+url.PathEscape(id), query, ogcMediaGeoJSON)
	return append(links, ogcLink{Href: base + "/collections/" + collID + "?f=json", Rel: "collection", Type: ogcMediaJSON, Title: collTitle})
}

// ogcFeatureJSON writes one feature with its links and attribution.
func ogcFeatureJSON(f *ogcFeature) ([]byte, error) {
	b := append([]byte(nil), f.body[:len(f.body)-1]...) // reopen the Feature object
	b = append(b, `,"attribution":`...)
	b = publish.AppendString(b, f.attribution)
	b = append(b, `,"links":`...)
	b = ogcAppendLinks(b, f.links)
	return append(b, "}\n"...), nil
}

// ogcMarshal encodes v without escaping <, > and & (links hold &).
func ogcMarshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ogcMustJSON encodes a document built by the program itself.
func ogcMustJSON(v any) []byte {
	b, err := ogcMarshal(v)
	if err != nil {
		panic("server: encoding a built-in document: " + err.Error())
	}
	return b
}

func ogcHash(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:8])
}

// geomIntersects reports whether a geometry meets a bound, not only its
// envelope (OGC API - Features /req/core/fc-bbox-response): clipped to
// the bound, something remains.
func geomIntersects(g orb.Geometry, b orb.Bound) bool {
	switch g := g.(type) {
	case nil:
		return false
	case orb.Point:
		return b.Contains(g)
	}
	switch c := clip.Geometry(b, orb.Clone(g)).(type) {
	case nil:
		return false
	case orb.LineString:
		return len(c) > 0
	case orb.MultiLineString:
		return len(c) > 0
	case orb.Polygon:
		return len(c) > 0 && len(c[0]) > 0
	case orb.MultiPolygon:
		return len(c) > 0
	case orb.Ring:
		return len(c) > 0
	default:
		return true
	}
}
