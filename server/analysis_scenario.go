package server

import (
	"context"
	"time"

	"fifteen/geo"
)

// scenarioDoc is the body of POST /v1/scenarios and GET
// /v1/scenarios/{id}.
type scenarioDoc struct {
	ID          string              `json:"id"`
	Name        string              `json:"name"`
	Created     time.Time           `json:"created"`
	Attribution string              `json:"attribution"`
	Summary     ScenarioSummary     `json:"summary"`
	Diff        *geo.ReportDiff     `json:"diff"`
	Cells       []geo.CellChange    `json:"cells"`
	Report      *geo.CoverageReport `json:"report"`
}

// runScenario applies sc to the baseline and renders the result: the
// report of the changed city, its difference from the baseline and the
// cells whose walks changed. It waits for a computation slot, failing when
// ctx ends first.
func (s *state) runScenario(ctx context.Context, sc geo.Scenario) (*storedScenario, error) {
	if err := s.scenarios.acquire(ctx); err != nil {
		return nil, err
	}
	defer s.scenarios.release()
	after, err := s.base.WhatIfContext(ctx, sc)
	if err != nil {
		return nil, err
	}
	rep, err := after.Report()
	if err != nil {
		return nil, err
	}
	doc := scenarioDoc{
		ID: newScenarioID(), Name: sc.Name, Created: time.Now().UTC().Truncate(time.Millisecond),
		Attribution: s.city.Attribution,
		Diff:        geo.DiffReports(s.report, rep),
		Cells:       geo.CellChanges(s.base, after),
		Report:      rep,
	}
	if doc.Cells == nil {
		doc.Cells = []geo.CellChange{}
	}
	sum := ScenarioSummary{Add: len(sc.Add), Close: len(sc.Close), AddLinks: len(sc.AddLinks),
		CloseWays: len(sc.CloseWays), CellsChanged: len(doc.Cells)}
	if len(doc.Diff.Total.Profiles) > 0 {
		p := doc.Diff.Total.Profiles[0]
		sum.Profile = p.Profile
		sum.CompleteShareBefore, sum.CompleteShareAfter = p.CompleteShareBefore, p.CompleteShareAfter
		sum.F15Before, sum.F15After = p.F15Before, p.F15After
	}
	doc.Summary = sum
	body, err := anMarshalJSON(doc)
	if err != nil {
		return nil, err
	}
	return &storedScenario{ScenarioInfo: ScenarioInfo{ID: doc.ID, Name: doc.Name, Created: doc.Created, Summary: sum}, body: body}, nil
}
