package server

import (
	"context"
	"time"

	"fifteen/geo"
	"fifteen/publish"
)

// scenarioDoc is the body of POST /v1/scenarios and GET
// /v1/scenarios/{id}: the scenario's id and creation time, and the what-if
// answer that fifteen whatif --format json gives too.
type scenarioDoc struct {
	ID      string    `json:"id"`
	Created time.Time `json:"created"`
	*publish.WhatIf
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
	w := publish.NewWhatIf(sc, s.base, after, s.report, rep)
	doc := scenarioDoc{ID: newScenarioID(), Created: time.Now().UTC().Truncate(time.Millisecond), WhatIf: w}
	sum := w.Summary
	body, err := anMarshalJSON(doc)
	if err != nil {
		return nil, err
	}
	return &storedScenario{ScenarioInfo: ScenarioInfo{ID: doc.ID, Name: doc.Name, Created: doc.Created, Summary: sum}, body: body}, nil
}
