package hex

import (
	"encoding/json"
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
	"github.com/paulmach/orb/planar"
)

// Places used by the tests, as (lon, lat).
var (
	vaduz    = orb.Point{9.5209, 47.1410}
	taichung = orb.Point{120.6736, 24.1477}
	poa      = orb.Point{-51.2177, -30.0346}
)

func TestFromPoint(t *testing.T) {
	tests := []struct {
		name    string
		p       orb.Point
		res     int
		wantErr error
	}{
		{"vaduz res 10", vaduz, 10, nil},
		{"porto alegre southern and western hemisphere", poa, 9, nil},
		{"res 0", vaduz, 0, nil},
		{"res 15", vaduz, 15, nil},
		{"swapped lat/lon rejected when lon exceeds 90", orb.Point{taichung[1], taichung[0]}, 10, ErrBadCoordinate},
		{"NaN longitude", orb.Point{math.NaN(), 47}, 10, ErrBadCoordinate},
		{"infinite latitude", orb.Point{9, math.Inf(1)}, 10, ErrBadCoordinate},
		{"longitude above 180", orb.Point{180.5, 0}, 10, ErrBadCoordinate},
		{"latitude below -90", orb.Point{0, -90.1}, 10, ErrBadCoordinate},
		{"negative resolution", vaduz, -1, ErrBadResolution},
		{"resolution 16", vaduz, 16, ErrBadResolution},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := FromPoint(tt.p, tt.res)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("FromPoint(%v, %d) error = %v, want %v", tt.p, tt.res, err, tt.wantErr)
			}
			if tt.wantErr != nil {
				return
			}
			if !c.IsValid() || c.Res() != tt.res {
				t.Fatalf("cell %s valid=%v res=%d, want valid res %d", c, c.IsValid(), c.Res(), tt.res)
			}
			ring := c.Boundary()
			if !planar.RingContains(ring, tt.p) {
				t.Errorf("boundary of %s does not contain %v", c, tt.p)
			}
		})
	}
}

// TestAxisOrder guards the lon/lat order: the centre of the cell of a point
// must be near that point with longitude first, and a swapped point must land
// far away.
func TestAxisOrder(t *testing.T) {
	for _, p := range []orb.Point{vaduz, taichung, poa} {
		c, err := FromPoint(p, 10)
		if err != nil {
			t.Fatal(err)
		}
		ctr := c.Center()
		if d := orbgeo.Distance(ctr, p); d > 100 {
			t.Errorf("centre %v of the cell of %v is %.0f m away", ctr, p, d)
		}
		if math.Abs(ctr[0]-p[0]) > 0.01 || math.Abs(ctr[1]-p[1]) > 0.01 {
			t.Errorf("centre %v not in (lon, lat) order for %v", ctr, p)
		}
		swapped, err := FromPoint(orb.Point{p[1], p[0]}, 10)
		if err == nil && swapped == c {
			t.Errorf("swapped point %v gave the same cell", p)
		}
	}
}

func TestParseRoundTrip(t *testing.T) {
	c, err := FromPoint(vaduz, 10)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		s       string
		want    Cell
		wantErr error
	}{
		{"own string", c.String(), c, nil},
		{"0x prefix", "0x" + c.String(), c, nil},
		{"upper case", "8A1F8D6A1A07FFF", Cell(0x8a1f8d6a1a07fff), nil},
		{"porto alegre csv cell", "89a901291abffff", Cell(0x89a901291abffff), nil},
		{"empty", "", 0, ErrInvalidCell},
		{"not hex", "hello", 0, ErrInvalidCell},
		{"zero", "0", 0, ErrInvalidCell},
		{"hex but not a cell", "ffffffffffffffff", 0, ErrInvalidCell},
		{"too long", "89a901291abffff00", 0, ErrInvalidCell},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.s)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Parse(%q) error = %v, want %v", tt.s, err, tt.wantErr)
			}
			if got != tt.want {
				t.Fatalf("Parse(%q) = %s, want %s", tt.s, got, tt.want)
			}
			if err == nil {
				again, err := Parse(got.String())
				if err != nil || again != got {
					t.Fatalf("round trip of %s gave %s, %v", got, again, err)
				}
			}
		})
	}
}

func TestTextRoundTrip(t *testing.T) {
	c, _ := FromPoint(poa, 9)
	b, err := json.Marshal(map[string]Cell{"cell": c})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"cell":"` + c.String() + `"}`; string(b) != want {
		t.Fatalf("json = %s, want %s", b, want)
	}
	var back map[string]Cell
	if err := json.Unmarshal(b, &back); err != nil || back["cell"] != c {
		t.Fatalf("unmarshal = %v, %v; want %s", back, err, c)
	}
	if err := json.Unmarshal([]byte(`{"cell":"zz"}`), &back); !errors.Is(err, ErrInvalidCell) {
		t.Fatalf("bad cell unmarshal error = %v, want ErrInvalidCell", err)
	}
}

func TestHierarchy(t *testing.T) {
	c, err := FromPoint(vaduz, 9)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		res       int
		nChildren int
	}{
		{"self", 9, 1},
		{"res 10", 10, 7},
		{"res 11", 11, 49},
		{"coarser gives none", 8, 0},
		{"beyond 15 gives none", 16, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ch := c.Children(tt.res)
			if len(ch) != tt.nChildren {
				t.Fatalf("Children(%d) has %d cells, want %d", tt.res, len(ch), tt.nChildren)
			}
			if !slices.IsSorted(ch) {
				t.Errorf("children not sorted")
			}
			for _, k := range ch {
				if k.Parent(9) != c {
					t.Errorf("parent of child %s is %s, want %s", k, k.Parent(9), c)
				}
			}
		})
	}
	if p := c.Parent(10); p != 0 {
		t.Errorf("Parent at a finer resolution = %s, want 0", p)
	}
	if p := c.Parent(9); p != c {
		t.Errorf("Parent at own resolution = %s, want itself", p)
	}
	if p := Cell(0).Parent(3); p != 0 {
		t.Errorf("Parent of invalid cell = %s, want 0", p)
	}
}

func TestNeighbors(t *testing.T) {
	c, _ := FromPoint(taichung, 10)
	nb := c.Neighbors()
	if len(nb) != 6 {
		t.Fatalf("got %d neighbours, want 6", len(nb))
	}
	edgeM := EdgeLengthM(10)
	for _, n := range nb {
		if n == c {
			t.Errorf("neighbours contain the cell itself")
		}
		// Neighbouring centres are about √3 edge lengths apart.
		if d := orbgeo.Distance(c.Center(), n.Center()); d < 1.5*edgeM || d > 2*edgeM {
			t.Errorf("neighbour %s centre %.0f m away, edge %.0f m", n, d, edgeM)
		}
	}
	if Cell(0).Neighbors() != nil {
		t.Errorf("invalid cell has neighbours")
	}
}

func TestAreaAndBoundary(t *testing.T) {
	c, _ := FromPoint(vaduz, 10)
	a := c.AreaM2()
	if avg := CellAreaAvgM2(10); a < 0.7*avg || a > 1.3*avg {
		t.Errorf("area %.0f m² far from average %.0f m²", a, avg)
	}
	ring := c.Boundary()
	if len(ring) != 7 || ring[0] != ring[len(ring)-1] {
		t.Fatalf("boundary %v is not a closed hexagon", ring)
	}
	if ring.Orientation() != orb.CCW {
		t.Errorf("boundary is not counter-clockwise")
	}
	if Cell(0).AreaM2() != 0 || Cell(0).Boundary() != nil {
		t.Errorf("invalid cell has an area or boundary")
	}
	if ctr := Cell(0).Center(); !math.IsNaN(ctr[0]) {
		t.Errorf("invalid cell centre = %v, want NaN", ctr)
	}
	if l := EdgeLengthM(10); l < 70 || l > 80 {
		t.Errorf("res 10 edge length %.1f m, want about 76", l)
	}
}

// square returns a closed counter-clockwise square ring of side sideDeg
// degrees with its south-west corner at sw.
func square(sw orb.Point, sideDeg float64) orb.Ring {
	return orb.Ring{
		sw,
		{sw[0] + sideDeg, sw[1]},
		{sw[0] + sideDeg, sw[1] + sideDeg},
		{sw[0], sw[1] + sideDeg},
		sw,
	}
}

func TestPolygonCells(t *testing.T) {
	outer := square(orb.Point{9.50, 47.10}, 0.02)
	hole := square(orb.Point{9.505, 47.105}, 0.01)
	hole.Reverse()
	tests := []struct {
		name    string
		mp      orb.MultiPolygon
		res     int
		wantErr error
	}{
		{"square", orb.MultiPolygon{{outer}}, 10, nil},
		{"square with hole", orb.MultiPolygon{{outer, hole}}, 10, nil},
		{"two polygons sharing cells dedupe", orb.MultiPolygon{{outer}, {outer}}, 9, nil},
		{"empty", nil, 10, nil},
		{"tiny polygon no cell", orb.MultiPolygon{{square(orb.Point{9.5, 47.1}, 0.00001)}}, 10, nil},
		{"swapped coordinates rejected", orb.MultiPolygon{{square(orb.Point{24.1, 120.6}, 0.01)}}, 10, ErrBadCoordinate},
		{"degenerate ring", orb.MultiPolygon{{{{9.5, 47.1}, {9.6, 47.1}, {9.5, 47.1}}}}, 10, ErrBadPolygon},
		{"bad resolution", orb.MultiPolygon{{outer}}, 16, ErrBadResolution},
		{"continent too large", orb.MultiPolygon{{square(orb.Point{-10, 30}, 30)}}, 12, ErrTooManyCells},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cells, err := PolygonCells(tt.mp, tt.res)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if !slices.IsSorted(cells) || len(slices.Compact(slices.Clone(cells))) != len(cells) {
				t.Errorf("cells not sorted and unique")
			}
			for _, c := range cells {
				if c.Res() != tt.res {
					t.Fatalf("cell %s has res %d", c, c.Res())
				}
				if !planar.MultiPolygonContains(tt.mp, c.Center()) {
					t.Errorf("cell %s centre %v outside the polygon", c, c.Center())
				}
			}
		})
	}

	// Known answer: the cell count approximates the area.
	full, _ := PolygonCells(orb.MultiPolygon{{outer}}, 10)
	holed, _ := PolygonCells(orb.MultiPolygon{{outer, hole}}, 10)
	areaM2 := orbgeo.Area(outer)
	holeM2 := orbgeo.Area(hole)
	if n := float64(len(full)) * CellAreaAvgM2(10); math.Abs(n-areaM2)/areaM2 > 0.05 {
		t.Errorf("%d cells cover %.0f m², polygon is %.0f m²", len(full), n, areaM2)
	}
	if got, want := len(full)-len(holed), holeM2/CellAreaAvgM2(10); math.Abs(float64(got)-want)/want > 0.15 {
		t.Errorf("hole removed %d cells, want about %.0f", got, want)
	}
}

func TestCellsOutline(t *testing.T) {
	c, _ := FromPoint(vaduz, 10)
	ring1 := c.Neighbors() // a ring of six cells around a hole
	disk := append([]Cell{c}, ring1...)
	far, _ := FromPoint(poa, 10)
	tests := []struct {
		name      string
		cells     []Cell
		wantPolys int
		wantHoles int
		wantErr   error
	}{
		{"one cell", []Cell{c}, 1, 0, nil},
		{"disk", disk, 1, 0, nil},
		{"disk with duplicates", append(slices.Clone(disk), disk...), 1, 0, nil},
		{"ring keeps hole", ring1, 1, 1, nil},
		{"two far cells", []Cell{c, far}, 2, 0, nil},
		{"empty", nil, 0, 0, nil},
		{"invalid cell", []Cell{c, 12345}, 0, 0, ErrInvalidCell},
		{"mixed resolutions", []Cell{c, c.Parent(9)}, 0, 0, ErrBadResolution},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mp, err := CellsOutline(tt.cells)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if len(mp) != tt.wantPolys {
				t.Fatalf("got %d polygons, want %d", len(mp), tt.wantPolys)
			}
			holes := 0
			for _, p := range mp {
				holes += len(p) - 1
				for i, r := range p {
					if r[0] != r[len(r)-1] {
						t.Errorf("ring %d not closed", i)
					}
					want := orb.CCW
					if i > 0 {
						want = orb.CW
					}
					if r.Orientation() != want {
						t.Errorf("ring %d orientation %v, want %v", i, r.Orientation(), want)
					}
				}
			}
			if holes != tt.wantHoles {
				t.Errorf("got %d holes, want %d", holes, tt.wantHoles)
			}
			// Every input cell's centre lies inside the outline, and the
			// outline round-trips through PolygonCells.
			for _, k := range tt.cells {
				if !planar.MultiPolygonContains(mp, k.Center()) {
					t.Errorf("centre of %s outside the outline", k)
				}
			}
			if len(tt.cells) > 0 {
				back, err := PolygonCells(mp, tt.cells[0].Res())
				if err != nil {
					t.Fatal(err)
				}
				want := slices.Clone(tt.cells)
				slices.Sort(want)
				want = slices.Compact(want)
				if !slices.Equal(back, want) {
					t.Errorf("PolygonCells(outline) = %v, want %v", back, want)
				}
			}
		})
	}
}

func BenchmarkFromPoint(b *testing.B) {
	b.ReportAllocs()
	var sink Cell
	for b.Loop() {
		sink, _ = FromPoint(vaduz, 10)
	}
	_ = sink
}
