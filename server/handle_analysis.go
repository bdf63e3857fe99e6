package server

import "github.com/labstack/echo/v4"

// routesAnalysis registers the analysis routes (to be written).
func (s *state) routesAnalysis(e *echo.Echo) {}
