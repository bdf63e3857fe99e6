package server

import (
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// middleware installs, outermost first: panic recovery, request logs and
// metrics, security headers, CORS for browser map clients, gzip (except
// for the routes whose cache keeps compressed bodies), each client's rate
// limit, the token check when reading is closed, the body limit, a
// per-request timeout and, for the routes that read it, the wait for the
// baseline report.
func (s *state) middleware(e *echo.Echo) {
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			s.cfg.Logger.Error("panic", "path", c.Request().URL.Path, "err", err, "stack", string(stack))
			return err
		},
	}))
	e.Use(s.observe)
	e.Use(securityHeaders)
	e.Use(headWithoutBody)
	// Reading is open to pages of every origin; saving and deleting are
	// not: DELETE and the Authorization header are not allowed across
	// origins, and sameOrigin refuses the rest on those routes.
	e.Use(middleware.CORSWithConfig(middleware.CORSConfig{
		AllowOrigins:  []string{"*"},
		AllowMethods:  []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodOptions},
		AllowHeaders:  []string{echo.HeaderContentType, echo.HeaderAccept, "If-None-Match"},
		ExposeHeaders: []string{"ETag", echo.HeaderLocation},
		MaxAge:        3600,
	}))
	e.Use(middleware.GzipWithConfig(middleware.GzipConfig{
		Skipper: func(c echo.Context) bool { return selfCompressed(c.Request().URL.Path) },
		Level:   5,
	}))
	e.Use(s.rateLimit)
	e.Use(s.closedReading)
	e.Use(s.derivedETag)
	e.Use(middleware.BodyLimit(s.cfg.BodyLimit))
	e.Use(middleware.ContextTimeoutWithConfig(middleware.ContextTimeoutConfig{Timeout: s.cfg.RequestTimeout,
		// The error handler says which deadline passed.
		ErrorHandler: func(err error, c echo.Context) error { return err }}))
	e.Use(s.waitBaseline)
}

// withoutBaseline are the routes that never read the baseline report:
// they answer as soon as the server is ready. The tile routes wait in
// their handler, for the layers that need it (communities).
var withoutBaseline = map[string]bool{
	"/healthz": true, "/readyz": true, "/metrics": true,
	"/map": true, "/map/config.json": true, "/static/*": true,
	"/tiles/:layer.json": true, "/tiles/:layer/:z/:x/:y.mvt": true,
	"/v1/isochrone": true, "/v1/nearest": true, "/v1/gaps": true, "/v1/siting": true,
	"/v1/categories": true, "/v1/profiles": true, "/v1/search": true,
}

// waitBaseline holds the requests of every other route until the baseline
// report is computed (in the background, about a second after start on a
// large city), within the request's timeout: a route not listed waits,
// so a handler may read s.report.
func (s *state) waitBaseline(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !withoutBaseline[c.Path()] {
			if err := s.awaitBaseline(c.Request().Context()); err != nil {
				return err
			}
		}
		return next(c)
	}
}

// selfCompressed tells the routes served through the response cache, which
// compresses once and keeps both bodies.
func selfCompressed(path string) bool {
	return strings.HasPrefix(path, "/collections") || strings.HasPrefix(path, "/tiles/") || path == "/v1/report"
}

// observe logs every request with log/slog and records it in the metrics
// under its route pattern (not its raw path, which would explode the
// label set).
func (s *state) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err) // write the problem now, so the status is known
		}
		status := c.Response().Status
		d := time.Since(start)
		route := c.Path()
		if route == "" {
			route = "unmatched"
		}
		s.metrics.observe(c.Request().Method, route, status, d)
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelError
		}
		s.cfg.Logger.Log(c.Request().Context(), level, "request",
			"method", c.Request().Method, "path", c.Request().URL.Path, "query", c.Request().URL.RawQuery,
			"route", route, "status", status, "bytes", c.Response().Size, "ms", float64(d.Microseconds())/1000)
		return nil
	}
}

// headWithoutBody answers HEAD with the headers GET would send and no body,
// whatever writes the response (net/http drops it on a real connection;
// this makes it so everywhere, recorders and proxies included).
func headWithoutBody(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if c.Request().Method == http.MethodHead {
			c.Response().Writer = discardBody{c.Response().Writer}
		}
		return next(c)
	}
}

type discardBody struct{ http.ResponseWriter }

func (d discardBody) Write(b []byte) (int, error) { return len(b), nil }

// derivedETag gives the analysis GETs whose answer follows from the loaded
// data and the request alone (isochrones, nearest facilities, gaps,
// siting, the taxonomy, the walkers, TileJSON) a weak ETag computed from
// the data's tag and the request, without computing the answer: a
// matching If-None-Match is a 304 at once. Weak, because the gzip
// middleware may change the bytes. Scenarios change and are left out;
// the pages, tiles and report have strong ETags from the response cache.
func (s *state) derivedETag(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if req.Method != http.MethodGet && req.Method != http.MethodHead {
			return next(c)
		}
		p := req.URL.Path
		derived := strings.HasPrefix(p, "/tiles/") && strings.HasSuffix(p, ".json")
		switch p {
		case "/v1/isochrone", "/v1/nearest", "/v1/gaps", "/v1/siting", "/v1/categories", "/v1/profiles":
			derived = true
		}
		if !derived {
			return next(c)
		}
		h := sha256.Sum256([]byte(s.etag + "|" + c.Scheme() + "://" + req.Host + p + "?" + req.URL.RawQuery +
			"|" + req.Header.Get(echo.HeaderAccept)))
		tag := `W/"` + hex.EncodeToString(h[:8]) + `"`
		hdr := c.Response().Header()
		hdr.Set("ETag", tag)
		hdr.Add(echo.HeaderVary, echo.HeaderAccept)
		if match := req.Header.Get("If-None-Match"); match != "" && etagMatch(match, strings.TrimPrefix(tag, "W/")) {
			return c.NoContent(http.StatusNotModified)
		}
		return next(c)
	}
}

// pageCSP is the Content-Security-Policy of every HTML page the server
// writes that does not set its own: nothing but its own origin's scripts
// and styles, no framing.
const pageCSP = "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; worker-src 'self' blob:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

// securityHeaders sets nosniff on every response and, on HTML pages
// whose handler set no policy, pageCSP and a referrer policy, just
// before the headers are written.
func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		res := c.Response()
		res.Before(func() {
			h := res.Header()
			h.Set("X-Content-Type-Options", "nosniff")
			if strings.HasPrefix(h.Get(echo.HeaderContentType), "text/html") {
				if h.Get("Content-Security-Policy") == "" {
					h.Set("Content-Security-Policy", pageCSP)
				}
				if h.Get("Referrer-Policy") == "" {
					h.Set("Referrer-Policy", "no-referrer")
				}
			}
		})
		return next(c)
	}
}
