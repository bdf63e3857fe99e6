package publish

import (
	"encoding"
	"encoding/json"
	"reflect"
	"strings"
	"time"

	"fifteen/geo"
)

// WhatIfSummary tells what a scenario changes and its headline effect on
// the whole city for the first walker.
type WhatIfSummary struct {
	Add       int `json:"add"`
	Close     int `json:"close"`
	AddLinks  int `json:"add_links"`
	CloseWays int `json:"close_ways"`
	// CellsChanged counts the (cell, walker, category) walks that changed.
	CellsChanged        int     `json:"cells_changed"`
	Profile             string  `json:"profile"`
	CompleteShareBefore float64 `json:"complete_share_before"`
	CompleteShareAfter  float64 `json:"complete_share_after"`
	F15Before           float64 `json:"f15_before"`
	F15After            float64 `json:"f15_after"`
}

// WhatIf is the answer to a what-if scenario, the same from the command
// line (fifteen whatif --format json) and the API (POST /v1/scenarios,
// POST /v1/scenarios/preview, GET /v1/scenarios/{id}), in one of two
// forms.
//
// The compact form (the default; NewWhatIf) is the difference from the
// baseline, its size following the change rather than the city: the
// summary, the change per walker and category (changes), the communities
// and the whole city (id "") whose figures changed, before and after
// (communities), and every cell whose walk changed (cells). Applied to
// the baseline's report and cells it gives the scenario's.
//
// The full form (on request; NewWhatIfReport) is the summary, the change
// of every community, walker and category (diff), every cell whose walk
// changed (cells) and the whole report of the changed city (report).
//
// The members of the other form are left out (omitzero): each form's
// bytes are its own.
type WhatIf struct {
	Name        string                `json:"name"`
	Attribution string                `json:"attribution"`
	Summary     WhatIfSummary         `json:"summary"`
	Changes     []geo.CategoryChange  `json:"changes,omitzero"`
	Communities []geo.CommunityChange `json:"communities,omitzero"`
	Diff        *geo.ReportDiff       `json:"diff,omitzero"`
	Cells       []geo.CellChange      `json:"cells"`
	Report      *geo.CoverageReport   `json:"report,omitzero"`
}

// The forms of a WhatIf.
const (
	WhatIfCompact = "compact"
	WhatIfFull    = "full"
)

// NewWhatIf is the compact answer: the difference between the scenario's
// access after and the baseline's (geo.DiffAccess), without a report of
// either.
func NewWhatIf(sc geo.Scenario, base, after *geo.Access) (*WhatIf, error) {
	d, err := geo.DiffAccess(base, after)
	if err != nil {
		return nil, err
	}
	w := &WhatIf{Name: sc.Name, Attribution: base.City.Attribution,
		Changes: d.Changes, Communities: d.Communities, Cells: d.Cells}
	s := summaryOf(sc, len(w.Cells))
	if len(after.Profiles) > 0 {
		// The city's composites before and after, as the difference
		// lists them when they changed.
		s.Profile = after.Profiles[0].ID
		s.CompleteShareBefore, s.F15Before = base.CityComposite(0)
		s.CompleteShareAfter, s.F15After = s.CompleteShareBefore, s.F15Before
		for _, cc := range d.Communities {
			if cc.ID == "" && cc.Profile == s.Profile {
				s.CompleteShareAfter, s.F15After = cc.CompleteShareAfter, cc.F15After
			}
		}
	}
	w.Summary = s
	return w, nil
}

// NewWhatIfReport is the full answer: the scenario's report and its
// difference from the baseline's, community by community.
func NewWhatIfReport(sc geo.Scenario, base, after *geo.Access, baseReport, afterReport *geo.CoverageReport) *WhatIf {
	w := &WhatIf{
		Name: sc.Name, Attribution: base.City.Attribution,
		Diff:   geo.DiffReports(baseReport, afterReport),
		Cells:  geo.CellChanges(base, after),
		Report: afterReport,
	}
	if w.Cells == nil {
		w.Cells = []geo.CellChange{}
	}
	s := summaryOf(sc, len(w.Cells))
	if len(w.Diff.Total.Profiles) > 0 {
		p := w.Diff.Total.Profiles[0]
		s.Profile = p.Profile
		s.CompleteShareBefore, s.CompleteShareAfter = p.CompleteShareBefore, p.CompleteShareAfter
		s.F15Before, s.F15After = p.F15Before, p.F15After
	}
	w.Summary = s
	return w
}

func summaryOf(sc geo.Scenario, cells int) WhatIfSummary {
	return WhatIfSummary{Add: len(sc.Add), Close: len(sc.Close), AddLinks: len(sc.AddLinks),
		CloseWays: len(sc.CloseWays), CellsChanged: cells}
}

// whatIfMembers describes the members of a WhatIf.
var whatIfMembers = map[string]string{
	"name":        "The scenario's name.",
	"attribution": "The attribution of the data the answer derives from.",
	"summary":     "What the scenario changes and its effect on the whole city for the first walker: complete share and F15 before and after.",
	"changes":     "Compact form: per walker, the categories whose access changed, with the cells changed and the residents newly within (or no longer within) the threshold.",
	"communities": "Compact form: per walker, the city (id \"\") and the communities whose report figures changed: the composite figures before and after, and the categories, life-circle tiers and capacity figures that changed, each before and after as the reports give them.",
	"diff":        "Full form: the change of every community, walker and category.",
	"cells":       "Every populated cell whose walk to a category changed, per walker and category: its walks before and after in minutes (null: nothing within the cutoff). A cell split between communities appears once per community.",
	"report":      "Full form: the whole coverage report of the changed city.",
}

// WhatIfSchema is the JSON Schema (OpenAPI 3.0 dialect: nullable members
// carry "nullable": true) of a WhatIf, read from its type: the members of
// both forms, those of one form only not required.
func WhatIfSchema() map[string]any {
	s := typeSchema(reflect.TypeFor[WhatIf]())
	s["description"] = "The answer to a what-if scenario: compact by default (name, attribution, summary, changes, communities, cells), " +
		"full on request (name, attribution, summary, diff, cells, report)."
	props := s["properties"].(map[string]any)
	for k, d := range whatIfMembers {
		props[k].(map[string]any)["description"] = d
	}
	return s
}

// typeSchema is the JSON Schema of the JSON encoding/json gives a value of
// type t.
func typeSchema(t reflect.Type) map[string]any {
	nullable := false
	for t.Kind() == reflect.Pointer {
		t, nullable = t.Elem(), true
	}
	var s map[string]any
	switch {
	case t == reflect.TypeFor[time.Time]():
		s = map[string]any{"type": "string", "format": "date-time"}
	case t.Implements(reflect.TypeFor[json.Marshaler]()):
		s = map[string]any{}
	case t.Implements(reflect.TypeFor[encoding.TextMarshaler]()):
		s = map[string]any{"type": "string"}
	default:
		switch t.Kind() {
		case reflect.Bool:
			s = map[string]any{"type": "boolean"}
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			s = map[string]any{"type": "integer"}
		case reflect.Float32, reflect.Float64:
			s = map[string]any{"type": "number"}
		case reflect.String:
			s = map[string]any{"type": "string"}
		case reflect.Slice, reflect.Array:
			s = map[string]any{"type": "array", "items": typeSchema(t.Elem())}
		case reflect.Map:
			s = map[string]any{"type": "object", "additionalProperties": typeSchema(t.Elem())}
		case reflect.Struct:
			props, req := map[string]any{}, []string{}
			for i := range t.NumField() {
				f := t.Field(i)
				name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
				if !f.IsExported() || name == "-" {
					continue
				}
				if name == "" {
					name = f.Name
				}
				props[name] = typeSchema(f.Type)
				if !strings.Contains(opts, "omitempty") && !strings.Contains(opts, "omitzero") {
					req = append(req, name)
				}
			}
			s = map[string]any{"type": "object", "properties": props, "required": req}
		default:
			s = map[string]any{}
		}
	}
	if nullable {
		s["nullable"] = true
	}
	return s
}
