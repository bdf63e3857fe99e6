package server

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"sort"
	"testing"
)

func TestTileSweepDump(t *testing.T) {
	out := os.Getenv("TILE_SWEEP_OUT")
	if out == "" {
		t.Skip()
	}
	var lines []string
	for name, d := range map[string]Deps{"monaco": testDeps(t), "vaduz": func() Deps { d, _ := vaduzOnce(); return d }()} {
		rep, err := d.Access.Report()
		if err != nil {
			t.Fatal(err)
		}
		td := newTileData(d.City, d.Access, reportOf(rep))
		sweepTiles(d, td.cityBounds(), func(q tileQuery) {
			key := fmt.Sprintf("%s %s p%d %s %d/%d/%d", name, q.layer.id, q.profile, q.category, q.tile.Z, q.tile.X, q.tile.Y)
			ok, err := td.tileHasFeatures(context.Background(), q)
			if err != nil {
				t.Fatal(err)
			}
			if !ok {
				return
			}
			raw, err := td.renderTile(context.Background(), q)
			if errors.Is(err, errEmptyTile) {
				return
			}
			if err != nil {
				t.Fatal(key, err)
			}
			lines = append(lines, fmt.Sprintf("%s %x", key, sha256.Sum256(raw)))
		})
	}
	sort.Strings(lines)
	f, _ := os.Create(out)
	for _, s := range lines {
		fmt.Fprintln(f, s)
	}
	f.Close()
	t.Logf("%d tiles", len(lines))
}
