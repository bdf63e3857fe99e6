package postgis_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/paulmach/orb"

	"fifteen/publish"
	"fifteen/publish/postgis"
	"fifteen/publish/postgis/postgistest"
)

// storedSchema is s as the tables store it: without the decimals (values
// are stored rounded) and NotInTiles.
func storedSchema(s *publish.Schema) *publish.Schema {
	c := *s
	c.Fields = append([]publish.Field(nil), s.Fields...)
	for k := range c.Fields {
		c.Fields[k].Decimals, c.Fields[k].NotInTiles = 0, false
	}
	return &c
}

// ReadLayer gives back what Write wrote: the same schema (fields, order,
// types, nullability, units, descriptions) and the same rounded values
// and geometries; a bbox reads the features that meet it and no other.
func TestReadLayerGivesBackWhatWasWritten(t *testing.T) {
	ctx := context.Background()
	url := postgistest.Database(t, true)
	a, r := defaultCity(t)
	layers := map[string]publish.Layer{"cells": cellLayer(t), "communities": publish.Communities(a.City, r, a.Options.K)}
	if err := postgis.Write(ctx, url, run(postgis.AllShards), []postgis.Table{{Name: "cells", Layer: layers["cells"]}, {Name: "communities", Layer: layers["communities"]}}); err != nil {
		t.Fatal(err)
	}
	conn, err := postgis.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for name, want := range layers {
		got, err := postgis.ReadLayer(ctx, conn, postgis.DefaultSchema, "test-city", name, nil, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		if ws, gs := storedSchema(want.Schema()), got.Schema(); !reflect.DeepEqual(ws, gs) {
			t.Fatalf("%s: schema read back\n%+v\nwant\n%+v", name, *gs, *ws)
		}
		if got.Len() != want.Len() {
			t.Fatalf("%s: %d features read back, %d written", name, got.Len(), want.Len())
		}
		s := want.Schema()
		idf := &publish.Field{}
		var wv, gv []publish.Value
		for i := 0; i < want.Len(); i++ {
			id := want.ID(i).Native(idf).(string)
			j, ok := got.Find(id)
			if !ok {
				t.Fatalf("%s: feature %s not read back", name, id)
			}
			wv, gv = want.Props(wv[:0], i), got.Props(gv[:0], j)
			for k := range s.Fields {
				f := &s.Fields[k]
				if w, g := wv[k].Native(f), gv[k].Native(f); !reflect.DeepEqual(w, g) {
					t.Fatalf("%s %s: %s = %#v read back, %#v written", name, id, f.Name, g, w)
				}
			}
			wg := publish.PromoteGeometry(publish.RoundGeometry(want.Geometry(i)), s.Geometry)
			if g := got.Geometry(j); !reflect.DeepEqual(wg, g) {
				t.Fatalf("%s %s: geometry %v read back, %v written", name, id, g, wg)
			}
		}
		// A box around the middle of the features' extent.
		ext := want.Geometry(0).Bound()
		for i := 1; i < want.Len(); i++ {
			ext = ext.Union(want.Geometry(i).Bound())
		}
		c, dx, dy := ext.Center(), ext.Max[0]-ext.Min[0], ext.Max[1]-ext.Min[1]
		box := orb.Bound{Min: orb.Point{c[0] - dx/8, c[1] - dy/8}, Max: orb.Point{c[0] + dx/8, c[1] + dy/8}}
		in, err := postgis.ReadLayer(ctx, conn, postgis.DefaultSchema, "test-city", name, &box, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		if in.Len() == 0 || in.Len() >= want.Len() {
			t.Fatalf("%s: %d of %d features in the box", name, in.Len(), want.Len())
		}
		for i := 0; i < want.Len(); i++ {
			id := want.ID(i).Native(idf).(string)
			_, read := in.Find(id)
			b := want.Geometry(i).Bound()
			switch {
			case read && !b.Intersects(box):
				t.Errorf("%s %s: read, but its bounds %v miss the box %v", name, id, b, box)
			case !read && box.Contains(b.Center()) && box.Contains(b.Min) && box.Contains(b.Max):
				t.Errorf("%s %s: inside the box, not read", name, id)
			}
		}
		// limit and offset page through the id order.
		page, err := postgis.ReadLayer(ctx, conn, postgis.DefaultSchema, "test-city", name, nil, 3, 2)
		if err != nil {
			t.Fatal(err)
		}
		if page.Len() != 3 || !reflect.DeepEqual(page.ID(0), got.ID(2)) || !reflect.DeepEqual(page.ID(2), got.ID(4)) {
			t.Fatalf("%s: limit 3 offset 2 read %d features", name, page.Len())
		}
	}
	if _, err := postgis.ReadLayer(ctx, conn, postgis.DefaultSchema, "test-city", "nothing", nil, 0, 0); err == nil {
		t.Fatal("a missing table read without error")
	}
}
