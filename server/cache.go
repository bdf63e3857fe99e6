package server

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"
)

// respCache keeps rendered responses derived from the loaded data (pages of
// features, tiles, the report), raw and gzipped, keyed by method and URL.
// The data never changes while the server runs, so entries never go stale;
// the cache is bounded by bytes and drops the oldest entries first.
type respCache struct {
	mu       sync.Mutex
	entries  map[string]*cached
	order    []string
	bytes    int
	maxBytes int
}

type cached struct {
	body, gz    []byte
	contentType string
	etag        string
}

func newRespCache(maxBytes int) *respCache {
	return &respCache{entries: map[string]*cached{}, maxBytes: maxBytes}
}

func (rc *respCache) get(key string) *cached {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.entries[key]
}

func (rc *respCache) put(key string, e *cached) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if _, ok := rc.entries[key]; ok {
		return
	}
	size := len(e.body) + len(e.gz) + len(key)
	if size > rc.maxBytes/4 {
		return // too big to be worth keeping
	}
	for rc.bytes+size > rc.maxBytes && len(rc.order) > 0 {
		old := rc.order[0]
		rc.order = rc.order[1:]
		if o := rc.entries[old]; o != nil {
			rc.bytes -= len(o.body) + len(o.gz) + len(old)
			delete(rc.entries, old)
		}
	}
	rc.entries[key] = e
	rc.order = append(rc.order, key)
	rc.bytes += size
}

// serveCached answers from the response cache, building the body on a miss.
// It sets a strong ETag derived from the body's bytes, answers 304 to a
// matching If-None-Match, and sends the gzipped body to clients that accept
// it.
func (s *state) serveCached(c echo.Context, contentType string, build func() ([]byte, error)) error {
	req := c.Request()
	// Pages carry absolute links: the host and scheme are part of the key.
	// HEAD is GET without the body: one entry, one ETag.
	method := req.Method
	if method == http.MethodHead {
		method = http.MethodGet
	}
	key := method + " " + c.Scheme() + "://" + req.Host + req.URL.Path + "?" + req.URL.RawQuery
	e := s.cache.get(key)
	if e == nil {
		body, err := build()
		if err != nil {
			return err
		}
		// The ETag follows from the bytes: a changed answer always has a
		// new one, and the same answer has the same one in every process.
		h := sha256.Sum256(body)
		e = &cached{body: body, contentType: contentType, etag: `"` + hex.EncodeToString(h[:12]) + `"`}
		if len(body) > 512 {
			var buf bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
			zw.Write(body)
			zw.Close()
			e.gz = buf.Bytes()
		}
		s.cache.put(key, e)
	}
	hdr := c.Response().Header()
	body, etag := e.body, e.etag
	gz := e.gz != nil && acceptsGzip(req.Header.Get(echo.HeaderAcceptEncoding))
	if gz {
		// Another coding is another representation: its own strong ETag.
		body, etag = e.gz, strings.TrimSuffix(e.etag, `"`)+`-gz"`
		hdr.Set(echo.HeaderContentEncoding, "gzip")
	}
	hdr.Set("ETag", etag)
	hdr.Add(echo.HeaderVary, echo.HeaderAcceptEncoding)
	hdr.Set("Cache-Control", "public, max-age=300")
	if match := req.Header.Get("If-None-Match"); match != "" && etagMatch(match, etag) {
		hdr.Del(echo.HeaderContentEncoding)
		return c.NoContent(http.StatusNotModified)
	}
	hdr.Set(echo.HeaderContentLength, strconv.Itoa(len(body)))
	return c.Blob(http.StatusOK, e.contentType, body)
}

// acceptsGzip reads an Accept-Encoding header: gzip (or *) with a quality
// above zero.
func acceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		name = strings.ToLower(strings.TrimSpace(name))
		if name != "gzip" && name != "x-gzip" && name != "*" {
			continue
		}
		q := 1.0
		for _, p := range strings.Split(params, ";") {
			if k, v, ok := strings.Cut(strings.TrimSpace(p), "="); ok && strings.TrimSpace(k) == "q" {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					q = f
				}
			}
		}
		return q > 0
	}
	return false
}

// etagMatch reports whether an If-None-Match header names etag (or *).
func etagMatch(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		t = strings.TrimPrefix(t, "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}
