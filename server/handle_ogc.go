package server

import (
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"fifteen/publish"
)

// routesOGC registers the OGC API - Features routes: Part 1 Core with
// GeoJSON and HTML encodings and an OpenAPI 3.0 definition (ogc_*.go).
func (s *state) routesOGC(e *echo.Echo) {
	o := newOGC(s)
	// Every route answers HEAD too, as the standard recommends: the same
	// handler, and net/http sends the headers without the body.
	for path, h := range map[string]echo.HandlerFunc{
		"/":                                o.landing,
		"/conformance":                     o.conformance,
		"/api":                             o.api,
		"/collections":                     o.collectionsList,
		"/collections/:collectionId":       o.collectionMeta,
		"/collections/:collectionId/items": o.items,
		"/collections/:collectionId/items/:featureId": o.item,
		"/collections/:collectionId/schema":           o.schema(false),
		"/collections/:collectionId/schema/feature":   o.schema(true),
	} {
		h := func(c echo.Context) error { o.init(); return h(c) }
		e.GET(path, h)
		e.HEAD(path, h)
	}
}

// landing is the landing page: JSON when f=json or the Accept header asks
// for JSON (GIS clients such as GDAL), the planner's map for a browser, and
// the HTML landing page with f=html.
func (o *ogc) landing(c echo.Context) error {
	c.Response().Header().Add(echo.HeaderVary, echo.HeaderAccept)
	f, err := ogcNegotiate(c, true)
	if err != nil {
		return err
	}
	if f.html && !f.explicit {
		return o.s.mapIndex(c)
	}
	doc := o.landingDoc(ogcBaseURL(c))
	return o.serveDoc(c, f, ogcMediaJSON, doc, "landing")
}

// conformance lists the conformance classes the API implements.
func (o *ogc) conformance(c echo.Context) error {
	f, err := ogcNegotiate(c, false)
	if err != nil {
		return err
	}
	return o.serveDoc(c, f, ogcMediaJSON, o.conformanceDoc(ogcBaseURL(c)), "conformance")
}

// api serves the OpenAPI 3.0 definition of every route of the server.
func (o *ogc) api(c echo.Context) error {
	if v := c.QueryParam("f"); v != "" && v != "json" {
		return badParam("f", "%q: the API definition is served as json only", v)
	}
	return o.serveStatic(c, ogcMediaOpenAPI, o.openapi)
}

// collectionsList lists the collections with their metadata.
func (o *ogc) collectionsList(c echo.Context) error {
	f, err := ogcNegotiate(c, false)
	if err != nil {
		return err
	}
	base := ogcBaseURL(c)
	return o.serve(c, f, ogcMediaJSON,
		func() ([]byte, error) { return o.collectionsJSON(base) },
		func() ([]byte, error) { return o.collectionsHTML(base) })
}

// collectionMeta describes one collection.
func (o *ogc) collectionMeta(c echo.Context) error {
	coll, err := o.lookup(c.Param("collectionId"))
	if err != nil {
		return err
	}
	f, err := ogcNegotiate(c, false)
	if err != nil {
		return err
	}
	base := ogcBaseURL(c)
	return o.serve(c, f, ogcMediaJSON,
		func() ([]byte, error) { return o.collectionJSON(base, coll) },
		func() ([]byte, error) { return o.collectionHTML(base, coll) })
}

// items serves a page of a collection's features.
func (o *ogc) items(c echo.Context) error {
	coll, err := o.lookup(c.Param("collectionId"))
	if err != nil {
		return err
	}
	f, err := ogcNegotiate(c, false)
	if err != nil {
		return err
	}
	q, err := o.parseItems(c, coll)
	if err != nil {
		return err
	}
	base, query := ogcBaseURL(c), c.QueryParams()
	render := func(enc func(*ogcPage) ([]byte, error)) func() ([]byte, error) {
		return func() ([]byte, error) {
			p, err := o.page(base, coll, q, query)
			if err != nil {
				return nil, err
			}
			return enc(p)
		}
	}
	return o.serve(c, f, ogcMediaGeoJSON, render(ogcPageJSON), render(o.itemsHTML))
}

// item serves one feature.
func (o *ogc) item(c echo.Context) error {
	coll, err := o.lookup(c.Param("collectionId"))
	if err != nil {
		return err
	}
	f, err := ogcNegotiate(c, false)
	if err != nil {
		return err
	}
	id := c.Param("featureId")
	if c.Request().URL.RawPath != "" { // an escaped "/" in a facility id
		if u, err := url.PathUnescape(id); err == nil {
			id = u
		}
	}
	p, err := o.itemParams(c, coll, id)
	if err != nil {
		return err
	}
	base, query := ogcBaseURL(c), c.QueryParams()
	render := func(enc func(*ogcFeature) ([]byte, error)) func() ([]byte, error) {
		return func() ([]byte, error) {
			f, err := o.feature(base, coll, p, id, query)
			if err != nil {
				return nil, err
			}
			return enc(f)
		}
	}
	return o.serve(c, f, ogcMediaGeoJSON, render(ogcFeatureJSON), render(o.itemHTML))
}

// schema serves the JSON Schema of a collection's features for the
// collection parameters given (communities narrowed to one walker have
// that walker's fields only): OGC API - Features Part 5's schema of
// returnables, or with feature the GeoJSON Feature schema that the
// collection and its items link as describedBy, which GDAL reads for
// field types.
func (o *ogc) schema(feature bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		coll, err := o.lookup(c.Param("collectionId"))
		if err != nil {
			return err
		}
		if v := c.QueryParam("f"); v != "" && v != "json" {
			return badParam("f", "%q: schemas are served as json only", v)
		}
		if err := ogcCheckParams(c, coll, []string{"f"}); err != nil {
			return err
		}
		p, err := o.parseParams(c, coll, 0)
		if err != nil {
			return err
		}
		base := ogcBaseURL(c)
		self := base + c.Request().URL.Path
		if q := c.Request().URL.RawQuery; q != "" {
			self += "?" + q
		}
		return o.s.serveCached(c, ogcMediaSchema, func() ([]byte, error) {
			fs, err := o.set(coll, p)
			if err != nil {
				return nil, err
			}
			if feature {
				return ogcMarshal(publish.FeatureSchema(fs.layer.Schema(), self))
			}
			return ogcMarshal(publish.ReturnablesSchema(fs.layer.Schema(), self))
		})
	}
}

// ogcBaseURL is the scheme and host the client used, for absolute links (GIS
// clients such as GDAL follow "next" links as they are).
func ogcBaseURL(c echo.Context) string {
	return c.Scheme() + "://" + c.Request().Host
}

// serveDoc serves a small document that depends only on the server (not on
// the page asked for).
func (o *ogc) serveDoc(c echo.Context, f ogcFormat, jsonType string, doc any, page string) error {
	return o.serve(c, f, jsonType,
		func() ([]byte, error) { return ogcMarshal(doc) },
		func() ([]byte, error) { return o.renderHTML(page, doc) })
}

// serve sends the JSON or the HTML body. Routes under /collections go
// through the response cache (ETag, 304, gzip); HTML negotiated from the
// Accept header is rendered afresh, since the cache key holds the query but
// not the headers. The landing and conformance pages are small and are
// compressed by the middleware.
func (o *ogc) serve(c echo.Context, f ogcFormat, jsonType string, buildJSON, buildHTML func() ([]byte, error)) error {
	c.Response().Header().Add(echo.HeaderVary, echo.HeaderAccept)
	build, ct := buildJSON, jsonType
	if f.html {
		build, ct = buildHTML, echo.MIMETextHTMLCharsetUTF8
	}
	if !selfCompressed(c.Request().URL.Path) || (f.html && !f.explicit) {
		b, err := build()
		if err != nil {
			return err
		}
		return c.Blob(http.StatusOK, ct, b)
	}
	return o.s.serveCached(c, ct, build)
}

// serveStatic sends a body fixed for the life of the server, with an ETag
// of its own; the middleware compresses it.
func (o *ogc) serveStatic(c echo.Context, ct string, body []byte) error {
	etag := `"` + o.s.etag + `-` + ogcHash(body) + `"`
	hdr := c.Response().Header()
	hdr.Set("ETag", etag)
	hdr.Set("Cache-Control", "public, max-age=300")
	if m := c.Request().Header.Get("If-None-Match"); m != "" && etagMatch(m, etag) {
		return c.NoContent(http.StatusNotModified)
	}
	return c.Blob(http.StatusOK, ct, body)
}
