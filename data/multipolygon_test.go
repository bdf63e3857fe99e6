package data

import (
	"testing"

	"github.com/paulmach/orb"
)

func TestPolyIndexAnyVertexInside(t *testing.T) {
	park := orb.Polygon{
		{{9.50, 47.10}, {9.51, 47.10}, {9.51, 47.11}, {9.50, 47.11}, {9.50, 47.10}},
		{{9.504, 47.104}, {9.504, 47.106}, {9.506, 47.106}, {9.506, 47.104}, {9.504, 47.104}},
	}
	ix := newPolyIndex([]orb.Polygon{park})
	outside := orb.Point{9.52, 47.105}
	tests := []struct {
		name string
		g    orb.Geometry
		want bool
	}{
		{"path crossing the park", orb.LineString{outside, {9.502, 47.105}}, true},
		{"path sharing a node with the outline (way/300942781)", orb.LineString{outside, {9.51, 47.105}, {9.51, 47.11}}, true},
		{"path outside", orb.LineString{outside, {9.53, 47.105}}, false},
		{"path only in the hole", orb.LineString{{9.5045, 47.105}, {9.5055, 47.105}}, false},
		{"path ending on the hole's corner", orb.LineString{{9.5045, 47.105}, {9.504, 47.104}}, false},
		{"second line of a multilinestring inside", orb.MultiLineString{{outside}, {{9.501, 47.101}}}, true},
		{"point geometry uses the fallback", orb.Point{9.501, 47.101}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ix.anyVertexInside(tt.g, outside); got != tt.want {
				t.Errorf("anyVertexInside = %v, want %v", got, tt.want)
			}
		})
	}
	if !ix.anyVertexInside(orb.Point{}, orb.Point{9.501, 47.101}) {
		t.Errorf("fallback inside not found")
	}
}
