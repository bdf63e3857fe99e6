// Command tilecity writes the embedded default city (Liechtenstein) tiled K
// times side by side, a stand-in for a city K times larger on which to
// measure fifteen: K copies with OSM ids offset and longitudes shifted, and
// the communities replicated.
//
//	go run ./scripts/tilecity -k 32 -out /tmp/tiled32
//	fifteen report --osm /tmp/tiled32/tiled-32.osm.pbf --communities /tmp/tiled32/tiled-32-communities.geojson
//
// Each file is written to a temporary name and renamed once complete.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"fifteen/data"
)

func main() {
	k := flag.Int("k", 32, "number of copies")
	out := flag.String("out", "", "output directory (created if missing)")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "tilecity: -out is required")
		os.Exit(2)
	}
	osmPath, comPath, st, err := data.WriteTiledCity(context.Background(), *k, *out)
	if err != nil {
		fmt.Fprintln(os.Stderr, "tilecity:", err)
		os.Exit(1)
	}
	b, _ := json.Marshal(st)
	fmt.Printf("%s\n%s\n%s\n", osmPath, comPath, b)
}
