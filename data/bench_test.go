package data

import (
	"bytes"
	"context"
	"os"
	"testing"
)

// BenchmarkLoadDefaultCity loads the embedded Liechtenstein: OSM decoding,
// graph, segment index, facilities, communities and population.
func BenchmarkLoadDefaultCity(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		c, _, err := Load(context.Background(), Config{})
		if err != nil {
			b.Fatal(err)
		}
		if c.Graph.NumEdges() == 0 {
			b.Fatal("empty graph")
		}
	}
}

// BenchmarkReadOSMDefaultCity decodes the embedded extract and builds the
// graph only.
func BenchmarkReadOSMDefaultCity(b *testing.B) {
	b.ReportAllocs()
	tax := DefaultTaxonomy()
	for b.Loop() {
		if _, err := ReadOSM(context.Background(), bytes.NewReader(defaultOSM), "li", tax); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoadPortoAlegre loads the Porto Alegre network with its
// population grid.
func BenchmarkLoadPortoAlegre(b *testing.B) {
	if _, err := os.Stat("testdata/porto_alegre/poa_osm.pbf"); err != nil {
		b.Skip(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		c, _, err := Load(context.Background(), Config{
			OSMPath:        "testdata/porto_alegre/poa_osm.pbf",
			PopulationPath: "testdata/porto_alegre/poa_hexgrid.csv",
		})
		if err != nil {
			b.Fatal(err)
		}
		if c.Graph.NumEdges() == 0 {
			b.Fatal("empty graph")
		}
	}
}
