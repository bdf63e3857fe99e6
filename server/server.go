// Package server serves a loaded city over HTTP with Echo: GeoJSON for map
// clients, OGC API - Features for GIS desktops, Mapbox Vector Tiles for web
// maps, and the analysis endpoints (isochrones, nearest facilities, the
// coverage report, gaps, siting and what-if scenarios). Handlers translate
// HTTP to calls into package geo and results back to responses; one error
// handler turns every error into an RFC 9457 problem.
package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"

	"fifteen/data"
	"fifteen/geo"
	"fifteen/store"
)

// Config tunes the server. The zero value is usable: every field has a
// default.
type Config struct {
	// BodyLimit bounds request bodies, e.g. "2M" (default).
	BodyLimit string
	// RequestTimeout bounds each request's handling (default 30 s).
	RequestTimeout time.Duration
	// MaxScenarios is how many computed scenario documents are cached in
	// memory (default 100); the oldest goes first. The scenarios
	// themselves are in Store and never evicted.
	MaxScenarios int
	// Store keeps the saved scenarios (default: in memory, lost when the
	// process ends; cmd/fifteen opens a SQLite file or PostgreSQL).
	Store store.Store
	// Tokens are the bearer tokens that may save and delete scenarios;
	// none means nothing can be saved.
	Tokens *Tokens
	// ReadNeedsToken closes reading too: every request but the health
	// checks needs a token.
	ReadNeedsToken bool
	// Limits bound the work of heavy requests and each client's rate.
	Limits Limits
	// ItemsLimit and ItemsMaxLimit are the default and maximum page
	// sizes of OGC API items (default 100 and 10,000).
	ItemsLimit, ItemsMaxLimit int
	// BasemapStyleURL is an optional external basemap style for the map
	// page; empty means the map draws only fifteen's own tiles.
	BasemapStyleURL string
	// Version is reported by the landing page and /healthz.
	Version string
	// Logger receives request logs and the causes of 500 errors (default
	// slog.Default()).
	Logger *slog.Logger
	// Prepared, when set, is called (from another goroutine) once the
	// work New starts in the background is done: the baseline report, the
	// tiles' preparation and the isochrones' cell shapes (cmd/fifteen
	// then sets the memory limit).
	Prepared func()
}

func (c *Config) fill() {
	if c.BodyLimit == "" {
		c.BodyLimit = "2M"
	}
	if c.RequestTimeout <= 0 {
		c.RequestTimeout = 30 * time.Second
	}
	if c.MaxScenarios <= 0 {
		c.MaxScenarios = 100
	}
	if c.ItemsLimit <= 0 {
		c.ItemsLimit = 100
	}
	if c.ItemsMaxLimit <= 0 {
		c.ItemsMaxLimit = 10_000
	}
	if c.Version == "" {
		c.Version = "dev"
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Store == nil {
		c.Store = store.NewMemory()
	}
	c.Limits.fill(runtime.GOMAXPROCS(0))
}

// Deps are what the server serves: a loaded city and its baseline access.
type Deps struct {
	City   *geo.City
	Access *geo.Access
	// Load tells how the city was loaded (for /metrics and /readyz).
	Load *data.LoadStats
}

// state is what the handlers share. Everything derived from the loaded
// data is immutable; scenarios have their own lock.
type state struct {
	cfg  Config
	city *geo.City
	base *geo.Access
	load *data.LoadStats
	// report is the baseline report, computed in the background right
	// after New returns: it may be read only after baselineDone is closed
	// (awaitBaseline and the waitBaseline middleware see to it).
	report       *geo.CoverageReport
	reportErr    error
	baselineDone chan struct{}
	// etag identifies the loaded data: responses derived from it carry
	// it (with a per-URL suffix) as their ETag.
	etag string

	// searchers over city.Graph, kept (unlike a sync.Pool, which a GC
	// empties) because each holds the H3 cell shapes isochrones reuse.
	searchers chan *geo.Searcher
	// shapes are the city's H3 cell shapes for isochrones, built in the
	// background at start; nil until ready.
	shapes atomic.Pointer[geo.CellShapes]
	// tiles are the vector tiles' indexes, prepared in the background at
	// start.
	tiles     *tileData
	scenarios *scenarioStore // computed documents of saved scenarios
	db        store.Store    // the saved scenarios
	// cityTag fingerprints the city data, saved with each scenario.
	cityTag string
	limits  *limiter
	metrics *metrics
	cache   *respCache
}

// New builds the Echo instance serving d, with every route, middleware and
// the error handler.
func New(cfg Config, d Deps) (*echo.Echo, error) {
	e, _, err := newServer(cfg, d)
	return e, err
}

// newServer is New, also returning the handlers' shared state (for tests).
func newServer(cfg Config, d Deps) (*echo.Echo, *state, error) {
	cfg.fill()
	if d.City == nil || d.Access == nil {
		return nil, nil, fmt.Errorf("server: a city and its access are required")
	}
	fingerprint := d.Access.Fingerprint()
	s := &state{
		cfg: cfg, city: d.City, base: d.Access, load: d.Load, baselineDone: make(chan struct{}),
		etag:      dataTag(fingerprint, cfg.Version),
		scenarios: newScenarioStore(cfg.MaxScenarios),
		db:        cfg.Store,
		cityTag:   fingerprint,
		limits:    newLimiter(cfg.Limits),
		metrics:   newMetrics(d),
		cache:     newRespCache(256 << 20),
	}
	s.searchers = make(chan *geo.Searcher, max(4, 2*runtime.GOMAXPROCS(0)))
	s.tiles = newTileData(d.City, d.Access, s.baseReport)
	tilesDone, shapesDone := make(chan struct{}), make(chan struct{})
	go s.computeBaseline()
	go func() {
		defer close(tilesDone)
		s.tiles.prepare()
	}()
	// The shapes take 20 MB on the default city, 670 MB on 32 copies of it.
	go func() {
		defer close(shapesDone)
		s.shapes.Store(geo.NewCellShapes(d.City.Graph, geo.IsochroneRes))
	}()
	if cfg.Prepared != nil {
		go func() {
			<-s.baselineDone
			<-tilesDone
			<-shapesDone
			cfg.Prepared()
		}()
	}
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = s.errorHandler
	s.middleware(e)
	s.routes(e)
	return e, s, nil
}

// computeBaseline computes the baseline report (about a second on a city
// of 300,000 edges, most of it the life circles' distance searches), then
// closes baselineDone. A city without residents has an empty report: the
// analyses that count residents answer 409 (see NoResidentsHint).
func (s *state) computeBaseline() {
	defer close(s.baselineDone)
	a := s.base
	if !a.HasResidents() {
		s.report = &geo.CoverageReport{City: s.city.Name, Attribution: s.city.Attribution,
			CutoffMin: a.Options.CutoffMin, K: a.Options.K, Communities: []geo.CommunityCoverage{}}
		return
	}
	start := time.Now()
	rep, err := a.Report()
	if err != nil {
		s.reportErr = fmt.Errorf("server: baseline report: %w", err)
		s.cfg.Logger.Error("baseline report", "err", err)
		return
	}
	s.report = rep
	s.cfg.Logger.Info("baseline report ready", "sec", time.Since(start).Seconds())
}

// awaitBaseline waits until the baseline report is computed or ctx ends.
func (s *state) awaitBaseline(ctx context.Context) error {
	select {
	case <-s.baselineDone:
		return s.reportErr
	default:
	}
	select {
	case <-s.baselineDone:
		return s.reportErr
	case <-ctx.Done():
		return ctx.Err()
	}
}

// baseReport returns the baseline report, waiting for it within ctx.
func (s *state) baseReport(ctx context.Context) (*geo.CoverageReport, error) {
	if err := s.awaitBaseline(ctx); err != nil {
		return nil, err
	}
	return s.report, nil
}

// baselineReady reports whether the baseline report is computed.
func (s *state) baselineReady() bool {
	select {
	case <-s.baselineDone:
		return true
	default:
		return false
	}
}

// dataTag fingerprints the loaded data (geo.Access.Fingerprint: the network,
// facilities, communities, population, taxonomy, walkers and options) and
// the program version: the weak ETags of answers computed on request
// derive from it, so they change whenever an answer could.
func dataTag(fingerprint, version string) string {
	h := sha256.Sum256([]byte(version + "|" + fingerprint))
	return hex.EncodeToString(h[:8])
}

// searcher takes a searcher from the pool, or makes one.
func (s *state) searcher() *geo.Searcher {
	var se *geo.Searcher
	select {
	case se = <-s.searchers:
	default:
		se = geo.NewSearcher(s.city.Graph)
	}
	if cs := s.shapes.Load(); cs != nil && !se.HasCellShapes() {
		se.UseCellShapes(cs)
	}
	return se
}

// release returns a searcher to the pool; beyond its size it is dropped.
func (s *state) release(se *geo.Searcher) {
	select {
	case s.searchers <- se:
	default:
	}
}
