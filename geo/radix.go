package geo

import "math/bits"

// radixHeap is a monotone priority queue of (time, vertex) pairs: every key
// pushed is at least the last key popped, as in Dijkstra's algorithm. Keys
// sit in 33 buckets by the highest bit in which they differ from the last
// key popped, so a pop only compares keys when it refills bucket 0: far
// fewer comparisons and branch misses than a binary or 4-ary heap.
type radixHeap struct {
	last    uint32
	size    int
	buckets [33][]uint64 // key<<32 | vertex
}

func (h *radixHeap) reset() {
	for i := range h.buckets {
		h.buckets[i] = h.buckets[i][:0]
	}
	h.last, h.size = 0, 0
}

func (h *radixHeap) len() int { return h.size }

func radixBucket(key, last uint32) int {
	if key == last {
		return 0
	}
	return 32 - bits.LeadingZeros32(key^last)
}

func (h *radixHeap) push(t, v uint32) {
	b := radixBucket(t, h.last)
	h.buckets[b] = append(h.buckets[b], uint64(t)<<32|uint64(v))
	h.size++
}

func (h *radixHeap) pop() (t, v uint32) {
	if len(h.buckets[0]) == 0 {
		i := 1
		for len(h.buckets[i]) == 0 {
			i++
		}
		b := h.buckets[i]
		m := b[0]
		for _, x := range b[1:] {
			if x < m {
				m = x
			}
		}
		h.last = uint32(m >> 32)
		for _, x := range b {
			k := radixBucket(uint32(x>>32), h.last)
			h.buckets[k] = append(h.buckets[k], x)
		}
		h.buckets[i] = b[:0]
	}
	b0 := h.buckets[0]
	x := b0[len(b0)-1]
	h.buckets[0] = b0[:len(b0)-1]
	h.size--
	return uint32(x >> 32), uint32(x)
}
