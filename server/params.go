package server

import (
	"math"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb"

	"fifteen/geo"
)

// Parameter parsing and validation at the boundary. Each function returns a
// *Problem naming the parameter.

// queryFloat reads a finite number; def when absent.
func queryFloat(c echo.Context, name string, def float64) (float64, error) {
	v := c.QueryParam(name)
	if v == "" {
		return def, nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, badParam(name, "%q is not a finite number", v)
	}
	return f, nil
}

// queryInt reads an integer in [lo, hi]; def when absent.
func queryInt(c echo.Context, name string, def, lo, hi int) (int, error) {
	v := c.QueryParam(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, badParam(name, "%q is not an integer", v)
	}
	if n < lo || n > hi {
		return 0, badParam(name, "%d is outside %d..%d", n, lo, hi)
	}
	return n, nil
}

// queryPoint reads lon and lat, required.
func queryPoint(c echo.Context) (orb.Point, error) {
	var p orb.Point
	for i, name := range []string{"lon", "lat"} {
		v := c.QueryParam(name)
		if v == "" {
			return p, badParam(name, "required")
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return p, badParam(name, "%q is not a finite number", v)
		}
		p[i] = f
	}
	return p, checkPoint(p, "lon", "lat")
}

// checkPoint validates a point's ranges, naming the parameters.
func checkPoint(p orb.Point, lonName, latName string) error {
	if math.IsNaN(p[0]) || math.IsInf(p[0], 0) || p[0] < -180 || p[0] > 180 {
		return badParam(lonName, "%v is outside [-180, 180]", p[0])
	}
	if math.IsNaN(p[1]) || math.IsInf(p[1], 0) || p[1] < -90 || p[1] > 90 {
		return badParam(latName, "%v is outside [-90, 90]", p[1])
	}
	return nil
}

// queryBBox reads bbox=minLon,minLat,maxLon,maxLat; ok is false when absent.
func queryBBox(c echo.Context) (orb.Bound, bool, error) {
	v := c.QueryParam("bbox")
	if v == "" {
		return orb.Bound{}, false, nil
	}
	parts := strings.Split(v, ",")
	if len(parts) == 6 { // minLon,minLat,minZ,maxLon,maxLat,maxZ: heights do not matter here
		parts = []string{parts[0], parts[1], parts[3], parts[4]}
	}
	if len(parts) != 4 {
		return orb.Bound{}, false, badParam("bbox", "want four numbers minLon,minLat,maxLon,maxLat (or six with heights), got %q", v)
	}
	var f [4]float64
	for i, s := range parts {
		x, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return orb.Bound{}, false, badParam("bbox", "%q is not a finite number", s)
		}
		f[i] = x
	}
	b := orb.Bound{Min: orb.Point{f[0], f[1]}, Max: orb.Point{f[2], f[3]}}
	if err := checkPoint(b.Min, "bbox", "bbox"); err != nil {
		return b, false, err
	}
	if err := checkPoint(b.Max, "bbox", "bbox"); err != nil {
		return b, false, err
	}
	if b.Min[0] > b.Max[0] || b.Min[1] > b.Max[1] {
		return b, false, badParam("bbox", "minimum above maximum in %q", v)
	}
	return b, true, nil
}

// queryMinutes reads a comma list of minutes, each in (0, max].
func queryMinutes(c echo.Context, name string, def []float64, max float64) ([]float64, error) {
	v := c.QueryParam(name)
	if v == "" {
		return def, nil
	}
	return parseMinutes(name, v, max)
}

func parseMinutes(name, v string, max float64) ([]float64, error) {
	var out []float64
	for _, s := range strings.Split(v, ",") {
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			return nil, badParam(name, "%q: want minutes separated by commas", v)
		}
		out = append(out, f)
	}
	if err := geo.CheckContours(out); err != nil {
		return nil, badParam(name, "%q: %s", v, strings.TrimPrefix(err.Error(), geo.ErrBadOption.Error()+": "))
	}
	return out, nil
}

// profileIndex resolves the profile parameter (default geo.DefaultProfile).
func (s *state) profileIndex(a *geo.Access, id string) (int, error) {
	p, err := a.ResolveProfile(id)
	if err != nil {
		return 0, badParam("profile", "%s", strings.TrimPrefix(err.Error(), geo.ErrBadOption.Error()+": "))
	}
	return p, nil
}

// categoryIndex resolves a category id; -1 when none is given and none is
// required.
func (s *state) categoryIndex(id string, required bool) (int, error) {
	if id == "" {
		if required {
			return -1, badParam("category", "required")
		}
		return -1, nil
	}
	i, err := s.city.Taxonomy.Index(id)
	if err != nil {
		return -1, badParam("category", "%s", strings.TrimPrefix(err.Error(), "geo: "))
	}
	return i, nil
}
