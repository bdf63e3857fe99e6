package server

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"

	"fifteen/publish"
)

// TestTilePolygonsAreValid sweeps the default city's community and
// underserved tiles at zooms 10, 12 and 14 and checks every ring of every
// polygon in tile coordinates by brute force: closed, at least four
// points, no point repeated next to itself and no spike. Rings that touch
// or cross themselves along the tile's clip line (orb's clipper keeps a
// concave polygon's several passes along the line) are counted and
// logged: a known gap, not yet mended.
func TestTilePolygonsAreValid(t *testing.T) {
	d, err := vaduzOnce()
	if err != nil {
		t.Fatal(err)
	}
	rep, err := d.Access.Report()
	if err != nil {
		t.Fatal(err)
	}
	td := newTileData(d.City, d.Access, reportOf(rep))
	b := td.cityBounds()
	bad, crossing, total := 0, 0, 0
	for _, layer := range []string{"communities", "underserved"} {
		for _, z := range []maptile.Zoom{10, 12, 14} {
			lo, hi := maptile.At(orb.Point{b.Min[0], b.Max[1]}, z), maptile.At(orb.Point{b.Max[0], b.Min[1]}, z)
			for x := lo.X; x <= hi.X; x++ {
				for y := lo.Y; y <= hi.Y; y++ {
					q := tileQuery{layer: tileLayerByID(layer), tile: maptile.New(x, y, z), category: tileGapCategory(d.City.Taxonomy)}
					raw, err := td.renderTile(context.Background(), q)
					if errors.Is(err, errEmptyTile) {
						continue
					}
					if err != nil {
						t.Fatal(err)
					}
					ls, err := mvt.Unmarshal(raw)
					if err != nil {
						t.Fatal(err)
					}
					for _, f := range ls[0].Features {
						total++
						if msg := polygonProblem(f.Geometry, false); msg != "" {
							bad++
							if bad <= 5 {
								t.Errorf("%s z%d/%d/%d feature %v: %s", layer, z, x, y, f.ID, msg)
							}
						}
						if polygonProblem(f.Geometry, true) != "" {
							crossing++
						}
					}
				}
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d tile features invalid", bad, total)
	}
	t.Logf("%d of %d tile features touch or cross themselves along a clip line", crossing, total)
	if total == 0 {
		t.Fatal("no features swept")
	}
}

func polygonProblem(g orb.Geometry, strict bool) string {
	var polys []orb.Polygon
	switch g := g.(type) {
	case orb.Polygon:
		polys = []orb.Polygon{g}
	case orb.MultiPolygon:
		polys = g
	default:
		return fmt.Sprintf("a %T", g)
	}
	for _, p := range polys {
		for _, r := range p {
			if msg := publish.RingProblem(r, strict); msg != "" {
				return msg
			}
		}
	}
	return ""
}
