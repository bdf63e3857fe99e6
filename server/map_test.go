package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"fifteen/geo"
)

// --- the page and its assets, through the router ---------------------------

func TestMapPage(t *testing.T) {
	e, city := testServer(t)
	rec := do(t, e, http.MethodGet, "/map", nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /map: %d %s", rec.Code, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("Content-Type %q", ct)
	}
	body := rec.Body.String()
	if !strings.Contains(body, city.Name) {
		t.Errorf("the page does not name the city %q", city.Name)
	}
	csp := rec.Header().Get("Content-Security-Policy")
	if !strings.Contains(csp, "connect-src 'self';") || strings.Contains(csp, "https:") {
		t.Errorf("without a basemap the page may reach other hosts: CSP %q", csp)
	}
	// Every asset is named with its hash and served from here.
	refs := regexp.MustCompile(`(?:src|href)="([^"]+)"`).FindAllStringSubmatch(body, -1)
	assets := 0
	for _, m := range refs {
		ref := m[1]
		switch {
		case strings.HasPrefix(ref, "/static/"):
			assets++
			a := do(t, e, http.MethodGet, ref, nil)
			if a.Code != http.StatusOK {
				t.Errorf("GET %s: %d", ref, a.Code)
				continue
			}
			if cc := a.Header().Get("Cache-Control"); cc != mapAssetCache {
				t.Errorf("GET %s: Cache-Control %q, want %q", ref, cc, mapAssetCache)
			}
		case strings.HasPrefix(ref, "/") || strings.HasPrefix(ref, "data:"):
		default:
			t.Errorf("the page refers to %q, outside the server", ref)
		}
	}
	if assets < 4 {
		t.Errorf("%d assets in the page, want MapLibre's script and style, app.js and app.css", assets)
	}
}

func TestMapStatic(t *testing.T) {
	e, _ := testServer(t)
	site, err := loadMapSite()
	if err != nil {
		t.Fatal(err)
	}
	js := site.assets["app.js"]
	for _, tc := range []struct {
		name, target, inm string
		status            int
		ct, cache         string
	}{
		{"hashed asset is immutable", "/static/app.js?v=" + js.hash, "", 200, "text/javascript; charset=utf-8", mapAssetCache},
		{"stale hash is cached briefly", "/static/app.js?v=0000", "", 200, "text/javascript; charset=utf-8", "public, max-age=300"},
		{"etag gives 304", "/static/app.js", `"` + js.hash + `"`, 304, "", "public, max-age=300"},
		{"maplibre css", "/static/vendor/maplibre-gl.css", "", 200, "text/css; charset=utf-8", ""},
		{"maplibre licence is served", "/static/vendor/LICENSE.txt", "", 200, "text/plain; charset=UTF-8", ""},
		{"unknown file is a problem", "/static/nope.js", "", 404, "application/problem+json", ""},
		{"dot-dot does not escape", "/static/../handle_map.go", "", 404, "", ""},
		{"escaped dot-dot does not escape", "/static/%2e%2e/web/app.js", "", 404, "", ""},
		{"the template is not an asset", "/static/index.html", "", 404, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var hdr []string
			if tc.inm != "" {
				hdr = []string{"If-None-Match", tc.inm}
			}
			rec := do(t, e, http.MethodGet, tc.target, nil, hdr...)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d (%s)", rec.Code, tc.status, rec.Body)
			}
			if tc.ct != "" && rec.Header().Get("Content-Type") != tc.ct {
				t.Errorf("Content-Type %q, want %q", rec.Header().Get("Content-Type"), tc.ct)
			}
			if tc.cache != "" && rec.Header().Get("Cache-Control") != tc.cache {
				t.Errorf("Cache-Control %q, want %q", rec.Header().Get("Cache-Control"), tc.cache)
			}
		})
	}
}

func TestMapConfig(t *testing.T) {
	d := testDeps(t)
	cfg := testConfig()
	cfg.BasemapStyleURL = "https://tiles.example.org/style.json"
	e, err := New(cfg, d)
	if err != nil {
		t.Fatal(err)
	}
	rec := do(t, e, http.MethodGet, "/map/config.json", nil)
	var got mapConfigDoc
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatalf("%v: %s", err, rec.Body)
	}
	if got.BasemapStyleURL != cfg.BasemapStyleURL || got.City != d.City.Name {
		t.Errorf("config %+v", got)
	}
	// Monaco's residents come from the planner's communities: no estimate.
	if got.PopulationSource != geo.MethodCommunities || got.PopulationEstimate {
		t.Errorf("population source %q, estimate %v", got.PopulationSource, got.PopulationEstimate)
	}
	page := do(t, e, http.MethodGet, "/map", nil)
	if csp := page.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "connect-src 'self' https:") {
		t.Errorf("a basemap's tiles would be refused: CSP %q", csp)
	}
}

// TestMapVendoredMapLibre guards scripts/vendor-maplibre.sh's output: the
// bundle, its stylesheet and licence, and a VERSION that matches the
// bundle's own banner.
func TestMapVendoredMapLibre(t *testing.T) {
	v, err := fs.ReadFile(webFS, "web/vendor/VERSION")
	if err != nil {
		t.Fatal(err)
	}
	version := strings.TrimSpace(string(v))
	js, err := fs.ReadFile(webFS, "web/vendor/maplibre-gl.js")
	if err != nil {
		t.Fatal(err)
	}
	if banner := "/v" + version + "/LICENSE.txt"; !strings.Contains(string(js[:min(len(js), 400)]), banner) {
		t.Errorf("maplibre-gl.js is not version %s (VERSION): its banner lacks %q", version, banner)
	}
	for _, f := range []string{"web/vendor/maplibre-gl.css", "web/vendor/LICENSE.txt"} {
		if _, err := fs.Stat(webFS, f); err != nil {
			t.Error(err)
		}
	}
}

// --- the page in a browser ---------------------------------------------------

// mapChromium returns Debian's Chromium (or $FIFTEEN_CHROMIUM). Without
// it the browser test fails in CI and is skipped elsewhere.
func mapChromium(t *testing.T) string {
	t.Helper()
	p := os.Getenv("FIFTEEN_CHROMIUM")
	if p == "" {
		p = "/usr/bin/chromium"
	}
	if _, err := exec.LookPath(p); err == nil {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("no Chromium at %s: the map's browser test needs it (apt-get install -y chromium)", p)
	}
	t.Skipf("no Chromium at %s (apt-get install -y chromium); skipping the map's browser test", p)
	return ""
}

// mapBrowser drives one headless Chromium tab and collects what the page
// writes to its console.
type mapBrowser struct {
	t   *testing.T
	ctx context.Context

	mu   sync.Mutex
	errs []string
	// allowNetwork422 lets one failed request through: the step that
	// checks how an API error is shown.
	allowNetwork422 atomic.Bool
	// allowNetwork409 lets the report's 409 through, for a city without
	// residents.
	allowNetwork409 atomic.Bool
	// allowNetwork401 lets a refused token's 401 through.
	allowNetwork401 atomic.Bool
}

func newMapBrowser(t *testing.T, chromium string) *mapBrowser {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	t.Cleanup(cancel)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		// WebGL without a GPU: SwiftShader through ANGLE. Chromium no
		// longer falls back to it on its own.
		chromedp.Flag("use-angle", "swiftshader"),
		chromedp.Flag("enable-unsafe-swiftshader", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("hide-scrollbars", true),
	)
	actx, cancelA := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelA)
	bctx, cancelB := chromedp.NewContext(actx)
	t.Cleanup(cancelB)
	b := &mapBrowser{t: t, ctx: bctx}
	console := chromedp.Console(bctx)
	go func() {
		for m, err := range console {
			if err != nil {
				return
			}
			if m.Type != chromedp.ConsoleError && !m.IsException() {
				continue
			}
			if m.Source == "network" && strings.Contains(m.Text, "422") && b.allowNetwork422.Load() {
				continue
			}
			if m.Source == "network" && strings.Contains(m.Text, "409") && b.allowNetwork409.Load() {
				continue
			}
			if m.Source == "network" && strings.Contains(m.Text, "401") && b.allowNetwork401.Load() {
				continue
			}
			b.mu.Lock()
			b.errs = append(b.errs, m.String()+" ("+m.URL+")")
			b.mu.Unlock()
		}
	}()
	return b
}

func (b *mapBrowser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v%s", what, err, b.consoleErrors())
	}
}

// eval evaluates a JavaScript expression (awaiting a promise) in the page.
func mapEval[T any](b *mapBrowser, what, expr string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("%s: %v%s", what, err, b.consoleErrors())
	}
	return v
}

// idle waits until the page has no request pending and the map has drawn
// every tile.
func (b *mapBrowser) idle(what string) {
	b.t.Helper()
	mapEval[bool](b, what+": waiting for the map", `window.fifteen.idle()`)
}

func (b *mapBrowser) consoleErrors() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.errs) == 0 {
		return ""
	}
	return "\nthe page's console:\n\t" + strings.Join(b.errs, "\n\t")
}

// rendered counts the rendered features of map layers.
func (b *mapBrowser) rendered(layers ...string) map[string]int {
	b.t.Helper()
	ids, _ := json.Marshal(layers)
	return mapEval[map[string]int](b, "counting rendered features", `(() => {
		const m = window.fifteen.map, out = {};
		for (const id of `+string(ids)+`) out[id] = m.queryRenderedFeatures({layers: [id]}).length;
		return out;
	})()`)
}

// mapPoint is a point of the page, in CSS pixels of the viewport.
type mapPoint struct {
	X, Y     float64
	Lon, Lat float64
}

// networkPoint returns the vertex of a drawn street nearest the middle of
// the map, where an isochrone or a new facility can start.
func (b *mapBrowser) networkPoint() mapPoint {
	b.t.Helper()
	return mapEval[mapPoint](b, "finding a street", `(() => {
		const m = window.fifteen.map, r = m.getCanvas().getBoundingClientRect();
		let best = null, bestD = Infinity;
		for (const f of m.queryRenderedFeatures({layers: ['network-line']})) {
			const g = f.geometry;
			const lines = g.type === 'LineString' ? [g.coordinates] : g.type === 'MultiLineString' ? g.coordinates : [];
			for (const l of lines) for (const p of l) {
				const q = m.project(p);
				if (q.x < 60 || q.y < 60 || q.x > r.width - 60 || q.y > r.height - 60) continue;
				const d = Math.hypot(q.x - r.width / 2, q.y - r.height / 2);
				if (d < bestD) { bestD = d; best = {X: r.left + q.x, Y: r.top + q.y, Lon: p[0], Lat: p[1]}; }
			}
		}
		if (!best) throw new Error('no street drawn inside the map');
		return best;
	})()`)
}

func slicesIndex(ss []string, s string) int {
	for i, x := range ss {
		if x == s {
			return i
		}
	}
	return -1
}

// TestMapBrowser loads the map of Monaco in headless Chromium and uses it
// as a planner would: layers drawn, category and profile switched, an
// isochrone, a what-if facility, suggested sites, an API error shown in
// plain words, the Chinese labels and a phone-sized screen. Any console
// error or uncaught exception fails it.
func TestMapBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("the browser test is slow")
	}
	chromium := mapChromium(t)
	e, _ := testServer(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// The scenario writes' Authorization headers, to check the token field.
	var authMu sync.Mutex
	var auths []string
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/v1/scenarios") && r.Method != http.MethodGet {
			authMu.Lock()
			auths = append(auths, r.Method+" "+r.Header.Get("Authorization"))
			authMu.Unlock()
			// A token the server refuses, on every scenario write (the
			// real server refuses it when saving; here previews too, so
			// that the map's handling of a refused change is seen).
			if r.Header.Get("Authorization") == "Bearer refuse-me" {
				w.Header().Set("Content-Type", "application/problem+json")
				w.WriteHeader(http.StatusUnauthorized)
				w.Write([]byte(`{"title":"Unauthorized","status":401,"detail":"server: a bearer token is needed"}`))
				return
			}
		}
		e.ServeHTTP(w, r)
	}), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	base := "http://" + ln.Addr().String()

	b := newMapBrowser(t, chromium)
	// Screenshots go to a temporary directory, or to
	// $FIFTEEN_SCREENSHOT_DIR to keep them (CI artefacts, a look by eye).
	shots := os.Getenv("FIFTEEN_SCREENSHOT_DIR")
	if shots == "" {
		shots = t.TempDir()
	}
	screenshot := func(name string) {
		t.Helper()
		png, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatalf("screenshot: %v", err)
		}
		p := filepath.Join(shots, name)
		if err := os.WriteFile(p, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", p)
	}

	b.do("loading /map",
		chromedp.EmulateViewport(1200, 800),
		chromedp.Navigate(base+"/map"),
		chromedp.Poll[chromedp.Void](`window.fifteenReady === true`, chromedp.WithPollingInterval(100*time.Millisecond),
			chromedp.WithPollingTimeout(90*time.Second)),
	)
	b.idle("first view")

	t.Run("compact default", func(t *testing.T) {
		on := mapEval[[]string](b, "layers on", `[...document.querySelectorAll('#layer-list input:checked')].map(i => i.dataset.layer)`)
		if strings.Join(on, ",") != "facilities,communities" {
			t.Errorf("layers on at start: %v, want the choropleth and the facilities", on)
		}
		if n := b.rendered("cells-fill", "gaps-fill", "network-line"); n["cells-fill"]+n["gaps-fill"]+n["network-line"] != 0 {
			t.Errorf("layers switched off are drawn: %v", n)
		}
		// Every layer one click away.
		b.do("all layers on", chromedp.Evaluate[chromedp.Void](`[...document.querySelectorAll('#layer-list input:not(:checked)')].forEach(i => i.click())`))
		b.idle("all layers")
	})

	t.Run("layers drawn", func(t *testing.T) {
		n := b.rendered("cells-fill", "comm-fill", "comm-line", "fac-circle", "network-line")
		for id, c := range n {
			if c == 0 {
				t.Errorf("layer %s has no rendered feature (%v)", id, n)
			}
		}
		if !mapEval[bool](b, "loading", `document.getElementById('loading').hidden`) {
			t.Error("the loading indicator shows on an idle map")
		}
		attrib := mapEval[string](b, "attribution", `document.querySelector('.maplibregl-ctrl-attrib').innerText`)
		if !strings.Contains(attrib, "© OpenStreetMap contributors") {
			t.Errorf("attribution %q", attrib)
		}
		legend := mapEval[string](b, "legend", `document.getElementById('layer-list').innerText`)
		for _, want := range []string{"≤ 5 min", "≤ 15 min", "not within 30 min", "Underserved"} {
			if !strings.Contains(legend, want) {
				t.Errorf("legend lacks %q:\n%s", want, legend)
			}
		}
	})

	// A signature of the drawn cells' walks: it changes with the profile.
	const cellWalks = `(() => {
		let s = 0;
		for (const f of window.fifteen.map.queryRenderedFeatures({layers: ['cells-fill']}))
			for (const [k, v] of Object.entries(f.properties)) if (k.startsWith('minutes_')) s += v;
		return s;
	})()`
	const choose = `((id, v) => { const s = document.getElementById(id); s.value = v;
		s.dispatchEvent(new Event('change', {bubbles: true})); return s.value === v; })`

	t.Run("profile re-renders the cells", func(t *testing.T) {
		before := mapEval[float64](b, "walks", cellWalks)
		renders := mapEval[int](b, "renders", `window.fifteen.renders()`)
		if !mapEval[bool](b, "choosing senior", choose+`('profile', 'senior')`) {
			t.Fatal("no senior profile in the select")
		}
		b.idle("senior")
		if url := mapEval[string](b, "cells url", `window.fifteen.map.getSource('cells').url`); !strings.Contains(url, "profile=senior") {
			t.Errorf("cells source %q", url)
		}
		if n := b.rendered("cells-fill")["cells-fill"]; n == 0 {
			t.Error("no cells drawn for seniors")
		}
		if after := mapEval[float64](b, "walks", cellWalks); after == before {
			t.Errorf("the cells' walks are the same for seniors and adults (%v)", before)
		}
		if r := mapEval[int](b, "renders", `window.fifteen.renders()`); r <= renders {
			t.Error("the map did not redraw")
		}
	})

	// The category with the fewest facilities: a new one makes a
	// difference there.
	sparse := mapEval[string](b, "categories", `(() => {
		const cs = window.fifteen.state.categories.filter(c => c.essential && c.kind === 'point' && c.id !== window.fifteen.state.category);
		cs.sort((a, b) => a.facilities - b.facilities);
		return cs[0].id;
	})()`)
	t.Run("category re-renders the cells", func(t *testing.T) {
		renders := mapEval[int](b, "renders", `window.fifteen.renders()`)
		if !mapEval[bool](b, "choosing "+sparse, choose+`('category', '`+sparse+`')`) {
			t.Fatalf("no category %s in the select", sparse)
		}
		b.idle("category")
		paint := mapEval[string](b, "cells paint", `JSON.stringify(window.fifteen.map.getPaintProperty('cells-fill', 'fill-color'))`)
		if !strings.Contains(paint, "minutes_"+sparse) {
			t.Errorf("cells coloured by %s, not minutes_%s", paint, sparse)
		}
		if n := b.rendered("cells-fill")["cells-fill"]; n == 0 {
			t.Error("no cells drawn")
		}
		if r := mapEval[int](b, "renders", `window.fifteen.renders()`); r <= renders {
			t.Error("the map did not redraw")
		}
		gaps := mapEval[string](b, "underserved url", `window.fifteen.map.getSource('underserved').url`)
		if !strings.Contains(gaps, "category="+sparse) || !strings.Contains(gaps, "profile=senior") {
			t.Errorf("underserved source %q", gaps)
		}
	})

	t.Run("measures", func(t *testing.T) {
		for _, m := range []struct{ measure, legend string }{
			{"share", "Share of residents within"},
			{"compliance", "minute circle (GB 50180-2018)"},
			{"e2sfca", "Places per user"},
			{"minutes", "Mean walk to"},
		} {
			if mapEval[bool](b, "disabled", `document.querySelector('#measure option[value=`+m.measure+`]').disabled`) {
				continue // no capacity figures for the category
			}
			if !mapEval[bool](b, "measure "+m.measure, choose+`('measure', '`+m.measure+`')`) {
				t.Fatalf("no measure %s", m.measure)
			}
			b.idle(m.measure)
			if legend := mapEval[string](b, "legend", `document.getElementById('legend-communities').innerText`); !strings.Contains(legend, m.legend) {
				t.Errorf("measure %s: communities legend %q", m.measure, legend)
			}
			if n := b.rendered("comm-fill")["comm-fill"]; n == 0 {
				t.Errorf("measure %s: no community drawn", m.measure)
			}
		}
	})

	t.Run("minutes slider", func(t *testing.T) {
		const cellsBeyond = `((n) => { const c = window.fifteen.state.category; let k = 0;
			for (const f of window.fifteen.map.queryRenderedFeatures({layers: ['cells-fill']})) {
				const m = f.properties['minutes_' + c]; if (m != null && m > n) k++; }
			return k; })`
		set := func(n int) {
			t.Helper()
			b.do("slider", chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const s = document.getElementById('threshold');
				s.value = '%d'; s.dispatchEvent(new Event('input', {bubbles: true})); })()`, n)))
			b.idle("slider")
		}
		// A category every cell reaches within the cutoff.
		cat := mapEval[string](b, "category", `window.fifteen.state.category`)
		mapEval[bool](b, "clinic", choose+`('category', 'clinic')`)
		b.idle("clinic")
		defer func() { mapEval[bool](b, "back", choose+`('category', '`+cat+`')`); b.idle("back") }()
		set(1)
		paint := mapEval[string](b, "cells paint", `JSON.stringify(window.fifteen.map.getPaintProperty('cells-fill', 'fill-color'))`)
		if !strings.Contains(paint, `["<=",["to-number",["get","minutes_`) || !strings.Contains(paint, "1.005") {
			t.Errorf("cells paint after the slider at 1: %s", paint)
		}
		if mapEval[int](b, "beyond 1", cellsBeyond+`(1)`) == 0 {
			t.Errorf("no cell beyond 1 minute: the slider test shows nothing; %s", mapEval[string](b, "sample", `JSON.stringify([window.fifteen.state.category, window.fifteen.map.queryRenderedFeatures({layers: ['cells-fill']}).slice(0, 2).map(f => f.properties)])`))
		}
		if out := mapEval[string](b, "output", `document.getElementById('threshold-out').textContent`); out != "≤ 1 min" {
			t.Errorf("slider output %q", out)
		}
		if legend := mapEval[string](b, "legend", `document.getElementById('legend-cells').innerText`); !strings.Contains(legend, "beyond 1 min") {
			t.Errorf("cells legend after the slider: %q", legend)
		}
		set(15)
		if paint := mapEval[string](b, "cells paint", `JSON.stringify(window.fifteen.map.getPaintProperty('cells-fill', 'fill-color'))`); !strings.Contains(paint, "15.005") {
			t.Errorf("cells paint after the slider at 15: %s", paint)
		}
	})

	// The page highlights a what-if's resolution-10 cells on the coarser
	// cells of low zooms through their parents, computed in JavaScript.
	t.Run("h3 parents match geo/hex", func(t *testing.T) {
		_, city := testServer(t)
		for i := 0; i < len(city.Population.Cells); i += max(1, len(city.Population.Cells)/5) {
			c := city.Population.Cells[i].Cell
			for _, r := range []int{7, 8, 9} {
				got := mapEval[string](b, "h3Parent", fmt.Sprintf(`window.fifteen.h3Parent('%s', %d)`, c, r))
				if want := c.Parent(r).String(); got != want {
					t.Errorf("h3Parent(%s, %d) = %s, want %s", c, r, got, want)
				}
			}
		}
	})

	t.Run("isochrone", func(t *testing.T) {
		p := b.networkPoint()
		b.do("isochrone", chromedp.Click(chromedp.CSS(`[data-tool=isochrone]`)), chromedp.MouseClickXY(p.X, p.Y))
		b.idle("isochrone")
		contours := mapEval[[]float64](b, "contours", `window.fifteen.map.querySourceFeatures('iso')
			.filter(f => f.geometry.type !== 'Point').map(f => f.properties.minutes)`)
		if len(contours) == 0 {
			t.Fatalf("no contour around %v", p)
		}
		if n := b.rendered("iso-line", "iso-fill"); n["iso-line"] == 0 || n["iso-fill"] == 0 {
			t.Errorf("contours drawn: %v", n)
		}
		if legend := mapEval[string](b, "legend", `document.getElementById('legend-isochrones') ? document.getElementById('legend-isochrones').innerText : ''`); !strings.Contains(legend, "≤ 10 min") {
			t.Errorf("no legend entry for the isochrone: %q", legend)
		}
		panel := mapEval[string](b, "panel", `document.getElementById('panel').innerText`)
		if !strings.Contains(panel, "≤ 15 min") || !strings.Contains(panel, "km²") {
			t.Errorf("panel after an isochrone:\n%s", panel)
		}
	})

	// The best site for a new facility: the what-if opens one there.
	var site mapPoint
	t.Run("suggest sites", func(t *testing.T) {
		b.do("suggest", chromedp.Click(chromedp.CSS(`#suggest`)))
		b.idle("sites")
		markers := mapEval[[]string](b, "markers", `[...document.querySelectorAll('.site-marker')].map(e => e.textContent)`)
		items := mapEval[int](b, "site list", `document.querySelectorAll('#sites-list li').length`)
		if len(markers) == 0 || markers[0] != "1" || items != len(markers) {
			t.Fatalf("site markers %q, %d listed", markers, items)
		}
		if legend := mapEval[string](b, "legend", `(document.getElementById('legend-sites') || {}).innerText || ''`); !strings.Contains(legend, "Numbered by rank") {
			t.Errorf("no legend entry for the sites: %q", legend)
		}
		site = mapEval[mapPoint](b, "site 1", `(() => {
			const c = window.fifteen.state.sites.features[0].geometry.coordinates;
			return {Lon: c[0], Lat: c[1]};
		})()`)
	})

	t.Run("what if", func(t *testing.T) {
		if site.Lon == 0 {
			t.Skip("no site suggested")
		}
		// Clear the site markers (HTML above the map) and open the new
		// facility at the best site.
		b.do("clear", chromedp.Click(chromedp.CSS(`#clear`)), chromedp.Click(chromedp.CSS(`[data-tool=whatif]`)))
		b.idle("clear")
		const cellColors = `JSON.stringify(window.fifteen.map.getPaintProperty('cells-fill', 'fill-color'))`
		colorsBefore := mapEval[string](b, "cell colours", cellColors)
		p := mapEval[mapPoint](b, "site on screen", fmt.Sprintf(`(() => {
			const m = window.fifteen.map, r = m.getCanvas().getBoundingClientRect(), q = m.project([%v, %v]);
			return {X: r.left + q.x, Y: r.top + q.y};
		})()`, site.Lon, site.Lat))
		b.do("what if", chromedp.MouseClickXY(p.X, p.Y))
		b.idle("what if")
		if err := mapEval[string](b, "error", `document.getElementById('error').hidden ? '' : document.getElementById('error-text').innerText`); err != "" {
			t.Fatalf("the what-if failed: %s", err)
		}
		newly := mapEval[string](b, "newly covered", `document.getElementById('whatif-newly').innerText`)
		if newly == "+0" || !strings.HasPrefix(newly, "+") {
			t.Errorf("a new %s at %v covers %q residents", sparse, p, newly)
		}
		if n := b.rendered("whatif-cells-fill", "whatif-point"); n["whatif-cells-fill"] == 0 || n["whatif-point"] != 1 {
			t.Errorf("highlighted cells and new facility drawn: %v", n)
		}
		if rows := mapEval[int](b, "deltas", `document.querySelectorAll('#whatif-deltas tbody tr').length`); rows == 0 {
			t.Error("no community delta in the panel")
		}
		// The answer is the compact difference, and the map draws it: the
		// cells whose walk changed are recoloured with their walk after
		// the change (each newly covered cell among them).
		doc := mapEval[struct {
			Report  any `json:"report"`
			Changed []string
			Newly   []string
		}](b, "answer", `(() => { const d = window.fifteen.state.scenario, s = window.fifteen.state;
			const cs = d.cells.filter(c => c.profile === s.profile && c.category === s.category);
			return {report: d.report || null, Changed: cs.map(c => c.h3), Newly: cs.filter(c => c.now_covered === 1).map(c => c.h3)}; })()`)
		if doc.Report != nil || len(doc.Changed) == 0 {
			t.Fatalf("the map's what-if answer: report %v, %d changed cells", doc.Report != nil, len(doc.Changed))
		}
		colorsAfter := mapEval[string](b, "cell colours", cellColors)
		if colorsAfter == colorsBefore {
			t.Error("the what-if left the cells' colours as they were")
		}
		for _, h := range doc.Newly {
			if !strings.Contains(colorsAfter, `"`+h+`"`) {
				t.Errorf("newly covered cell %s not recoloured: %.300s", h, colorsAfter)
				break
			}
		}
		// The community panel shows the scenario's share of the chosen
		// category where it changed.
		changed := mapEval[string](b, "a changed community", `(() => { const s = window.fifteen.state;
			const e = s.scenario.communities.find(x => x.id && x.profile === s.profile && x.categories.some(c => c.category === s.category && c.after.share !== c.before.share));
			return e ? e.id : ''; })()`)
		if changed == "" {
			t.Fatal("the answer lists no community whose share changed")
		}
		after := mapEval[bool](b, "community after", fmt.Sprintf(`(async () => {
			window.fifteen.selectCommunity && window.fifteen.selectCommunity(%q);
			await window.fifteen.setPanel({kind: 'community', id: %q});
			return !!document.querySelector('#panel .fill.after');
		})()`, changed, changed))
		if !after {
			t.Errorf("community %s's panel does not show the scenario's share", changed)
		}
	})

	// Every scenario action by click, undo, save (with the token), a
	// second scenario, compare, open and delete.
	t.Run("scenario by click", func(t *testing.T) {
		const history = `window.fifteen.state.history.map(h => h.type).join(',')`
		errShown := func(what string) {
			t.Helper()
			if err := mapEval[string](b, "error", `document.getElementById('error').hidden ? '' : document.getElementById('error-text').innerText`); err != "" {
				t.Fatalf("%s: %s", what, err)
			}
		}
		// A refused token: the change is taken back and the error says
		// what to do.
		b.allowNetwork401.Store(true)
		b.do("bad token", chromedp.SendKeys(chromedp.CSS(`#token`), "refuse-me"))
		before := mapEval[string](b, "history", history)
		p0 := b.networkPoint()
		b.do("add refused", chromedp.Click(chromedp.CSS(`[data-tool=whatif]`)), chromedp.MouseClickXY(p0.X, p0.Y))
		b.idle("refused")
		if msg := mapEval[string](b, "error", `document.getElementById('error').hidden ? '' : document.getElementById('error-text').innerText`); !strings.Contains(msg, "needs an access token") {
			t.Errorf("a refused token shows %q", msg)
		}
		if got := mapEval[string](b, "history", history); got != before {
			t.Errorf("a refused change stays: %q, was %q", got, before)
		}
		b.allowNetwork401.Store(false)
		b.do("token", chromedp.Click(chromedp.CSS(`#error-close`)), chromedp.Evaluate[chromedp.Void](`document.getElementById('token').value = ''`),
			chromedp.SendKeys(chromedp.CSS(`#token`), aliceToken))
		authMu.Lock()
		authFrom := len(auths)
		authMu.Unlock()
		if mapEval[string](b, "history", history) == "" {
			p := b.networkPoint()
			b.do("add", chromedp.Click(chromedp.CSS(`[data-tool=whatif]`)), chromedp.MouseClickXY(p.X, p.Y))
			b.idle("add")
		}
		start := mapEval[string](b, "history", history)

		// Close a facility: click one drawn well inside the map.
		b.do("close tool", chromedp.Click(chromedp.CSS(`[data-tool=close]`)))
		b.idle("close tool")
		fac := mapEval[mapPoint](b, "a facility", `(() => {
			const m = window.fifteen.map, r = m.getCanvas().getBoundingClientRect();
			for (const f of m.queryRenderedFeatures({layers: ['fac-circle']})) {
				const q = m.project(f.geometry.coordinates);
				if (q.x > 80 && q.y > 80 && q.x < r.width - 80 && q.y < r.height - 80 &&
					m.queryRenderedFeatures([q.x, q.y], {layers: ['fac-circle']}).length)
					return {X: r.left + q.x, Y: r.top + q.y, Lon: f.geometry.coordinates[0], Lat: f.geometry.coordinates[1]};
			}
			throw new Error('no facility to click');
		})()`)
		b.do("close a facility", chromedp.MouseClickXY(fac.X, fac.Y))
		b.idle("close")
		errShown("closing a facility")
		if got := mapEval[string](b, "history", history); got != start+",close" {
			t.Fatalf("after closing a facility: %q", got)
		}
		if n := b.rendered("edit-close")["edit-close"]; n != 1 {
			t.Errorf("closed facility drawn %d times", n)
		}

		// A new walk link: two clicks on streets 40 to 120 px apart.
		ends := mapEval[[]mapPoint](b, "two street points", `(() => {
			const m = window.fifteen.map, r = m.getCanvas().getBoundingClientRect(), pts = [];
			for (const f of m.queryRenderedFeatures({layers: ['network-line']})) {
				const g = f.geometry, ls = g.type === 'LineString' ? [g.coordinates] : g.type === 'MultiLineString' ? g.coordinates : [];
				for (const l of ls) for (const p of l) {
					const q = m.project(p);
					if (q.x > 80 && q.y > 80 && q.x < r.width - 80 && q.y < r.height - 80) pts.push({X: r.left + q.x, Y: r.top + q.y, Lon: p[0], Lat: p[1]});
				}
			}
			for (const a of pts) for (const b of pts) {
				const d = Math.hypot(a.X - b.X, a.Y - b.Y);
				if (d > 40 && d < 120) return [a, b];
			}
			throw new Error('no two street points');
		})()`)
		b.do("link tool", chromedp.Click(chromedp.CSS(`[data-tool=link]`)), chromedp.MouseClickXY(ends[0].X, ends[0].Y))
		b.idle("link start")
		if hint := mapEval[string](b, "hint", `document.getElementById('hint').innerText`); !strings.Contains(hint, "ends") {
			t.Errorf("hint after the first click of a link: %q", hint)
		}
		b.do("link end", chromedp.MouseClickXY(ends[1].X, ends[1].Y))
		b.idle("link")
		errShown("drawing a link")
		if got := mapEval[string](b, "history", history); got != start+",close,link" {
			t.Fatalf("after a new link: %q", got)
		}
		if n := b.rendered("edit-link")["edit-link"]; n == 0 {
			t.Error("new link not drawn")
		}

		// Close a street: its ways come from the network collection.
		p := b.networkPoint()
		b.do("way tool", chromedp.Click(chromedp.CSS(`[data-tool=way]`)), chromedp.MouseClickXY(p.X, p.Y))
		b.idle("way")
		errShown("closing a street")
		if got := mapEval[string](b, "history", history); got != start+",close,link,way" {
			t.Fatalf("after closing a street: %q", got)
		}
		if ways := mapEval[int](b, "ways", `window.fifteen.state.history.at(-1).ways.length`); ways == 0 {
			t.Error("a closed street without ways")
		}
		if n := b.rendered("edit-way")["edit-way"]; n == 0 {
			t.Error("closed street not drawn")
		}
		legend := mapEval[string](b, "legend", `document.getElementById('legend-scenario').innerText`)
		for _, want := range []string{"closed facility", "new walk link", "closed street"} {
			if !strings.Contains(legend, want) {
				t.Errorf("scenario legend lacks %q: %q", want, legend)
			}
		}
		if n := mapEval[int](b, "edit list", `document.querySelectorAll('#edit-list li').length`); n != strings.Count(start, ",")+4 {
			t.Errorf("%d changes listed", n)
		}

		// Undo takes the street back.
		b.do("undo", chromedp.Click(chromedp.CSS(`#panel [data-action=undo]`)))
		b.idle("undo")
		if got := mapEval[string](b, "history", history); got != start+",close,link" {
			t.Fatalf("after undo: %q", got)
		}
		if n := b.rendered("edit-way")["edit-way"]; n != 0 {
			t.Error("the undone street is still drawn")
		}

		// Save it under a name.
		b.do("save", chromedp.SendKeys(chromedp.CSS(`#scenario-name`), "Plan A"), chromedp.Click(chromedp.CSS(`#panel [data-action=save]`)))
		b.idle("save")
		errShown("saving")
		// (The test server is shared: other tests' scenarios may be listed.)
		const planned = `[...document.querySelectorAll('#scenario-list li .name')].map(e => e.textContent).filter(n => n.startsWith('Plan '))`
		listed := mapEval[[]string](b, "list", planned)
		if strings.Join(listed, ",") != "Plan A" {
			t.Fatalf("saved scenarios listed: %q", listed)
		}
		authMu.Lock()
		sent := append([]string(nil), auths[authFrom:]...)
		authMu.Unlock()
		for _, a := range sent {
			if !strings.HasSuffix(a, " Bearer "+aliceToken) {
				t.Errorf("a scenario write without the token: %q", a)
			}
		}

		// A second scenario: one new facility, saved as Plan B.
		b.do("clear", chromedp.Click(chromedp.CSS(`#clear`)), chromedp.Click(chromedp.CSS(`[data-tool=whatif]`)))
		b.idle("clear")
		q := b.networkPoint()
		b.do("add", chromedp.MouseClickXY(q.X, q.Y))
		b.idle("add B")
		b.do("save B", chromedp.SendKeys(chromedp.CSS(`#scenario-name`), "Plan B"), chromedp.Click(chromedp.CSS(`#panel [data-action=save]`)))
		b.idle("save B")
		errShown("saving B")

		// Plan A against the baseline, then against Plan B.
		for _, against := range []string{"baseline", "Plan B"} {
			b.do("compare", chromedp.Evaluate[chromedp.Void](`(() => {
				const pick = (id, name) => { const s = document.getElementById(id);
					s.value = [...s.options].find(o => o.textContent === name || o.value === name).value; };
				pick('compare-a', 'Plan A'); pick('compare-b', '`+against+`'); })()`),
				chromedp.Click(chromedp.CSS(`#compare`)))
			b.idle("compare")
			errShown("comparing")
			rows := mapEval[int](b, "rows", `document.querySelectorAll('#compare-rows tbody tr').length`)
			none := mapEval[bool](b, "none", `!!document.getElementById('compare-none')`)
			if rows == 0 && !none {
				t.Errorf("comparison with %s: neither rows nor a sentence", against)
			}
			if against == "baseline" && rows == 0 {
				t.Error("Plan A changes no community against the baseline")
			}
			if n := b.rendered("comm-compare")["comm-compare"]; (n > 0) != (rows > 0) {
				t.Errorf("comparison with %s: %d rows, %d outlines", against, rows, n)
			}
			if legend := mapEval[string](b, "legend", `(document.getElementById('legend-compare') || {}).innerText || ''`); !strings.Contains(legend, "more reached") {
				t.Errorf("no legend for the comparison: %q", legend)
			}
		}

		// Open Plan A; delete Plan B.
		b.do("open A", chromedp.Evaluate[chromedp.Void](`[...document.querySelectorAll('#scenario-list li')]
			.find(li => li.querySelector('.name').textContent === 'Plan A').querySelector('[data-action=open]').click()`))
		b.idle("open")
		if title := mapEval[string](b, "title", `document.querySelector('#panel h2').innerText`); !strings.Contains(title, "Plan A") {
			t.Errorf("opened scenario's title %q", title)
		}
		if got := mapEval[string](b, "history", history); got != start+",close,link" {
			t.Errorf("opened Plan A's changes: %q", got)
		}
		b.do("delete B", chromedp.Evaluate[chromedp.Void](`[...document.querySelectorAll('#scenario-list li')]
			.find(li => li.querySelector('.name').textContent === 'Plan B').querySelector('[data-action=delete]').click()`))
		b.idle("delete")
		listed = mapEval[[]string](b, "list", planned)
		if strings.Join(listed, ",") != "Plan A" {
			t.Errorf("after deleting Plan B: %q", listed)
		}
		server := mapEval[[]string](b, "server list", `fetch('/v1/scenarios').then(r => r.json()).then(d => d.scenarios.map(s => s.name).filter(n => n.startsWith('Plan ') || n === 'map draft'))`)
		if strings.Join(server, ",") != "Plan A" {
			t.Errorf("the server keeps %q (drafts must go)", server)
		}
		b.do("clear", chromedp.Click(chromedp.CSS(`#clear`)), chromedp.Click(chromedp.CSS(`[data-tool=inspect]`)))
		b.idle("clear")
	})

	screenshot("map.png")

	t.Run("community panel", func(t *testing.T) {
		b.do("inspect tool", chromedp.Click(chromedp.CSS(`#clear`)), chromedp.Click(chromedp.CSS(`[data-tool=inspect]`)))
		b.idle("clear")
		p := mapEval[mapPoint](b, "a community", `(() => {
			const m = window.fifteen.map, r = m.getCanvas().getBoundingClientRect();
			for (let y = 80; y < r.height - 80; y += 20) for (let x = 80; x < r.width - 80; x += 20) {
				const hit = m.queryRenderedFeatures([x, y], {layers: ['fac-circle', 'gaps-fill', 'comm-hit']});
				if (hit.length && hit.every(f => f.layer.id === 'comm-hit')) return {X: r.left + x, Y: r.top + y};
			}
			throw new Error('no community to click');
		})()`)
		b.do("clicking a community", chromedp.MouseClickXY(p.X, p.Y))
		b.idle("community")
		panel := mapEval[string](b, "panel", `document.getElementById('panel').innerText`)
		for _, want := range []string{"Population", "5-minute circle", "15-minute circle", "Coverage per facility"} {
			if !strings.Contains(panel, want) {
				t.Errorf("community panel lacks %q:\n%s", want, panel)
			}
		}
		if n := b.rendered("comm-selected")["comm-selected"]; n == 0 {
			t.Error("the chosen community is not outlined")
		}
		// Capacity in plain words: the need with its norm, the places
		// reached, the shortfall.
		if mapEval[bool](b, "capacity", `!!document.querySelector('#panel dl.cap')`) {
			for _, want := range []string{"Need", "per 1,000", "Places reached", "Shortfall"} {
				if !strings.Contains(panel, want) {
					t.Errorf("capacity lacks %q:\n%s", want, panel)
				}
			}
		}
	})

	t.Run("search", func(t *testing.T) {
		_, city := testServer(t)
		var comm geo.Community
		for _, c := range city.Communities {
			if len([]rune(c.Name)) >= 4 {
				comm = c
				break
			}
		}
		if comm.ID == "" {
			t.Skip("no named community")
		}
		part := string([]rune(comm.Name)[:4])
		b.do("search", chromedp.Click(chromedp.CSS(`#clear`)), chromedp.SendKeys(chromedp.CSS(`#search`), part))
		b.do("results", chromedp.Poll[chromedp.Void](`!document.getElementById('search-results').hidden`,
			chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(10*time.Second)))
		b.idle("search")
		names := mapEval[[]string](b, "results", `[...document.querySelectorAll('#search-results [role=option] .name')].map(e => e.textContent)`)
		i := slicesIndex(names, comm.Name)
		if i < 0 {
			t.Fatalf("searching %q: %q lacks %q", part, names, comm.Name)
		}
		for k := 0; k <= i; k++ {
			b.do("down", chromedp.KeyEvent("\ue015")) // ArrowDown
		}
		b.do("enter", chromedp.KeyEvent("\r"))
		b.idle("chosen")
		if title := mapEval[string](b, "panel", `document.querySelector('#panel h2') ? document.querySelector('#panel h2').innerText : ''`); title != comm.Name {
			t.Errorf("after choosing %q the panel shows %q", comm.Name, title)
		}
		if n := b.rendered("comm-selected")["comm-selected"]; n == 0 {
			t.Error("the found community is not outlined")
		}
		// A category by its Chinese name.
		clinic, _ := city.Taxonomy.Category("clinic")
		before := mapEval[string](b, "category", `document.getElementById('category').value`)
		b.do("search zh", chromedp.Evaluate[chromedp.Void](`document.getElementById('search').value = ''`),
			chromedp.SendKeys(chromedp.CSS(`#search`), clinic.NameZH))
		b.do("results zh", chromedp.Poll[chromedp.Void](`document.querySelector('#search-results [role=option]') && !document.getElementById('search-results').hidden`,
			chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(10*time.Second)))
		b.idle("search zh")
		b.do("choose zh", chromedp.Click(chromedp.CSS(`#search-results [role=option]`)))
		b.idle("chosen zh")
		if got := mapEval[string](b, "category", `document.getElementById('category').value`); got != "clinic" {
			t.Errorf("searching %s chose category %q", clinic.NameZH, got)
		}
		mapEval[bool](b, "back", choose+`('category', '`+before+`')`)
		b.idle("category back")
	})

	t.Run("downloads", func(t *testing.T) {
		type dl struct {
			Status      int
			Type, Start string
			Bytes       int
		}
		fetch := `(async (href) => { const r = await fetch(href); const b = new Uint8Array(await r.arrayBuffer());
			return {Status: r.status, Type: r.headers.get('Content-Type'), Bytes: b.length,
				Start: new TextDecoder('utf-8', {ignoreBOM: true}).decode(b.slice(0, 16))}; })`
		for _, layer := range []string{"communities", "facilities", "underserved"} {
			mapEval[bool](b, "layer", choose+`('dl-layer', '`+layer+`')`)
			for _, f := range []struct{ id, ct, start string }{
				{"csv", "text/csv", "\ufeff"}, {"geojson", "application/geo+json", `{"type":"Feature`}, {"gpkg", "application/geopackage+sqlite3", "SQLite format 3"},
			} {
				href := mapEval[string](b, "href", `document.getElementById('dl-`+f.id+`').getAttribute('href')`)
				got := mapEval[dl](b, "download "+href, fetch+`('`+href+`')`)
				if got.Status != 200 || !strings.HasPrefix(got.Type, f.ct) || !strings.HasPrefix(got.Start, f.start) || got.Bytes < 100 {
					t.Errorf("%s as %s (%s): %+v", layer, f.id, href, got)
				}
			}
		}
		// The community in the panel (found by the search) alone.
		links := mapEval[[]string](b, "panel links", `[...document.querySelectorAll('#panel .dl-comm a')].map(a => a.getAttribute('href'))`)
		if len(links) != 3 {
			t.Fatalf("community download links %q", links)
		}
		for _, h := range links {
			got := mapEval[dl](b, "download "+h, fetch+`('`+h+`')`)
			if got.Status != 200 || !strings.Contains(h, "id=") {
				t.Errorf("%s: %+v", h, got)
			}
		}
		// The map as a PNG: the map, a legend beside it, the credit.
		png := mapEval[map[string]float64](b, "png", `window.fifteen.mapPNG()`)
		cw := mapEval[float64](b, "canvas", `window.fifteen.map.getCanvas().width`)
		if png["width"] <= cw || png["bytes"] < 20000 {
			t.Errorf("map PNG %v for a %v px canvas", png, cw)
		}
	})

	t.Run("keyboard", func(t *testing.T) {
		street := b.networkPoint()
		mapEval[bool](b, "street", fmt.Sprintf(`(window.fifteen.state.lastStreet = [%v, %v], true)`, street.Lon, street.Lat))
		b.do("focus", chromedp.Focus(chromedp.CSS(`#category`)))
		seen := map[string]bool{}
		for i := 0; i < 12; i++ {
			b.do("tab", chromedp.KeyEvent("\t"))
			f := mapEval[map[string]string](b, "focused", `(() => { const e = document.activeElement, s = getComputedStyle(e);
				return {id: e.id || e.dataset.tool || e.tagName, outline: s.outlineStyle, width: s.outlineWidth}; })()`)
			seen[f["id"]] = true
			if f["outline"] == "none" || f["width"] == "0px" {
				t.Errorf("focus on %s is not visible (%v)", f["id"], f)
			}
		}
		for _, want := range []string{"profile", "measure", "lang", "search", "isochrone", "close"} {
			if !seen[want] {
				t.Errorf("Tab never reached %s (%v)", want, seen)
			}
		}
		// Enter on the focused map applies the tool at its centre.
		b.do("isochrone by keyboard", chromedp.Click(chromedp.CSS(`#clear`)), chromedp.Click(chromedp.CSS(`[data-tool=isochrone]`)),
			chromedp.Evaluate[chromedp.Void](`(() => { const m = window.fifteen.map;
				m.jumpTo({center: window.fifteen.state.lastStreet}); m.getCanvas().focus(); })()`),
			chromedp.KeyEvent("\r"))
		b.idle("isochrone by keyboard")
		if n := b.rendered("iso-line")["iso-line"]; n == 0 {
			t.Errorf("Enter on the map drew no isochrone (%s)", mapEval[string](b, "error", `document.getElementById('error-text').innerText`))
		}
		b.do("back", chromedp.Click(chromedp.CSS(`#clear`)), chromedp.Click(chromedp.CSS(`[data-tool=inspect]`)))
		b.idle("back")
	})

	// Text against its background: WCAG AA, 4.5:1 (3:1 for bold 14 px+).
	t.Run("contrast", func(t *testing.T) {
		low := mapEval[[]string](b, "contrast", `(() => {
			const lum = (c) => { const m = c.match(/[\d.]+/g).map(Number);
				const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
				return 0.2126 * f(m[0]) + 0.7152 * f(m[1]) + 0.0722 * f(m[2]); };
			const bg = (e) => { for (; e; e = e.parentElement) { const c = getComputedStyle(e).backgroundColor;
				const m = c.match(/[\d.]+/g); if (m && (m.length < 4 || +m[3] > 0.5)) return c; } return 'rgb(255,255,255)'; };
			const out = [];
			for (const e of document.querySelectorAll('#bar *, #side *')) {
				if (!e.offsetParent || ![...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
				const s = getComputedStyle(e), a = lum(s.color), z = lum(bg(e));
				const r = (Math.max(a, z) + 0.05) / (Math.min(a, z) + 0.05);
				const large = parseFloat(s.fontSize) >= 18.66 || (parseFloat(s.fontSize) >= 14 && +s.fontWeight >= 700);
				if (r < (large ? 3 : 4.5) && !e.closest('button:disabled')) out.push(e.tagName + ' "' + e.textContent.trim().slice(0, 30) + '" ' + r.toFixed(2));
			}
			return out;
		})()`)
		if len(low) > 0 {
			t.Errorf("text below WCAG AA contrast:\n%s", strings.Join(low, "\n"))
		}
	})

	t.Run("API error in plain words", func(t *testing.T) {
		b.allowNetwork422.Store(true)
		defer b.allowNetwork422.Store(false)
		// The open sea, kilometres from any street of Monaco; back after.
		mapEval[bool](b, "to the sea", `(window.fifteenView = {center: window.fifteen.map.getCenter(), zoom: window.fifteen.map.getZoom()},
			window.fifteen.map.jumpTo({center: [7.47, 43.68], zoom: 15}), true)`)
		defer mapEval[bool](b, "back", `(window.fifteen.map.jumpTo(window.fifteenView), true)`)
		b.idle("sea")
		b.do("isochrone at sea", chromedp.Click(chromedp.CSS(`[data-tool=isochrone]`)),
			chromedp.MouseClickXY(600, 400))
		b.idle("isochrone at sea")
		msg := mapEval[string](b, "error", `document.getElementById('error').hidden ? '' : document.getElementById('error-text').innerText`)
		if !strings.HasPrefix(msg, "That cannot be computed there: point too far from the walk network") {
			t.Errorf("error shown: %q", msg)
		}
		b.do("closing the error", chromedp.Click(chromedp.CSS(`#error-close`)))
	})

	t.Run("Chinese labels", func(t *testing.T) {
		b.do("中文", chromedp.Click(chromedp.CSS(`#lang`)))
		b.idle("中文")
		got := mapEval[map[string]string](b, "labels", `({
			lang: document.documentElement.lang,
			option: document.querySelector('#profile option[value=senior]').textContent,
			tool: document.querySelector('[data-tool=whatif]').textContent,
			button: document.getElementById('lang').textContent})`)
		if got["lang"] != "zh-Hans" || got["option"] != "老年人" || got["tool"] != "新建设施" || got["button"] != "English" {
			t.Errorf("after the toggle: %v", got)
		}
		b.do("English", chromedp.Click(chromedp.CSS(`#lang`)))
	})

	t.Run("phone", func(t *testing.T) {
		b.do("phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
		mapEval[bool](b, "resize", `(window.fifteen.map.resize(), true)`)
		b.idle("phone")
		got := mapEval[map[string]float64](b, "layout", `(() => {
			const box = id => document.getElementById(id).getBoundingClientRect();
			const a = document.querySelector('.maplibregl-ctrl-attrib').getBoundingClientRect();
			return {mapW: box('map').width, mapH: box('map').height, sideTop: box('side').top, mapBottom: box('map').bottom,
				attribW: a.width, docW: document.documentElement.scrollWidth};
		})()`)
		if got["mapW"] < 380 || got["mapH"] < 250 || got["sideTop"] < got["mapBottom"]-1 || got["attribW"] == 0 || got["docW"] > 391 {
			t.Errorf("phone layout: %v", got)
		}
		// Every control in sight, none scrolled sideways.
		off := mapEval[[]string](b, "controls", `[...document.querySelectorAll('#bar select, #bar button, #bar input')].filter(e => {
			const r = e.getBoundingClientRect();
			let sx = false;
			for (let p = e.parentElement; p; p = p.parentElement) if (p.scrollWidth > p.clientWidth + 1 && getComputedStyle(p).overflowX !== 'visible') sx = true;
			return r.width === 0 || r.left < 0 || r.right > window.innerWidth + 0.5 || sx;
		}).map(e => e.id || e.dataset.tool || e.tagName)`)
		if len(off) > 0 {
			t.Errorf("controls out of sight on a phone: %v", off)
		}
		// A tap goes to the topmost feature under the finger: a point in a
		// community, next to (not on) an underserved area, opens the
		// community.
		b.do("inspect", chromedp.Click(chromedp.CSS(`[data-tool=inspect]`)),
			chromedp.Evaluate[chromedp.Void](`(() => { const m = window.fifteen.map;
				m.fitBounds(m.getSource('communities').bounds, {duration: 0, padding: 10}); })()`))
		b.idle("whole city")
		tap := mapEval[map[string]float64](b, "a community beside a gap", `(() => {
			const m = window.fifteen.map, r = m.getCanvas().getBoundingClientRect();
			for (let y = 20; y < r.height - 20; y += 3) for (let x = 20; x < r.width - 20; x += 3) {
				const at = m.queryRenderedFeatures([x, y], {layers: ['fac-circle', 'gaps-fill', 'comm-hit']});
				if (!at.length || at[0].layer.id !== 'comm-hit') continue;
				const nearby = m.queryRenderedFeatures([[x - 5, y - 5], [x + 5, y + 5]], {layers: ['gaps-fill', 'fac-circle']});
				if (nearby.length && nearby.every(f => f.layer.id === 'gaps-fill')) return {X: r.left + x, Y: r.top + y, found: 1};
			}
			return {found: 0};
		})()`)
		if tap["found"] == 1 {
			b.do("tap", chromedp.MouseClickXY(tap["X"], tap["Y"]))
			b.idle("tap")
			if kind := mapEval[string](b, "panel", `document.querySelector('#panel h2') ? document.querySelector('#panel h2').innerText : ''`); strings.HasPrefix(kind, "Underserved") || kind == "" {
				t.Errorf("a tap on a community beside an underserved area opened %q", kind)
			}
		} else {
			t.Error("no community point next to an underserved area in the whole city: the tap is not tested")
		}
		screenshot("map-phone.png")
	})

	if msgs := b.consoleErrors(); msgs != "" {
		t.Error(errors.New(strings.TrimSpace(msgs)))
	}
}
