package server

import (
	"errors"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb/maptile"

	"fifteen/publish"
)

// mvtContentType is the media type of Mapbox Vector Tiles.
const mvtContentType = "application/vnd.mapbox-vector-tile"

// tileServer answers the vector tile routes from the tile data, whose
// indexes the server prepares in the background at start.
type tileServer struct {
	s    *state
	data *tileData
}

// routesTiles registers the vector tile routes: a TileJSON 3.0.0 document
// per layer and the tiles themselves (see tiles_layers.go for the layers
// and their zooms). Echo parameter names run to the next slash, so the
// suffixes are part of the names.
func (s *state) routesTiles(e *echo.Echo) {
	t := &tileServer{s: s, data: s.tiles}
	e.GET("/tiles/:layer.json", t.tileJSON)
	e.HEAD("/tiles/:layer.json", t.tileJSON)
	e.GET("/tiles/:layer/:z/:x/:y.mvt", t.tile)
	e.HEAD("/tiles/:layer/:z/:x/:y.mvt", t.tile)
}

// tile serves one Mapbox Vector Tile, raw or gzipped as the client
// accepts, with an ETag; an empty tile is 204 No Content.
func (t *tileServer) tile(c echo.Context) error {
	q, err := t.parseTile(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	ok, err := t.data.tileHasFeatures(ctx, q)
	if err != nil {
		return err
	}
	if !ok {
		return tileEmpty(c)
	}
	err = t.s.serveCached(c, mvtContentType, func() ([]byte, error) { return t.data.renderTile(ctx, q) })
	if errors.Is(err, errEmptyTile) { // features near the tile, none in it
		return tileEmpty(c)
	}
	return err
}

// tileEmpty answers 204 No Content, as most tile servers do for a tile
// without features; clients draw nothing and may cache that.
func tileEmpty(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "public, max-age=300")
	return c.NoContent(http.StatusNoContent)
}

// parseTile validates the layer, z, x, y and the query of a tile request.
func (t *tileServer) parseTile(c echo.Context) (tileQuery, error) {
	var q tileQuery
	if q.layer = tileLayerByID(c.Param("layer")); q.layer == nil {
		return q, tileUnknownLayer(c.Param("layer"))
	}
	var err error
	if q.tile, err = parseTileXYZ(c, q.layer); err != nil {
		return q, err
	}
	q.profile, q.category, err = t.parseLayerQuery(c, q.layer)
	return q, err
}

// parseTileXYZ validates the z, x and y of a tile request of layer l.
func parseTileXYZ(c echo.Context, l *tileLayer) (maptile.Tile, error) {
	yv, ok := strings.CutSuffix(c.Param("y.mvt"), ".mvt")
	if !ok {
		return maptile.Tile{}, notFound("y", "tiles are served as {y}.mvt, not %q", c.Param("y.mvt"))
	}
	z, err := tileCoord("z", c.Param("z"), maxTileZoom)
	if err != nil {
		return maptile.Tile{}, err
	}
	if int(z) < l.minZoom || int(z) > l.maxZoom {
		return maptile.Tile{}, badParam("z", "%d is outside the zoom range %d..%d of layer %s", z, l.minZoom, l.maxZoom, l.id)
	}
	last := uint32(1)<<z - 1
	x, err := tileCoord("x", c.Param("x"), last)
	if err != nil {
		return maptile.Tile{}, err
	}
	y, err := tileCoord("y", yv, last)
	if err != nil {
		return maptile.Tile{}, err
	}
	return maptile.New(x, y, maptile.Zoom(z)), nil
}

// parseLayerQuery validates the profile and category parameters of the
// layers that read them; the other layers ignore them.
func (t *tileServer) parseLayerQuery(c echo.Context, l *tileLayer) (profile int, category string, err error) {
	if l.profile {
		if profile, err = t.s.profileIndex(t.s.base, c.QueryParam("profile")); err != nil {
			return 0, "", err
		}
	}
	if l.category {
		category = c.QueryParam("category")
		if category == "" {
			category = tileGapCategory(t.s.city.Taxonomy)
		}
		if _, err = t.s.categoryIndex(category, true); err != nil {
			return 0, "", err
		}
	}
	return profile, category, nil
}

// tileCoord reads a tile coordinate: a plain decimal integer in 0..max.
func tileCoord(name, v string, max uint32) (uint32, error) {
	if v == "" || len(v) > 10 || strings.TrimLeft(v, "0123456789") != "" {
		return 0, badParam(name, "%q is not a non-negative integer", v)
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil || n > uint64(max) {
		if name == "z" {
			return 0, badParam(name, "%s is beyond the deepest zoom %d", v, max)
		}
		return 0, badParam(name, "%s is outside 0..%d at this zoom", v, max)
	}
	return uint32(n), nil
}

func tileUnknownLayer(id string) error {
	ids := make([]string, len(tileLayers))
	for i, l := range tileLayers {
		ids[i] = l.id
	}
	return notFound("layer", "no tile layer %q; the layers are %s", id, strings.Join(ids, ", "))
}

// tileJSONDoc is a TileJSON 3.0.0 document
// (https://github.com/mapbox/tilejson-spec/tree/master/3.0.0).
type tileJSONDoc struct {
	TileJSON     string            `json:"tilejson"`
	Name         string            `json:"name"`
	Description  string            `json:"description"`
	Attribution  string            `json:"attribution"`
	Scheme       string            `json:"scheme"`
	Tiles        []string          `json:"tiles"`
	MinZoom      int               `json:"minzoom"`
	MaxZoom      int               `json:"maxzoom"`
	Bounds       [4]float64        `json:"bounds"`
	Center       [3]float64        `json:"center"`
	VectorLayers []tileVectorLayer `json:"vector_layers"`
}

type tileVectorLayer struct {
	ID          string            `json:"id"`
	Description string            `json:"description"`
	MinZoom     int               `json:"minzoom"`
	MaxZoom     int               `json:"maxzoom"`
	Fields      map[string]string `json:"fields"`
}

// tileJSONAttribution credits OpenStreetMap, linking its copyright page.
const tileJSONAttribution = `<a href="https://www.openstreetmap.org/copyright" target="_blank">© OpenStreetMap contributors</a>`

// tileJSON serves the TileJSON of a layer. Its tiles URL is built from the
// request's scheme and host and carries the layer's query parameters, so
// /tiles/cells.json?profile=senior points at senior tiles.
func (t *tileServer) tileJSON(c echo.Context) error {
	id, ok := strings.CutSuffix(c.Param("layer.json"), ".json")
	if !ok {
		return notFound("layer", "no route for %s; a layer's TileJSON is at /tiles/{layer}.json", c.Request().URL.Path)
	}
	l := tileLayerByID(id)
	if l == nil {
		return tileUnknownLayer(id)
	}
	profile, category, err := t.parseLayerQuery(c, l)
	if err != nil {
		return err
	}
	qs := url.Values{}
	if l.profile {
		qs.Set("profile", t.s.base.Profiles[profile].ID)
	}
	if l.category {
		qs.Set("category", category)
	}
	tiles := c.Scheme() + "://" + c.Request().Host + "/tiles/" + l.id + "/{z}/{x}/{y}.mvt"
	if len(qs) > 0 {
		tiles += "?" + qs.Encode()
	}
	schema, err := t.data.schema(c.Request().Context(), l, profile)
	if err != nil {
		return err
	}
	b := t.data.cityBounds()
	center := b.Center()
	doc := tileJSONDoc{
		TileJSON: "3.0.0", Name: t.s.city.Name + " · " + l.id, Description: l.description,
		Attribution: tileJSONAttribution, Scheme: "xyz", Tiles: []string{tiles},
		MinZoom: l.minZoom, MaxZoom: l.maxZoom,
		Bounds: [4]float64{tileRound6(b.Min[0]), tileRound6(b.Min[1]), tileRound6(b.Max[0]), tileRound6(b.Max[1])},
		Center: [3]float64{tileRound6(center[0]), tileRound6(center[1]), float64(tileFitZoom(b.Max[0]-b.Min[0], b.Max[1]-b.Min[1], l))},
		VectorLayers: []tileVectorLayer{{ID: l.id, Description: l.description, MinZoom: l.minZoom, MaxZoom: l.maxZoom,
			Fields: publish.TileFields(schema)}},
	}
	c.Response().Header().Set("Cache-Control", "public, max-age=300")
	return c.JSON(http.StatusOK, doc)
}

// tileFitZoom is the zoom at which the city's bound fits one 512 px tile,
// within the layer's zoom range.
func tileFitZoom(lonSpan, latSpan float64, l *tileLayer) int {
	span := math.Max(lonSpan, latSpan)
	z := l.maxZoom
	if span > 0 {
		z = int(math.Floor(math.Log2(360 / span)))
	}
	return max(l.minZoom, min(z, l.maxZoom))
}

func tileRound6(f float64) float64 { return math.Round(f*1e6) / 1e6 }
