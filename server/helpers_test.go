package server

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/labstack/echo/v4"

	"fifteen/data"
	"fifteen/geo"
)

// The Monaco fixture, loaded once per test binary: the OSM extract of
// package data and the made-up communities of testdata/ (see its README).
const (
	testOSM         = "../data/testdata/monaco-2021-04-21.osm.pbf"
	testCommunities = "testdata/monaco_communities.geojson"
)

var (
	fixtureOnce sync.Once
	fixtureDeps Deps
	fixtureEcho *echo.Echo
	fixtureErr  error
)

// testDeps returns the loaded Monaco city and its baseline access.
func testDeps(tb testing.TB) Deps {
	tb.Helper()
	fixtureOnce.Do(func() {
		city, st, err := data.Load(context.Background(), data.Config{OSMPath: testOSM, CommunitiesPath: testCommunities})
		if err != nil {
			fixtureErr = err
			return
		}
		a, err := geo.ComputeAccess(city, geo.AccessOptions{})
		if err != nil {
			fixtureErr = err
			return
		}
		fixtureDeps = Deps{City: city, Access: a, Load: st}
		fixtureEcho, fixtureErr = New(testConfig(), fixtureDeps)
	})
	if fixtureErr != nil {
		tb.Fatal(fixtureErr)
	}
	return fixtureDeps
}

// testConfig is the server configuration of the tests: a fixed version (so
// that ETags are stable) and no request logs.
func testConfig() Config {
	return Config{Version: "test", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

// testServer returns the Echo instance serving Monaco, shared by the tests
// of the package, and its city.
func testServer(tb testing.TB) (*echo.Echo, *geo.City) {
	tb.Helper()
	d := testDeps(tb)
	return fixtureEcho, d.City
}

// do sends one request through e and returns the recorded response. hdr
// holds header names and values, alternating.
func do(tb testing.TB, e *echo.Echo, method, target string, body io.Reader, hdr ...string) *httptest.ResponseRecorder {
	tb.Helper()
	if len(hdr)%2 != 0 {
		tb.Fatalf("do: odd header list %q", hdr)
	}
	req := httptest.NewRequest(method, target, body)
	for i := 0; i < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	return rec
}
