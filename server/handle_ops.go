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

// readyz answers once the city is loaded and its baseline computed, which
// New guarantees: a server exists only then.
func (s *state) readyz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]any{
		"status": "ready", "city": s.city.Name, "edges": s.city.Graph.NumEdges(),
		"facilities": len(s.city.Facilities), "population": s.city.Population.Total,
		"population_source": s.city.Population.Source,
	})
}
