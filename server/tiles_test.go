package server

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	orbgeo "github.com/paulmach/orb/geo"
	"github.com/paulmach/orb/maptile"
	"github.com/paulmach/orb/planar"

	"fifteen/geo"
	"fifteen/geo/hex"
)

// Tiles over the centre of Monaco (7.4235, 43.7385).
var (
	monacoZ14 = maptile.New(8529, 5974, 14)
	monacoZ16 = maptile.New(34119, 23896, 16)
)

func tileURL(layer string, t maptile.Tile, query string) string {
	u := fmt.Sprintf("/tiles/%s/%d/%d/%d.mvt", layer, t.Z, t.X, t.Y)
	if query != "" {
		u += "?" + query
	}
	return u
}

// tileGet fetches a tile, asserts a 200 MVT answer and decodes its only
// layer, named layer, keeping tile coordinates.
func tileGet(t *testing.T, layer string, tile maptile.Tile, query string) *mvt.Layer {
	t.Helper()
	e, _ := testServer(t)
	rec := do(t, e, http.MethodGet, tileURL(layer, tile, query), nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("%s: status %d, body %s", tileURL(layer, tile, query), rec.Code, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); ct != mvtContentType {
		t.Errorf("content type %q, want %q", ct, mvtContentType)
	}
	ls, err := mvt.Unmarshal(rec.Body.Bytes())
	if err != nil {
		t.Fatalf("decoding the tile: %v", err)
	}
	if len(ls) != 1 || ls[0].Name != layer {
		t.Fatalf("want one layer %q, got %d layers", layer, len(ls))
	}
	if ls[0].Extent != tileExtent || ls[0].Version != 2 {
		t.Errorf("extent %d version %d, want %d and 2", ls[0].Extent, ls[0].Version, tileExtent)
	}
	if len(ls[0].Features) == 0 {
		t.Fatalf("%s: no feature", tileURL(layer, tile, query))
	}
	return ls[0]
}

func TestTileCells(t *testing.T) {
	d := testDeps(t)
	cats := d.City.Taxonomy.Categories
	for _, tc := range []struct {
		name    string
		tile    maptile.Tile
		res     int
		profile string
	}{
		{"z14 is resolution 10", monacoZ14, 10, "adult"},
		{"z16 is resolution 10", monacoZ16, 10, "adult"},
		{"z13 is resolution 9", monacoZ14.Parent(), 9, "adult"},
		{"z12 is resolution 9", monacoZ14.Parent().Parent(), 9, "adult"},
		{"z10 is resolution 8", maptile.At(orb.Point{7.4235, 43.7385}, 10), 8, "adult"},
		{"z8 is resolution 7", maptile.At(orb.Point{7.4235, 43.7385}, 8), 7, "adult"},
		{"senior profile", monacoZ14, 10, "senior"},
		{"wheelchair profile", monacoZ14, 10, "wheelchair"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := tileGet(t, "cells", tc.tile, "profile="+tc.profile)
			p := d.Access.ProfileIndex(tc.profile)
			rows, err := d.Access.Cells(p, tc.res)
			if err != nil {
				t.Fatal(err)
			}
			byCell := map[hex.Cell]geo.CellRow{}
			for _, r := range rows {
				byCell[r.Cell] = r
			}
			// Every cell whose centre lies inside the tile must be there.
			inside := 0
			b := tc.tile.Bound()
			for _, r := range rows {
				if b.Contains(r.Cell.Center()) {
					inside++
				}
			}
			if len(l.Features) < inside {
				t.Errorf("%d features, but %d cells have their centre in the tile", len(l.Features), inside)
			}
			for _, f := range l.Features {
				cell, err := hex.Parse(f.Properties.MustString("h3"))
				if err != nil {
					t.Fatal(err)
				}
				row, ok := byCell[cell]
				if !ok || cell.Res() != tc.res {
					t.Fatalf("feature id %v is not a populated cell of resolution %d", f.ID, tc.res)
				}
				if id := tileFeatureID(t, f.ID); id < 1 || id > uint64(len(rows)) || rows[id-1].Cell != cell {
					t.Errorf("cell %s has id %d", cell, id)
				}
				if got := f.Properties.MustFloat64("population"); math.Abs(got-row.Population) > 0.01 {
					t.Errorf("cell %s population %v, want %v", cell, got, row.Population)
				}
				for ci, c := range cats {
					w := f.Properties.MustFloat64("within_" + c.ID)
					if math.Abs(w-row.Within[ci]) > 0.001 {
						t.Errorf("cell %s within_%s %v, want %v", cell, c.ID, w, row.Within[ci])
					}
					m, has := f.Properties["minutes_"+c.ID]
					if has != !math.IsNaN(row.Minutes[ci]) {
						t.Errorf("cell %s minutes_%s present %v, but reached %v", cell, c.ID, has, !math.IsNaN(row.Minutes[ci]))
					} else if has && math.Abs(m.(float64)-row.Minutes[ci]) > 0.01 {
						t.Errorf("cell %s minutes_%s %v, want %v", cell, c.ID, m, row.Minutes[ci])
					}
				}
				if _, ok := f.Geometry.(orb.Polygon); !ok {
					t.Errorf("cell %s is a %T, want a polygon", cell, f.Geometry)
				}
			}
		})
	}
}

// A cell must land on its own hexagon: a swapped lon/lat or a wrong
// projection would put it elsewhere without any error.
func TestTileCellsLandOnTheirHexagon(t *testing.T) {
	l := tileGet(t, "cells", monacoZ16, "")
	l.ProjectToWGS84(monacoZ16)
	n := 0
	for _, f := range l.Features {
		cell, err := hex.Parse(f.Properties.MustString("h3"))
		if err != nil {
			t.Fatal(err)
		}
		poly := f.Geometry.(orb.Polygon)
		if !poly.Bound().Contains(cell.Center()) {
			continue // clipped away from its centre
		}
		n++
		c, _ := planar.CentroidArea(poly)
		full := planar.Area(orb.Polygon{cell.Boundary()})
		_, area := planar.CentroidArea(poly)
		if area < 0.95*full { // clipped: centroids differ
			continue
		}
		if d := orbgeo.Distance(c, cell.Center()); d > 2 {
			t.Errorf("cell %s drawn %.1f m from its centre", cell, d)
		}
	}
	if n == 0 {
		t.Fatal("no cell centre in the z16 tile")
	}
}

func TestTileCellsProfilesDiffer(t *testing.T) {
	adult := tileGet(t, "cells", monacoZ14, "")
	wheel := tileGet(t, "cells", monacoZ14, "profile=wheelchair")
	if len(adult.Features) != len(wheel.Features) {
		t.Fatalf("%d adult cells, %d wheelchair cells", len(adult.Features), len(wheel.Features))
	}
	differ := false
	for i := range adult.Features {
		for k, v := range adult.Features[i].Properties {
			if strings.HasPrefix(k, "minutes_") && wheel.Features[i].Properties[k] != v {
				differ = true
			}
		}
	}
	if !differ {
		t.Error("wheelchair walk times equal adult ones in every cell")
	}
}

func TestTileCommunities(t *testing.T) {
	d := testDeps(t)
	_, city := testServer(t)
	rep, err := d.Access.Report()
	if err != nil {
		t.Fatal(err)
	}
	for _, tile := range []maptile.Tile{monacoZ14, monacoZ16} {
		for _, profile := range []string{"adult", "senior"} {
			t.Run(fmt.Sprintf("z%d %s", tile.Z, profile), func(t *testing.T) {
				l := tileGet(t, "communities", tile, "profile="+profile)
				p := d.Access.ProfileIndex(profile)
				for _, f := range l.Features {
					i := int(tileFeatureID(t, f.ID)) - 1
					if i < 0 || i >= len(city.Communities) {
						t.Fatalf("feature id %v is no community", f.ID)
					}
					cov := rep.Communities[i].Profiles[p]
					if f.Properties["id"] != city.Communities[i].ID || f.Properties["name"] != city.Communities[i].Name {
						t.Errorf("community %d: id %v name %v", i, f.Properties["id"], f.Properties["name"])
					}
					near := func(k string, want float64) {
						if got, ok := f.Properties[k].(float64); !ok || math.Abs(got-want) > 0.001 {
							t.Errorf("%s %s = %v, want %v", city.Communities[i].ID, k, f.Properties[k], want)
						}
					}
					// The tile carries the communities' published fields for
					// the walker, named as in the OGC collection.
					near("f15_"+profile, cov.F15)
					near("complete_share_"+profile, cov.CompleteShare)
					for _, cg := range cov.Categories {
						near("share_"+cg.Category+"_"+profile, cg.Share)
					}
					switch f.Geometry.(type) {
					case orb.Polygon, orb.MultiPolygon:
					default:
						t.Errorf("community geometry %T", f.Geometry)
					}
				}
			})
		}
	}
	// Every community whose outline meets a tile (and its buffer) is in it.
	for _, tile := range []maptile.Tile{monacoZ14, monacoZ14.Parent()} {
		want := 0
		for _, c := range city.Communities {
			if c.Geom.Bound().Intersects(tile.Bound(tileBuffer / float64(tileExtent))) {
				want++
			}
		}
		if l := tileGet(t, "communities", tile, ""); len(l.Features) != want {
			t.Errorf("z%d: %d communities, want %d", tile.Z, len(l.Features), want)
		}
	}
}

func TestTileFacilities(t *testing.T) {
	_, city := testServer(t)
	for _, tile := range []maptile.Tile{monacoZ14, monacoZ16} {
		t.Run(fmt.Sprintf("z%d", tile.Z), func(t *testing.T) {
			l := tileGet(t, "facilities", tile, "")
			inside, buffered := 0, 0
			b, bb := tile.Bound(), tile.Bound(tileBuffer/float64(tileExtent))
			for _, f := range city.Facilities {
				if b.Contains(f.Point) {
					inside++
				}
				if bb.Contains(f.Point) {
					buffered++
				}
			}
			if n := len(l.Features); n < inside || n > buffered {
				t.Errorf("%d facilities, want %d..%d", n, inside, buffered)
			}
			for _, f := range l.Features {
				i := int(tileFeatureID(t, f.ID)) - 1
				fac := city.Facilities[i]
				if f.Properties["id"] != fac.ID || f.Properties["category"] != fac.Category {
					t.Errorf("facility %d: id %v category %v, want %s %s", i, f.Properties["id"], f.Properties["category"], fac.ID, fac.Category)
				}
				if name, ok := f.Properties["name"]; ok != (fac.Name != "") || (ok && name != fac.Name) {
					t.Errorf("facility %s name %v, want %q", fac.ID, name, fac.Name)
				}
				if _, ok := f.Geometry.(orb.Point); !ok {
					t.Errorf("facility %s is a %T", fac.ID, f.Geometry)
				}
			}
		})
	}
}

func TestTileNetwork(t *testing.T) {
	_, city := testServer(t)
	g := city.Graph
	for _, tile := range []maptile.Tile{monacoZ14, monacoZ16} {
		l := tileGet(t, "network", tile, "")
		for _, f := range l.Features {
			e := int(tileFeatureID(t, f.ID))
			if got := f.Properties.MustFloat64("length_m"); math.Abs(got-g.EdgeLengthM(e)) > 0.1 {
				t.Errorf("edge %d length %v, want %v", e, got, g.EdgeLengthM(e))
			}
			fl := g.EdgeAttr(e).Flags
			for name, flag := range map[string]geo.EdgeFlags{"steps": geo.FlagSteps, "tunnel": geo.FlagTunnel, "indoor": geo.FlagIndoor, "major_road": geo.FlagMajorRoad} {
				if got := f.Properties[name] == true; got != (fl&flag != 0) {
					t.Errorf("edge %d %s = %v, flags %b", e, name, f.Properties[name], fl)
				}
			}
			switch f.Geometry.(type) {
			case orb.LineString, orb.MultiLineString:
			default:
				t.Errorf("edge %d is a %T", e, f.Geometry)
			}
		}
	}
	// "only major edges below z13"
	e, _ := testServer(t)
	z12 := monacoZ14.Parent().Parent()
	rec := do(t, e, http.MethodGet, tileURL("network", z12, ""), nil)
	switch rec.Code {
	case http.StatusNoContent:
	case http.StatusOK:
		ls, err := mvt.Unmarshal(rec.Body.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range ls[0].Features {
			if f.Properties["major_road"] != true {
				t.Fatalf("z12 network has a minor edge %v", f.ID)
			}
		}
	default:
		t.Fatalf("z12 network: status %d", rec.Code)
	}
}

func TestTileUnderserved(t *testing.T) {
	d := testDeps(t)
	for _, tc := range []struct{ query, category, profile string }{
		{"", "clinic", "adult"}, // the default category
		{"category=pharmacy&profile=senior", "pharmacy", "senior"},
	} {
		t.Run(tc.category+" "+tc.profile, func(t *testing.T) {
			cls, err := d.Access.Gaps(geo.GapOptions{Category: tc.category, Profile: tc.profile})
			if err != nil {
				t.Fatal(err)
			}
			e, _ := testServer(t)
			rec := do(t, e, http.MethodGet, tileURL("underserved", monacoZ14, tc.query), nil)
			if len(cls) == 0 {
				if rec.Code != http.StatusNoContent {
					t.Fatalf("no cluster, status %d", rec.Code)
				}
				return
			}
			l := tileGet(t, "underserved", monacoZ14, tc.query)
			for _, f := range l.Features {
				id := int(tileFeatureID(t, f.ID))
				cl := cls[id-1]
				if f.Properties["category"] != tc.category || f.Properties["profile"] != tc.profile {
					t.Errorf("cluster %d: category %v profile %v", id, f.Properties["category"], f.Properties["profile"])
				}
				if got := f.Properties.MustFloat64("population"); math.Abs(got-cl.Population) > 0.01 {
					t.Errorf("cluster %d population %v, want %v", id, got, cl.Population)
				}
				if got := int(f.Properties.MustFloat64("cells")); got != len(cl.Cells) {
					t.Errorf("cluster %d cells %d, want %d", id, got, len(cl.Cells))
				}
			}
		})
	}
}

func TestTileGzipAndETag(t *testing.T) {
	e, _ := testServer(t)
	u := tileURL("cells", monacoZ14, "")
	raw := do(t, e, http.MethodGet, u, nil)
	gz := do(t, e, http.MethodGet, u, nil, "Accept-Encoding", "gzip, deflate")
	if raw.Code != 200 || gz.Code != 200 {
		t.Fatalf("status %d and %d", raw.Code, gz.Code)
	}
	if raw.Header().Get("Content-Encoding") != "" {
		t.Errorf("raw tile has Content-Encoding %q", raw.Header().Get("Content-Encoding"))
	}
	if gz.Header().Get("Content-Encoding") != "gzip" || gz.Header().Get("Content-Type") != mvtContentType {
		t.Errorf("gzip tile: Content-Encoding %q, Content-Type %q", gz.Header().Get("Content-Encoding"), gz.Header().Get("Content-Type"))
	}
	a, err := mvt.Unmarshal(raw.Body.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	b, err := mvt.UnmarshalGzipped(gz.Body.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if len(a[0].Features) != len(b[0].Features) {
		t.Errorf("%d features raw, %d gzipped", len(a[0].Features), len(b[0].Features))
	}
	// Two codings are two representations: each has its own strong ETag
	// (RFC 9110 8.8.3), and each answers its own If-None-Match.
	etag, gzTag := raw.Header().Get("ETag"), gz.Header().Get("ETag")
	if etag == "" || gzTag == "" || gzTag == etag {
		t.Fatalf("ETags %q and %q", etag, gzTag)
	}
	if rec := do(t, e, http.MethodGet, u, nil, "If-None-Match", etag); rec.Code != http.StatusNotModified || rec.Body.Len() != 0 {
		t.Errorf("If-None-Match: status %d, %d bytes", rec.Code, rec.Body.Len())
	}
	if rec := do(t, e, http.MethodGet, u, nil, "If-None-Match", gzTag, "Accept-Encoding", "gzip"); rec.Code != http.StatusNotModified {
		t.Errorf("If-None-Match with the gzip ETag: status %d", rec.Code)
	}
	if rec := do(t, e, http.MethodGet, u, nil, "Accept-Encoding", "gzip;q=0, identity"); rec.Header().Get("Content-Encoding") != "" {
		t.Errorf("gzip;q=0 still got %q", rec.Header().Get("Content-Encoding"))
	}
	other := do(t, e, http.MethodGet, tileURL("cells", monacoZ14, "profile=senior"), nil)
	if other.Header().Get("ETag") == etag {
		t.Error("the senior tile has the adult tile's ETag")
	}
}

func TestTileEmpty(t *testing.T) {
	e, _ := testServer(t)
	for _, u := range []string{
		tileURL("cells", maptile.New(0, 0, 14), ""),
		tileURL("network", maptile.New(100, 200, 16), ""),
		tileURL("communities", maptile.New(0, 0, 6), ""),
	} {
		rec := do(t, e, http.MethodGet, u, nil)
		if rec.Code != http.StatusNoContent || rec.Body.Len() != 0 {
			t.Errorf("%s: status %d, %d bytes; want 204 and no body", u, rec.Code, rec.Body.Len())
		}
	}
}

func TestTileBadRequests(t *testing.T) {
	e, _ := testServer(t)
	for _, tc := range []struct {
		name, url string
		status    int
		param     string
	}{
		{"unknown layer", "/tiles/roads/14/8529/5974.mvt", 404, "layer"},
		{"unknown layer tilejson", "/tiles/roads.json", 404, "layer"},
		{"tilejson without suffix", "/tiles/cells", 404, "layer"},
		{"not an mvt", "/tiles/cells/14/8529/5974.png", 404, "y"},
		{"z beyond 22", "/tiles/cells/23/0/0.mvt", 400, "z"},
		{"z beyond the layer", "/tiles/cells/17/0/0.mvt", 400, "z"},
		{"z below the layer", "/tiles/facilities/11/0/0.mvt", 400, "z"},
		{"negative z", "/tiles/cells/-1/0/0.mvt", 400, "z"},
		{"fractional z", "/tiles/cells/14.5/0/0.mvt", 400, "z"},
		{"huge z", "/tiles/cells/99999999999999999999/0/0.mvt", 400, "z"},
		{"x is 2^z", "/tiles/cells/14/16384/5974.mvt", 400, "x"},
		{"neg row(y) not allowed issue-229", "/tiles/cells/14/8529/-1.mvt", 400, "y"},
		{"y is 2^z", "/tiles/cells/14/8529/16384.mvt", 400, "y"},
		{"x not a number", "/tiles/cells/14/abc/5974.mvt", 400, "x"},
		{"x with a sign", "/tiles/cells/14/+8529/5974.mvt", 400, "x"},
		{"y empty", "/tiles/cells/14/8529/.mvt", 400, "y"},
		{"y hex", "/tiles/cells/14/8529/0x10.mvt", 400, "y"},
		{"unknown profile", "/tiles/cells/14/8529/5974.mvt?profile=cyclist", 400, "profile"},
		{"unknown profile on communities", "/tiles/communities/14/8529/5974.mvt?profile=x", 400, "profile"},
		{"unknown category", "/tiles/underserved/14/8529/5974.mvt?category=casino", 400, "category"},
		{"unknown profile of underserved", "/tiles/underserved/14/8529/5974.mvt?profile=x", 400, "profile"},
		{"unknown profile tilejson", "/tiles/cells.json?profile=x", 400, "profile"},
		{"unknown category tilejson", "/tiles/underserved.json?category=x", 400, "category"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := do(t, e, http.MethodGet, tc.url, nil)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d; body %s", rec.Code, tc.status, rec.Body)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("content type %q", ct)
			}
			if rec.Header().Get("ETag") != "" {
				t.Error("a problem carries an ETag")
			}
			var p Problem
			if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
				t.Fatal(err)
			}
			if p.Status != tc.status || p.Param != tc.param || p.Detail == "" {
				t.Errorf("problem %+v, want status %d param %q", p, tc.status, tc.param)
			}
		})
	}
}

func TestTileJSON(t *testing.T) {
	e, city := testServer(t)
	for _, l := range tileLayers {
		t.Run(l.id, func(t *testing.T) {
			// A proxy on the same host says the client came over https.
			req := httptest.NewRequest(http.MethodGet, "/tiles/"+l.id+".json", nil)
			req.RemoteAddr = "127.0.0.1:40000"
			req.Header.Set("X-Forwarded-Proto", "https")
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, req)
			if rec.Code != 200 {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			var doc struct {
				TileJSON     string     `json:"tilejson"`
				Tiles        []string   `json:"tiles"`
				MinZoom      int        `json:"minzoom"`
				MaxZoom      int        `json:"maxzoom"`
				Bounds       []float64  `json:"bounds"`
				Center       []float64  `json:"center"`
				Attribution  string     `json:"attribution"`
				Scheme       string     `json:"scheme"`
				VectorLayers []struct { //
					ID      string            `json:"id"`
					MinZoom int               `json:"minzoom"`
					MaxZoom int               `json:"maxzoom"`
					Fields  map[string]string `json:"fields"`
				} `json:"vector_layers"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
				t.Fatal(err)
			}
			if doc.TileJSON != "3.0.0" || doc.Scheme != "xyz" {
				t.Errorf("tilejson %q scheme %q", doc.TileJSON, doc.Scheme)
			}
			want := "https://example.com/tiles/" + l.id + "/{z}/{x}/{y}.mvt"
			switch {
			case l.category:
				want += "?category=clinic&profile=adult"
			case l.profile:
				want += "?profile=adult"
			}
			if len(doc.Tiles) != 1 || doc.Tiles[0] != want {
				t.Errorf("tiles %q, want %q", doc.Tiles, want)
			}
			if doc.MinZoom != l.minZoom || doc.MaxZoom != l.maxZoom {
				t.Errorf("zooms %d..%d, want %d..%d", doc.MinZoom, doc.MaxZoom, l.minZoom, l.maxZoom)
			}
			// Monaco lies within 7.40..7.45 E, 43.72..43.76 N.
			if len(doc.Bounds) != 4 || doc.Bounds[0] < 7.39 || doc.Bounds[2] > 7.46 || doc.Bounds[1] < 43.71 || doc.Bounds[3] > 43.77 ||
				doc.Bounds[0] >= doc.Bounds[2] || doc.Bounds[1] >= doc.Bounds[3] {
				t.Errorf("bounds %v", doc.Bounds)
			}
			if len(doc.Center) != 3 || doc.Center[0] < doc.Bounds[0] || doc.Center[0] > doc.Bounds[2] ||
				doc.Center[1] < doc.Bounds[1] || doc.Center[1] > doc.Bounds[3] || int(doc.Center[2]) < l.minZoom || int(doc.Center[2]) > l.maxZoom {
				t.Errorf("center %v", doc.Center)
			}
			if !strings.Contains(doc.Attribution, "© OpenStreetMap contributors") {
				t.Errorf("attribution %q", doc.Attribution)
			}
			if len(doc.VectorLayers) != 1 || doc.VectorLayers[0].ID != l.id || len(doc.VectorLayers[0].Fields) == 0 {
				t.Fatalf("vector_layers %+v", doc.VectorLayers)
			}
			for k, v := range doc.VectorLayers[0].Fields {
				if v == "" {
					t.Errorf("field %s has no description", k)
				}
			}
		})
	}
	// The fields of the cells layer follow the taxonomy.
	rec := do(t, e, http.MethodGet, "/tiles/cells.json?profile=senior", nil)
	body := rec.Body.String()
	for _, c := range city.Taxonomy.Categories {
		if !strings.Contains(body, `"minutes_`+c.ID+`"`) || !strings.Contains(body, `"within_`+c.ID+`"`) {
			t.Errorf("cells TileJSON lacks the fields of %s", c.ID)
		}
	}
	if !strings.Contains(body, `"http://example.com/tiles/cells/{z}/{x}/{y}.mvt?profile=senior"`) {
		t.Errorf("the senior TileJSON does not point at senior tiles over plain http: %s", body)
	}
	// X-Forwarded-Proto from an untrusted peer is ignored.
	rec = do(t, e, http.MethodGet, "/tiles/network.json", nil, "X-Forwarded-Proto", "https")
	if !strings.Contains(rec.Body.String(), `"http://example.com/tiles/network/`) {
		t.Errorf("a spoofed X-Forwarded-Proto changed the scheme: %s", rec.Body)
	}
}

// Every tile property a client sees must be encodable and every polygon
// ring oriented per MVT 2, or orb's decoder (which splits polygons on the
// orientation of rings) would merge them.
func TestTilePolygonsDecodeAsPolygons(t *testing.T) {
	l := tileGet(t, "cells", monacoZ16, "")
	for _, f := range l.Features {
		if _, ok := f.Geometry.(orb.Polygon); !ok {
			t.Errorf("cell %v decodes as %T: rings misoriented", f.ID, f.Geometry)
		}
		for _, p := range f.Geometry.(orb.Polygon)[0] {
			if p[0] < -tileBuffer || p[0] > tileExtent+tileBuffer || p[1] < -tileBuffer || p[1] > tileExtent+tileBuffer {
				t.Fatalf("cell %v point %v outside the buffered tile", f.ID, p)
			}
		}
	}
}

// tileFeatureID reads a decoded feature id.
func tileFeatureID(tb testing.TB, id any) uint64 {
	tb.Helper()
	switch v := id.(type) {
	case float64:
		return uint64(v)
	case uint64:
		return v
	case int:
		return uint64(v)
	}
	tb.Fatalf("feature id %v (%T)", id, id)
	return 0
}
