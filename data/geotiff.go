package data

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"golang.org/x/image/tiff/lzw"

	"fifteen/geo"
	"fifteen/geo/hex"
)

// ErrBadRaster means a population raster cannot be read: not a GeoTIFF of
// the supported subset, or in a coordinate system fifteen does not know.
var ErrBadRaster = errors.New("data: invalid population raster")

// The raster coordinate systems fifteen reads.
const (
	// CRSWGS84 is EPSG:4326, longitude and latitude (WorldPop).
	CRSWGS84 = "EPSG:4326"
	// CRSMollweide is World Mollweide, ESRI:54009 (GHSL).
	CRSMollweide = "ESRI:54009"
)

// IsGeoTIFF reports whether head, the first bytes of a file, starts a TIFF.
func IsGeoTIFF(head []byte) bool {
	return bytes.HasPrefix(head, []byte("II*\x00")) || bytes.HasPrefix(head, []byte("MM\x00*")) ||
		bytes.HasPrefix(head, []byte("II+\x00")) || bytes.HasPrefix(head, []byte("MM\x00+"))
}

// Raster is a single-band population raster: residents per pixel.
type Raster struct {
	Width, Height int
	// CRS is CRSWGS84 or CRSMollweide.
	CRS string
	// OriginX, OriginY are the coordinates of the top-left corner of the
	// top-left pixel; PixelX, PixelY the pixel size (PixelY positive,
	// rows go down), in degrees or metres.
	OriginX, OriginY, PixelX, PixelY float64
	// NoData is the nodata value, or NaN when none is given.
	NoData float64
	// Format describes the file for reports: data type, compression,
	// layout.
	Format string

	r         io.ReaderAt
	order     binary.ByteOrder
	bits      int
	sampleFmt int // 1 unsigned, 2 signed, 3 float
	compress  int
	predictor int
	blockW    int // strips are blocks of the full width
	blockH    int
	offsets   []uint64
	counts    []uint64
	tiled     bool
}

// TIFF tags used.
const (
	tagWidth         = 256
	tagHeight        = 257
	tagBits          = 258
	tagCompression   = 259
	tagStripOffsets  = 273
	tagSamples       = 277
	tagRowsPerStrip  = 278
	tagStripCounts   = 279
	tagPlanar        = 284
	tagPredictor     = 317
	tagTileWidth     = 322
	tagTileHeight    = 323
	tagTileOffsets   = 324
	tagTileCounts    = 325
	tagSampleFormat  = 339
	tagPixelScale    = 33550
	tagTiepoint      = 33922
	tagTransform     = 34264
	tagGeoKeys       = 34735
	tagGeoDoubles    = 34736
	tagGeoASCII      = 34737
	tagGDALNoData    = 42113
	geoKeyModelType  = 1024
	geoKeyRasterType = 1025
	geoKeyCitation   = 1026
	geoKeyGeographic = 2048
	geoKeyGeogCite   = 2049
	geoKeyProjected  = 3072
	geoKeyPCSCite    = 3073
	geoKeyProjection = 3074
	geoKeyCoordTrans = 3075
)

type tiffEntry struct {
	typ   uint16
	count uint64
	data  []byte // the value bytes
}

// OpenGeoTIFF reads the header of a GeoTIFF population raster: one band of
// 8-, 16-, 32- or 64-bit integers or 32- or 64-bit floats, uncompressed,
// LZW or Deflate, with or without a predictor, in strips or tiles, in
// EPSG:4326 or World Mollweide (ESRI:54009). name is used in errors, which
// wrap ErrBadRaster and say what is not supported.
func OpenGeoTIFF(r io.ReaderAt, size int64, name string) (*Raster, error) {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%s: %w: %s", name, ErrBadRaster, fmt.Sprintf(format, args...))
	}
	head := make([]byte, 8)
	if _, err := r.ReadAt(head, 0); err != nil {
		return nil, fail("not a TIFF file (too short)")
	}
	var order binary.ByteOrder
	switch string(head[:2]) {
	case "II":
		order = binary.LittleEndian
	case "MM":
		order = binary.BigEndian
	default:
		return nil, fail("not a TIFF file")
	}
	switch order.Uint16(head[2:]) {
	case 42:
	case 43:
		return nil, fail("BigTIFF is not supported; write the raster as classic TIFF (gdal_translate -co BIGTIFF=NO)")
	default:
		return nil, fail("not a TIFF file (bad magic number)")
	}
	ifd := int64(order.Uint32(head[4:]))
	cnt := make([]byte, 2)
	if _, err := r.ReadAt(cnt, ifd); err != nil {
		return nil, fail("truncated: no image directory at offset %d", ifd)
	}
	n := int(order.Uint16(cnt))
	raw := make([]byte, 12*n)
	if _, err := r.ReadAt(raw, ifd+2); err != nil {
		return nil, fail("truncated image directory")
	}
	typeSize := map[uint16]int{1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 16: 8, 17: 8}
	tags := map[uint16]tiffEntry{}
	for i := 0; i < n; i++ {
		e := raw[12*i : 12*i+12]
		tag, typ, count := order.Uint16(e), order.Uint16(e[2:]), uint64(order.Uint32(e[4:]))
		sz, ok := typeSize[typ]
		if !ok {
			continue
		}
		total := uint64(sz) * count
		if total > uint64(size) {
			return nil, fail("tag %d claims %d bytes, more than the file", tag, total)
		}
		var data []byte
		if total <= 4 {
			data = append([]byte(nil), e[8:8+total]...)
		} else {
			data = make([]byte, total)
			if _, err := r.ReadAt(data, int64(order.Uint32(e[8:]))); err != nil {
				return nil, fail("truncated: tag %d", tag)
			}
		}
		tags[tag] = tiffEntry{typ: typ, count: count, data: data}
	}
	nums := func(tag uint16) []float64 {
		e, ok := tags[tag]
		if !ok {
			return nil
		}
		out := make([]float64, 0, e.count)
		for i := uint64(0); i < e.count; i++ {
			switch e.typ {
			case 1, 7:
				out = append(out, float64(e.data[i]))
			case 6:
				out = append(out, float64(int8(e.data[i])))
			case 3:
				out = append(out, float64(order.Uint16(e.data[2*i:])))
			case 8:
				out = append(out, float64(int16(order.Uint16(e.data[2*i:]))))
			case 4:
				out = append(out, float64(order.Uint32(e.data[4*i:])))
			case 9:
				out = append(out, float64(int32(order.Uint32(e.data[4*i:]))))
			case 11:
				out = append(out, float64(math.Float32frombits(order.Uint32(e.data[4*i:]))))
			case 12:
				out = append(out, math.Float64frombits(order.Uint64(e.data[8*i:])))
			case 16:
				out = append(out, float64(order.Uint64(e.data[8*i:])))
			case 5, 10:
				num, den := float64(order.Uint32(e.data[8*i:])), float64(order.Uint32(e.data[8*i+4:]))
				out = append(out, num/den)
			default:
				return nil
			}
		}
		return out
	}
	one := func(tag uint16, def float64) float64 {
		if v := nums(tag); len(v) > 0 {
			return v[0]
		}
		return def
	}
	ascii := func(tag uint16) string {
		return strings.TrimRight(string(tags[tag].data), "\x00")
	}

	rs := &Raster{r: r, order: order, NoData: math.NaN()}
	rs.Width, rs.Height = int(one(tagWidth, 0)), int(one(tagHeight, 0))
	if rs.Width <= 0 || rs.Height <= 0 {
		return nil, fail("no image size")
	}
	if s := one(tagSamples, 1); s != 1 {
		return nil, fail("%v bands per pixel; want a single band of residents per pixel", s)
	}
	if p := one(tagPlanar, 1); p != 1 && p != 2 {
		return nil, fail("planar configuration %v", p)
	}
	rs.bits = int(one(tagBits, 1))
	rs.sampleFmt = int(one(tagSampleFormat, 1))
	switch {
	case rs.sampleFmt == 3 && (rs.bits == 32 || rs.bits == 64):
	case (rs.sampleFmt == 1 || rs.sampleFmt == 2) && (rs.bits == 8 || rs.bits == 16 || rs.bits == 32 || rs.bits == 64):
	default:
		return nil, fail("%d-bit samples of format %d are not supported; want integers or 32/64-bit floats", rs.bits, rs.sampleFmt)
	}
	rs.compress = int(one(tagCompression, 1))
	compName := map[int]string{1: "uncompressed", 5: "LZW", 8: "Deflate", 32946: "Deflate"}[rs.compress]
	if compName == "" {
		return nil, fail("compression %d is not supported; want none, LZW or Deflate (gdal_translate -co COMPRESS=DEFLATE)", rs.compress)
	}
	rs.predictor = int(one(tagPredictor, 1))
	if rs.predictor != 1 && rs.predictor != 2 && rs.predictor != 3 {
		return nil, fail("predictor %d is not supported", rs.predictor)
	}
	if _, ok := tags[tagTileWidth]; ok {
		rs.tiled = true
		rs.blockW, rs.blockH = int(one(tagTileWidth, 0)), int(one(tagTileHeight, 0))
		rs.offsets, rs.counts = u64s(nums(tagTileOffsets)), u64s(nums(tagTileCounts))
	} else {
		rs.blockW, rs.blockH = rs.Width, int(one(tagRowsPerStrip, float64(rs.Height)))
		rs.blockH = min(rs.blockH, rs.Height)
		rs.offsets, rs.counts = u64s(nums(tagStripOffsets)), u64s(nums(tagStripCounts))
	}
	if rs.blockW <= 0 || rs.blockH <= 0 {
		return nil, fail("bad strip or tile size")
	}
	if rs.Width > 1<<20 || rs.Height > 1<<20 || (rs.tiled && (rs.blockW > 8192 || rs.blockH > 8192)) ||
		int64(rs.blockW)*int64(min(rs.blockH, rs.Height))*int64(rs.bits/8) > 64<<20 {
		return nil, fail("image of %d × %d pixels in blocks of %d × %d is too large", rs.Width, rs.Height, rs.blockW, rs.blockH)
	}
	blocks := rs.blocksX() * rs.blocksY()
	if len(rs.offsets) != blocks || len(rs.counts) != blocks {
		return nil, fail("%d strips or tiles listed, want %d", len(rs.offsets), blocks)
	}
	for i := range rs.offsets {
		if rs.offsets[i] > uint64(size) || rs.counts[i] > uint64(size)-rs.offsets[i] {
			return nil, fail("strip or tile %d lies beyond the end of the file", i)
		}
	}
	layout := "strips"
	if rs.tiled {
		layout = "tiles"
	}
	kind := map[int]string{1: "uint", 2: "int", 3: "float"}[rs.sampleFmt]
	rs.Format = fmt.Sprintf("%s%d, %s, %s", kind, rs.bits, compName, layout)
	if s := strings.TrimSpace(ascii(tagGDALNoData)); s != "" {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil && !strings.EqualFold(s, "nan") {
			return nil, fail("nodata %q is not a number", s)
		}
		if err == nil {
			rs.NoData = v
		}
	}

	// Georeferencing: a tie point and pixel scale, no rotation.
	if _, ok := tags[tagTransform]; ok {
		t := nums(tagTransform)
		if len(t) < 8 || t[1] != 0 || t[4] != 0 {
			return nil, fail("a rotated or sheared raster is not supported")
		}
		rs.OriginX, rs.PixelX, rs.OriginY, rs.PixelY = t[3], t[0], t[7], -t[5]
	} else {
		scale, tie := nums(tagPixelScale), nums(tagTiepoint)
		if len(scale) < 2 || len(tie) < 6 {
			return nil, fail("not georeferenced: no pixel scale and tie point (a plain TIFF, not a GeoTIFF)")
		}
		rs.PixelX, rs.PixelY = scale[0], scale[1]
		rs.OriginX, rs.OriginY = tie[3]-tie[0]*scale[0], tie[4]+tie[1]*scale[1]
	}
	if !(rs.PixelX > 0 && rs.PixelY > 0) || math.IsInf(rs.OriginX, 0) || math.IsNaN(rs.OriginX) || math.IsNaN(rs.OriginY) {
		return nil, fail("bad pixel size %v × %v", rs.PixelX, rs.PixelY)
	}

	// Coordinate system from the GeoKeys.
	keys := nums(tagGeoKeys)
	if len(keys) < 4 {
		return nil, fail("no GeoKey directory: the coordinate system is unknown; want EPSG:4326 (WorldPop) or World Mollweide ESRI:54009 (GHSL)")
	}
	doubles := nums(tagGeoDoubles)
	asciiParams := ascii(tagGeoASCII)
	key := map[int]float64{}
	keyStr := map[int]string{}
	for i := 0; i < int(keys[3]) && 4+4*i+3 < len(keys); i++ {
		k := keys[4+4*i:]
		id, loc, count, val := int(k[0]), int(k[1]), int(k[2]), int(k[3])
		switch loc {
		case 0:
			key[id] = float64(val)
		case tagGeoDoubles:
			if val < len(doubles) {
				key[id] = doubles[val]
			}
		case tagGeoASCII:
			if val >= 0 && val+count <= len(asciiParams) {
				keyStr[id] = strings.TrimRight(asciiParams[val:val+count], "|\x00")
			}
		}
	}
	if key[geoKeyRasterType] == 2 {
		// PixelIsPoint: the tie point is a pixel's centre.
		rs.OriginX -= rs.PixelX / 2
		rs.OriginY += rs.PixelY / 2
	}
	cites := keyStr[geoKeyCitation] + " " + keyStr[geoKeyGeogCite] + " " + keyStr[geoKeyPCSCite]
	switch key[geoKeyModelType] {
	case 2:
		if g := key[geoKeyGeographic]; g == 4326 || (g == 32767 && strings.Contains(strings.ToUpper(cites), "WGS 84")) {
			rs.CRS = CRSWGS84
		} else {
			return nil, fail("geographic coordinate system EPSG:%v is not supported; want EPSG:4326 (reproject with gdalwarp -t_srs EPSG:4326)", g)
		}
	case 1, 32767:
		// GDAL writes ESRI:54009 as a user-defined model whose citation
		// is the ESRI WKT: accept it when it is Mollweide centred on
		// Greenwich with no false origin.
		p := key[geoKeyProjected]
		if p == 54009 || (strings.Contains(strings.ToLower(cites), "mollweide") && zeroParams(cites)) {
			rs.CRS = CRSMollweide
		} else {
			what := fmt.Sprintf("EPSG:%v", p)
			if p == 32767 {
				what = "user-defined (" + strings.TrimSpace(cites) + ")"
			}
			return nil, fail("projected coordinate system %s is not supported; want EPSG:4326 (WorldPop) or World Mollweide ESRI:54009 (GHSL); reproject with gdalwarp -t_srs EPSG:4326", what)
		}
	default:
		return nil, fail("coordinate system model %v is not supported; want EPSG:4326 or World Mollweide ESRI:54009", key[geoKeyModelType])
	}
	if rs.CRS == CRSWGS84 && (rs.OriginX < -180.5 || rs.OriginX+rs.PixelX*float64(rs.Width) > 180.5 ||
		rs.OriginY > 90.5 || rs.OriginY-rs.PixelY*float64(rs.Height) < -90.5) {
		return nil, fail("extent outside longitude/latitude ranges: coordinates are not EPSG:4326")
	}
	return rs, nil
}

var wktParam = regexp.MustCompile(`PARAMETER\["(Central_Meridian|False_Easting|False_Northing)",\s*([-0-9.eE+]+)\]`)

// zeroParams reports whether a WKT citation's central meridian and false
// origin, where given, are 0.
func zeroParams(wkt string) bool {
	for _, m := range wktParam.FindAllStringSubmatch(wkt, -1) {
		if v, err := strconv.ParseFloat(m[2], 64); err != nil || v != 0 {
			return false
		}
	}
	return true
}

func u64s(v []float64) []uint64 {
	out := make([]uint64, len(v))
	for i, x := range v {
		out[i] = uint64(x)
	}
	return out
}

func (rs *Raster) blocksX() int { return (rs.Width + rs.blockW - 1) / rs.blockW }
func (rs *Raster) blocksY() int { return (rs.Height + rs.blockH - 1) / rs.blockH }

// readBlock decodes strip or tile b into float64 samples, blockW per row.
func (rs *Raster) readBlock(b int, name string) ([]float64, int, error) {
	rows := rs.blockH
	if !rs.tiled {
		rows = min(rs.blockH, rs.Height-b*rs.blockH)
	}
	bps := rs.bits / 8
	want := rs.blockW * rows * bps
	raw := make([]byte, rs.counts[b])
	if _, err := rs.r.ReadAt(raw, int64(rs.offsets[b])); err != nil {
		return nil, 0, fmt.Errorf("%s: %w: block %d truncated", name, ErrBadRaster, b)
	}
	var buf []byte
	switch rs.compress {
	case 1:
		buf = raw
	case 5:
		rd := lzw.NewReader(bytes.NewReader(raw), lzw.MSB, 8)
		buf, _ = io.ReadAll(io.LimitReader(rd, int64(want)))
		rd.Close()
	default:
		zr, err := zlib.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil, 0, fmt.Errorf("%s: %w: block %d: deflate: %v", name, ErrBadRaster, b, err)
		}
		buf, _ = io.ReadAll(io.LimitReader(zr, int64(want)))
	}
	if len(buf) < want {
		return nil, 0, fmt.Errorf("%s: %w: block %d holds %d bytes, want %d", name, ErrBadRaster, b, len(buf), want)
	}
	rowBytes := rs.blockW * bps
	switch rs.predictor {
	case 2: // horizontal differencing of samples
		for y := 0; y < rows; y++ {
			row := buf[y*rowBytes : (y+1)*rowBytes]
			for x := 1; x < rs.blockW; x++ {
				switch bps {
				case 1:
					row[x] += row[x-1]
				case 2:
					rs.order.PutUint16(row[2*x:], rs.order.Uint16(row[2*x:])+rs.order.Uint16(row[2*x-2:]))
				case 4:
					rs.order.PutUint32(row[4*x:], rs.order.Uint32(row[4*x:])+rs.order.Uint32(row[4*x-4:]))
				case 8:
					rs.order.PutUint64(row[8*x:], rs.order.Uint64(row[8*x:])+rs.order.Uint64(row[8*x-8:]))
				}
			}
		}
	case 3:
		// Floating point (Adobe's TIFF Technical Note 3): the bytes of a
		// row are differenced, after being split into planes of one byte
		// of every sample. In the files GDAL 3.6 (libtiff 4.5) writes in
		// either byte order, the planes run from the last byte of a sample
		// in the file's order to the first: most significant first in a
		// little-endian file, least significant first in a big-endian one
		// (libtiff swaps before it splits). Both are tested.
		tmp := make([]byte, rowBytes)
		for y := 0; y < rows; y++ {
			row := buf[y*rowBytes : (y+1)*rowBytes]
			for i := 1; i < rowBytes; i++ {
				row[i] += row[i-1]
			}
			for x := 0; x < rs.blockW; x++ {
				for k := 0; k < bps; k++ {
					tmp[x*bps+bps-1-k] = row[k*rs.blockW+x]
				}
			}
			copy(row, tmp)
		}
	}
	out := make([]float64, rs.blockW*rows)
	for i := range out {
		s := buf[i*bps:]
		switch {
		case rs.sampleFmt == 3 && bps == 4:
			out[i] = float64(math.Float32frombits(rs.order.Uint32(s)))
		case rs.sampleFmt == 3:
			out[i] = math.Float64frombits(rs.order.Uint64(s))
		case bps == 1 && rs.sampleFmt == 2:
			out[i] = float64(int8(s[0]))
		case bps == 1:
			out[i] = float64(s[0])
		case bps == 2 && rs.sampleFmt == 2:
			out[i] = float64(int16(rs.order.Uint16(s)))
		case bps == 2:
			out[i] = float64(rs.order.Uint16(s))
		case bps == 4 && rs.sampleFmt == 2:
			out[i] = float64(int32(rs.order.Uint32(s)))
		case bps == 4:
			out[i] = float64(rs.order.Uint32(s))
		case rs.sampleFmt == 2:
			out[i] = float64(int64(rs.order.Uint64(s)))
		default:
			out[i] = float64(rs.order.Uint64(s))
		}
	}
	return out, rows, nil
}

// ToLonLat returns the WGS84 (lon, lat) of raster coordinates (x, y).
func (rs *Raster) ToLonLat(x, y float64) (orb.Point, bool) {
	if rs.CRS == CRSWGS84 {
		return orb.Point{x, y}, true
	}
	return mollweideInverse(x, y)
}

// fromLonLat returns the raster coordinates of a WGS84 point.
func (rs *Raster) fromLonLat(p orb.Point) (float64, float64) {
	if rs.CRS == CRSWGS84 {
		return p[0], p[1]
	}
	return mollweideForward(p)
}

// mollweideR is the sphere radius of World Mollweide (ESRI:54009) as PROJ
// computes it: the WGS84 semi-major axis.
const mollweideR = 6378137.0

// mollweideInverse inverts the Mollweide projection (Snyder, Map
// Projections: A Working Manual, USGS PP 1395, 1987, pp. 249-252).
func mollweideInverse(x, y float64) (orb.Point, bool) {
	s2 := math.Sqrt2
	st := y / (s2 * mollweideR)
	if st < -1 || st > 1 {
		return orb.Point{}, false
	}
	th := math.Asin(st)
	lat := math.Asin((2*th + math.Sin(2*th)) / math.Pi)
	c := math.Cos(th)
	if c == 0 {
		return orb.Point{0, lat * 180 / math.Pi}, true
	}
	lon := math.Pi * x / (2 * s2 * mollweideR * c)
	if lon < -math.Pi-1e-12 || lon > math.Pi+1e-12 {
		return orb.Point{}, false
	}
	return orb.Point{lon * 180 / math.Pi, lat * 180 / math.Pi}, true
}

// mollweideForward projects (lon, lat) to Mollweide metres.
func mollweideForward(p orb.Point) (float64, float64) {
	lon, lat := p[0]*math.Pi/180, p[1]*math.Pi/180
	th := lat
	for range 50 {
		d := -(2*th + math.Sin(2*th) - math.Pi*math.Sin(lat)) / (2 + 2*math.Cos(2*th))
		th += d
		if math.Abs(d) < 1e-12 {
			break
		}
	}
	s2 := math.Sqrt2
	return 2 * s2 / math.Pi * mollweideR * lon * math.Cos(th), s2 * mollweideR * math.Sin(th)
}

// RasterSampleM is the spacing, in metres, of the points each pixel is
// sampled at to share its residents among H3 cells by area.
const RasterSampleM = 20

// CellPops moves the raster's residents onto geo.PopulationRes cells by
// area overlap: each pixel is split into n × n equal parts no more than
// RasterSampleM apart (equal areas: Mollweide is equal-area, and within a
// small geographic pixel the change of area with latitude is negligible),
// and each part's share goes to the cell holding its centre. Pixels that
// are nodata, NaN or zero are skipped; a negative pixel is an error. Only
// pixels whose centre lies within window (in WGS84) are read, unless window
// is nil. The cells sum to the pixels read.
func (rs *Raster) CellPops(window *orb.Bound, name string) ([]geo.CellPop, float64, error) {
	x0, y0, x1, y1 := 0, 0, rs.Width, rs.Height
	if window != nil {
		var minX, minY, maxX, maxY = math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
		for _, p := range []orb.Point{window.Min, window.Max, {window.Min[0], window.Max[1]}, {window.Max[0], window.Min[1]},
			{(window.Min[0] + window.Max[0]) / 2, window.Min[1]}, {(window.Min[0] + window.Max[0]) / 2, window.Max[1]}} {
			x, y := rs.fromLonLat(p)
			minX, maxX, minY, maxY = math.Min(minX, x), math.Max(maxX, x), math.Min(minY, y), math.Max(maxY, y)
		}
		x0 = max(0, int(math.Floor((minX-rs.OriginX)/rs.PixelX)))
		x1 = min(rs.Width, int(math.Ceil((maxX-rs.OriginX)/rs.PixelX)))
		y0 = max(0, int(math.Floor((rs.OriginY-maxY)/rs.PixelY)))
		y1 = min(rs.Height, int(math.Ceil((rs.OriginY-minY)/rs.PixelY)))
	}
	acc := map[hex.Cell]float64{}
	var total float64
	bx := rs.blocksX()
	for by := y0 / rs.blockH; by*rs.blockH < y1; by++ {
		for bxi := x0 / rs.blockW; bxi*rs.blockW < x1 && bxi < bx; bxi++ {
			b := by*bx + bxi
			if !rs.tiled {
				b = by
			}
			vals, rows, err := rs.readBlock(b, name)
			if err != nil {
				return nil, 0, err
			}
			for r := 0; r < rows; r++ {
				row := by*rs.blockH + r
				if row < y0 || row >= y1 {
					continue
				}
				cStart, cEnd := bxi*rs.blockW, min((bxi+1)*rs.blockW, rs.Width)
				if !rs.tiled {
					cStart, cEnd = 0, rs.Width
				}
				for col := max(cStart, x0); col < min(cEnd, x1); col++ {
					v := vals[r*rs.blockW+(col-cStart)]
					if math.IsNaN(v) || v == rs.NoData || v == 0 {
						continue
					}
					if v < 0 || math.IsInf(v, 0) {
						return nil, 0, fmt.Errorf("%s: %w: pixel (row %d, column %d) holds %v residents, not a non-negative number (and not the nodata value %v)",
							name, ErrBadRaster, row, col, v, rs.NoData)
					}
					if err := rs.spread(row, col, v, acc); err != nil {
						return nil, 0, fmt.Errorf("%s: %w", name, err)
					}
					total += v
				}
			}
			if !rs.tiled {
				break
			}
		}
	}
	out := make([]geo.CellPop, 0, len(acc))
	for c, p := range acc {
		out = append(out, geo.CellPop{Cell: c, Pop: p})
	}
	return out, total, nil
}

// spread shares pixel (row, col)'s v residents among cells.
func (rs *Raster) spread(row, col int, v float64, acc map[hex.Cell]float64) error {
	cy := rs.OriginY - (float64(row)+0.5)*rs.PixelY
	wM, hM := rs.PixelX, rs.PixelY
	if rs.CRS == CRSWGS84 {
		wM *= 111320 * math.Cos(cy*math.Pi/180)
		hM *= 110574
	}
	n := int(math.Ceil(math.Max(wM, hM) / RasterSampleM))
	n = max(1, min(n, 64))
	share := v / float64(n*n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			x := rs.OriginX + (float64(col)+(float64(i)+0.5)/float64(n))*rs.PixelX
			y := rs.OriginY - (float64(row)+(float64(j)+0.5)/float64(n))*rs.PixelY
			p, ok := rs.ToLonLat(x, y)
			if !ok {
				return fmt.Errorf("%w: pixel (row %d, column %d) lies outside the projection's range", ErrBadRaster, row, col)
			}
			c, err := hex.FromPoint(p, geo.PopulationRes)
			if err != nil {
				return fmt.Errorf("%w: pixel (row %d, column %d): %v", ErrBadRaster, row, col, err)
			}
			acc[c] += share
		}
	}
	return nil
}
