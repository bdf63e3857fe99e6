package server

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"

	"fifteen/geo"
)

// The planner's map: one HTML page (web/index.html) with its script and
// stylesheet, and MapLibre GL JS vendored under web/vendor/ (refreshed by
// scripts/vendor-maplibre.sh). Everything is embedded, so the page works
// with no network access: its base layers are fifteen's own vector tiles,
// and an external basemap is drawn only when Config.BasemapStyleURL names
// one.
//
//	/map               the page (short cache: it names the assets by hash)
//	/map/config.json   what the page needs from the configuration
//	/static/{file}     the embedded assets; ?v={hash} makes them immutable

//go:embed web
var webFS embed.FS

// mapAssetCache is the Cache-Control of an asset requested with its
// current hash: the URL changes whenever the content does.
const mapAssetCache = "public, max-age=31536000, immutable"

// mapAsset is one embedded file with its media type and content hash.
type mapAsset struct {
	body []byte
	ct   string
	hash string // first 16 hex digits of its SHA-256
}

// mapSite is the parsed page and the assets. It is derived from the
// embedded files only, built once and never changed.
type mapSite struct {
	page   *template.Template
	assets map[string]*mapAsset // by path under web/, e.g. "app.js"
}

// loadMapSite reads the embedded files; it fails only if the embedded
// tree is broken, which the tests catch.
var loadMapSite = sync.OnceValues(func() (*mapSite, error) {
	site := &mapSite{assets: map[string]*mapAsset{}}
	err := fs.WalkDir(webFS, "web", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := webFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		site.assets[strings.TrimPrefix(p, "web/")] = &mapAsset{body: b, ct: mapContentType(p), hash: hex.EncodeToString(sum[:])[:16]}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("server: map assets: %w", err)
	}
	site.page, err = template.New("index.html").Funcs(template.FuncMap{
		"asset": func(name string) (string, error) {
			a := site.assets[name]
			if a == nil {
				return "", fmt.Errorf("no asset %q", name)
			}
			return "/static/" + name + "?v=" + a.hash, nil
		},
	}).ParseFS(webFS, "web/index.html")
	if err != nil {
		return nil, fmt.Errorf("server: map page: %w", err)
	}
	return site, nil
})

// mapContentType is the media type of an embedded file, by extension.
func mapContentType(p string) string {
	switch path.Ext(p) {
	case ".html":
		return echo.MIMETextHTMLCharsetUTF8
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".json":
		return echo.MIMEApplicationJSON
	case ".svg":
		return "image/svg+xml"
	case ".png":
		return "image/png"
	}
	return echo.MIMETextPlainCharsetUTF8 // LICENSE.txt, VERSION
}

// routesMap registers the map page, its configuration and its static
// assets.
func (s *state) routesMap(e *echo.Echo) {
	get := []string{http.MethodGet, http.MethodHead}
	e.Match(get, "/map", s.mapIndex)
	e.Match(get, "/map/", func(c echo.Context) error { return c.Redirect(http.StatusMovedPermanently, "/map") })
	e.GET("/map/config.json", s.mapConfig)
	e.Match(get, "/static/*", s.mapStatic)
}

// mapPageData is what index.html is rendered with.
type mapPageData struct {
	City        string
	Version     string
	Attribution string
}

// mapIndex serves the map page. Browsers asking for "/" may be sent here
// too: it depends on nothing in the request.
func (s *state) mapIndex(c echo.Context) error {
	site, err := loadMapSite()
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := site.page.Execute(&buf, mapPageData{City: s.city.Name, Version: s.cfg.Version, Attribution: s.city.Attribution}); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "no-cache")
	h.Set("Content-Security-Policy", s.mapCSP())
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	return c.HTMLBlob(http.StatusOK, buf.Bytes())
}

// mapCSP is the page's Content Security Policy: everything from this
// server (MapLibre runs its worker from a blob: URL), and, only when an
// external basemap is configured, its style, tiles, glyphs and sprites
// from any HTTPS host (a style may name several).
func (s *state) mapCSP() string {
	remote := ""
	if s.cfg.BasemapStyleURL != "" {
		remote = " https:"
		if u, err := url.Parse(s.cfg.BasemapStyleURL); err == nil && u.Scheme == "http" && u.Host != "" {
			remote += " http://" + u.Host
		}
	}
	return "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
		"img-src 'self' data: blob:" + remote + "; connect-src 'self'" + remote + "; " +
		"worker-src 'self' blob:; child-src blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'self'"
}

// mapConfigDoc is the body of /map/config.json.
type mapConfigDoc struct {
	City            string `json:"city"`
	Version         string `json:"version"`
	Attribution     string `json:"attribution"`
	BasemapStyleURL string `json:"basemap_style_url"`
	// PopulationSource is geo.Population.Source: where residents came from.
	PopulationSource string `json:"population_source"`
	// PopulationEstimate is true when residents were estimated from OSM
	// (population=* counts spread by floor area, or floor area × persons
	// per m²) rather than given by the planner's communities or a grid.
	PopulationEstimate bool `json:"population_estimate"`
}

// mapConfig serves what the page needs from the server configuration.
func (s *state) mapConfig(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "no-cache")
	src := s.city.Population.Source
	return c.JSON(http.StatusOK, mapConfigDoc{City: s.city.Name, Version: s.cfg.Version,
		Attribution: s.city.Attribution, BasemapStyleURL: s.cfg.BasemapStyleURL, PopulationSource: src,
		PopulationEstimate: strings.Contains(src, geo.MethodFloorEstimate) || strings.Contains(src, geo.MethodOSMPopulation)})
}

// mapStatic serves an embedded asset. Asked for with its current hash
// (?v=, as the page names it) it may be cached for a year; otherwise for
// five minutes. Its hash is its ETag either way.
func (s *state) mapStatic(c echo.Context) error {
	site, err := loadMapSite()
	if err != nil {
		return err
	}
	name := c.Param("*")
	if u, err := url.PathUnescape(name); err == nil {
		name = u
	}
	a := site.assets[name]
	if a == nil || name == "index.html" || !fs.ValidPath(name) {
		return notFound("path", "no static file %q", name)
	}
	h := c.Response().Header()
	etag := `"` + a.hash + `"`
	h.Set("ETag", etag)
	h.Set("X-Content-Type-Options", "nosniff")
	if c.QueryParam("v") == a.hash {
		h.Set("Cache-Control", mapAssetCache)
	} else {
		h.Set("Cache-Control", "public, max-age=300")
	}
	if etagMatch(c.Request().Header.Get("If-None-Match"), etag) {
		return c.NoContent(http.StatusNotModified)
	}
	return c.Blob(http.StatusOK, a.ct, a.body)
}
