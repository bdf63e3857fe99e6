package data

import (
	"bytes"
	"context"
	"testing"
)

// Two tiled copies of the default city are two default cities: twice the
// nodes, ways, relations, vertices, edges, facilities and communities, and
// the walk network twice as long.
func TestTileDefaultCity(t *testing.T) {
	var osm1, com1, osm2, com2 bytes.Buffer
	ctx := context.Background()
	st1, err := TileDefaultCity(ctx, 1, &osm1, &com1)
	if err != nil {
		t.Fatal(err)
	}
	st2, err := TileDefaultCity(ctx, 2, &osm2, &com2)
	if err != nil {
		t.Fatal(err)
	}
	if st2.Nodes != 2*st1.Nodes || st2.Ways != 2*st1.Ways || st2.Relations != 2*st1.Relations {
		t.Fatalf("counts: one copy %+v, two %+v", st1, st2)
	}
	tax := DefaultTaxonomy()
	d1, err := ReadOSM(ctx, &osm1, "tiled-1", tax)
	if err != nil {
		t.Fatal(err)
	}
	d2, err := ReadOSM(ctx, &osm2, "tiled-2", tax)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := ReadOSM(ctx, bytes.NewReader(defaultOSM), "li", tax)
	if err != nil {
		t.Fatal(err)
	}
	if d1.Graph.NumEdges() != ref.Graph.NumEdges() || d1.Graph.NumVertices() != ref.Graph.NumVertices() || len(d1.Facilities) != len(ref.Facilities) {
		t.Fatalf("one copy: %v, %d facilities; the default city: %v, %d", d1.Graph, len(d1.Facilities), ref.Graph, len(ref.Facilities))
	}
	if d2.Graph.NumEdges() != 2*ref.Graph.NumEdges() || d2.Graph.NumVertices() != 2*ref.Graph.NumVertices() || len(d2.Facilities) != 2*len(ref.Facilities) {
		t.Fatalf("two copies: %v, %d facilities; the default city: %v, %d", d2.Graph, len(d2.Facilities), ref.Graph, len(ref.Facilities))
	}
	if l1, l2 := ref.Graph.TotalLengthM(), d2.Graph.TotalLengthM(); l2 < 1.999*l1 || l2 > 2.001*l1 {
		t.Fatalf("network length %v m, want twice %v", l2, l1)
	}
	if d2.Graph.NumComponents() != 2*ref.Graph.NumComponents() {
		t.Fatalf("copies touch: %d components, want %d", d2.Graph.NumComponents(), 2*ref.Graph.NumComponents())
	}
	c1, err := LoadCommunities(&com1, "c1")
	if err != nil {
		t.Fatal(err)
	}
	c2, err := LoadCommunities(&com2, "c2")
	if err != nil {
		t.Fatal(err)
	}
	if len(c2) != 2*len(c1) || c2[len(c1)].Population != c1[0].Population {
		t.Fatalf("communities: %d then %d", len(c1), len(c2))
	}
}
