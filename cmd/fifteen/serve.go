package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"sync/atomic"
	"time"

	"fifteen/data"
	"fifteen/geo"
	"fifteen/server"
)

// serve loads the city, computes the baseline access and serves it until
// the context ends (SIGINT or SIGTERM), then finishes in-flight requests.
// The baseline report and the tile indexes are computed in the
// background once it serves (see server.New).
func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", stderr)
	addr := fs.String("addr", envOr("FIFTEEN_ADDR", "127.0.0.1:8080"), "listen address; loopback by default, :8080 for every interface [FIFTEEN_ADDR]")
	basemap := fs.String("basemap", os.Getenv("FIFTEEN_BASEMAP"), "external basemap style URL for the map page [FIFTEEN_BASEMAP]")
	opt := accessFlags(fs)
	acc := serveAccessFlags(fs)
	config := inputFlags(fs)
	pgf := addServePGFlags(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if pgf.from != "" {
		return serveFromPostGIS(ctx, fs, pgf, *addr, stdout, stderr)
	}
	cfg, err := config()
	if err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(stderr, nil))
	// Most of the heap is the loaded city, which never changes: collecting
	// less often trades some memory for steadier latency. GOGC overrides.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	start := time.Now()
	// Listen first: while the city loads, /healthz answers, /readyz says
	// what is loading and how far, and the rest answers 503.
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	const stageAccess, stageServer = "computing walking access for every category and walker", "starting the server"
	prog := server.NewLoadProgress(append(slices.Clone(data.LoadStages), stageAccess, stageServer)...)
	var handler atomic.Pointer[http.Handler]
	loading := server.LoadingHandler(prog, version)
	handler.Store(&loading)
	srv := newHTTPServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { (*handler.Load()).ServeHTTP(w, r) }))
	log.Info("loading", "addr", ln.Addr().String())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	stage := func(name string, done, total int64) {
		if prog.Set(name, done, total) {
			log.Info("load stage", "stage", name, "elapsed_sec", time.Since(start).Seconds())
		}
	}
	closeStore := func() {}
	defer func() { closeStore() }()
	ready, err := func() (http.Handler, error) {
		cfg.Progress = stage
		city, st, err := data.Load(ctx, cfg)
		if err != nil {
			return nil, err
		}
		stage(stageAccess, 0, 0)
		// A snapshot may hold the baseline already.
		a, stored, err := data.StoredAccess(city, *opt)
		if err != nil {
			return nil, err
		}
		if !stored {
			if a, err = geo.ComputeAccess(city, *opt); err != nil {
				return nil, usageError{err.Error()}
			}
		}
		stage(stageServer, 0, 0)
		scfg := server.Config{Version: version, Logger: log, BasemapStyleURL: *basemap}
		// Once the server is ready it computes its baseline report, the
		// tiles' indexes and the isochrones' cell shapes in the background
		// (server.Config.Prepared): meanwhile GC percent 100 keeps the heap
		// within twice what is live. Then, after a collection that returns
		// that work's garbage to the system, GC percent 400 (most of the
		// heap never changes: collecting less often trades memory for
		// steadier latency) under a soft limit of the live heap plus
		// serveMemoryHeadroom (at least serveMemoryFloor), which makes the
		// collector work harder before the heap grows past it. GOGC and
		// GOMEMLIMIT override. These collections run off the way to ready.
		prepared := func() {
			debug.FreeOSMemory() // a collection, then the garbage returned
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			if os.Getenv("GOGC") == "" {
				debug.SetGCPercent(400)
			}
			if os.Getenv("GOMEMLIMIT") == "" {
				debug.SetMemoryLimit(max(serveMemoryFloor, int64(ms.HeapAlloc)+serveMemoryHeadroom))
			}
			log.Info("prepared: baseline report, tiles and cell shapes", "elapsed_sec", time.Since(start).Seconds(),
				"heap_live_mb", ms.HeapAlloc>>20, "memory_limit_mb", debug.SetMemoryLimit(-1)>>20)
		}
		if os.Getenv("GOGC") == "" {
			debug.SetGCPercent(100)
		}
		scfg.Prepared = prepared
		storeAt, err := acc.open(ctx, cfg, &scfg)
		if err != nil {
			return nil, err
		}
		closeStore = func() { scfg.Store.Close() }
		e, err := server.New(scfg, server.Deps{City: city, Access: a, Load: st})
		if err != nil {
			return nil, err
		}
		log.Info("serving", "city", city.Name, "addr", ln.Addr().String(), "load_sec", time.Since(start).Seconds(),
			"store", storeAt, "tokens", scfg.Tokens.Len(), "read_needs_token", scfg.ReadNeedsToken)
		fmt.Fprintf(stdout, "fifteen %s: %s on http://%s/ (%s)\n", version, city.Name, displayAddr(ln.Addr()), city.Attribution)
		return e, nil
	}()
	if err != nil {
		prog.Fail(err)
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
		return err
	}
	handler.Store(&ready)
	return serveUntilDone(ctx, srv, errc, log)
}

// serveUntilDone waits until srv fails (its Serve's error on errc) or ctx
// ends, then finishes the requests in flight.
func serveUntilDone(ctx context.Context, srv *http.Server, errc chan error, log *slog.Logger) error {
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing requests in flight")
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// newHTTPServer is serve's HTTP server of h, with its timeouts.
func newHTTPServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadTimeout:       30 * time.Second,
		ReadHeaderTimeout: 10 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
}

// serveMemoryFloor is the least soft memory limit serve sets, and
// serveMemoryHeadroom what it allows above the live heap once prepared:
// room for the response cache (256 MiB at most), computed scenarios and
// the garbage of answers in flight.
const (
	serveMemoryFloor    = 896 << 20
	serveMemoryHeadroom = 512 << 20
)

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// displayAddr turns a listen address into one a browser can open.
func displayAddr(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}
