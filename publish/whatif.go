package publish

import (
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
// line (fifteen whatif --format json) and the API (POST /v1/scenarios): its
// summary, the change per community, walker and category, every cell whose
// walk changed, and the report of the changed city.
type WhatIf struct {
	Name        string              `json:"name"`
	Attribution string              `json:"attribution"`
	Summary     WhatIfSummary       `json:"summary"`
	Diff        *geo.ReportDiff     `json:"diff"`
	Cells       []geo.CellChange    `json:"cells"`
	Report      *geo.CoverageReport `json:"report"`
}

// NewWhatIf compares the scenario's access and report with the baseline's.
func NewWhatIf(sc geo.Scenario, base, after *geo.Access, baseReport, afterReport *geo.CoverageReport) *WhatIf {
	w := &WhatIf{
		Name: sc.Name, Attribution: base.City.Attribution,
		Diff:   geo.DiffReports(baseReport, afterReport),
		Cells:  geo.CellChanges(base, after),
		Report: afterReport,
	}
	if w.Cells == nil {
		w.Cells = []geo.CellChange{}
	}
	s := WhatIfSummary{Add: len(sc.Add), Close: len(sc.Close), AddLinks: len(sc.AddLinks),
		CloseWays: len(sc.CloseWays), CellsChanged: len(w.Cells)}
	if len(w.Diff.Total.Profiles) > 0 {
		p := w.Diff.Total.Profiles[0]
		s.Profile = p.Profile
		s.CompleteShareBefore, s.CompleteShareAfter = p.CompleteShareBefore, p.CompleteShareAfter
		s.F15Before, s.F15After = p.F15Before, p.F15After
	}
	w.Summary = s
	return w
}
