package server

import (
	"context"
	"time"

	"fifteen/geo"
	"fifteen/publish"
)

// scenarioDoc is the body of POST /v1/scenarios, POST
// /v1/scenarios/preview and GET /v1/scenarios/{id}: the stored scenario's
// id, owner, creation time and state, and the what-if answer that fifteen
// whatif --format json gives too (publish.WhatIf: name, attribution,
// summary, diff, cells, report).
type scenarioDoc struct {
	ID      string    `json:"id,omitempty"`
	Owner   string    `json:"owner,omitempty"`
	Created time.Time `json:"created"`
	// Saved tells a saved scenario (kept until its owner deletes it)
	// from a preview (computed and forgotten).
	Saved bool `json:"saved"`
	// CityChanged tells that the city data differ from those the
	// scenario was saved against; its results are recomputed on the
	// data served now.
	CityChanged bool `json:"city_changed"`
	*publish.WhatIf
}

// runScenario applies sc to the baseline and renders the result: the
// report of the changed city, its difference from the baseline and the
// cells whose walks changed. info gives the id, owner, creation time and
// staleness of a saved scenario (its name and summary are filled in).
// The caller holds a heavy-computation slot.
func (s *state) runScenario(ctx context.Context, sc geo.Scenario, info ScenarioInfo, saved bool) (*storedScenario, error) {
	if !s.base.HasResidents() {
		return nil, geo.ErrNoResidents
	}
	after, err := s.base.WhatIfContext(ctx, sc)
	if err != nil {
		return nil, err
	}
	rep, err := after.Report()
	if err != nil {
		return nil, err
	}
	w := publish.NewWhatIf(sc, s.base, after, s.report, rep)
	doc := scenarioDoc{ID: info.ID, Owner: info.Owner, Created: info.Created, Saved: saved, CityChanged: info.CityChanged, WhatIf: w}
	sum := w.Summary
	body, err := anMarshalJSON(doc)
	if err != nil {
		return nil, err
	}
	info.Name, info.Summary = w.Name, sum
	return &storedScenario{ScenarioInfo: info, body: body}, nil
}
