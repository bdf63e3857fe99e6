package server

import "github.com/labstack/echo/v4"

// routes registers every route. Each group lives in its handle_*.go file:
//
//	ops:      /healthz, /readyz, /metrics
//	ogc:      /, /conformance, /api, /collections, /collections/{id},
//	          /collections/{id}/items, /collections/{id}/items/{featureId}
//	tiles:    /tiles/{layer}.json, /tiles/{layer}/{z}/{x}/{y}.mvt
//	analysis: /v1/isochrone, /v1/nearest, /v1/report, /v1/gaps, /v1/siting,
//	          /v1/categories, /v1/profiles
//	scenarios: /v1/scenarios, /v1/scenarios/preview, /v1/scenarios/{id}
//	export:   /v1/export, /v1/search (the map's downloads and search)
//	map:      /map (the planner's map page; also / for browsers), /map/config.json, /static/*
func (s *state) routes(e *echo.Echo) {
	s.routesOps(e)
	s.routesOGC(e)
	s.routesTiles(e)
	s.routesAnalysis(e)
	s.routesScenarios(e)
	s.routesExport(e)
	s.routesMap(e)
}
