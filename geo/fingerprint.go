package geo

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"math"
)

// Fingerprint identifies what every answer about a's city is computed
// from: the walk network (vertices, edges and their attributes), the
// facilities (open or closed), the communities, the population cells, the
// taxonomy, the walkers and the access options. Two loads of the same
// inputs have the same fingerprint in any process; a change to any of
// these changes it. It is a hexadecimal SHA-256 prefix.
func (a *Access) Fingerprint() string { return fingerprint(a.City, a.Options) }

// fingerprint is Access.Fingerprint of an access on c with the options
// opt, filled (fillAccessOptions).
func fingerprint(c *City, opt AccessOptions) string {
	h := sha256.New()
	// What is hashed is written to buf first (fmt.Appendf writes what
	// fmt.Fprintf would), which is sent to h in blocks: on a city of
	// 400,000 edges, writing each value to h was most of the time.
	buf := make([]byte, 0, 64<<10)
	flush := func() {
		if len(buf) >= 32<<10 {
			h.Write(buf)
			buf = buf[:0]
		}
	}
	buf = fmt.Appendf(buf, "%q|%q|%v|%d|", c.Name, c.Attribution, opt.CutoffMin, opt.K)
	g := c.Graph
	putU := func(v uint64) {
		buf = binary.LittleEndian.AppendUint64(buf, v)
		flush()
	}
	putF := func(f float64) { putU(math.Float64bits(f)) }
	putU(uint64(g.NumVertices()))
	for v := 0; v < g.NumVertices(); v++ {
		p := g.Vertex(v)
		putF(p[0])
		putF(p[1])
	}
	putU(uint64(g.NumEdges()))
	// Few attribute values recur over many edges: each is formatted once.
	attrs := map[EdgeAttr][]byte{}
	for e := 0; e < g.NumEdges(); e++ {
		putF(g.EdgeLengthM(e))
		at := g.EdgeAttr(e)
		s, ok := attrs[at]
		if !ok {
			s = fmt.Appendf(nil, "%v", at)
			attrs[at] = s
		}
		buf = append(buf, s...)
	}
	for i, f := range c.Facilities {
		buf = fmt.Appendf(buf, "|%q|%q|%q|%v|%v|%v|%v", f.ID, f.Category, f.Name, f.Point, f.Capacity, f.BelowStreet, c.Closed[i])
		flush()
	}
	for _, cm := range c.Communities {
		buf = fmt.Appendf(buf, "|%q|%q|%v|%v|%v|%v", cm.ID, cm.Name, cm.Population, cm.Households, cm.Aged60Share, cm.ChildShare)
		flush()
	}
	for _, pc := range c.Population.Cells {
		putU(uint64(pc.Cell))
		putF(pc.Pop)
		putU(uint64(int64(pc.Community)))
	}
	h.Write(buf)
	fingerprintTaxonomy(h, c.Taxonomy)
	for _, p := range opt.Profiles {
		fmt.Fprintf(h, "|%+v", p)
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
}

func fingerprintTaxonomy(h hash.Hash, t *Taxonomy) {
	fmt.Fprintf(h, "|%q|%q|%v|%+v", t.Version, t.Source, t.AgeShares, t.GreenSpace)
	for _, c := range t.Categories {
		// Values, not pointers: a pointer would print its address.
		norm := c.PlacesPer1000
		c.PlacesPer1000 = nil
		fmt.Fprintf(h, "|%+v", c)
		if norm != nil {
			fmt.Fprintf(h, "|norm %v", norm.Per1000)
		}
	}
}
