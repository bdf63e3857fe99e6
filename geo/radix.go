package geo

import (
	"math/bits"
	"slices"
)

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

// fill moves the smallest keys into bucket 0 when it is empty.
func (h *radixHeap) fill() {
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
}

func (h *radixHeap) pop() (t, v uint32) {
	h.fill()
	b0 := h.buckets[0]
	x := b0[len(b0)-1]
	h.buckets[0] = b0[:len(b0)-1]
	h.size--
	return uint32(x >> 32), uint32(x)
}

// bucketQueue is Dial's monotone bucket queue for the bounded searches:
// one bucket per decisecond over a window of keys, holding vertices (the
// key is the bucket's index), and a bitmap of the buckets that hold any,
// so that finding the next one skips 64 empty buckets per word. A push is
// one append, a pop one read: no comparisons at all. The window spans at
// most maxWindow deciseconds, so that its bucket headers stay in cache;
// keys beyond it wait, unsorted, and fill the next window when it is
// done (a search of 30 minutes moves its window four times). An entry
// whose vertex has since improved is stale and skipped by the search (its
// time no longer equals the bucket's).
type bucketQueue struct {
	b     [][]uint32
	bits  []uint64
	mask  uint32   // window size - 1, a power of two minus one
	base  uint32   // the window's first key, a multiple of the window size
	limit uint32   // the search's largest key
	words int      // bitmap words in use: those of [base, min(limit, base+mask)]
	far   []uint64 // time<<32 | vertex beyond the window
}

// maxWindow is the largest window, in deciseconds (6.8 minutes, a few
// edges' walk): on the default city's clinics a 4096 window took 5-10 %
// less CPU than one of 65,536 (the whole 30-minute search) and 15 % less
// than one of 1024.
const maxWindow = 1 << 12

// reset prepares the queue for keys in [0, limit]. The buckets must be
// empty (a finished search leaves them so).
func (q *bucketQueue) reset(limit uint32) {
	w := 64
	for w < maxWindow && uint64(w) <= uint64(limit) {
		w *= 2
	}
	if len(q.b) < w {
		q.b = append(q.b, make([][]uint32, w-len(q.b))...)
		q.bits = append(q.bits, make([]uint64, w/64-len(q.bits))...)
	}
	q.mask, q.base, q.limit = uint32(w-1), 0, limit
	q.far = q.far[:0]
	q.setWords()
}

func (q *bucketQueue) setWords() {
	end := min(uint64(q.limit), uint64(q.base)+uint64(q.mask)) - uint64(q.base)
	q.words = int(end>>6) + 1
}

// push queues v at time t, which must be at least the key being taken
// and at most the limit.
func (q *bucketQueue) push(t, v uint32) {
	if t-q.base > q.mask {
		q.far = append(q.far, uint64(t)<<32|uint64(v))
		return
	}
	i := t & q.mask
	q.b[i] = append(q.b[i], v)
	q.bits[i>>6] |= 1 << (i & 63)
}

// bucket returns the vertices queued at time t (in the current window).
func (q *bucketQueue) bucket(t uint32) []uint32 { return q.b[t&q.mask] }

// next returns the first key at or after k with a vertex queued, or -1.
func (q *bucketQueue) next(k uint32) int {
	for {
		if k-q.base <= q.mask {
			i := k - q.base
			w := int(i >> 6)
			if w >= q.words {
				goto refill
			}
			if m := q.bits[w] >> (i & 63); m != 0 {
				return int(k) + bits.TrailingZeros64(m)
			}
			for w++; w < q.words; w++ {
				if m := q.bits[w]; m != 0 {
					return int(q.base) + w<<6 + bits.TrailingZeros64(m)
				}
			}
		}
	refill:
		// The window is done: move it to the earliest key waiting beyond,
		// and the keys waiting within it into its buckets.
		if len(q.far) == 0 {
			return -1
		}
		first := slices.Min(q.far)
		q.base = uint32(first>>32) &^ q.mask
		q.setWords()
		rest := q.far[:0]
		for _, x := range q.far {
			if t := uint32(x >> 32); t-q.base <= q.mask {
				q.push(t, uint32(x))
			} else {
				rest = append(rest, x)
			}
		}
		q.far = rest
		k = q.base
	}
}

// done empties the bucket of time t once the search has taken every
// vertex in it.
func (q *bucketQueue) done(t uint32) {
	i := t & q.mask
	q.b[i] = q.b[i][:0]
	q.bits[i>>6] &^= 1 << (i & 63)
}
