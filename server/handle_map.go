package server

import "github.com/labstack/echo/v4"

// routesMap registers the map page and its static assets (to be written).
func (s *state) routesMap(e *echo.Echo) {}
