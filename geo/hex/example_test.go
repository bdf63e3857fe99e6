package hex_test

import (
	"fmt"

	"github.com/paulmach/orb"

	"fifteen/geo/hex"
)

func ExampleFromPoint() {
	vaduz := orb.Point{9.5209, 47.1410} // (lon, lat)
	c, err := hex.FromPoint(vaduz, 10)
	if err != nil {
		panic(err)
	}
	parent := c.Parent(9)
	fmt.Println(c, c.Res(), parent, len(parent.Children(10)), len(c.Neighbors()))

	// Latitude and longitude swapped: the latitude 120.67 is rejected.
	_, err = hex.FromPoint(orb.Point{24.1477, 120.6736}, 10)
	fmt.Println(err)
	// Output:
	// 8a1f8e7290cffff 10 891f8e7290fffff 7 6
	// hex: coordinate outside WGS84 range: latitude 120.6736 outside [-90, 90]
}
