package server

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/paulmach/orb"

	"fifteen/publish"
	"fifteen/publish/postgis"
)

// A server from PostGIS serves a dataset's precomputed results from the
// tables fifteen export --to (or run-shard and merge-shards) wrote: the
// OGC API collections the dataset has and vector tiles of them, each
// request reading only the rows it shows (through the tables' spatial
// indexes). It loads no city, so it holds none in memory: every route
// that needs the network answers 501, naming the flags that load one.

// PGSource is what a server from PostGIS reads: a database (a pool, for
// concurrent requests), the PostgreSQL schema and the dataset.
type PGSource struct {
	DB      postgis.Querier
	Schema  string // postgis.DefaultSchema when empty
	Dataset string
}

// pgCollection is one collection served from a table.
type pgCollection struct {
	id, title, description string
	r                      *postgis.Reader
	extent                 orb.Bound
	hasExtent              bool
}

// pgServer serves a PGSource.
type pgServer struct {
	s           *state // cfg and the error handler only
	src         PGSource
	attribution string
	colls       []*pgCollection
	byID        map[string]*pgCollection
}

// NeedsCityHint answers the routes a server from PostGIS cannot.
const NeedsCityHint = "this server serves precomputed results from PostGIS (fifteen serve --from) and holds no city: isochrones, nearest facilities, reports, gaps, siting, scenarios, exports and the map need a loaded city: run fifteen serve --osm FILE or --snapshot FILE"

// NewFromPostGIS builds the Echo instance serving src: the collections of
// the published catalogue that src.Dataset has rows in, and their tiles.
func NewFromPostGIS(ctx context.Context, cfg Config, src PGSource) (*echo.Echo, error) {
	cfg.fill()
	if src.Schema == "" {
		src.Schema = postgis.DefaultSchema
	}
	p := &pgServer{s: &state{cfg: cfg}, src: src, byID: map[string]*pgCollection{}}
	attr, ok, err := postgis.Attribution(ctx, src.DB, src.Schema, src.Dataset)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("server: no dataset %q in schema %s (no run of it in %s.%s)", src.Dataset, src.Schema, src.Schema, postgis.RunsTable)
	}
	p.attribution = attr
	tables, err := postgis.Tables(ctx, src.DB, src.Schema, src.Dataset)
	if err != nil {
		return nil, err
	}
	for _, pc := range publish.Catalogue() {
		if !slices.Contains(tables, pc.ID) {
			continue
		}
		r, err := postgis.NewReader(ctx, src.DB, src.Schema, src.Dataset, pc.ID)
		if err != nil {
			return nil, err
		}
		c := &pgCollection{id: pc.ID, title: pc.Title, description: r.Schema().Description, r: r}
		if c.extent, c.hasExtent, err = r.Extent(ctx); err != nil {
			return nil, err
		}
		p.colls = append(p.colls, c)
		p.byID[c.id] = c
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = p.s.errorHandler
	e.Use(middleware.Recover(), securityHeaders, headWithoutBody,
		middleware.CORSWithConfig(middleware.CORSConfig{AllowOrigins: []string{"*"}, AllowMethods: []string{http.MethodGet, http.MethodHead, http.MethodOptions}}),
		middleware.GzipWithConfig(middleware.GzipConfig{Level: 5}),
		middleware.ContextTimeoutWithConfig(middleware.ContextTimeoutConfig{Timeout: cfg.RequestTimeout,
			ErrorHandler: func(err error, c echo.Context) error { return err }}))
	p.routes(e)
	return e, nil
}

// needsCity is every route that needs the network.
func needsCity(echo.Context) error {
	return &Problem{Type: "about:blank", Title: "Not Implemented", Status: http.StatusNotImplemented, Detail: NeedsCityHint}
}

// lookup returns the collection with id.
func (p *pgServer) lookup(id string) (*pgCollection, error) {
	if c, ok := p.byID[id]; ok {
		return c, nil
	}
	ids := make([]string, len(p.colls))
	for k, c := range p.colls {
		ids[k] = c.id
	}
	return nil, notFound("collectionId", "no collection %q in dataset %q; the collections are %v", id, p.src.Dataset, ids)
}

// jsonOnly refuses the formats other than JSON (the HTML pages need a
// loaded city's map) and the parameters other than allowed, naming the
// collection parameters this server does not take: a table holds one
// selection, the export's.
func jsonOnly(c echo.Context, allowed ...string) error {
	if f := c.QueryParam("f"); f != "" && f != "json" {
		return badParam("f", "%q: a server from PostGIS serves json only", f)
	}
	for k := range c.QueryParams() {
		switch {
		case k == "f" || slices.Contains(allowed, k):
		case k == publish.ParamCategory || k == publish.ParamProfile || k == publish.ParamRes:
			return badParam(k, "a server from PostGIS serves the tables as exported (every walker's communities, the default walker's resolution-10 cells); %s", NeedsCityHint)
		default:
			return badParam(k, "unknown parameter")
		}
	}
	return nil
}

func (p *pgServer) json(c echo.Context, ct string, v any) error {
	b, err := ogcMarshal(v)
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, ct, b)
}

func (p *pgServer) landing(c echo.Context) error {
	if err := jsonOnly(c); err != nil {
		return err
	}
	base := ogcBaseURL(c)
	return p.json(c, ogcMediaJSON, map[string]any{
		"title":       "fifteen: " + p.src.Dataset,
		"description": "Precomputed 15-minute walking access of dataset " + p.src.Dataset + ", served from PostGIS as OGC API - Features and vector tiles. " + NeedsCityHint + ".",
		"attribution": p.attribution, "version": p.s.cfg.Version,
		"links": []ogcLink{
			{Href: base + "/?f=json", Rel: "self", Type: ogcMediaJSON, Title: "This document"},
			{Href: base + "/conformance", Rel: "conformance", Type: ogcMediaJSON, Title: "Conformance classes implemented"},
			{Href: base + "/collections", Rel: "data", Type: ogcMediaJSON, Title: "The feature collections"},
			{Href: ogcLicenseURL, Rel: "license", Type: ogcMediaHTML, Title: p.attribution},
		},
	})
}

// pgConformance are the classes a server from PostGIS implements: no
// HTML, no OpenAPI document.
var pgConformance = ogcConformance[:2]

func (p *pgServer) conformance(c echo.Context) error {
	if err := jsonOnly(c); err != nil {
		return err
	}
	return p.json(c, ogcMediaJSON, map[string]any{"conformsTo": pgConformance,
		"links": ogcSelfLinks(ogcBaseURL(c), "/conformance", nil, ogcMediaJSON)})
}

func (p *pgServer) collectionDoc(base string, coll *pgCollection) map[string]any {
	path := "/collections/" + coll.id
	links := ogcSelfLinks(base, path, nil, ogcMediaJSON)
	links = append(links,
		ogcLink{Href: base + path + "/items", Rel: "items", Type: ogcMediaGeoJSON, Title: coll.title + " (GeoJSON)"},
		ogcLink{Href: base + path + "/schema/feature", Rel: "describedBy", Type: ogcMediaSchema, Title: "The JSON Schema of one GeoJSON feature, with its field types"},
		ogcLink{Href: ogcLicenseURL, Rel: "license", Type: ogcMediaHTML, Title: p.attribution})
	doc := map[string]any{
		"id": coll.id, "title": coll.title, "description": coll.description,
		"itemType": "feature", "crs": []string{ogcCRS84}, "storageCrs": ogcCRS84,
		"attribution": p.attribution, "links": jsonLinks(links),
	}
	if ext := coll.extent; coll.hasExtent {
		doc["extent"] = map[string]any{"spatial": map[string]any{
			"bbox": [][]float64{{ogcRound6(ext.Min[0]), ogcRound6(ext.Min[1]), ogcRound6(ext.Max[0]), ogcRound6(ext.Max[1])}},
			"crs":  ogcCRS84,
		}}
	}
	return doc
}

// jsonLinks drops the links to HTML pages this server does not serve
// (keeping the licence's, which is elsewhere).
func jsonLinks(links []ogcLink) []ogcLink {
	return slices.DeleteFunc(links, func(l ogcLink) bool { return l.Type == ogcMediaHTML && l.Rel != "license" })
}

func (p *pgServer) collections(c echo.Context) error {
	if err := jsonOnly(c); err != nil {
		return err
	}
	base := ogcBaseURL(c)
	colls := []map[string]any{}
	for _, coll := range p.colls {
		colls = append(colls, p.collectionDoc(base, coll))
	}
	return p.json(c, ogcMediaJSON, map[string]any{"attribution": p.attribution,
		"links": ogcSelfLinks(base, "/collections", nil, ogcMediaJSON), "collections": colls})
}

func (p *pgServer) collection(c echo.Context) error {
	coll, err := p.lookup(c.Param("collectionId"))
	if err != nil {
		return err
	}
	if err := jsonOnly(c); err != nil {
		return err
	}
	return p.json(c, ogcMediaJSON, p.collectionDoc(ogcBaseURL(c), coll))
}

// items serves a page of a collection's features: those meeting bbox,
// limit of them from offset, read from the table (numberMatched is their
// count there).
func (p *pgServer) items(c echo.Context) error {
	coll, err := p.lookup(c.Param("collectionId"))
	if err != nil {
		return err
	}
	if err := jsonOnly(c, "bbox", "limit", "offset"); err != nil {
		return err
	}
	box, hasBox, err := queryBBox(c)
	if err != nil {
		return err
	}
	limit, err := queryInt(c, "limit", p.s.cfg.ItemsLimit, 1, math.MaxInt32)
	if err != nil {
		return err
	}
	limit = min(limit, p.s.cfg.ItemsMaxLimit)
	offset, err := queryInt(c, "offset", 0, 0, math.MaxInt32)
	if err != nil {
		return err
	}
	var bbox *orb.Bound
	if hasBox {
		bbox = &box
	}
	ctx := c.Request().Context()
	matched, err := coll.r.Count(ctx, bbox)
	if err != nil {
		return err
	}
	l, err := coll.r.Read(ctx, bbox, limit, offset)
	if err != nil {
		return err
	}
	idx := make([]int, l.Len())
	for k := range idx {
		idx[k] = k
	}
	query := c.QueryParams()
	links := jsonLinks(ogcItemsLinks(ogcBaseURL(c), coll.id, coll.title, query, nil, limit, offset, offset+l.Len() < matched))
	b, err := ogcPageJSON(&ogcPage{set: &ogcSet{layer: l}, idx: idx, matched: matched, links: links, attribution: p.attribution})
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, ogcMediaGeoJSON, b)
}

// item serves one feature.
func (p *pgServer) item(c echo.Context) error {
	coll, err := p.lookup(c.Param("collectionId"))
	if err != nil {
		return err
	}
	if err := jsonOnly(c); err != nil {
		return err
	}
	id := c.Param("featureId")
	l, err := coll.r.Feature(c.Request().Context(), id)
	if err != nil {
		return err
	}
	if l.Len() == 0 {
		return notFound("featureId", "no feature %q in collection %q", id, coll.id)
	}
	links := ogcItemLinks(ogcBaseURL(c), coll.id, coll.title, id, c.QueryParams())
	body, _ := publish.AppendFeature(nil, l, 0, nil)
	b, err := ogcFeatureJSON(&ogcFeature{body: body, links: jsonLinks(links), attribution: p.attribution})
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, ogcMediaGeoJSON, b)
}

// featureSchema serves the JSON Schema of one feature, from the schema
// read back from the table.
func (p *pgServer) featureSchema(c echo.Context) error {
	coll, err := p.lookup(c.Param("collectionId"))
	if err != nil {
		return err
	}
	if err := jsonOnly(c); err != nil {
		return err
	}
	return p.json(c, ogcMediaSchema, publish.FeatureSchema(coll.r.Schema(), ogcBaseURL(c)+c.Request().URL.Path))
}

// pgTileLayers are the tile layers served from tables: those whose
// schemas leave no field out of tiles (the tables do not record which
// fields a tile leaves out).
var pgTileLayers = []string{"cells", "communities", "facilities"}

// pgTileMaxFeatures bounds the features one tile reads from a table: a
// low-zoom tile over a province would read millions of resolution-10
// cells, which an in-memory server aggregates and a table does not.
var pgTileMaxFeatures = 20_000 // a variable for the tests

// tile serves one vector tile of a collection, from the features meeting
// the tile and its buffer, rendered as the in-memory tiles are. The cells
// are the table's (resolution 10) at every zoom.
func (p *pgServer) tile(c echo.Context) error {
	id := c.Param("layer")
	l := tileLayerByID(id)
	coll, ok := p.byID[id]
	if !ok || l == nil || !slices.Contains(pgTileLayers, id) {
		var have []string
		for _, t := range pgTileLayers {
			if _, ok := p.byID[t]; ok {
				have = append(have, t)
			}
		}
		return notFound("layer", "no tile layer %q from dataset %q; the layers are %v", id, p.src.Dataset, have)
	}
	for k := range c.QueryParams() {
		return badParam(k, "a server from PostGIS serves the tables as exported and takes no tile parameters")
	}
	t, err := parseTileXYZ(c, l)
	if err != nil {
		return err
	}
	q := tileQuery{layer: l, tile: t}
	box := q.tile.Bound(tileBuffer / float64(tileExtent))
	fl, err := coll.r.Read(c.Request().Context(), &box, pgTileMaxFeatures+1, 0)
	if err != nil {
		return err
	}
	if fl.Len() > pgTileMaxFeatures {
		return badParam("z", "tile %d/%d/%d of %s meets more than %d features of the table (which holds no coarser cells): zoom in", t.Z, t.X, t.Y, id, pgTileMaxFeatures)
	}
	if fl.Len() == 0 {
		return tileEmpty(c)
	}
	idx := make([]int32, fl.Len())
	for k := range idx {
		idx[k] = int32(k)
	}
	body, err := encodeTile(q, layerFeatures(fl, idx, nil, nil))
	if err == errEmptyTile {
		return tileEmpty(c)
	}
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, mvtContentType, body)
}
