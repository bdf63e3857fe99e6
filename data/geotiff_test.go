package data

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"fifteen/geo"
	"fifteen/geo/hex"
)

// The rasters of testdata/raster/ were made by scripts/make-raster-fixtures.sh
// with gdal_translate from ASCII grids of these values.
func wgsValue(i int) (float64, bool)  { return float64(i%7) + 0.5, i%11 != 0 }
func mollValue(i int) (float64, bool) { return float64((i % 13) * 3), i%17 != 0 }

func openRaster(t *testing.T, path string) *Raster {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	rs, err := OpenGeoTIFF(f, fi.Size(), path)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func TestGeoTIFFSumsPreserved(t *testing.T) {
	for _, tc := range []struct {
		file  string
		crs   string
		w, h  int
		value func(int) (float64, bool)
	}{
		{"wgs84_float32_deflate_strips.tif", CRSWGS84, 20, 20, wgsValue},
		{"wgs84_float32_lzw_pred3_tiles.tif", CRSWGS84, 20, 20, wgsValue},
		{"mollweide_float64_deflate_strips.tif", CRSMollweide, 40, 40, mollValue},
		{"mollweide_int32_lzw_pred2_tiles.tif", CRSMollweide, 40, 40, mollValue},
	} {
		t.Run(tc.file, func(t *testing.T) {
			rs := openRaster(t, "testdata/raster/"+tc.file)
			if rs.CRS != tc.crs || rs.Width != tc.w || rs.Height != tc.h {
				t.Fatalf("crs %s, %d × %d; want %s, %d × %d", rs.CRS, rs.Width, rs.Height, tc.crs, tc.w, tc.h)
			}
			var want float64
			for i := 0; i < tc.w*tc.h; i++ {
				if v, ok := tc.value(i); ok {
					want += v
				}
			}
			cells, total, err := rs.CellPops(nil, tc.file)
			if err != nil {
				t.Fatal(err)
			}
			var sum float64
			for _, c := range cells {
				if c.Cell.Res() != geo.PopulationRes {
					t.Fatalf("cell %s at resolution %d", c.Cell, c.Cell.Res())
				}
				sum += c.Pop
			}
			if math.Abs(total-want) > 1e-3*want || math.Abs(sum-want) > 1e-3*want {
				t.Errorf("pixels read %v, cells hold %v; want %v (within 0.1 %%)", total, sum, want)
			}
		})
	}
}

// A single pixel's residents go to the cells under it, in proportion to
// their overlap: compare with the share of sample points inside each cell,
// counted here by brute force on a finer grid.
func TestGeoTIFFAreaOverlap(t *testing.T) {
	rs := openRaster(t, "testdata/raster/wgs84_float32_deflate_strips.tif")
	// Pixel (row 1, column 1) holds 21 % 7 + 0.5 = 0.5 residents.
	acc := map[hex.Cell]float64{}
	if err := rs.spread(1, 1, 1, acc); err != nil {
		t.Fatal(err)
	}
	const n = 200
	brute := map[hex.Cell]float64{}
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			p := orb.Point{rs.OriginX + (1+(float64(i)+0.5)/n)*rs.PixelX, rs.OriginY - (1+(float64(j)+0.5)/n)*rs.PixelY}
			c, _ := hex.FromPoint(p, geo.PopulationRes)
			brute[c] += 1.0 / (n * n)
		}
	}
	for c, share := range brute {
		if math.Abs(acc[c]-share) > 0.02 {
			t.Errorf("cell %s: %.4f of the pixel, brute force %.4f", c, acc[c], share)
		}
	}
}

func TestMollweideAgainstGDAL(t *testing.T) {
	// gdaltransform -s_srs ESRI:54009 -t_srs EPSG:4326 (GDAL 3.6.2, PROJ).
	for _, tc := range []struct{ x, y, lon, lat float64 }{
		{605000, 5205000, 7.39130326167554, 43.758296369484},
		{609000, 5201000, 7.43731975162867, 43.7217194914611},
		{-1000000, 3000000, -10.5800918904604, 24.5525537565177},
	} {
		p, ok := mollweideInverse(tc.x, tc.y)
		if !ok || math.Abs(p[0]-tc.lon) > 1e-7 || math.Abs(p[1]-tc.lat) > 1e-7 {
			t.Errorf("inverse(%v, %v) = %v, GDAL says (%v, %v)", tc.x, tc.y, p, tc.lon, tc.lat)
		}
		x, y := mollweideForward(orb.Point{tc.lon, tc.lat})
		if math.Abs(x-tc.x) > 0.01 || math.Abs(y-tc.y) > 0.01 {
			t.Errorf("forward(%v, %v) = (%v, %v), want (%v, %v)", tc.lon, tc.lat, x, y, tc.x, tc.y)
		}
	}
}

func TestGeoTIFFUnknownCRSRefused(t *testing.T) {
	f, err := os.Open("testdata/raster/webmercator_refused.tif")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, _ := f.Stat()
	_, err = OpenGeoTIFF(f, fi.Size(), "webmercator_refused.tif")
	if !errors.Is(err, ErrBadRaster) || !strings.Contains(err.Error(), "webmercator_refused.tif") ||
		!strings.Contains(err.Error(), "EPSG:3857") || !strings.Contains(err.Error(), "gdalwarp") {
		t.Errorf("error %v: want ErrBadRaster naming the file, its CRS and the fix", err)
	}
}

// A raster given as --population is sniffed, read over the extract and
// placed with every resident in one community.
func TestLoadWithRaster(t *testing.T) {
	city, st, err := Load(context.Background(), Config{
		OSMPath:        "testdata/monaco-2021-04-21.osm.pbf",
		PopulationPath: "testdata/raster/wgs84_float32_lzw_pred3_tiles.tif",
	})
	if err != nil {
		t.Fatal(err)
	}
	if city.Population.Source != geo.MethodRaster || st.Population.Raster == nil {
		t.Fatalf("population source %q, raster %+v", city.Population.Source, st.Population.Raster)
	}
	want := st.Population.Raster.PixelsSum
	if want <= 0 || math.Abs(city.Population.Total-want) > 1e-3*want {
		t.Errorf("placed %v, the raster's pixels over the extract hold %v", city.Population.Total, want)
	}
	for _, c := range city.Population.Cells {
		if c.Community < 0 {
			t.Fatalf("cell %s in no community", c.Cell)
		}
	}
	_, _, err = Load(context.Background(), Config{
		OSMPath: "testdata/monaco-2021-04-21.osm.pbf", PopulationPath: "testdata/raster/webmercator_refused.tif",
	})
	if !errors.Is(err, ErrBadRaster) {
		t.Errorf("web mercator raster: %v, want ErrBadRaster", err)
	}
}

// Rasters written now by the installed GDAL, in layouts the committed
// fixtures do not cover (big-endian, odd sizes, 16-bit integers), hold the
// sums of the grids they were made from. Without gdal_translate the test
// is skipped, except in CI (.ci/run installs gdal-bin).
func TestGeoTIFFFromInstalledGDAL(t *testing.T) {
	gdal, err := exec.LookPath("gdal_translate")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("gdal_translate not installed (apt-get install gdal-bin)")
		}
		t.Skip("gdal_translate not installed")
	}
	dir := t.TempDir()
	const w, h = 37, 23
	rng := rand.New(rand.NewPCG(1, 2))
	var sb strings.Builder
	fmt.Fprintf(&sb, "ncols %d\nnrows %d\nxllcorner 7.405\nyllcorner 43.725\ncellsize 0.0007\nNODATA_value -1\n", w, h)
	var want float64
	for r := 0; r < h; r++ {
		for c := 0; c < w; c++ {
			v := float64(rng.IntN(400))
			if rng.IntN(9) == 0 {
				v = -1
			} else {
				want += v
			}
			fmt.Fprintf(&sb, "%v ", v)
		}
		sb.WriteString("\n")
	}
	asc := filepath.Join(dir, "grid.asc")
	if err := os.WriteFile(asc, []byte(sb.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, opts := range map[string][]string{
		"bigendian_float32_pred3_tiles.tif": {"-ot", "Float32", "-co", "ENDIANNESS=BIG", "-co", "COMPRESS=DEFLATE", "-co", "PREDICTOR=3", "-co", "TILED=YES", "-co", "BLOCKXSIZE=16", "-co", "BLOCKYSIZE=16"},
		"int16_lzw_pred2_strips.tif":        {"-ot", "Int16", "-co", "COMPRESS=LZW", "-co", "PREDICTOR=2", "-co", "BLOCKYSIZE=5"},
		"float64_uncompressed.tif":          {"-ot", "Float64"},
	} {
		out := filepath.Join(dir, name)
		args := append([]string{"-q", "-a_srs", "EPSG:4326"}, opts...)
		if msg, err := exec.Command(gdal, append(args, asc, out)...).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v: %s", name, err, msg)
		}
		rs := openRaster(t, out)
		cells, total, err := rs.CellPops(nil, name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var sum float64
		for _, c := range cells {
			sum += c.Pop
		}
		if math.Abs(total-want) > 1e-3*want || math.Abs(sum-want) > 1e-3*want {
			t.Errorf("%s (%s): pixels %v, cells %v; want %v", name, rs.Format, total, sum, want)
		}
	}
}

// FuzzGeoTIFF: any bytes give a raster or an error, never a panic.
func FuzzGeoTIFF(f *testing.F) {
	for _, name := range []string{"wgs84_float32_deflate_strips.tif", "wgs84_float32_lzw_pred3_tiles.tif",
		"mollweide_int32_lzw_pred2_tiles.tif", "webmercator_refused.tif"} {
		b, err := os.ReadFile("testdata/raster/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		rs, err := OpenGeoTIFF(bytes.NewReader(b), int64(len(b)), "fuzz.tif")
		if err != nil {
			return
		}
		if rs.Width*rs.Height > 64 {
			return // each pixel costs up to 4,096 samples: keep the runs short
		}
		_, _, _ = rs.CellPops(nil, "fuzz.tif")
	})
}
