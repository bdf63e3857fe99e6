package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"fifteen/data"
	"fifteen/geo"
	"fifteen/publish/postgis"
)

// Problem is an RFC 9457 problem detail. Handlers return one (or any error:
// the error handler maps it) and never write error bodies themselves.
type Problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
	// Param names the query parameter or body field that was wrong.
	Param string `json:"param,omitempty"`
	// retryAfter, when set, is sent as Retry-After (seconds).
	retryAfter int
}

func (p *Problem) Error() string { return fmt.Sprintf("%d %s: %s", p.Status, p.Title, p.Detail) }

// badParam is a 400 naming a parameter.
func badParam(param, format string, args ...any) *Problem {
	return &Problem{Type: "about:blank", Title: "Bad Request", Status: http.StatusBadRequest,
		Detail: fmt.Sprintf("%s: %s", param, fmt.Sprintf(format, args...)), Param: param}
}

// notFound is a 404 naming what was not found.
func notFound(what string, format string, args ...any) *Problem {
	return &Problem{Type: "about:blank", Title: "Not Found", Status: http.StatusNotFound,
		Detail: fmt.Sprintf(format, args...), Param: what}
}

// NoResidentsHint is the one sentence answering an analysis that counts
// residents in a city loaded without any: it names the flags that supply
// them.
const NoResidentsHint = "This city was loaded without residents, so nothing can be counted per resident: load it with --population FILE (an H3 grid CSV of residents) or --communities FILE (polygons with population), or an OSM extract whose boundaries, place nodes or residential buildings carry population."

// errorStatus is the one table from domain errors to HTTP statuses.
var errorStatus = []struct {
	err    error
	status int
	title  string
}{
	{geo.ErrBadCoordinate, http.StatusBadRequest, "Bad Request"},
	{geo.ErrBadOption, http.StatusBadRequest, "Bad Request"},
	{geo.ErrBadProfile, http.StatusBadRequest, "Bad Request"},
	{geo.ErrUnknownCategory, http.StatusBadRequest, "Bad Request"},
	{geo.ErrBadScenario, http.StatusUnprocessableEntity, "Unprocessable Content"},
	// Asked to count residents in a city loaded without any: the request
	// is fine, the city cannot answer it.
	{geo.ErrNoResidents, http.StatusConflict, "Conflict"},
	{geo.ErrTooFar, http.StatusUnprocessableEntity, "Unprocessable Content"},
	{data.ErrBadScenarioFile, http.StatusBadRequest, "Bad Request"},
	{data.ErrBadCandidates, http.StatusBadRequest, "Bad Request"},
	// The client went away: nginx's 499, not a server failure.
	{context.Canceled, 499, "Client Closed Request"},
	{context.DeadlineExceeded, http.StatusServiceUnavailable, "Service Unavailable"},
}

// errorHandler is Echo's HTTPErrorHandler: every error becomes a problem
// document; causes of 500s go to the log, never to the client.
func (s *state) errorHandler(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	p := s.problemOf(err, c)
	if p.Status >= 500 {
		s.cfg.Logger.Error("request failed", "method", c.Request().Method, "path", c.Request().URL.Path, "err", err)
	}
	if p.retryAfter > 0 {
		c.Response().Header().Set("Retry-After", strconv.Itoa(p.retryAfter))
	}
	if p.Status == http.StatusUnauthorized {
		c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="fifteen"`)
	}
	c.Response().Header().Set(echo.HeaderContentType, "application/problem+json")
	c.Response().Header().Del("ETag")
	if c.Request().Method == http.MethodHead {
		c.Response().WriteHeader(p.Status)
		return
	}
	_ = c.JSON(p.Status, p)
}

func (s *state) problemOf(err error, c echo.Context) *Problem {
	var p *Problem
	if errors.As(err, &p) {
		return p
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		detail := http.StatusText(he.Code)
		if m, ok := he.Message.(string); ok {
			detail = m
		}
		if he.Code == http.StatusNotFound {
			detail = "no route for " + c.Request().URL.Path
		}
		if he.Code == http.StatusRequestEntityTooLarge {
			detail = "request body larger than " + s.cfg.BodyLimit
		}
		return &Problem{Type: "about:blank", Title: http.StatusText(he.Code), Status: he.Code, Detail: detail}
	}
	if errors.Is(err, geo.ErrNoResidents) {
		return &Problem{Type: "about:blank", Title: "Conflict", Status: http.StatusConflict, Detail: NoResidentsHint}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		detail := fmt.Sprintf("the request ran past the server's time limit of %s; ask for less work", s.cfg.RequestTimeout)
		if b, ok := c.Request().Context().Value(budgetKey{}).(time.Duration); ok {
			detail = fmt.Sprintf("the request ran past its work budget of %s; ask for less work (fewer origins, shorter contours, fewer changes)", b)
		}
		return &Problem{Type: "about:blank", Title: "Service Unavailable", Status: http.StatusServiceUnavailable, Detail: detail}
	}
	if postgis.Unavailable(err) {
		return &Problem{Type: "about:blank", Title: "Service Unavailable", Status: http.StatusServiceUnavailable,
			Detail: "the results database is not answering; try again shortly", retryAfter: 5}
	}
	for _, m := range errorStatus {
		if errors.Is(err, m.err) {
			return &Problem{Type: "about:blank", Title: m.title, Status: m.status, Detail: cleanDetail(err.Error())}
		}
	}
	return &Problem{Type: "about:blank", Title: "Internal Server Error", Status: http.StatusInternalServerError,
		Detail: "the server could not answer this request; the cause is logged"}
}

// cleanDetail turns an error's text into a sentence for a client: the
// package prefixes of sentinel errors ("geo: ", "data: ") go, and so do
// the sentinels that only classify ("invalid scenario file").
func cleanDetail(msg string) string {
	for _, pre := range []string{"geo: ", "data: ", "server: ", "store: ", "json: "} {
		msg = strings.ReplaceAll(msg, pre, "")
	}
	for _, sentinel := range []string{"invalid scenario file: ", "invalid candidates file: ", "invalid scenario: "} {
		msg = strings.Replace(msg, sentinel, "", 1)
	}
	return msg
}
