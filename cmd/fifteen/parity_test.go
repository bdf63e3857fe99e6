package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"fifteen/data"
	"fifteen/geo"
	"fifteen/server"
)

var (
	parityOnce sync.Once
	paritySrv  *httptest.Server
	parityErr  error
)

// parityServer serves the default city, loaded as the commands load it,
// through the real Echo instance on a loopback listener.
func parityServer(t *testing.T) string {
	t.Helper()
	parityOnce.Do(func() {
		city, st, err := data.Load(context.Background(), data.Config{})
		if err != nil {
			parityErr = err
			return
		}
		a, err := geo.ComputeAccess(city, geo.AccessOptions{})
		if err != nil {
			parityErr = err
			return
		}
		e, err := server.New(server.Config{Version: "test", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))},
			server.Deps{City: city, Access: a, Load: st})
		if err != nil {
			parityErr = err
			return
		}
		paritySrv = httptest.NewServer(e)
	})
	if parityErr != nil {
		t.Fatal(parityErr)
	}
	return paritySrv.URL
}

func httpBody(t *testing.T, method, url, body string) []byte {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "application/json")
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode/100 != 2 {
		t.Fatalf("%s %s: %d %s", method, url, resp.StatusCode, b)
	}
	return b
}

func decode(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%v: %.300s", err, b)
	}
	return v
}

// keep returns only the named members of a document.
func keep(doc map[string]any, keys ...string) map[string]any {
	out := map[string]any{}
	for _, k := range keys {
		out[k] = doc[k]
	}
	return out
}

// TestCLIAndAPIGiveTheSameAnswer asks the command line and the HTTP API the
// same question for every result kind and compares the answers field by
// field: the report (JSON and CSV), communities, the long coverage format,
// cells, underserved clusters, sites, isochrones, nearest routes,
// facilities, greenways, the network and a what-if scenario.
func TestCLIAndAPIGiveTheSameAnswer(t *testing.T) {
	base := parityServer(t)
	scenario := filepath.Join(t.TempDir(), "scenario.json")
	if err := os.WriteFile(scenario, []byte(`{"name":"A clinic in Triesen","add":[{"category":"clinic","lon":9.529,"lat":47.107,"name":"Gesundheitszentrum"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	type check struct {
		name string
		cli  []string
		// method, url and body of the API request
		method, url, body string
		// compare: whole documents, features only, exact bytes, or the
		// members named
		mode    string
		members []string
	}
	for _, c := range []check{
		{"report json", []string{"report", "--format", "json"}, "GET", "/v1/report?f=json", "", "whole", nil},
		{"report json narrowed", []string{"report", "--format", "json", "--category", "clinic", "--profile", "senior"}, "GET", "/v1/report?f=json&category=clinic&profile=senior", "", "whole", nil},
		{"report csv", []string{"report", "--format", "csv"}, "GET", "/v1/report?f=csv", "", "bytes", nil},
		{"report csv narrowed", []string{"report", "--format", "csv", "--category", "kindergarten"}, "GET", "/v1/report?f=csv&category=kindergarten", "", "bytes", nil},
		{"communities", []string{"report", "--format", "geojson"}, "GET", "/collections/communities/items?limit=10000", "", "features", nil},
		{"communities of one walker", []string{"export", "--collection", "communities", "--profile", "wheelchair"}, "GET", "/collections/communities/items?limit=10000&profile=wheelchair", "", "features", nil},
		{"coverage", []string{"export", "--collection", "coverage", "--category", "clinic"}, "GET", "/collections/coverage/items?limit=10000&category=clinic", "", "features", nil},
		{"cells", []string{"cells", "--format", "geojson", "--res", "9", "--profile", "senior"}, "GET", "/collections/cells/items?limit=10000&res=9&profile=senior", "", "features", nil},
		{"cells res 10", []string{"export", "--collection", "cells"}, "GET", "/collections/cells/items?limit=10000", "", "features", nil},
		{"facilities", []string{"export", "--collection", "facilities"}, "GET", "/collections/facilities/items?limit=10000", "", "features", nil},
		{"map download csv", []string{"export", "--collection", "facilities", "--format", "csv", "--bom"}, "GET", "/v1/export?collection=facilities&format=csv", "", "bytes", nil},
		{"map download geojson", []string{"export", "--collection", "underserved", "--category", "clinic"}, "GET", "/v1/export?collection=underserved&category=clinic", "", "whole", nil},
		{"greenways", []string{"export", "--collection", "greenways"}, "GET", "/collections/greenways/items?limit=10000", "", "features", nil},
		{"network", []string{"export", "--collection", "network"}, "GET", "/collections/network/items?limit=10000", "", "features", nil},
		{"underserved", []string{"gaps", "--category", "clinic", "--format", "geojson"}, "GET", "/v1/gaps?category=clinic", "", "whole", nil},
		{"underserved collection", []string{"gaps", "--category", "market", "--profile", "senior", "--format", "geojson"}, "GET", "/collections/underserved/items?limit=10000&category=market&profile=senior", "", "features", nil},
		{"underserved tier", []string{"gaps", "--tier", "10", "--format", "geojson"}, "GET", "/v1/gaps?tier=10", "", "whole", nil},
		{"sites", []string{"site", "--category", "pharmacy", "--k", "3", "--format", "geojson"}, "GET", "/v1/siting?category=pharmacy&k=3", "", "whole", nil},
		{"isochrone", []string{"isochrone", "--lon", "9.5209", "--lat", "47.141", "--minutes", "5,10", "--profile", "senior"}, "GET", "/v1/isochrone?lon=9.5209&lat=47.141&minutes=5,10&profile=senior", "", "whole", nil},
		{"nearest", []string{"nearest", "--lon", "9.5209", "--lat", "47.141", "--category", "clinic", "--k", "3"}, "GET", "/v1/nearest?lon=9.5209&lat=47.141&category=clinic&k=3", "", "whole", nil},
		{"what-if", []string{"whatif", "--scenario", scenario, "--format", "json"}, "POST", "/v1/scenarios/preview",
			`{"name":"A clinic in Triesen","add":[{"category":"clinic","lon":9.529,"lat":47.107,"name":"Gesundheitszentrum"}]}`,
			"members", []string{"name", "attribution", "summary", "changes", "communities", "cells", "diff", "report"}},
		{"what-if full report", []string{"whatif", "--scenario", scenario, "--format", "json", "--report", "full"}, "POST", "/v1/scenarios/preview?report=full",
			`{"name":"A clinic in Triesen","add":[{"category":"clinic","lon":9.529,"lat":47.107,"name":"Gesundheitszentrum"}]}`,
			"members", []string{"name", "attribution", "summary", "changes", "communities", "cells", "diff", "report"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, _, err := runCmd(c.cli...)
			if err != nil {
				t.Fatal(err)
			}
			api := httpBody(t, c.method, base+c.url, c.body)
			switch c.mode {
			case "bytes":
				if out != string(api) {
					t.Errorf("bytes differ:\n%s", cmp.Diff(out, string(api)))
				}
				return
			case "features":
				page := decode(t, api)
				cf, af := decode(t, []byte(out))["features"].([]any), page["features"].([]any)
				if len(cf) == 0 {
					t.Fatal("no features")
				}
				// A collection longer than the largest page: the first
				// page, and the count.
				if m := page["numberMatched"].(float64); int(m) != len(cf) {
					t.Fatalf("the API matches %v features, the command writes %d", m, len(cf))
				}
				cf = cf[:len(af)]
				if d := cmp.Diff(cf, af); d != "" {
					t.Errorf("features differ (-cli +api):\n%.3000s", d)
				}
			case "members":
				cli, srv := decode(t, []byte(out)), decode(t, api)
				if d := cmp.Diff(keep(cli, c.members...), keep(srv, c.members...)); d != "" {
					t.Errorf("answers differ (-cli +api):\n%.3000s", d)
				}
				// Every member of the command's answer is compared: the
				// API adds only the scenario's id, owner and state.
				for k := range cli {
					if !slices.Contains(c.members, k) {
						t.Errorf("member %q of the command's answer is not compared", k)
					}
				}
			default:
				if d := cmp.Diff(decode(t, []byte(out)), decode(t, api)); d != "" {
					t.Errorf("answers differ (-cli +api):\n%.3000s", d)
				}
			}
		})
	}
}

// TestOutputIsReproducibleAcrossProcesses runs the command in two fresh
// processes and compares the bytes: the same inputs and version give the
// same report, CSV and GeoJSON.
func TestOutputIsReproducibleAcrossProcesses(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"report", "--format", "json"}, {"report", "--format", "csv"}, {"report", "--format", "geojson"},
		{"cells", "--format", "geojson", "--res", "8"}, {"gaps", "--tier", "15", "--format", "geojson"},
	} {
		var outs [2][]byte
		for i := range outs {
			cmd := exec.Command(exe, append([]string{"-test.run=^TestMainProcess$", "--"}, args...)...)
			cmd.Env = append(os.Environ(), "FIFTEEN_TEST_MAIN=1")
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if outs[i], err = cmd.Output(); err != nil {
				t.Fatalf("%v: %v\n%s", args, err, stderr.String())
			}
		}
		if len(outs[0]) < 1000 {
			t.Fatalf("%v: %d bytes", args, len(outs[0]))
		}
		if !bytes.Equal(outs[0], outs[1]) {
			t.Errorf("%v: two processes wrote different bytes", args)
		}
	}
}

// TestMainProcess runs the command named after "--" when the test binary
// is started by TestOutputIsReproducibleAcrossProcesses.
func TestMainProcess(t *testing.T) {
	if os.Getenv("FIFTEEN_TEST_MAIN") != "1" {
		t.Skip("started by TestOutputIsReproducibleAcrossProcesses only")
	}
	var args []string
	for i, a := range os.Args {
		if a == "--" {
			args = os.Args[i+1:]
		}
	}
	if err := run(context.Background(), args, os.Stdout, os.Stderr); err != nil {
		os.Stderr.WriteString(err.Error())
		os.Exit(1)
	}
	os.Exit(0)
}
