package data

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
	"golang.org/x/text/encoding/simplifiedchinese"

	"fifteen/geo"
)

// A spreadsheet saved on Chinese Windows is GBK; one saved as "CSV UTF-8"
// starts with a byte-order mark. Both read the same.
func TestFacilitiesCSVInGBKAndWithBOM(t *testing.T) {
	const text = "经度,纬度,category,name\n104.0665,30.5723,clinic,玉林社区卫生服务中心\n"
	utf := strings.Replace(text, "经度,纬度", "lon,lat", 1)
	gbk, err := simplifiedchinese.GBK.NewEncoder().String(utf)
	if err != nil {
		t.Fatal(err)
	}
	for name, in := range map[string]string{"utf8.csv": utf, "bom.csv": "\ufeff" + utf, "gbk.csv": gbk} {
		fs, err := LoadFacilities(strings.NewReader(in), name, DefaultTaxonomy())
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if len(fs) != 1 || fs[0].Name != "玉林社区卫生服务中心" || fs[0].Category != "clinic" {
			t.Errorf("%s: %+v", name, fs)
		}
	}
	if _, err := LoadFacilities(strings.NewReader("lon,lat,category\n104,30,\xff\xfe\n"), "bad.csv", DefaultTaxonomy()); !errors.Is(err, ErrBadEncoding) ||
		!strings.Contains(err.Error(), "bad.csv") || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("invalid bytes: %v, want ErrBadEncoding naming the file and line", err)
	}
}

// Facilities and communities given in GCJ-02 or BD-09 land where the WGS84
// ones do.
func TestLoadConvertsChineseCRS(t *testing.T) {
	wgs := orb.Point{7.4246, 43.7384} // Monaco: outside China, no shift
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	fac := write("f.csv", "lon,lat,category\n7.4246,43.7384,clinic\n")
	city, _, err := Load(context.Background(), Config{OSMPath: "testdata/monaco-2021-04-21.osm.pbf", FacilitiesPath: fac, CRS: geo.CRSGCJ02})
	if err != nil {
		t.Fatal(err)
	}
	last := city.Facilities[len(city.Facilities)-1]
	if last.Point != wgs {
		t.Errorf("outside China a GCJ-02 point moved: %v", last.Point)
	}
	// In Chengdu the same file in BD-09 moves by hundreds of metres, back
	// onto the WGS84 point it was made from.
	cd := orb.Point{104.0665, 30.5723}
	bd := geo.GCJ02ToBD09(geo.WGS84ToGCJ02(cd))
	fs := []geo.Facility{{Point: bd, Geom: orb.Polygon{{bd, {bd[0] + 0.001, bd[1]}, {bd[0], bd[1] + 0.001}, bd}}}}
	toWGS84Facilities(fs, geo.CRSBD09)
	if d := orbgeo.Distance(fs[0].Point, cd); d > 0.5 {
		t.Errorf("BD-09 facility %.2f m from its WGS84 point", d)
	}
	if d := orbgeo.Distance(fs[0].Geom.(orb.Polygon)[0][0], cd); d > 0.5 || math.IsNaN(d) {
		t.Errorf("BD-09 facility outline %.2f m from its WGS84 point", d)
	}
}
