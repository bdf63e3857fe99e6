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
	srv := &http.Server{Handler: e, ReadHeaderTimeout: 10 * time.Second}
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
		if n := b.rendered("iso-line")["iso-line"]; n == 0 {
			t.Error("no contour drawn")
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
		if got["lang"] != "zh-Hans" || got["option"] != "老年人" || got["tool"] != "假如新建…" || got["button"] != "English" {
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
		screenshot("map-phone.png")
	})

	if msgs := b.consoleErrors(); msgs != "" {
		t.Error(errors.New(strings.TrimSpace(msgs)))
	}
}
