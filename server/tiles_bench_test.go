package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"fifteen/data"
	"fifteen/geo"
)

// Tile benchmarks. "warm" goes through Echo and the response cache (the
// common case once a map has been looked at); "cold" renders the tile from
// the built indexes, as on a cache miss; "index" builds a layer's index,
// which happens once per layer (and resolution, or category and profile).

var tileSink []byte

// vaduzOnce loads the embedded default city (Liechtenstein) for the Vaduz
// benchmarks.
var vaduzOnce = sync.OnceValues(func() (Deps, error) {
	city, st, err := data.Load(context.Background(), data.Config{})
	if err != nil {
		return Deps{}, err
	}
	a, err := geo.ComputeAccess(city, geo.AccessOptions{})
	if err != nil {
		return Deps{}, err
	}
	return Deps{City: city, Access: a, Load: st}, nil
})

// vaduzZ14 covers the centre of Vaduz.
var vaduzZ14 = maptile.At(orb.Point{9.5215, 47.1410}, 14)

func benchTileData(b *testing.B, d Deps) *tileData {
	rep, err := d.Access.Report()
	if err != nil {
		b.Fatal(err)
	}
	return newTileData(d.City, d.Access, reportOf(rep))
}

func benchCold(b *testing.B, td *tileData, layer string, tile maptile.Tile) {
	q := tileQuery{layer: tileLayerByID(layer), tile: tile, category: tileGapCategory(td.city.Taxonomy)}
	if _, err := td.renderTile(context.Background(), q); err != nil { // builds the index
		b.Skip(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		body, err := td.renderTile(context.Background(), q)
		if err != nil {
			b.Fatal(err)
		}
		tileSink = body
	}
}

func benchWarm(b *testing.B, e http.Handler, url string, hdr ...string) {
	req := httptest.NewRequest(http.MethodGet, url, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		b.Fatalf("%s: status %d", url, rec.Code)
	}
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		tileSink = rec.Body.Bytes()
	}
}

func BenchmarkTileMonaco(b *testing.B) {
	e, _ := testServer(b)
	td := benchTileData(b, testDeps(b))
	b.Run("warm/cells/z14", func(b *testing.B) { benchWarm(b, e, tileURL("cells", monacoZ14, "")) })
	b.Run("warm/cells/z14/gzip", func(b *testing.B) {
		benchWarm(b, e, tileURL("cells", monacoZ14, ""), "Accept-Encoding", "gzip")
	})
	for _, tc := range []struct {
		layer string
		tile  maptile.Tile
	}{
		{"cells", monacoZ14}, {"cells", monacoZ16}, {"cells", monacoZ14.Parent().Parent()},
		{"communities", monacoZ14}, {"facilities", monacoZ14}, {"underserved", monacoZ14},
		{"network", monacoZ14}, {"network", monacoZ16}, {"network", monacoZ14.Parent().Parent()},
	} {
		b.Run("cold/"+tc.layer+"/z"+strconv.Itoa(int(tc.tile.Z)), func(b *testing.B) { benchCold(b, td, tc.layer, tc.tile) })
	}
	d := testDeps(b)
	rep, err := d.Access.Report()
	if err != nil {
		b.Fatal(err)
	}
	b.Run("index/cells/res10", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			newTileData(d.City, d.Access, reportOf(rep)).cellIndex(10)
		}
	})
	b.Run("index/network", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			newTileData(d.City, d.Access, reportOf(rep)).networkIndex()
		}
	})
}

func BenchmarkTileVaduz(b *testing.B) {
	d, err := vaduzOnce()
	if err != nil {
		b.Fatal(err)
	}
	e, err := New(testConfig(), d)
	if err != nil {
		b.Fatal(err)
	}
	td := benchTileData(b, d)
	b.Run("warm/cells/z14", func(b *testing.B) { benchWarm(b, e, tileURL("cells", vaduzZ14, "")) })
	for _, layer := range []string{"cells", "communities", "facilities", "underserved", "network"} {
		b.Run("cold/"+layer+"/z14", func(b *testing.B) { benchCold(b, td, layer, vaduzZ14) })
	}
	b.Run("cold/network/z12", func(b *testing.B) { benchCold(b, td, "network", vaduzZ14.Parent().Parent()) })
	b.Run("index/network", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			newTileData(d.City, d.Access, nil).networkIndex()
		}
	})
}
