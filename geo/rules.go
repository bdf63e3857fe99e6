package geo

import (
	"fmt"
	"strings"
)

// The rules every front end applies the same way: the default walker, the
// limits of a request, the life-circle tiers and the category that stands
// for "underserved" when a request names none. The command line and the
// HTTP API call these rather than keeping their own copies.

// DefaultProfile is the walker of a request that names none.
const DefaultProfile = "adult"

// MaxContours bounds the number of contours of one isochrone.
const MaxContours = 12

// Tiers are the life-circle tiers of GB 50180-2018, in minutes.
var Tiers = []int{5, 10, 15}

// ValidTier checks a life-circle tier.
func ValidTier(t int) error {
	for _, x := range Tiers {
		if t == x {
			return nil
		}
	}
	return fmt.Errorf("%w: tier %d is not 5, 10 or 15", ErrBadOption, t)
}

// ResolveProfile returns the index of the walker id, DefaultProfile when
// id is empty; an unknown id gets an error wrapping ErrBadOption that
// lists the walkers there are.
func (a *Access) ResolveProfile(id string) (int, error) {
	if id == "" {
		id = DefaultProfile
	}
	if p := a.ProfileIndex(id); p >= 0 {
		return p, nil
	}
	ids := make([]string, len(a.Profiles))
	for i, p := range a.Profiles {
		ids[i] = p.ID
	}
	return -1, fmt.Errorf("%w: unknown walker %q; the walkers are %s", ErrBadOption, id, strings.Join(ids, ", "))
}

// Index returns the index of the category id; an unknown id gets an error
// wrapping ErrUnknownCategory that lists the categories there are.
func (t *Taxonomy) Index(id string) (int, error) {
	if c, ok := t.Category(id); ok {
		for i := range t.Categories {
			if &t.Categories[i] == c {
				return i, nil
			}
		}
	}
	ids := make([]string, len(t.Categories))
	for i, c := range t.Categories {
		ids[i] = c.ID
	}
	return -1, fmt.Errorf("%w %q; the categories are %s", ErrUnknownCategory, id, strings.Join(ids, ", "))
}

// DefaultGapCategory is the category whose underserved areas are shown when
// a request names none: clinic (a daily, essential need every resident
// has) when the taxonomy has it, else its first essential category, else
// its first category; -1 for an empty taxonomy.
func (t *Taxonomy) DefaultGapCategory() int {
	first := -1
	for i, c := range t.Categories {
		if c.ID == "clinic" {
			return i
		}
		if c.Essential && first < 0 {
			first = i
		}
	}
	if first < 0 && len(t.Categories) > 0 {
		first = 0
	}
	return first
}

// Filter returns r narrowed to one walker and one category where they are
// not empty, sharing nothing it changes with r (a baseline report is
// shared by every request). The capacity figures follow the category too.
func (r *CoverageReport) Filter(profile, category string) *CoverageReport {
	if profile == "" && category == "" {
		return r
	}
	keep := func(cc CommunityCoverage) CommunityCoverage {
		ps := make([]Coverage, 0, len(cc.Profiles))
		for _, p := range cc.Profiles {
			if profile != "" && p.Profile != profile {
				continue
			}
			if category != "" {
				cats := []CategoryCoverage{}
				for _, x := range p.Categories {
					if x.Category == category {
						cats = append(cats, x)
					}
				}
				caps := []CapacityFigures{}
				for _, x := range p.Capacity {
					if x.Category == category {
						caps = append(caps, x)
					}
				}
				p.Categories, p.Capacity = cats, caps
			}
			ps = append(ps, p)
		}
		cc.Profiles = ps
		return cc
	}
	out := *r
	out.Total = keep(r.Total)
	out.Communities = make([]CommunityCoverage, len(r.Communities))
	for i := range r.Communities {
		out.Communities[i] = keep(r.Communities[i])
	}
	return &out
}

// CheckContours checks the minutes of an isochrone: at most MaxContours,
// each in (0, MaxIsochroneMin].
func CheckContours(minutes []float64) error {
	if len(minutes) > MaxContours {
		return fmt.Errorf("%w: %d contours, at most %d", ErrBadOption, len(minutes), MaxContours)
	}
	for _, m := range minutes {
		if !(m > 0 && m <= MaxIsochroneMin) {
			return fmt.Errorf("%w: minutes %v outside (0, %v]", ErrBadOption, m, MaxIsochroneMin)
		}
	}
	return nil
}
