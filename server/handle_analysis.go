package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb"

	"fifteen/data"
	"fifteen/geo"
	"fifteen/publish"
)

// maxBatchOrigins bounds the origins of POST /v1/isochrone.
const maxBatchOrigins = 100

// routesAnalysis registers the analysis routes.
func (s *state) routesAnalysis(e *echo.Echo) {
	e.GET("/v1/isochrone", s.getIsochrone)
	e.POST("/v1/isochrone", s.postIsochrones, s.heavy)
	e.GET("/v1/nearest", s.getNearest)
	e.GET("/v1/report", s.getReport)
	e.GET("/v1/gaps", s.getGaps)
	e.GET("/v1/siting", s.getSiting, s.heavy)
	e.POST("/v1/siting", s.postSiting, s.heavy)
	e.GET("/v1/categories", s.getCategories)
	e.GET("/v1/profiles", s.getProfiles)
}

// isochrone renders the isochrone around origin for profile p as GeoJSON,
// with a pooled searcher (it keeps the H3 cell shapes it has met). A
// searcher that panicked is not given back.
func (s *state) isochrone(origin orb.Point, p int, opt geo.IsochroneOptions) ([]byte, error) {
	se := s.searcher()
	res, err := geo.Isochrone(s.city, s.base.Costs[p], se, origin, opt)
	s.release(se)
	if err != nil {
		return nil, err
	}
	return publish.Isochrone(s.city.Attribution, s.base.Profiles[p].ID, res)
}

// getIsochrone answers GET /v1/isochrone?lon&lat&minutes&profile&reverse.
func (s *state) getIsochrone(c echo.Context) error {
	origin, err := queryPoint(c)
	if err != nil {
		return err
	}
	minutes, err := queryMinutes(c, "minutes", nil, geo.MaxIsochroneMin)
	if err != nil {
		return err
	}
	p, err := s.profileParam(c)
	if err != nil {
		return err
	}
	reverse, err := queryFlag(c, "reverse")
	if err != nil {
		return err
	}
	body, err := s.isochrone(origin, p, geo.IsochroneOptions{Minutes: minutes, Reverse: reverse})
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, anMediaGeoJSON, body)
}

// isoBatchRequest is the body of POST /v1/isochrone.
type isoBatchRequest struct {
	Origins []struct {
		ID  string   `json:"id"`
		Lon *float64 `json:"lon"`
		Lat *float64 `json:"lat"`
	} `json:"origins"`
	Minutes []float64 `json:"minutes"`
	Profile string    `json:"profile"`
	Reverse bool      `json:"reverse"`
}

// isoBatchResult is one origin's answer: its features, or the problem
// that it alone met.
type isoBatchResult struct {
	ID       string          `json:"id"`
	OK       bool            `json:"ok"`
	Features json.RawMessage `json:"features,omitempty"`
	Error    *Problem        `json:"error,omitempty"`
}

// postIsochrones answers POST /v1/isochrone: up to maxBatchOrigins
// isochrones with common options, computed in parallel. A malformed
// request fails as a whole; an origin the network does not reach fails
// alone.
func (s *state) postIsochrones(c echo.Context) error {
	var req isoBatchRequest
	if err := decodeJSONBody(c, &req); err != nil {
		return err
	}
	switch n := len(req.Origins); {
	case n == 0:
		return badParam("origins", "at least one origin is required")
	case n > maxBatchOrigins:
		return badParam("origins", "%d origins, at most %d", n, maxBatchOrigins)
	}
	var minutes []float64
	if len(req.Minutes) > 0 {
		strs := make([]string, len(req.Minutes))
		for i, m := range req.Minutes {
			strs[i] = fmt.Sprint(m)
		}
		var err error
		if minutes, err = parseMinutes("minutes", strings.Join(strs, ","), geo.MaxIsochroneMin); err != nil {
			return err
		}
	}
	p, err := s.profileIndex(s.base, req.Profile)
	if err != nil {
		return err
	}
	longest := 15.0
	if len(minutes) > 0 {
		longest = slices.Max(minutes)
	}
	if w := isoWork(len(req.Origins), longest); w > s.limits.cfg.BatchWork {
		return &Problem{Type: "about:blank", Title: "Unprocessable Content", Status: http.StatusUnprocessableEntity, Param: "origins",
			Detail: fmt.Sprintf("%d origins with contours up to %g minutes are about %.0f units of work, more than this server's budget of %.0f a request (one unit is a 15-minute isochrone, and work grows with the square of the minutes): send fewer origins or shorter contours",
				len(req.Origins), longest, w, s.limits.cfg.BatchWork)}
	}
	points := make([]orb.Point, len(req.Origins))
	results := make([]isoBatchResult, len(req.Origins))
	for i, o := range req.Origins {
		lonName, latName := fmt.Sprintf("origins[%d].lon", i), fmt.Sprintf("origins[%d].lat", i)
		switch {
		case o.Lon == nil:
			return badParam(lonName, "required")
		case o.Lat == nil:
			return badParam(latName, "required")
		}
		points[i] = orb.Point{*o.Lon, *o.Lat}
		if err := checkPoint(points[i], lonName, latName); err != nil {
			return err
		}
		results[i].ID = o.ID
		if o.ID == "" {
			results[i].ID = fmt.Sprint(i)
		}
	}
	opt := geo.IsochroneOptions{Minutes: minutes, Reverse: req.Reverse}
	ctx := c.Request().Context()
	err = parallel(ctx, len(points), func(i int) {
		defer func() {
			if r := recover(); r != nil {
				s.cfg.Logger.Error("isochrone batch origin panicked", "origin", results[i].ID, "panic", r)
				results[i].OK, results[i].Features = false, nil
				results[i].Error = &Problem{Type: "about:blank", Title: "Internal Server Error", Status: http.StatusInternalServerError,
					Detail: "the server could not compute this origin; the cause is logged", Param: fmt.Sprintf("origins[%d]", i)}
			}
		}()
		body, err := s.isochrone(points[i], p, opt)
		if err != nil {
			pr := *s.problemOf(err, c)
			if pr.Param == "" {
				pr.Param = fmt.Sprintf("origins[%d]", i)
			}
			results[i].Error = &pr
			if pr.Status >= 500 {
				s.cfg.Logger.Error("isochrone batch origin failed", "origin", results[i].ID, "err", err)
			}
			return
		}
		results[i].OK, results[i].Features = true, body
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"results": results})
}

// parallel calls fn(0..n-1) on up to heavyWorkers goroutines and
// returns ctx's error if it ends before every call has started.
func parallel(ctx context.Context, n int, fn func(i int)) error {
	workers := max(1, min(heavyWorkers(), n))
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range next {
				fn(i) // fn recovers its own panics: a goroutine's would end the process
			}
		})
	}
	var err error
feed:
	for i := range n {
		select {
		case next <- i:
		case <-ctx.Done():
			err = ctx.Err()
			break feed
		}
	}
	close(next)
	wg.Wait()
	return err
}

// getNearest answers GET /v1/nearest?lon&lat&category&k&profile: the k
// facilities of the category nearest by walking time, with their routes.
func (s *state) getNearest(c echo.Context) error {
	origin, err := queryPoint(c)
	if err != nil {
		return err
	}
	cat, err := s.categoryIndex(c.QueryParam("category"), true)
	if err != nil {
		return err
	}
	k, err := queryInt(c, "k", 1, 1, geo.MaxNearest)
	if err != nil {
		return err
	}
	p, err := s.profileParam(c)
	if err != nil {
		return err
	}
	catID := s.city.Taxonomy.Categories[cat].ID
	se := s.searcher()
	res, err := s.base.NearestRoutes(se, p, catID, origin, k)
	s.release(se)
	if err != nil {
		return err
	}
	l := publish.RouteLayer{City: s.city, R: res}
	return anLayer(c, l.Members(s.base.Profiles[p].ID, catID, s.base.Options.CutoffMin), l)
}

// anLayer writes published layers as one GeoJSON FeatureCollection.
func anLayer(c echo.Context, members []publish.Member, layers ...publish.Layer) error {
	body, err := publish.GeoJSON(members, layers...)
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, anMediaGeoJSON, body)
}

// getReport answers GET /v1/report?f=json|csv&profile&category from the
// baseline report, through the response cache. CSV is chosen by f=csv or,
// without f, by an Accept header asking for text/csv.
func (s *state) getReport(c echo.Context) error {
	if !s.base.HasResidents() {
		return geo.ErrNoResidents
	}
	format, err := queryOneOf(c, "f", "json", "csv")
	if err != nil {
		return err
	}
	if c.QueryParam("f") == "" {
		c.Response().Header().Add(echo.HeaderVary, echo.HeaderAccept) // the format may follow Accept
		if strings.Contains(c.Request().Header.Get(echo.HeaderAccept), "text/csv") {
			format = "csv"
		}
	}
	profile := c.QueryParam("profile")
	if profile != "" {
		if _, err := s.profileParam(c); err != nil {
			return err
		}
	}
	category := c.QueryParam("category")
	if _, err := s.categoryIndex(category, false); err != nil {
		return err
	}
	c.Request().URL.RawQuery = reportQuery(format, profile, category)
	ct := echo.MIMEApplicationJSON
	if format == "csv" {
		ct = anMediaCSV
	}
	return s.serveCached(c, ct, func() ([]byte, error) { return s.renderReport(format, profile, category) })
}

// getGaps answers GET /v1/gaps?category|tier&profile&min_population&community.
func (s *state) getGaps(c echo.Context) error {
	var opt geo.GapOptions
	var err error
	if _, err = s.categoryIndex(c.QueryParam("category"), false); err != nil {
		return err
	}
	opt.Category = c.QueryParam("category")
	if opt.Tier, err = queryInt(c, "tier", 0, 0, math.MaxInt32); err != nil {
		return err
	}
	switch {
	case opt.Tier != 0 && geo.ValidTier(opt.Tier) != nil:
		return badParam("tier", "%d is not 5, 10 or 15", opt.Tier)
	case opt.Tier != 0 && opt.Category != "":
		return badParam("tier", "give category or tier, not both")
	case opt.Tier == 0 && opt.Category == "":
		return badParam("category", "required (or tier)")
	}
	p, err := s.profileParam(c)
	if err != nil {
		return err
	}
	opt.Profile = s.base.Profiles[p].ID
	if opt.MinPopulation, err = queryNonNeg(c, "min_population"); err != nil {
		return err
	}
	if opt.Community, err = s.communityParam(c); err != nil {
		return err
	}
	l, err := publish.Clusters(s.base, opt)
	if err != nil {
		return err
	}
	return anLayer(c, l.Members(s.base), l)
}

// sitingOptions reads the query parameters of /v1/siting, GET or POST, and
// the output format (geojson by default, or json).
func (s *state) sitingOptions(c echo.Context) (geo.SitingOptions, string, error) {
	var opt geo.SitingOptions
	cat, err := s.categoryIndex(c.QueryParam("category"), true)
	if err != nil {
		return opt, "", err
	}
	opt.Category = s.city.Taxonomy.Categories[cat].ID
	if opt.K, err = queryInt(c, "k", 1, 1, geo.MaxSites); err != nil {
		return opt, "", err
	}
	p, err := s.profileParam(c)
	if err != nil {
		return opt, "", err
	}
	opt.Profile = s.base.Profiles[p].ID
	if opt.Capacity, err = queryNonNeg(c, "capacity"); err != nil {
		return opt, "", err
	}
	if opt.Capacity > geo.MaxCapacity {
		return opt, "", badParam("capacity", "%g is more than %g, the bound on one facility", opt.Capacity, float64(geo.MaxCapacity))
	}
	format, err := queryOneOf(c, "f", "geojson", "json")
	return opt, format, err
}

// getSiting answers GET /v1/siting?category&k&profile&capacity&f: sites
// chosen among the network vertices of the underserved areas.
func (s *state) getSiting(c echo.Context) error {
	opt, format, err := s.sitingOptions(c)
	if err != nil {
		return err
	}
	return s.siting(c, opt, format)
}

// postSiting answers POST /v1/siting: the same, among the candidate points
// of the GeoJSON body.
func (s *state) postSiting(c echo.Context) error {
	opt, format, err := s.sitingOptions(c)
	if err != nil {
		return err
	}
	opt.Candidates, err = data.LoadCandidates(c.Request().Body, "the candidates")
	if err != nil {
		if errors.Is(err, data.ErrBadCandidates) {
			return badParam("body", "%s", cleanDetail(err.Error()))
		}
		return bodyProblem(err)
	}
	return s.siting(c, opt, format)
}

func (s *state) siting(c echo.Context, opt geo.SitingOptions, format string) error {
	opt.Workers = heavyWorkers()
	res, err := s.base.SitingContext(c.Request().Context(), opt)
	if err != nil {
		return err
	}
	if format == "json" {
		if res.Sites == nil {
			res.Sites = []geo.Site{}
		}
		return c.JSON(http.StatusOK, res)
	}
	l := publish.SiteLayer{R: res}
	return anLayer(c, l.Members(s.city.Attribution), l)
}

// categoryInfo is one category of GET /v1/categories.
type categoryInfo struct {
	ID           string  `json:"id"`
	Name         string  `json:"name"`
	NameZH       string  `json:"name_zh"`
	Tier         int     `json:"tier"`
	ThresholdMin float64 `json:"threshold_min"`
	Essential    bool    `json:"essential"`
	Kind         string  `json:"kind"`
	Demand       string  `json:"demand,omitempty"`
	LifeCircle   bool    `json:"life_circle"`
	Facilities   int     `json:"facilities"`
	// AgeBand, PlacesPer1000 and NormSource are the category's users and
	// its norm (null when it has none), with the norm's source.
	AgeBand       string   `json:"age_band"`
	PlacesPer1000 *float64 `json:"places_per_1000"`
	NormSource    string   `json:"norm_source,omitempty"`
	MinAreaM2     float64  `json:"min_area_m2,omitempty"`
}

// getCategories answers GET /v1/categories: the taxonomy with the number
// of facilities of each category.
func (s *state) getCategories(c echo.Context) error {
	t := s.city.Taxonomy
	cats := make([]categoryInfo, len(t.Categories))
	for i, cat := range t.Categories {
		cats[i] = categoryInfo{ID: cat.ID, Name: cat.Name, NameZH: cat.NameZH, Tier: cat.Tier,
			ThresholdMin: cat.ThresholdMin, Essential: cat.Essential, Kind: cat.Kind, Demand: cat.Demand,
			LifeCircle: cat.LifeCircle, Facilities: s.base.Facilities(i),
			AgeBand: cat.AgeBand(), NormSource: cat.NormSource, MinAreaM2: cat.MinAreaM2}
		if cat.PlacesPer1000 != nil {
			n := cat.PlacesPer1000.Per1000
			cats[i].PlacesPer1000 = &n
		}
	}
	return c.JSON(http.StatusOK, map[string]any{"version": t.Version, "source": t.Source, "categories": cats})
}

// getProfiles answers GET /v1/profiles: the walkers and the search cutoff.
func (s *state) getProfiles(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]any{"cutoff_min": s.base.Options.CutoffMin, "profiles": s.base.Profiles})
}
