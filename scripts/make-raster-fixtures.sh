#!/bin/sh
# Makes the population rasters of data/testdata/raster/ with GDAL's own tools
# (apt-get install gdal-bin) from ASCII grids of known values, so that the
# reader is tested on what GDAL writes. The tests compute the same values.
#   WGS84 grid over Monaco: 20 × 20 pixels of 0.002°, value ((row*20+col) mod 7) + 0.5,
#   nodata -99999 where (row*20+col) mod 11 = 0.
#   Mollweide grid (GHSL's ESRI:54009) over Monaco: 40 × 40 pixels of 100 m, value
#   ((row*40+col) mod 13) * 3, nodata -200 where (row*40+col) mod 17 = 0.
set -eu
out=$(dirname "$0")/../data/testdata/raster
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 - "$tmp" <<'PY'
import sys
d = sys.argv[1]
def grid(path, w, h, x, y, size, nodata, value, isnd):
    with open(path, "w") as f:
        f.write(f"ncols {w}\nnrows {h}\nxllcorner {x}\nyllcorner {y}\ncellsize {size}\nNODATA_value {nodata}\n")
        for r in range(h):
            f.write(" ".join(str(nodata if isnd(r*w+c) else value(r*w+c)) for c in range(w)) + "\n")
grid(d + "/wgs.asc", 20, 20, 7.40, 43.72, 0.002, -99999, lambda i: i % 7 + 0.5, lambda i: i % 11 == 0)
grid(d + "/moll.asc", 40, 40, 605000, 5201000, 100, -200, lambda i: (i % 13) * 3, lambda i: i % 17 == 0)
PY
gdal_translate -q -a_srs EPSG:4326 -ot Float32 -co COMPRESS=DEFLATE "$tmp/wgs.asc" "$out/wgs84_float32_deflate_strips.tif"
gdal_translate -q -a_srs EPSG:4326 -ot Float32 -co COMPRESS=LZW -co PREDICTOR=3 -co TILED=YES -co BLOCKXSIZE=16 -co BLOCKYSIZE=16 "$tmp/wgs.asc" "$out/wgs84_float32_lzw_pred3_tiles.tif"
gdal_translate -q -a_srs ESRI:54009 -ot Float64 -co COMPRESS=DEFLATE "$tmp/moll.asc" "$out/mollweide_float64_deflate_strips.tif"
gdal_translate -q -a_srs ESRI:54009 -ot Int32 -co COMPRESS=LZW -co PREDICTOR=2 -co TILED=YES -co BLOCKXSIZE=16 -co BLOCKYSIZE=16 "$tmp/moll.asc" "$out/mollweide_int32_lzw_pred2_tiles.tif"
# An unsupported coordinate system (Web Mercator), to be refused.
gdal_translate -q -a_srs EPSG:3857 -ot Float32 "$tmp/wgs.asc" "$out/webmercator_refused.tif"
