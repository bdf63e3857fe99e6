package data

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// FuzzLoadCommunities: any bytes give communities or an error naming the
// file, never a panic; every community loaded has a bounded, positive
// population and a valid polygon.
func FuzzLoadCommunities(f *testing.F) {
	if b, err := os.ReadFile("../server/testdata/monaco_communities.geojson"); err == nil {
		f.Add(b)
	}
	f.Add([]byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"a","population":5},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}}]}`))
	f.Add([]byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"population":1e308},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]}}]}`))
	f.Add([]byte(`{"type":"FeatureCollection","features":[null]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		comms, err := LoadCommunities(bytes.NewReader(b), "c.geojson")
		if err != nil {
			if !strings.Contains(err.Error(), "c.geojson") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		for _, c := range comms {
			if !(c.Population > 0 && c.Population <= 1e8) {
				t.Fatalf("community %q population %v", c.ID, c.Population)
			}
		}
	})
}

// FuzzLoadTaxonomy: any bytes give a valid taxonomy or an error naming
// the file.
func FuzzLoadTaxonomy(f *testing.F) {
	if b, err := os.ReadFile("categories.json"); err == nil {
		f.Add(b)
	}
	f.Add([]byte(`{"version":"x","categories":[],"profiles":[{"id":"snail","speed_kmh":1e-300,"unpaved_factor":1}]}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		tax, err := LoadTaxonomy(bytes.NewReader(b), "cats.json")
		if err != nil {
			if !strings.Contains(err.Error(), "cats.json") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if err := tax.Validate(); err != nil {
			t.Fatalf("loaded taxonomy does not validate: %v", err)
		}
		for _, p := range tax.Profiles {
			if p.SpeedKmh < 0.5 {
				t.Fatalf("profile %q speed %v", p.ID, p.SpeedKmh)
			}
		}
	})
}

// FuzzLoadCandidates: any bytes give valid points or an error naming the
// input.
func FuzzLoadCandidates(f *testing.F) {
	f.Add([]byte(`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[7.42,43.73]},"properties":{}}]}`))
	f.Add([]byte(`{"type":"FeatureCollection","features":[]}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		pts, err := LoadCandidates(bytes.NewReader(b), "cand.geojson")
		if err != nil {
			if !strings.Contains(err.Error(), "cand.geojson") {
				t.Fatalf("error does not name the input: %v", err)
			}
			return
		}
		for _, p := range pts {
			if !(p[0] >= -180 && p[0] <= 180 && p[1] >= -90 && p[1] <= 90) {
				t.Fatalf("candidate %v out of range", p)
			}
		}
	})
}
