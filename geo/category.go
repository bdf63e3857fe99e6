package geo

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Tagger is anything with OSM-style tags; osm.Tags (github.com/paulmach/osm)
// satisfies it. Find returns the value of key, or "" when the key is absent.
type Tagger interface {
	Find(key string) string
}

// Selector selects OSM features by their tags: every key must match. The
// value of a key is a rule:
//
//	"*"        the key is present: non-empty and not "no"
//	"a|b"      the value is one of a, b
//	"!a|b"     the key is absent, or its value is none of a, b
//	"~a|b"     the value contains one of the substrings a, b; an
//	           alternative written "!c" excludes: "~中学|!高级中学" holds
//	           for 石室中学, not for 成都高级中学
//	"!~a|b"    the key is absent, or its value contains none of a, b
//	"#lo-hi"   the value is a list of grades or numbers ("1-4", "5;6",
//	           "K-5", "PK-8": K is 0, PK -1) one of which lies in lo..hi
//	""         the key is absent
//
// A tag value holding a semicolon list ("1;2", "senior;disabled") is matched
// element by element by the "a|b" and "!a|b" rules: "a|b" holds when any
// element is a or b, "!a|b" when no element is. The "~" rules look at the
// whole value. Values are compared exactly, without case folding; a value
// cannot contain "|". A selector needs at least one rule that requires its
// key to be present ("*", "a|b", "~a|b" or "#lo-hi"), so that it cannot
// select every untagged node.
type Selector map[string]string

// Category is one kind of facility of the taxonomy: which OSM features are
// one, how far residents may walk to it and how its capacity is known.
type Category struct {
	// ID is the stable identifier, e.g. "kindergarten": lower-case ASCII
	// letters, digits, '_' and '-'.
	ID string `json:"id"`
	// Name is the English display name.
	Name string `json:"name"`
	// NameZH is the Chinese (simplified) display name.
	NameZH string `json:"name_zh"`
	// Tier is the life-circle tier in minutes: 5, 10 or 15.
	Tier int `json:"tier"`
	// ThresholdMin is the default walk threshold in minutes.
	ThresholdMin float64 `json:"threshold_min"`
	// Essential tells whether the category counts towards a "complete" cell.
	Essential bool `json:"essential"`
	// Kind is "point" (reached at a point), "area" (reached at its boundary:
	// parks) or "line" (greenways: reached anywhere along).
	Kind string `json:"kind"`
	// Select lists the selectors; a feature matching any of them belongs to
	// the category.
	Select []Selector `json:"select"`
	// Within is "" or "green": with "green" a line feature must run
	// through green space, at least half of its length inside it
	// (greenways: paths of their own through parks and woods, and the
	// green stretches of walking and cycling routes). Match does not check
	// it; the loader, which has the geometry, does.
	Within string `json:"within,omitempty"`
	// CapacityTags lists the tags that may hold the capacity, e.g.
	// ["beds", "capacity"]; the first one with a positive number wins.
	CapacityTags []string `json:"capacity_tags,omitempty"`
	// MinAreaM2, when positive, is the smallest area in square metres of a
	// feature of an area category (parks: GB 50180-2018 Table 4.0.4 asks
	// 0.4 ha, 1 ha and 5 ha for the 5-, 10- and 15-minute tiers). The OSM
	// loader drops smaller areas, and point features whose area is not
	// known; a planner's own facilities are kept.
	MinAreaM2 float64 `json:"min_area_m2,omitempty"`
	// DefaultCapacity is used where OSM has no capacity; 0 means none.
	DefaultCapacity float64 `json:"default_capacity,omitempty"`
	// Demand is the age band of the category's users, one of AgeBands
	// ("all", "0-14", "3-5", "6-11", "12-14", "60+", "65+", "80+"); ""
	// means "all". The names of older taxonomies, "children" (0-14) and
	// "aged60" (60+), are still accepted.
	Demand string `json:"demand,omitempty"`
	// PlacesPer1000 is the norm: the places needed per 1,000 people of the
	// Demand band (kindergarten places per 1,000 children aged 3-5,
	// nursing-home beds per 1,000 people aged 60+). Nil means no norm: no
	// need and no shortfall is computed. Validate rejects a norm that is
	// negative or not a number.
	PlacesPer1000 *Norm `json:"places_per_1000,omitempty"`
	// NormSource cites where the norm comes from.
	NormSource string `json:"norm_source,omitempty"`
	// LifeCircle marks the facility types that GB 50180-2018 lists for
	// the life circle of the category's tier (hospitals, pharmacies and
	// greenways are not listed there). When no category of a taxonomy is
	// marked, every category counts for its tier.
	LifeCircle bool `json:"life_circle,omitempty"`
}

// Taxonomy is the set of facility categories and the definition of green
// space. Validate it before use: Validate also compiles the selectors that
// Match and IsGreen use. A validated Taxonomy is safe for concurrent use as
// long as nobody modifies it; after a change, call Validate again.
type Taxonomy struct {
	// Version identifies the taxonomy, e.g. "2024.1".
	Version string `json:"version"`
	// Source says where the taxonomy comes from (standard, programme).
	Source string `json:"source"`
	// Categories lists the categories in display order.
	Categories []Category `json:"categories"`
	// GreenSpace lists the selectors of green space (parks, woods, grass).
	GreenSpace []Selector `json:"green_space"`
	// Profiles are walkers of the user's own, added to the built-in adult,
	// senior and wheelchair (one with a built-in id replaces it).
	Profiles []Profile `json:"profiles,omitempty"`
	// AgeShares are city-level shares (0..1) of the residents in each age
	// band (keys of AgeBands other than "all"), given by the planner. They
	// apply to every community that gives no share of its own; bands
	// without one use NationalAgeShares.
	AgeShares map[string]float64 `json:"age_shares,omitempty"`

	m *matcher // compiled by Validate; immutable once built
}

// Valid values of Category fields.
const (
	KindPoint = "point"
	KindArea  = "area"
	KindLine  = "line"

	WithinGreen = "green"

	DemandAll = AgeAll
	// DemandChildren and DemandAged60 are the bands of the former
	// "children" and "aged60" demand groups.
	DemandChildren = Age0to14
	DemandAged60   = Age60Plus
)

// MaxThresholdMin is the largest walk threshold a category may set.
const MaxThresholdMin = 120

var categoryIDRe = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// Validate checks the taxonomy and compiles its selectors. Category ids must
// be unique and well formed, tiers 5, 10 or 15, thresholds in
// (0, MaxThresholdMin] minutes, kinds point, area or line, and every
// category needs at least one selector. Errors wrap ErrBadTaxonomy and name
// the category.
func (t *Taxonomy) Validate() error {
	t.m = nil
	if n := len(t.Profiles); n > MaxProfiles {
		return fmt.Errorf("%w: %d profiles, at most %d (each is a full access computation)", ErrBadTaxonomy, n, MaxProfiles)
	}
	if n := len(t.Categories); n > MaxCategories {
		return fmt.Errorf("%w: %d categories, at most %d", ErrBadTaxonomy, n, MaxCategories)
	}
	seen := map[string]bool{}
	for i := range t.Profiles {
		if err := t.Profiles[i].Validate(); err != nil {
			return fmt.Errorf("%w: %w", ErrBadTaxonomy, err)
		}
		if seen[t.Profiles[i].ID] {
			return fmt.Errorf("%w: profile %q given twice", ErrBadTaxonomy, t.Profiles[i].ID)
		}
		seen[t.Profiles[i].ID] = true
	}
	m, err := compileTaxonomy(t)
	if err != nil {
		return err
	}
	t.m = m
	return nil
}

// Category returns the category with the given id.
func (t *Taxonomy) Category(id string) (*Category, bool) {
	if t.m != nil {
		if i, ok := t.m.byID[id]; ok && i < len(t.Categories) && t.Categories[i].ID == id {
			return &t.Categories[i], true
		}
	}
	for i := range t.Categories {
		if t.Categories[i].ID == id {
			return &t.Categories[i], true
		}
	}
	return nil, false
}

// Match returns the indexes, in increasing order, of the categories one of
// whose selectors matches tags. A feature may belong to several categories:
// a school of nine-year education (九年一贯制) is both a primary and a middle
// school, a supermarket both a market and a convenience store. Match
// returns nil, without allocating, when nothing matches. Within is not
// checked.
//
// Pass OSM tags by pointer, tax.Match(&way.Tags): osm.Tags is a slice, and
// converting a slice to a Tagger allocates on every call, while a pointer
// does not.
func (t *Taxonomy) Match(tags Tagger) []int {
	return t.AppendMatch(nil, tags)
}

// AppendMatch is Match appending to dst, for callers that reuse a buffer:
// it allocates nothing when dst has room.
func (t *Taxonomy) AppendMatch(dst []int, tags Tagger) []int {
	m := t.m
	if m == nil {
		// Not validated: compile on the fly (slow) rather than store,
		// so that concurrent readers never race.
		var err error
		if m, err = compileTaxonomy(t); err != nil {
			return dst
		}
	}
	return m.cats.appendMatch(dst, tags)
}

// IsGreen reports whether tags match one of the GreenSpace selectors.
func (t *Taxonomy) IsGreen(tags Tagger) bool {
	m := t.m
	if m == nil {
		var err error
		if m, err = compileTaxonomy(t); err != nil {
			return false
		}
	}
	return m.green.any(tags)
}

// Clone returns a deep copy of t that shares the compiled selectors (they
// are immutable). Changing the copy and validating it again does not affect
// t.
func (t *Taxonomy) Clone() *Taxonomy {
	c := &Taxonomy{Version: t.Version, Source: t.Source, m: t.m}
	if t.AgeShares != nil {
		c.AgeShares = make(map[string]float64, len(t.AgeShares))
		for k, v := range t.AgeShares {
			c.AgeShares[k] = v
		}
	}
	if t.Categories != nil {
		c.Categories = make([]Category, len(t.Categories))
		for i, cat := range t.Categories {
			cat.Select = cloneSelectors(cat.Select)
			cat.CapacityTags = slices.Clone(cat.CapacityTags)
			if cat.PlacesPer1000 != nil {
				n := *cat.PlacesPer1000
				cat.PlacesPer1000 = &n
			}
			c.Categories[i] = cat
		}
	}
	c.GreenSpace = cloneSelectors(t.GreenSpace)
	c.Profiles = slices.Clone(t.Profiles)
	return c
}

func cloneSelectors(ss []Selector) []Selector {
	if ss == nil {
		return nil
	}
	out := make([]Selector, len(ss))
	for i, s := range ss {
		out[i] = make(Selector, len(s))
		for k, v := range s {
			out[i][k] = v
		}
	}
	return out
}

// Capacity returns the capacity of a feature of category c: the first of
// c.CapacityTags holding a positive number ("tag:<key>"), else
// c.DefaultCapacity ("default"), else 0 and "".
func (c *Category) Capacity(tags Tagger) (value float64, source string) {
	for _, k := range c.CapacityTags {
		if v, ok := parseCapacity(tags.Find(k)); ok {
			return v, "tag:" + k
		}
	}
	if c.DefaultCapacity > 0 {
		return c.DefaultCapacity, "default"
	}
	return 0, ""
}

// parseCapacity reads a positive finite number, allowing surrounding
// spaces; OSM values such as "approx. 50" or "50;20" are not numbers.
func parseCapacity(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || v <= 0 || v > MaxCapacity {
		return 0, false // not a capacity (a mapper's typo), as if untagged
	}
	return v, true
}

// matcher holds the compiled selectors of a taxonomy.
type matcher struct {
	cats  selectorSet
	green selectorSet
	byID  map[string]int
}

// selectorSet groups compiled selectors by the key each one requires, so a
// feature costs one Find per distinct key before any selector is tried.
type selectorSet struct {
	groups []keyGroup
}

type keyGroup struct {
	key  string
	sels []compiledSelector
}

type compiledSelector struct {
	cat   int  // category index (0 for green space)
	first rule // the rule on the group key
	rest  []rule
}

type op uint8

const (
	opAbsent     op = iota // ""
	opPresent              // "*"
	opOneOf                // "a|b"
	opNoneOf               // "!a|b"
	opContains             // "~a|b"
	opContainsNo           // "!~a|b"
	opGrades               // "#lo-hi"
)

type rule struct {
	key    string
	op     op
	vals   []string
	not    []string // opContains: substrings that must not occur
	lo, hi int      // opGrades
}

// positive reports whether the rule needs its key to be present.
func (r *rule) positive() bool {
	return r.op == opPresent || r.op == opOneOf || r.op == opContains || r.op == opGrades
}

// test applies the rule to a tag value ("" when absent).
func (r *rule) test(v string) bool {
	switch r.op {
	case opAbsent:
		return v == ""
	case opPresent:
		return v != "" && v != "no"
	case opOneOf:
		return v != "" && anyElem(v, r.vals)
	case opNoneOf:
		return v == "" || !anyElem(v, r.vals)
	case opContains:
		return v != "" && anySub(v, r.vals) && !anySub(v, r.not)
	case opContainsNo:
		return v == "" || !anySub(v, r.vals)
	case opGrades:
		return v != "" && gradesOverlap(v, r.lo, r.hi)
	}
	return false
}

// gradesOverlap reports whether the grade list v ("1-4", "1;2;3", "K-5",
// "PK-8", "5-10,12") holds a grade in lo..hi. Parts that are not grades
// are ignored.
func gradesOverlap(v string, lo, hi int) bool {
	for _, part := range strings.FieldsFunc(v, func(r rune) bool { return r == ';' || r == ',' }) {
		a, b, isRange := strings.Cut(strings.TrimSpace(part), "-")
		x, ok := parseGrade(a)
		if !ok {
			continue
		}
		y := x
		if isRange {
			if y, ok = parseGrade(b); !ok {
				continue
			}
		}
		if x > y {
			x, y = y, x
		}
		if x <= hi && y >= lo {
			return true
		}
	}
	return false
}

// parseGrade reads one grade: a whole number, K (0) or PK (-1).
func parseGrade(s string) (int, bool) {
	s = strings.TrimSpace(s)
	switch strings.ToUpper(s) {
	case "K", "KG":
		return 0, true
	case "PK", "PREK", "P":
		return -1, true
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < -1 || n > 20 {
		return 0, false
	}
	return n, true
}

// anyElem reports whether v, or one element of the semicolon list v, is one
// of vals.
func anyElem(v string, vals []string) bool {
	if slices.Contains(vals, v) {
		return true
	}
	if strings.IndexByte(v, ';') < 0 {
		return false
	}
	for v != "" {
		e, rest, _ := strings.Cut(v, ";")
		if slices.Contains(vals, strings.TrimSpace(e)) {
			return true
		}
		v = rest
	}
	return false
}

func anySub(v string, subs []string) bool {
	for _, s := range subs {
		if strings.Contains(v, s) {
			return true
		}
	}
	return false
}

func (s *selectorSet) appendMatch(dst []int, tags Tagger) []int {
	base := len(dst)
	for gi := range s.groups {
		g := &s.groups[gi]
		v := tags.Find(g.key)
		if v == "" {
			continue
		}
		for si := range g.sels {
			sel := &g.sels[si]
			if !sel.first.test(v) || !restMatch(sel.rest, tags) {
				continue
			}
			dst = insertSorted(dst, base, sel.cat)
		}
	}
	return dst
}

func (s *selectorSet) any(tags Tagger) bool {
	for gi := range s.groups {
		g := &s.groups[gi]
		v := tags.Find(g.key)
		if v == "" {
			continue
		}
		for si := range g.sels {
			if g.sels[si].first.test(v) && restMatch(g.sels[si].rest, tags) {
				return true
			}
		}
	}
	return false
}

func restMatch(rules []rule, tags Tagger) bool {
	for i := range rules {
		if !rules[i].test(tags.Find(rules[i].key)) {
			return false
		}
	}
	return true
}

// insertSorted inserts c into the sorted, duplicate-free dst[base:].
func insertSorted(dst []int, base, c int) []int {
	i := base + sort.SearchInts(dst[base:], c)
	if i < len(dst) && dst[i] == c {
		return dst
	}
	return slices.Insert(dst, i, c)
}

// compileTaxonomy validates t and builds its matcher.
func compileTaxonomy(t *Taxonomy) (*matcher, error) {
	if len(t.Categories) == 0 {
		return nil, fmt.Errorf("%w: no categories", ErrBadTaxonomy)
	}
	m := &matcher{byID: make(map[string]int, len(t.Categories))}
	var catRules, greenRules []ruleSel
	needGreen := false
	for i := range t.Categories {
		c := &t.Categories[i]
		name := fmt.Sprintf("category %d", i)
		if c.ID != "" {
			name = fmt.Sprintf("category %q", c.ID)
		}
		bad := func(format string, args ...any) error {
			return fmt.Errorf("%w: %s: %s", ErrBadTaxonomy, name, fmt.Sprintf(format, args...))
		}
		switch {
		case c.ID == "":
			return nil, bad("empty id")
		case !categoryIDRe.MatchString(c.ID):
			return nil, bad("id must be lower-case letters, digits, '_' or '-'")
		}
		if _, dup := m.byID[c.ID]; dup {
			return nil, bad("duplicate id")
		}
		m.byID[c.ID] = i
		if c.Tier != 5 && c.Tier != 10 && c.Tier != 15 {
			return nil, bad("tier %d: must be 5, 10 or 15", c.Tier)
		}
		if !(c.ThresholdMin > 0 && c.ThresholdMin <= MaxThresholdMin) {
			return nil, bad("threshold_min %v: must be in (0, %d]", c.ThresholdMin, MaxThresholdMin)
		}
		switch c.Kind {
		case KindPoint, KindArea, KindLine:
		default:
			return nil, bad("kind %q: must be point, area or line", c.Kind)
		}
		switch c.Within {
		case "":
		case WithinGreen:
			needGreen = true
		default:
			return nil, bad("within %q: must be empty or green", c.Within)
		}
		if _, ok := NormalizeAgeBand(c.Demand); !ok {
			return nil, bad("demand %q: unknown age band, want one of %s", c.Demand, strings.Join(AgeBands, ", "))
		}
		if c.PlacesPer1000 != nil {
			if err := c.PlacesPer1000.check(); err != nil {
				return nil, bad("%v", err)
			}
		}
		for _, k := range c.CapacityTags {
			if strings.TrimSpace(k) == "" {
				return nil, bad("empty capacity tag")
			}
		}
		if math.IsNaN(c.MinAreaM2) || math.IsInf(c.MinAreaM2, 0) || c.MinAreaM2 < 0 {
			return nil, bad("min_area_m2 %v: must be a finite number >= 0", c.MinAreaM2)
		}
		if c.MinAreaM2 > 0 && c.Kind != KindArea {
			return nil, bad("min_area_m2 applies to kind area only, not %s", c.Kind)
		}
		if !(c.DefaultCapacity >= 0 && c.DefaultCapacity <= MaxCapacity) {
			return nil, bad("default_capacity %v: must be a number in [0, %g]", c.DefaultCapacity, float64(MaxCapacity))
		}
		if len(c.Select) == 0 {
			return nil, bad("no selectors")
		}
		for j, s := range c.Select {
			rs, err := compileSelector(s)
			if err != nil {
				return nil, bad("selector %d: %v", j, err)
			}
			catRules = append(catRules, ruleSel{cat: i, rules: rs})
		}
	}
	if err := checkAgeShares(t.AgeShares); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadTaxonomy, err)
	}
	if needGreen && len(t.GreenSpace) == 0 {
		return nil, fmt.Errorf("%w: a category is within green but green_space has no selectors", ErrBadTaxonomy)
	}
	for j, s := range t.GreenSpace {
		rs, err := compileSelector(s)
		if err != nil {
			return nil, fmt.Errorf("%w: green_space selector %d: %v", ErrBadTaxonomy, j, err)
		}
		greenRules = append(greenRules, ruleSel{rules: rs})
	}
	m.cats = buildSet(catRules)
	m.green = buildSet(greenRules)
	return m, nil
}

type ruleSel struct {
	cat   int
	rules []rule
}

// compileSelector parses the rules of one selector, sorted by key.
func compileSelector(s Selector) ([]rule, error) {
	if len(s) == 0 {
		return nil, fmt.Errorf("empty selector")
	}
	keys := make([]string, 0, len(s))
	for k := range s {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	rules := make([]rule, 0, len(keys))
	positive := false
	for _, k := range keys {
		if strings.TrimSpace(k) == "" || k != strings.TrimSpace(k) {
			return nil, fmt.Errorf("bad key %q", k)
		}
		r, err := parseRule(k, s[k])
		if err != nil {
			return nil, fmt.Errorf("key %q: %v", k, err)
		}
		positive = positive || r.positive()
		rules = append(rules, r)
	}
	if !positive {
		return nil, fmt.Errorf("needs a key that must be present (\"*\", \"a|b\", \"~a|b\" or \"#lo-hi\")")
	}
	return rules, nil
}

func parseRule(key, v string) (rule, error) {
	r := rule{key: key}
	switch {
	case v == "":
		r.op = opAbsent
		return r, nil
	case v == "*":
		r.op = opPresent
		return r, nil
	case strings.HasPrefix(v, "#"):
		r.op = opGrades
		a, b, ok := strings.Cut(v[1:], "-")
		lo, err1 := strconv.Atoi(a)
		hi, err2 := strconv.Atoi(b)
		if !ok || err1 != nil || err2 != nil || lo > hi {
			return r, fmt.Errorf("grade range %q: want #lo-hi with whole numbers lo <= hi", v)
		}
		r.lo, r.hi = lo, hi
		return r, nil
	case strings.HasPrefix(v, "!~"):
		r.op, v = opContainsNo, v[2:]
	case strings.HasPrefix(v, "!"):
		r.op, v = opNoneOf, v[1:]
	case strings.HasPrefix(v, "~"):
		r.op, v = opContains, v[1:]
	default:
		r.op = opOneOf
	}
	r.vals = strings.Split(v, "|")
	for _, x := range r.vals {
		if x == "" || x == "!" {
			return r, fmt.Errorf("empty alternative in %q", v)
		}
	}
	if r.op == opContains {
		pos := r.vals[:0:0]
		for _, x := range r.vals {
			if n, ok := strings.CutPrefix(x, "!"); ok {
				r.not = append(r.not, n)
			} else {
				pos = append(pos, x)
			}
		}
		if len(pos) == 0 {
			return r, fmt.Errorf("%q excludes only: give a substring to look for", v)
		}
		r.vals = pos
	}
	return r, nil
}

// buildSet groups the selectors by a key they require. The key chosen for
// a selector is, among its positive rules, preferably one with a list of
// values (more selective than "*" or "~"), and then the one most selectors
// require, so that few distinct keys are looked up per feature.
func buildSet(sels []ruleSel) selectorSet {
	count := map[string]int{}
	for _, s := range sels {
		for _, r := range s.rules {
			if r.positive() {
				count[r.key]++
			}
		}
	}
	var set selectorSet
	groupOf := map[string]int{}
	for _, s := range sels {
		best, bestScore := -1, -1
		for i, r := range s.rules {
			if !r.positive() {
				continue
			}
			score := count[r.key]
			if r.op == opOneOf {
				score += len(sels) + 1
			}
			if score > bestScore {
				best, bestScore = i, score
			}
		}
		first := s.rules[best]
		rest := make([]rule, 0, len(s.rules)-1)
		rest = append(rest, s.rules[:best]...)
		rest = append(rest, s.rules[best+1:]...)
		gi, ok := groupOf[first.key]
		if !ok {
			gi = len(set.groups)
			groupOf[first.key] = gi
			set.groups = append(set.groups, keyGroup{key: first.key})
		}
		set.groups[gi].sels = append(set.groups[gi].sels, compiledSelector{cat: s.cat, first: first, rest: rest})
	}
	return set
}
