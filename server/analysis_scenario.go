package server

import (
	"context"
	"time"

	"fifteen/geo"
)

// scenarioDoc is the body of POST /v1/scenarios, POST
// /v1/scenarios/preview and GET /v1/scenarios/{id}.
type scenarioDoc struct {
	ID      string    `json:"id,omitempty"`
	Name    string    `json:"name"`
	Owner   string    `json:"owner,omitempty"`
	Created time.Time `json:"created"`
	// Saved tells a saved scenario (kept until its owner deletes it)
	// from a preview (computed and forgotten).
	Saved bool `json:"saved"`
	// CityChanged tells that the city data differ from those the
	// scenario was saved against; its results are recomputed on the
	// data served now.
	CityChanged bool                `json:"city_changed"`
	Attribution string              `json:"attribution"`
	Summary     ScenarioSummary     `json:"summary"`
	Diff        *geo.ReportDiff     `json:"diff"`
	Cells       []geo.CellChange    `json:"cells"`
	Report      *geo.CoverageReport `json:"report"`
}

// runScenario applies sc to the baseline and renders the result: the
// report of the changed city, its difference from the baseline and the
// cells whose walks changed. info gives the id, owner, creation time and
// staleness of a saved scenario (its name and summary are filled in).
// The caller holds a heavy-computation slot.
func (s *state) runScenario(ctx context.Context, sc geo.Scenario, info ScenarioInfo, saved bool) (*storedScenario, error) {
	after, err := s.base.WhatIfContext(ctx, sc)
	if err != nil {
		return nil, err
	}
	rep, err := after.Report()
	if err != nil {
		return nil, err
	}
	doc := scenarioDoc{
		ID: info.ID, Name: sc.Name, Owner: info.Owner, Created: info.Created, Saved: saved, CityChanged: info.CityChanged,
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
	info.Name, info.Summary = doc.Name, sum
	return &storedScenario{ScenarioInfo: info, body: body}, nil
}
