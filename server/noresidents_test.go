package server

import (
	"net"
	"time"

	"encoding/json"
	"github.com/chromedp/chromedp"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"fifteen/data"
	"fifteen/geo"
)

// A city loaded without residents serves what needs none and answers what
// counts residents with 409 and the sentence naming the flags.
func TestNoResidentsCity(t *testing.T) {
	e := loadServer(t, data.Config{OSMPath: "../data/testdata/no_population_grid.osm"})
	for _, tc := range []struct {
		method, path string
		want         int
	}{
		{"GET", "/map", 200},
		{"GET", "/readyz", 200},
		{"GET", "/collections/facilities/items", 200},
		{"GET", "/collections/network/items?limit=5", 200},
		{"GET", "/collections/communities/items", 200},
		{"GET", "/collections/underserved/items", 200},
		{"GET", "/v1/isochrone?lon=7.4225&lat=43.7318", 200},
		{"GET", "/v1/nearest?lon=7.4225&lat=43.7318&category=clinic", 200},
		{"GET", "/v1/report", 409},
		{"GET", "/v1/gaps?category=clinic", 409},
		{"GET", "/v1/siting?category=clinic&k=1", 409},
		{"POST", "/v1/scenarios/preview", 409},
	} {
		var body *strings.Reader
		if tc.method == "POST" {
			body = strings.NewReader(`{"add":[{"category":"clinic","lon":7.421,"lat":43.731}]}`)
		} else {
			body = strings.NewReader("")
		}
		req := httptest.NewRequest(tc.method, tc.path, body)
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		if rec.Code != tc.want {
			t.Errorf("%s %s: %d, want %d: %s", tc.method, tc.path, rec.Code, tc.want, rec.Body.String())
			continue
		}
		if tc.want == http.StatusConflict {
			var p Problem
			if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || p.Detail != NoResidentsHint {
				t.Errorf("%s: problem %+v (%v), want the hint", tc.path, p, err)
			}
		}
	}
}

// The map of a city without residents draws its streets and facilities
// and says, in one sentence, which flag supplies residents.
func TestMapBrowserWithoutResidents(t *testing.T) {
	if testing.Short() {
		t.Skip("the browser test is slow")
	}
	chromium := mapChromium(t)
	e := loadServer(t, data.Config{OSMPath: "../data/testdata/no_population_grid.osm"})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: e, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })

	b := newMapBrowser(t, chromium)
	b.allowNetwork409.Store(true)
	b.do("loading /map",
		chromedp.EmulateViewport(1200, 800),
		chromedp.Navigate("http://"+ln.Addr().String()+"/map"),
		chromedp.Poll[chromedp.Void](`window.fifteenReady === true`, chromedp.WithPollingInterval(100*time.Millisecond),
			chromedp.WithPollingTimeout(90*time.Second)),
	)
	b.idle("first view")
	// The streets are one click away (the map starts compact).
	b.do("streets on", chromedp.Evaluate[chromedp.Void](`document.querySelector('#layer-list input[data-layer=network]').click()`))
	b.idle("streets")
	if n := b.rendered("network-line"); n["network-line"] == 0 {
		t.Errorf("no street drawn: %v", n)
	}
	msg := mapEval[string](b, "notice", `document.getElementById('error').hidden ? '' : document.getElementById('error-text').innerText`)
	if !strings.Contains(msg, "--population") {
		t.Errorf("notice %q does not name --population", msg)
	}
	if errs := b.consoleErrors(); errs != "" {
		t.Error(errs)
	}
}

// An OSM-only city's map labels its residents as an estimate.
func TestMapConfigSaysEstimate(t *testing.T) {
	e := loadServer(t, data.Config{OSMPath: "../data/testdata/wilmington-2016-08-10.osm.pbf"})
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest("GET", "/map/config.json", nil))
	var got mapConfigDoc
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if !got.PopulationEstimate || !strings.HasPrefix(got.PopulationSource, geo.MethodOSMPopulation) {
		t.Errorf("config %+v: want an estimate from OSM", got)
	}
}
