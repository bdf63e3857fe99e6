package server

import "github.com/labstack/echo/v4"

// routesTiles registers the vector tile routes (to be written).
func (s *state) routesTiles(e *echo.Echo) {}
