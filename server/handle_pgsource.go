package server

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// routes registers the routes of a server from PostGIS: health, the OGC
// API collections and their tiles; the routes that need a loaded city
// answer 501 (needsCity).
//
//	ops:   /healthz, /readyz
//	ogc:   /, /conformance, /collections, /collections/{id},
//	       /collections/{id}/items, /collections/{id}/items/{featureId},
//	       /collections/{id}/schema/feature
//	tiles: /tiles/{layer}/{z}/{x}/{y}.mvt (cells, communities, facilities)
//	501:   /v1/*, /map, /map/*, /api, /tiles/{layer}.json, /collections/{id}/schema
func (p *pgServer) routes(e *echo.Echo) {
	ok := func(c echo.Context) error {
		return c.JSON(http.StatusOK, map[string]any{"status": "ok", "version": p.s.cfg.Version, "dataset": p.src.Dataset})
	}
	get := func(path string, h echo.HandlerFunc) {
		e.GET(path, h)
		e.HEAD(path, h)
	}
	get("/healthz", ok)
	get("/readyz", ok)
	get("/", p.landing)
	get("/conformance", p.conformance)
	get("/collections", p.collections)
	get("/collections/:collectionId", p.collection)
	get("/collections/:collectionId/items", p.items)
	get("/collections/:collectionId/items/:featureId", p.item)
	get("/collections/:collectionId/schema/feature", p.featureSchema)
	get("/tiles/:layer/:z/:x/:y.mvt", p.tile)
	for _, path := range []string{"/v1/*", "/map", "/map/*", "/api", "/tiles/:layer.json", "/collections/:collectionId/schema", "/static/*"} {
		e.Any(path, needsCity)
	}
}
