package geo

import (
	"fmt"
	"math"

	"github.com/paulmach/orb"
)

// Coordinate systems of Chinese map providers. Facility, community and
// candidate files in GCJ-02 (AMap/Gaode, Tencent; "火星坐标") or BD-09
// (Baidu) are converted to WGS84 on input.
const (
	CRSWGS84 = "wgs84"
	// CRSGCJ02 is the offset system of China's surveying authority
	// (GB 20263), shifted from WGS84 by a few hundred metres.
	CRSGCJ02 = "gcj02"
	// CRSBD09 is Baidu's further offset of GCJ-02.
	CRSBD09 = "bd09"
)

// ParseCRS checks a --crs value.
func ParseCRS(s string) (string, error) {
	switch s {
	case "", CRSWGS84:
		return CRSWGS84, nil
	case CRSGCJ02, CRSBD09:
		return s, nil
	}
	return "", fmt.Errorf("%w: coordinate system %q, want wgs84, gcj02 or bd09", ErrBadOption, s)
}

// ToWGS84 converts p from crs (CRSWGS84, CRSGCJ02 or CRSBD09) to WGS84.
func ToWGS84(p orb.Point, crs string) orb.Point {
	switch crs {
	case CRSGCJ02:
		return GCJ02ToWGS84(p)
	case CRSBD09:
		return GCJ02ToWGS84(BD09ToGCJ02(p))
	}
	return p
}

// The constants of the published GCJ-02 transform: Krasovsky 1940's
// semi-major axis and first eccentricity squared.
const (
	gcjA  = 6378245.0
	gcjEE = 0.00669342162296594323
	bdXPi = math.Pi * 3000.0 / 180.0
)

// OutOfChina reports whether p lies outside the rectangle where GCJ-02
// applies an offset (72.004–137.8347 E, 0.8293–55.8271 N): there GCJ-02
// and BD-09's GCJ-02 step equal WGS84.
func OutOfChina(p orb.Point) bool {
	return !(p[0] > 72.004 && p[0] < 137.8347 && p[1] > 0.8293 && p[1] < 55.8271)
}

func gcjTransformLat(x, y float64) float64 {
	r := -100.0 + 2.0*x + 3.0*y + 0.2*y*y + 0.1*x*y + 0.2*math.Sqrt(math.Abs(x))
	r += (20.0*math.Sin(6.0*x*math.Pi) + 20.0*math.Sin(2.0*x*math.Pi)) * 2.0 / 3.0
	r += (20.0*math.Sin(y*math.Pi) + 40.0*math.Sin(y/3.0*math.Pi)) * 2.0 / 3.0
	r += (160.0*math.Sin(y/12.0*math.Pi) + 320*math.Sin(y*math.Pi/30.0)) * 2.0 / 3.0
	return r
}

func gcjTransformLon(x, y float64) float64 {
	r := 300.0 + x + 2.0*y + 0.1*x*x + 0.1*x*y + 0.1*math.Sqrt(math.Abs(x))
	r += (20.0*math.Sin(6.0*x*math.Pi) + 20.0*math.Sin(2.0*x*math.Pi)) * 2.0 / 3.0
	r += (20.0*math.Sin(x*math.Pi) + 40.0*math.Sin(x/3.0*math.Pi)) * 2.0 / 3.0
	r += (150.0*math.Sin(x/12.0*math.Pi) + 300.0*math.Sin(x/30.0*math.Pi)) * 2.0 / 3.0
	return r
}

// WGS84ToGCJ02 applies the published GCJ-02 offset (no shift outside
// China).
func WGS84ToGCJ02(p orb.Point) orb.Point {
	if OutOfChina(p) {
		return p
	}
	lon, lat := p[0], p[1]
	dLat := gcjTransformLat(lon-105.0, lat-35.0)
	dLon := gcjTransformLon(lon-105.0, lat-35.0)
	radLat := lat / 180.0 * math.Pi
	magic := math.Sin(radLat)
	magic = 1 - gcjEE*magic*magic
	sqrtMagic := math.Sqrt(magic)
	dLat = (dLat * 180.0) / ((gcjA * (1 - gcjEE)) / (magic * sqrtMagic) * math.Pi)
	dLon = (dLon * 180.0) / (gcjA / sqrtMagic * math.Cos(radLat) * math.Pi)
	return orb.Point{lon + dLon, lat + dLat}
}

// GCJ02ToWGS84 inverts WGS84ToGCJ02 by fixed-point iteration until the
// forward transform of the result is within 1e-9° (0.1 mm) of p; the
// usual one-step inverse is off by up to a few metres.
func GCJ02ToWGS84(p orb.Point) orb.Point {
	if OutOfChina(p) {
		return p
	}
	w := p
	for range 30 {
		g := WGS84ToGCJ02(w)
		dx, dy := p[0]-g[0], p[1]-g[1]
		w = orb.Point{w[0] + dx, w[1] + dy}
		if math.Abs(dx) < 1e-9 && math.Abs(dy) < 1e-9 {
			break
		}
	}
	return w
}

// GCJ02ToBD09 applies Baidu's published offset to a GCJ-02 point.
func GCJ02ToBD09(p orb.Point) orb.Point {
	x, y := p[0], p[1]
	z := math.Sqrt(x*x+y*y) + 0.00002*math.Sin(y*bdXPi)
	theta := math.Atan2(y, x) + 0.000003*math.Cos(x*bdXPi)
	return orb.Point{z*math.Cos(theta) + 0.0065, z*math.Sin(theta) + 0.006}
}

// BD09ToGCJ02 is the published inverse of GCJ02ToBD09.
func BD09ToGCJ02(p orb.Point) orb.Point {
	x, y := p[0]-0.0065, p[1]-0.006
	z := math.Sqrt(x*x+y*y) - 0.00002*math.Sin(y*bdXPi)
	theta := math.Atan2(y, x) - 0.000003*math.Cos(x*bdXPi)
	return orb.Point{z * math.Cos(theta), z * math.Sin(theta)}
}
