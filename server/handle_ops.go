package server

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

func (s *state) routesOps(e *echo.Echo) {
	// Load balancers often probe with HEAD.
	e.GET("/healthz", s.healthz)
	e.HEAD("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.HEAD("/readyz", s.readyz)
	e.GET("/metrics", s.metrics.handler())
}

// healthz answers while the process serves.
func (s *state) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok", "version": s.cfg.Version})
}

// readyz answers 200 once the city is loaded and its baseline access
// computed, which New guarantees: a server exists only then, and it
// answers every route. What is still being prepared in the background is
// said: the baseline report ("computing" until done: the routes that read
// it wait for it) and the tiles' indexes and low-zoom communities tiles
// (a tile request waits for its layer's index, and renders what is not
// prepared), and the isochrones' shared cell shapes. A failed baseline
// report is a 503.
func (s *state) readyz(c echo.Context) error {
	baseline, status := "ready", http.StatusOK
	if !s.baselineReady() {
		baseline = "computing"
	} else if s.reportErr != nil {
		baseline, status = "failed", http.StatusServiceUnavailable
	}
	shapes := "ready"
	if s.shapes.Load() == nil {
		shapes = "building" // isochrones compute the shapes they need meanwhile
	}
	st := "ready"
	if status != http.StatusOK {
		st = "failed"
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(status, map[string]any{
		"status": st, "city": s.city.Name, "edges": s.city.Graph.NumEdges(),
		"facilities": len(s.city.Facilities), "population": s.city.Population.Total,
		"population_source": s.city.Population.Source,
		"baseline_report":   baseline, "tiles_prepared": s.tiles.progress(), "isochrone_shapes": shapes,
	})
}
