package geo

import (
	"math"
	"slices"

	"github.com/paulmach/orb"
)

// runTree is a packed, static R-tree (as in flatbush) of boxes in 1e-7
// degrees, each with a uint32 value: the leaves sorted along a Hilbert
// curve, then each level's nodes boxing runTreeFanout consecutive boxes
// of the level below. It costs 20 bytes per item (a box of four int32 and
// the value) and about 1/runTreeFanout of that for the levels above,
// where a pointer R-tree of float64 boxes costs several times more. It is
// built once and never changed.
type runTree struct {
	box   []fixedBox // leaves first, then every level above, the root last
	val   []uint32   // per leaf
	level []int      // end of each level in box, from the leaves up
}

// fixedBox is a bounding box in 1e-7 degrees.
type fixedBox struct{ minLon, minLat, maxLon, maxLat int32 }

const runTreeFanout = 16

func (b *fixedBox) extend(o fixedBox) {
	b.minLon, b.minLat = min(b.minLon, o.minLon), min(b.minLat, o.minLat)
	b.maxLon, b.maxLat = max(b.maxLon, o.maxLon), max(b.maxLat, o.maxLat)
}

func (b fixedBox) intersects(o fixedBox) bool {
	return b.minLon <= o.maxLon && o.minLon <= b.maxLon && b.minLat <= o.maxLat && o.minLat <= b.maxLat
}

// boxOfBound is the smallest fixed box containing b (rounded outwards).
func boxOfBound(b orb.Bound) fixedBox {
	lo := func(x float64) int32 { return int32(max(math.Floor(x*fixedScale), math.MinInt32)) }
	hi := func(x float64) int32 { return int32(min(math.Ceil(x*fixedScale), math.MaxInt32)) }
	return fixedBox{lo(b.Min[0]), lo(b.Min[1]), hi(b.Max[0]), hi(b.Max[1])}
}

// newRunTree packs boxes with their values.
func newRunTree(boxes []fixedBox, vals []uint32) runTree {
	n := len(boxes)
	if n == 0 {
		return runTree{}
	}
	all := boxes[0]
	for _, b := range boxes[1:] {
		all.extend(b)
	}
	span := max(int64(all.maxLon)-int64(all.minLon), int64(all.maxLat)-int64(all.minLat)) + 1
	key := make([]uint64, n)
	for i, b := range boxes {
		cx := (int64(b.minLon)+int64(b.maxLon))/2 - int64(all.minLon)
		cy := (int64(b.minLat)+int64(b.maxLat))/2 - int64(all.minLat)
		key[i] = hilbert16(uint32(cx*65535/span), uint32(cy*65535/span))<<32 | uint64(i)
	}
	slices.Sort(key)
	// The number of boxes of every level, to allocate once.
	total := n
	for m := n; m > 1; {
		m = (m + runTreeFanout - 1) / runTreeFanout
		total += m
	}
	t := runTree{box: make([]fixedBox, 0, total), val: make([]uint32, n)}
	for j, k := range key {
		t.box = append(t.box, boxes[uint32(k)])
		t.val[j] = vals[uint32(k)]
	}
	t.level = append(t.level, n)
	for start := 0; len(t.box)-start > 1; {
		end := len(t.box)
		for i := start; i < end; i += runTreeFanout {
			b := t.box[i]
			for _, c := range t.box[i+1 : min(i+runTreeFanout, end)] {
				b.extend(c)
			}
			t.box = append(t.box, b)
		}
		t.level = append(t.level, len(t.box))
		start = end
	}
	return t
}

// sizeBytes returns the memory the tree holds.
func (t *runTree) sizeBytes() int { return cap(t.box)*16 + cap(t.val)*4 + cap(t.level)*8 }

// search calls fn with the value of every item whose box meets q, until
// fn returns false.
func (t *runTree) search(q fixedBox, fn func(v uint32) bool) {
	if len(t.box) == 0 {
		return
	}
	root := len(t.box) - 1
	if !t.box[root].intersects(q) {
		return
	}
	// Depth-first: at most fanout-1 waiting boxes per level but the
	// deepest, and 9 levels hold more than 2^32 items.
	var stack [runTreeFanout * 9]struct{ node, level int }
	sp := 0
	stack[sp] = struct{ node, level int }{root, len(t.level) - 1}
	sp++
	for sp > 0 {
		sp--
		node, lv := stack[sp].node, stack[sp].level
		if lv == 0 {
			if !fn(t.val[node]) {
				return
			}
			continue
		}
		// The node's children: its position in its level times the
		// fanout, in the level below.
		lo := 0
		if lv > 1 {
			lo = t.level[lv-2]
		}
		first := lo + (node-t.level[lv-1])*runTreeFanout
		last := min(first+runTreeFanout, t.level[lv-1])
		for c := last - 1; c >= first; c-- {
			if t.box[c].intersects(q) {
				if sp == len(stack) {
					// Deeper than any tree of 2^32 items: cannot happen.
					panic("geo: runTree stack overflow")
				}
				stack[sp] = struct{ node, level int }{c, lv - 1}
				sp++
			}
		}
	}
}
