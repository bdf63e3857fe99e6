package server

import "github.com/labstack/echo/v4"

// routesOGC registers the OGC API - Features routes (to be written).
func (s *state) routesOGC(e *echo.Echo) {}
