package data

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"fifteen/geo"
)

// A snapshot answers exactly as the load it came from: the same graph
// arrays, facilities, communities, cells and snaps, and byte for byte the
// same access report, cells, gaps and sites.
func TestSnapshotRoundTrip(t *testing.T) {
	city, st, err := Load(context.Background(), Config{})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "li.snap")
	base, err := geo.ComputeAccess(city, geo.AccessOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteSnapshot(path, city, st, base); err != nil {
		t.Fatal(err)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
	got, gst, err := OpenSnapshot(path)
	if err != nil {
		t.Fatal(err)
	}
	if gst.Inputs["snapshot"] != path || gst.Inputs["osm"] != st.Inputs["osm"] {
		t.Errorf("inputs %v", gst.Inputs)
	}
	gd1, _ := city.Graph.Data()
	gd2, _ := got.Graph.Data()
	if diff := cmp.Diff(gd1, gd2); diff != "" {
		t.Fatalf("graph differs: %s", diff)
	}
	if got.Graph.NumComponents() != city.Graph.NumComponents() || got.Graph.LargestComponent() != city.Graph.LargestComponent() {
		t.Fatal("components differ")
	}
	opts := []cmp.Option{cmpopts.EquateEmpty(), cmpopts.IgnoreUnexported(geo.Taxonomy{}, geo.Norm{}), cmpopts.EquateNaNs()}
	for name, pair := range map[string][2]any{
		"facilities":      {city.Facilities, got.Facilities},
		"facility snaps":  {city.FacilitySnap, got.FacilitySnap},
		"facility access": {city.FacilityAccess, got.FacilityAccess},
		"communities":     {city.Communities, got.Communities},
		"population":      {city.Population, got.Population},
		"cell snaps":      {city.CellSnap, got.CellSnap},
		"entrances":       {city.Entrances, got.Entrances},
		"taxonomy":        {city.Taxonomy, got.Taxonomy},
		"name":            {[]any{city.Name, city.Attribution, city.SnapMaxM}, []any{got.Name, got.Attribution, got.SnapMaxM}},
	} {
		if diff := cmp.Diff(pair[0], pair[1], opts...); diff != "" {
			t.Fatalf("%s differ: %s", name, diff)
		}
	}
	answers := func(c *geo.City) []byte {
		a, err := geo.ComputeAccess(c, geo.AccessOptions{})
		if err != nil {
			t.Fatal(err)
		}
		r, err := a.Report()
		if err != nil {
			t.Fatal(err)
		}
		gaps, err := a.Gaps(geo.GapOptions{Category: "clinic"})
		if err != nil {
			t.Fatal(err)
		}
		sites, err := a.Siting(geo.SitingOptions{Category: "clinic", K: 3})
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal([]any{r, a.TimeDs, a.Nearest, a.Count, gaps, sites})
		if err != nil {
			t.Fatal(err)
		}
		// Snapping a new point and searching from it uses the index.
		s, err := c.Index.SnapStreet(c.Facilities[0].Point, c.SnapMaxM, false)
		if err != nil {
			t.Fatal(err)
		}
		return append(b, []byte(strings.Repeat(" ", 1)+jsonString(t, s))...)
	}
	if a, b := answers(city), answers(got); !bytes.Equal(a, b) {
		t.Fatalf("the snapshot answers differently (%d and %d bytes)", len(a), len(b))
	}
	// The stored baseline is the computed one, for the same options only.
	stored, ok, err := StoredAccess(got, geo.AccessOptions{})
	if err != nil || !ok {
		t.Fatalf("stored access: %v, %v", ok, err)
	}
	if diff := cmp.Diff(base.Tables(), stored.Tables(), cmpopts.EquateNaNs()); diff != "" {
		t.Fatalf("stored access differs: %s", diff)
	}
	rb, _ := base.Report()
	rs, _ := stored.Report()
	if jsonString(t, rb) != jsonString(t, rs) {
		t.Fatal("the stored baseline reports differently")
	}
	if _, ok, _ := StoredAccess(got, geo.AccessOptions{K: 3}); ok {
		t.Error("stored access given for other options")
	}
	if _, ok, _ := StoredAccess(city, geo.AccessOptions{}); ok {
		t.Error("stored access given for a city not opened from a snapshot")
	}
}

func jsonString(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A damaged snapshot is refused with ErrBadSnapshot and the file's name:
// not a snapshot, another version, truncated anywhere, a byte changed,
// bytes appended. An unreadable file gives the system's error.
func TestSnapshotRefused(t *testing.T) {
	city, st, err := Load(context.Background(), Config{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	good := filepath.Join(dir, "good.snap")
	if err := WriteSnapshot(good, city, st, nil); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	version := append([]byte(nil), raw...)
	binary.BigEndian.PutUint32(version[len(snapshotMagic):], SnapshotVersion+1)
	flipped := append([]byte(nil), raw...)
	flipped[len(flipped)/2] ^= 0x40
	cases := map[string]struct {
		data []byte
		want string
	}{
		"empty":         {nil, "not a fifteen snapshot"},
		"osm":           {defaultOSM[:4096], "not a fifteen snapshot"},
		"header cut":    {raw[:len(snapshotMagic)+5], "truncated header"},
		"payload cut":   {raw[:len(raw)-1000], "truncated"},
		"last byte cut": {raw[:len(raw)-1], "truncated"},
		"other version": {version, "format version"},
		"byte changed":  {flipped, "checksum mismatch"},
		"appended":      {append(append([]byte(nil), raw...), 0), "after the end"},
	}
	for name, tc := range cases {
		p := filepath.Join(dir, strings.ReplaceAll(name, " ", "_")+".snap")
		if err := os.WriteFile(p, tc.data, 0o644); err != nil {
			t.Fatal(err)
		}
		c, _, err := OpenSnapshot(p)
		if c != nil || !errors.Is(err, ErrBadSnapshot) || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got city %v, error %v; want ErrBadSnapshot naming %s and saying %q", name, c != nil, err, p, tc.want)
		}
	}
	if _, _, err := OpenSnapshot(filepath.Join(dir, "missing.snap")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	// A failed write leaves the existing file as it was.
	if err := WriteSnapshot(filepath.Join(dir, "no-such-dir", "x.snap"), city, st, nil); err == nil {
		t.Error("writing into a missing directory succeeded")
	}
}
