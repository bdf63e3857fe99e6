package publish

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

// testLayer is a small layer of every field type.
type testLayer struct{ geoms []orb.Geometry }

var testSchema = Schema{Kind: "thing", Title: "Things", Geometry: "Polygon", Description: "Test things.",
	Fields: []Field{
		{Name: "id", Type: String},
		{Name: "n", Type: Integer},
		{Name: "x", Type: Number, Nullable: true, Decimals: 2},
		{Name: "ok", Type: Boolean},
		{Name: "tags", Type: StringList},
	}}

func (l testLayer) Schema() *Schema             { return &testSchema }
func (l testLayer) Len() int                    { return len(l.geoms) }
func (l testLayer) ID(i int) Value              { return Int(i) }
func (l testLayer) Geometry(i int) orb.Geometry { return l.geoms[i] }
func (l testLayer) Props(dst []Value, i int) []Value {
	x := Num(1.234 * float64(i))
	if i == 1 {
		x = Null()
	}
	return append(dst, Str("名字"+string(rune('a'+i))), Int(i*10), x, Bool(i%2 == 0), Strs([]string{"a", "b"}))
}

func square(x, y float64) orb.Polygon {
	return orb.Polygon{{{x, y}, {x + 0.01, y}, {x + 0.01, y + 0.01}, {x, y + 0.01}, {x, y}}}
}

func TestGeoPackage(t *testing.T) {
	l := testLayer{geoms: []orb.Geometry{square(7.41, 43.73), square(7.42, 43.74)}}
	p := filepath.Join(t.TempDir(), "things.gpkg")
	if err := WriteGeoPackage(context.Background(), p, l, GPKGOptions{Attribution: "© OpenStreetMap contributors"}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	// application_id "GPKG" at byte 68, user_version 10400 at byte 60.
	if string(b[68:72]) != "GPKG" || binary.BigEndian.Uint32(b[60:64]) != gpkgUserVersion {
		t.Errorf("header: application_id %q, user_version %d", b[68:72], binary.BigEndian.Uint32(b[60:64]))
	}
	db, err := sql.Open("sqlite", p)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	var geom []byte
	var x sql.NullFloat64
	var name, tags, desc string
	if err := db.QueryRow(`SELECT count(*) FROM thing`).Scan(&n); err != nil || n != 2 {
		t.Fatalf("rows %d, %v", n, err)
	}
	if err := db.QueryRow(`SELECT geom, x, id, tags FROM thing WHERE fid = 2`).Scan(&geom, &x, &name, &tags); err != nil {
		t.Fatal(err)
	}
	if x.Valid || name != "名字b" || tags != "a;b" {
		t.Errorf("row 2: x %v, id %q, tags %q", x, name, tags)
	}
	// The header: GP, version 0, little-endian with an xy envelope, 4326.
	if !bytes.Equal(geom[:4], []byte{'G', 'P', 0, 3}) || binary.LittleEndian.Uint32(geom[4:8]) != 4326 {
		t.Errorf("geometry header % x", geom[:8])
	}
	if minX := math.Float64frombits(binary.LittleEndian.Uint64(geom[8:16])); minX != 7.42 {
		t.Errorf("envelope min x %v", minX)
	}
	if err := db.QueryRow(`SELECT description FROM gpkg_contents WHERE table_name = 'thing'`).Scan(&desc); err != nil || !strings.Contains(desc, "OpenStreetMap") {
		t.Errorf("contents description %q, %v", desc, err)
	}

	if g := PromoteGeometry(square(0, 0), "MultiPolygon"); g.GeoJSONType() != "MultiPolygon" {
		t.Errorf("a polygon in a MultiPolygon table stays %s", g.GeoJSONType())
	}
	if g := PromoteGeometry(square(0, 0), "Polygon"); g.GeoJSONType() != "Polygon" {
		t.Errorf("a polygon in a Polygon table became %s", g.GeoJSONType())
	}

	// GDAL reads it as a GeoPackage with the fields' types.
	if _, err := exec.LookPath("ogrinfo"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("no ogrinfo (apt-get install gdal-bin)")
		}
		t.Skip("no ogrinfo")
	}
	out, err := exec.Command("ogrinfo", "-ro", "-al", "-so", p).CombinedOutput()
	if err != nil {
		t.Fatalf("ogrinfo: %v\n%s", err, out)
	}
	for _, want := range []string{"GPKG", "Geometry: Polygon", "Feature Count: 2", "n: Integer", "x: Real", "ok: Integer(Boolean)", "id: String", "EPSG\",4326"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("ogrinfo lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(string(out), "Warning") || strings.Contains(string(out), "ERROR") {
		t.Errorf("ogrinfo complains:\n%s", out)
	}
}
