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
	fmt.Fprintf(h, "%q|%q|%v|%d|", c.Name, c.Attribution, opt.CutoffMin, opt.K)
	g := c.Graph
	putU := func(v uint64) { binary.Write(h, binary.LittleEndian, v) }
	putF := func(f float64) { putU(math.Float64bits(f)) }
	putU(uint64(g.NumVertices()))
	for v := 0; v < g.NumVertices(); v++ {
		p := g.Vertex(v)
		putF(p[0])
		putF(p[1])
	}
	putU(uint64(g.NumEdges()))
	for e := 0; e < g.NumEdges(); e++ {
		putF(g.EdgeLengthM(e))
		fmt.Fprintf(h, "%v", g.EdgeAttr(e))
	}
	for i, f := range c.Facilities {
		fmt.Fprintf(h, "|%q|%q|%q|%v|%v|%v|%v", f.ID, f.Category, f.Name, f.Point, f.Capacity, f.BelowStreet, c.Closed[i])
	}
	for _, cm := range c.Communities {
		fmt.Fprintf(h, "|%q|%q|%v|%v|%v|%v", cm.ID, cm.Name, cm.Population, cm.Households, cm.Aged60Share, cm.ChildShare)
	}
	for _, pc := range c.Population.Cells {
		putU(uint64(pc.Cell))
		putF(pc.Pop)
		putU(uint64(int64(pc.Community)))
	}
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
