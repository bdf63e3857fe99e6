package server

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestGDALReadsFieldTypes: on the default city, whose first cells have
// no clinic within the cutoff (null minutes), GDAL's OAPIF driver takes
// the field types from the collection's describedBy schema: numbers are
// Real or Integer, never String; an attribute filter compares numbers
// (its count equals the count computed directly); and a GeoPackage export
// keeps the types, so its maximum is a number's maximum, not text order.
func TestGDALReadsFieldTypes(t *testing.T) {
	needGDAL(t)
	d, err := vaduzOnce()
	if err != nil {
		t.Fatal(err)
	}
	base := gdalServer(t, d)
	ds := "OAPIF:" + base

	// The premise: nulls among the first features GDAL samples.
	resp, err := http.Get(base + "/collections/cells/items?limit=10&f=json")
	if err != nil {
		t.Fatal(err)
	}
	var page struct {
		Features []struct{ Properties map[string]any }
	}
	err = json.NewDecoder(resp.Body).Decode(&page)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	nulls := 0
	for _, f := range page.Features {
		for k, v := range f.Properties {
			if strings.HasPrefix(k, "minutes_") && v == nil {
				nulls++
			}
		}
	}
	if nulls == 0 {
		t.Fatal("the first page of cells has no null minutes: the test would prove nothing")
	}

	summary := gdal(t, "ogrinfo", "-ro", "-so", ds, "cells")
	cats := d.City.Taxonomy.Categories
	for _, c := range cats {
		for _, f := range []string{"minutes_" + c.ID, "within_" + c.ID} {
			if !strings.Contains(summary, f+": Real") {
				t.Errorf("%s is not a Real field:\n%s", f, summary)
			}
		}
	}
	for _, want := range []string{"res: Integer", "population: Real", "h3: String"} {
		if !strings.Contains(summary, want) {
			t.Errorf("cells summary lacks %q", want)
		}
	}
	comm := gdal(t, "ogrinfo", "-ro", "-so", ds, "communities")
	for _, want := range []string{"share_clinic_adult: Real", "p90_min_clinic_senior: Real", "compliance_10_adult: Real", "households: Real"} {
		if !strings.Contains(comm, want) {
			t.Errorf("communities summary lacks %q", want)
		}
	}

	// The filter, against the count computed directly.
	ci, err := d.City.Taxonomy.Index("clinic")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := d.Access.Cells(0, 10)
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, r := range rows {
		if m := r.Minutes[ci]; !math.IsNaN(m) && math.Round(m*1e4)/1e4 > 20 {
			want++
		}
	}
	if want == 0 {
		t.Fatal("no cell beyond 20 minutes of a clinic: the filter test would prove nothing")
	}
	out := gdal(t, "ogrinfo", "-ro", "-so", "-oo", "PAGE_SIZE=2000", "-where", "minutes_clinic > 20", ds, "cells")
	m := regexp.MustCompile(`Feature Count: (\d+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no feature count:\n%s", out)
	}
	if got, _ := strconv.Atoi(m[1]); got != want {
		t.Errorf("-where minutes_clinic > 20: GDAL counts %d cells, the access figures %d", got, want)
	}

	// A GeoPackage keeps the types.
	gpkg := filepath.Join(t.TempDir(), "cells.gpkg")
	gdal(t, "ogr2ogr", "-f", "GPKG", "-oo", "PAGE_SIZE=2000", gpkg, ds, "cells")
	kc, err := d.City.Taxonomy.Index("kindergarten")
	if err != nil {
		t.Fatal(err)
	}
	maxK := math.Inf(-1)
	for _, r := range rows {
		if m := r.Minutes[kc]; !math.IsNaN(m) {
			maxK = math.Max(maxK, math.Round(m*1e4)/1e4)
		}
	}
	out = gdal(t, "ogrinfo", "-ro", "-q", "-sql", "SELECT MAX(minutes_kindergarten) AS m, typeof(minutes_kindergarten) AS t FROM cells WHERE minutes_kindergarten IS NOT NULL", gpkg)
	if !strings.Contains(out, fmt.Sprintf("m (Real) = %s", strconv.FormatFloat(maxK, 'f', -1, 64))) {
		t.Errorf("GeoPackage max(minutes_kindergarten): want %v\n%s", maxK, out)
	}
	if !strings.Contains(out, "t (String) = real") {
		t.Errorf("GeoPackage minutes_kindergarten is not stored as real:\n%s", out)
	}
}
