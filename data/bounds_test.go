package data

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"

	"fifteen/geo"
)

// repeatReader yields b n times without holding them.
type repeatReader struct {
	b []byte
	n int
	i int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, io.EOF
	}
	k := copy(p, r.b[r.i:])
	r.i += k
	if r.i == len(r.b) {
		r.i = 0
		r.n--
	}
	return k, nil
}

// heapAfter runs fn and returns the bytes allocated meanwhile.
func allocatedBy(fn func()) uint64 {
	var a, b runtime.MemStats
	runtime.ReadMemStats(&a)
	fn()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

// TestOSMXMLMemoryBounded: the XML files (a run of whitespace,
// one huge attribute value) fail fast and take memory bounded by the
// run limit, not by the file's size.
func TestOSMXMLMemoryBounded(t *testing.T) {
	chunk := []byte(strings.Repeat(" ", 64<<10))
	xchunk := []byte(strings.Repeat("x", 64<<10))
	cases := map[string]io.Reader{
		"whitespace issue-12": io.MultiReader(strings.NewReader(`<?xml version="1.0"?><osm version="0.6">`), &repeatReader{b: chunk, n: 1024}),
		"huge attribute issue-12": io.MultiReader(strings.NewReader(`<?xml version="1.0"?><osm version="0.6"><node id="1" lat="47.1" lon="9.5"><tag k="name" v="`),
			&repeatReader{b: xchunk, n: 1024}, strings.NewReader(`"/></node></osm>`)),
	}
	for name, r := range cases {
		var err error
		start := time.Now()
		alloc := allocatedBy(func() { _, err = ReadOSM(context.Background(), r, "big.osm", DefaultTaxonomy()) })
		if err == nil || !errors.Is(err, ErrBadOSM) || !strings.Contains(err.Error(), "big.osm") {
			t.Errorf("%s: %v, want ErrBadOSM naming the file", name, err)
		}
		if alloc > 64<<20 || time.Since(start) > 5*time.Second {
			t.Errorf("%s: %d MB allocated in %v for a 64 MB file", name, alloc>>20, time.Since(start))
		}
	}
}

func TestInputBounds(t *testing.T) {
	square := func(props string) string {
		return `{"type":"FeatureCollection","features":[{"type":"Feature","properties":` + props +
			`,"geometry":{"type":"Polygon","coordinates":[[[9.5,47.1],[9.6,47.1],[9.6,47.2],[9.5,47.2],[9.5,47.1]]]}}]}`
	}
	bowtie := `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"bow","population":10},
		"geometry":{"type":"Polygon","coordinates":[[[9.5,47.1],[9.6,47.2],[9.6,47.1],[9.5,47.2],[9.5,47.1]]]}}]}`
	holeOut := `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"holey","population":10},
		"geometry":{"type":"Polygon","coordinates":[[[9.5,47.1],[9.6,47.1],[9.6,47.2],[9.5,47.2],[9.5,47.1]],[[9.7,47.3],[9.8,47.3],[9.8,47.4],[9.7,47.3]]]}}]}`
	var profiles strings.Builder
	profiles.WriteString(`{"version":"x","categories":[],"profiles":[`)
	for i := range 1000 {
		if i > 0 {
			profiles.WriteString(",")
		}
		fmt.Fprintf(&profiles, `{"id":"p%d","speed_kmh":4,"unpaved_factor":1}`, i)
	}
	profiles.WriteString("]}")
	cases := []struct {
		name, want string
		load       func() error
	}{
		{"community of 1e308 people issue-12", `"c1"`, func() error {
			_, err := LoadCommunities(strings.NewReader(square(`{"id":"c1","population":1e308}`)), "c.geojson")
			return err
		}},
		{"self-intersecting community issue-12", `"bow"`, func() error {
			_, err := LoadCommunities(strings.NewReader(bowtie), "c.geojson")
			return err
		}},
		{"hole outside its shell issue-12", `"holey"`, func() error {
			_, err := LoadCommunities(strings.NewReader(holeOut), "c.geojson")
			return err
		}},
		{"cell of 1e308 people", "population", func() error {
			_, err := LoadPopulationCSV(strings.NewReader("h3,population\n8a1f8d2d6a4ffff,1e308\n"), "p.csv")
			return err
		}},
		{"1,000 profiles issue-12", "1000 profiles", func() error {
			_, err := LoadTaxonomy(strings.NewReader(profiles.String()), "cats.json")
			return err
		}},
		{"speed 1e-300 issue-12", "speed_kmh", func() error {
			_, err := LoadTaxonomy(strings.NewReader(`{"version":"x","categories":[],"profiles":[{"id":"snail","speed_kmh":1e-300,"unpaved_factor":1}]}`), "cats.json")
			return err
		}},
		{"scenario capacity 1e308 issue-12", "capacity", func() error {
			_, err := LoadScenario(strings.NewReader(`{"add":[{"category":"clinic","lon":9.5,"lat":47.1,"capacity":1e308}]}`), "s.json")
			return err
		}},
		{"scenario GeoJSON capacity 1e308", "capacity", func() error {
			_, err := LoadScenario(strings.NewReader(`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[9.5,47.1]},"properties":{"category":"clinic","capacity":1e308}}]}`), "s.json")
			return err
		}},
		{"scenario huge name issue-12", "name is", func() error {
			_, err := LoadScenario(strings.NewReader(`{"name":"`+strings.Repeat("n", 1<<20)+`","close":["x"]}`), "s.json")
			return err
		}},
		{"facility capacity 1e308", "capacity", func() error {
			_, err := LoadFacilitiesCSV(strings.NewReader("lon,lat,category,capacity\n9.5,47.1,clinic,1e308\n"), "f.csv", DefaultTaxonomy())
			return err
		}},
	}
	for _, c := range cases {
		start := time.Now()
		err := c.load()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error naming %s", c.name, err, c.want)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%s: %v to refuse", c.name, d)
		}
	}
	// A tag of capacity=1e308 in OSM is no capacity, not an infinite one.
	cat := geo.Category{ID: "c", CapacityTags: []string{"capacity"}}
	if v, src := cat.Capacity(tagMap{"capacity": "1e308"}); v != 0 || src != "" {
		t.Errorf("capacity 1e308 read as %v (%s)", v, src)
	}
}

type tagMap map[string]string

func (m tagMap) Find(k string) string { return m[k] }
