package server

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestGDALReadsEveryCollection checks the OGC API against a real client:
// GDAL's OAPIF driver lists the collections as layers and reads every
// feature of each, following next links, and gets as many as numberMatched
// says. It needs ogrinfo and ogr2ogr (Debian package gdal-bin): CI must
// have them; elsewhere the test is skipped without them.
func TestGDALReadsEveryCollection(t *testing.T) {
	needGDAL(t)
	base := gdalServer(t, testDeps(t))
	ds := "OAPIF:" + base

	listing := gdal(t, "ogrinfo", "-ro", "-so", ds)
	for _, id := range []string{"facilities", "communities", "coverage", "cells", "underserved", "greenways", "network"} {
		if !strings.Contains(listing, ": "+id+" (") {
			t.Errorf("ogrinfo does not list collection %s:\n%s", id, listing)
		}
	}
	checkGDALCells(t, ds)

	for _, id := range []string{"facilities", "communities", "cells", "underserved", "greenways", "network"} {
		t.Run(id, func(t *testing.T) {
			matched := numberMatched(t, base+"/collections/"+id+"/items?limit=1")
			// Small pages, so that GDAL follows many next links.
			out := gdal(t, "ogr2ogr", "-f", "GeoJSON", "/vsistdout/", "-oo", "PAGE_SIZE=200", ds, id)
			var fc struct {
				Features []struct {
					Geometry   *struct{ Type string }
					Properties map[string]any
				}
			}
			if err := json.Unmarshal([]byte(out), &fc); err != nil {
				t.Fatalf("ogr2ogr output is not GeoJSON: %v\n%.500s", err, out)
			}
			if len(fc.Features) != matched {
				t.Errorf("GDAL read %d features, numberMatched is %d", len(fc.Features), matched)
			}
			for i, f := range fc.Features {
				if f.Geometry == nil || f.Geometry.Type == "" {
					t.Fatalf("feature %d has no geometry", i)
				}
			}
		})
	}
}

// checkGDALCells checks that GDAL reads the cells of ds with their types.
func checkGDALCells(t *testing.T, ds string) {
	t.Helper()
	summary := gdal(t, "ogrinfo", "-ro", "-al", "-so", ds, "cells")
	for _, want := range []string{"Layer name: cells", "Geometry: Polygon", "h3: String", "population: Real", "minutes_clinic: Real"} {
		if !strings.Contains(summary, want) {
			t.Errorf("ogrinfo cells summary lacks %q:\n%s", want, summary)
		}
	}
}

// gdal runs a GDAL program and returns its standard output.
// needGDAL skips the test without GDAL's tools, or fails it in CI.
func needGDAL(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"ogrinfo", "ogr2ogr"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is not on PATH: CI must install gdal-bin (apt-get install -y gdal-bin)", tool)
			}
			t.Skipf("%s is not on PATH: install gdal-bin to run this test", tool)
		}
	}
}

// gdalServer serves d on a loopback listener of its own (the response
// cache keys pages by path and query, and the pages link to this
// listener's host) and returns its base URL.
func gdalServer(t *testing.T, d Deps) string {
	t.Helper()
	e, err := New(testConfig(), d)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: e, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

func gdal(t *testing.T, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	// Straight to the loopback listener, whatever proxy the machine has;
	// no persistent cache between runs.
	cmd.Env = append(os.Environ(), "NO_PROXY=127.0.0.1,localhost", "no_proxy=127.0.0.1,localhost",
		"GDAL_HTTP_TIMEOUT=60", "CPL_VSIL_CURL_NON_CACHED=/", "GDAL_DISABLE_READDIR_ON_OPEN=YES")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) || ctx.Err() != nil {
			t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
		}
		t.Fatal(err)
	}
	if s := stderr.String(); strings.Contains(s, "ERROR") {
		t.Errorf("%s %s wrote errors:\n%s", name, strings.Join(args, " "), s)
	}
	return string(out)
}

// numberMatched reads the numberMatched of an items page.
func numberMatched(t *testing.T, url string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Accept", "application/geo+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var page struct {
		NumberMatched *int `json:"numberMatched"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil || page.NumberMatched == nil {
		t.Fatalf("GET %s: no numberMatched (%v)", url, err)
	}
	return *page.NumberMatched
}
