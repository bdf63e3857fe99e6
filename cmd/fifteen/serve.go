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
	"time"

	"fifteen/data"
	"fifteen/geo"
	"fifteen/server"
)

// serve loads the city, computes the baseline and serves it until the
// context ends (SIGINT or SIGTERM), then finishes in-flight requests.
func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", stderr)
	addr := fs.String("addr", envOr("FIFTEEN_ADDR", ":8080"), "listen address [FIFTEEN_ADDR]")
	basemap := fs.String("basemap", os.Getenv("FIFTEEN_BASEMAP"), "external basemap style URL for the map page [FIFTEEN_BASEMAP]")
	opt := accessFlags(fs)
	config := inputFlags(fs)
	cfg, err := parseInputs(fs, args, config)
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
	city, st, err := data.Load(ctx, cfg)
	if err != nil {
		return err
	}
	// A snapshot may hold the baseline already.
	a, stored, err := data.StoredAccess(city, *opt)
	if err != nil {
		return err
	}
	if !stored {
		if a, err = geo.ComputeAccess(city, *opt); err != nil {
			return usageError{err.Error()}
		}
	}
	e, err := server.New(server.Config{Version: version, Logger: log, BasemapStyleURL: *basemap},
		server.Deps{City: city, Access: a, Load: st})
	if err != nil {
		return err
	}
	// With GC percent 400 the heap may grow to five times what is live; a
	// soft limit at four times the loaded city (at least 1 GiB) makes the
	// collector work harder before that. GOMEMLIMIT overrides.
	if os.Getenv("GOMEMLIMIT") == "" {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		debug.SetMemoryLimit(max(1<<30, 4*int64(ms.HeapAlloc)))
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           e,
		ReadTimeout:       30 * time.Second,
		ReadHeaderTimeout: 10 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	log.Info("serving", "city", city.Name, "addr", ln.Addr().String(), "load_sec", time.Since(start).Seconds())
	fmt.Fprintf(stdout, "fifteen %s: %s on http://%s/ (%s)\n", version, city.Name, displayAddr(ln.Addr()), city.Attribution)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
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
