package geo

import (
	"fmt"
	"math"

	"github.com/paulmach/orb"
)

// ValidPoint reports an error wrapping ErrBadCoordinate unless p is a finite
// (lon, lat) pair within [-180, 180] × [-90, 90].
func ValidPoint(p orb.Point) error {
	lon, lat := p[0], p[1]
	if math.IsNaN(lon) || math.IsNaN(lat) || math.IsInf(lon, 0) || math.IsInf(lat, 0) {
		return fmt.Errorf("%w: (%v, %v) is not finite", ErrBadCoordinate, lon, lat)
	}
	if lon < -180 || lon > 180 {
		return fmt.Errorf("%w: longitude %v outside [-180, 180]", ErrBadCoordinate, lon)
	}
	if lat < -90 || lat > 90 {
		return fmt.Errorf("%w: latitude %v outside [-90, 90]", ErrBadCoordinate, lat)
	}
	return nil
}
