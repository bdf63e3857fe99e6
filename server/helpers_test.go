package server

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
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
	toks, err := ParseTokens(strings.NewReader(testTokens), "test tokens")
	if err != nil {
		panic(err)
	}
	return Config{Version: "test", Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Tokens: toks,
		// The tests send many requests at once from one address.
		Limits: Limits{HeavyConcurrent: 64, RatePerSec: -1, HeavyPerSec: -1}}
}

// The tokens of the tests: two planners and an admin.
const (
	testTokens = `
# name[:admin] secret
alice alice-secret-token-0001
bob   sha256:` + bobHash + `
root:admin root-secret-token-0003`
	aliceToken = "alice-secret-token-0001"
	bobToken   = "bob-secret-token-00002"
	bobHash    = "c335163813a8d5ca25e06d51a0d4f076e559fe9d9162639b366c6e153a0f9326" // SHA-256 of bobToken
	rootToken  = "root-secret-token-0003"
)

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
	// Saving and deleting scenarios need a token: the tests that are not
	// about tokens act as alice.
	if (method == "POST" || method == "DELETE") && strings.HasPrefix(target, "/v1/scenarios") && req.Header.Get("Authorization") == "" {
		req.Header.Set("Authorization", "Bearer "+aliceToken)
	}
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	return rec
}

// loadServer loads the city of cfg, computes its access with the default
// options and builds its server.
func loadServer(tb testing.TB, cfg data.Config) *echo.Echo {
	tb.Helper()
	city, st, err := data.Load(context.Background(), cfg)
	if err != nil {
		tb.Fatal(err)
	}
	a, err := geo.ComputeAccess(city, geo.AccessOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	e, err := New(testConfig(), Deps{City: city, Access: a, Load: st})
	if err != nil {
		tb.Fatal(err)
	}
	return e
}
