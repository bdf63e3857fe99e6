package server

import (
	"context"
	"time"

	"github.com/labstack/echo/v4"

	"fifteen/geo"
	"fifteen/publish"
)

// scenarioDoc is the body of POST /v1/scenarios, POST
// /v1/scenarios/preview and GET /v1/scenarios/{id}: the stored scenario's
// id, owner, creation time and state, and the what-if answer that fifteen
// whatif --format json gives too (publish.WhatIf): compact by default
// (name, attribution, summary, changes, communities, cells), full with
// ?report=full (name, attribution, summary, diff, cells, report).
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

// reportForm reads the report parameter of a scenario request: compact
// (the default) or full.
func reportForm(c echo.Context) (string, error) {
	switch f := c.QueryParam("report"); f {
	case "", publish.WhatIfCompact:
		return publish.WhatIfCompact, nil
	case publish.WhatIfFull:
		return f, nil
	default:
		return "", badParam("report", "%q: want %s (the default: what changed) or %s (with the scenario's whole report)",
			truncate(f, 40), publish.WhatIfCompact, publish.WhatIfFull)
	}
}

// runScenario applies sc to the baseline and renders the answer in the
// form asked (publish.WhatIfCompact or publish.WhatIfFull). info gives the
// id, owner, creation time and staleness of a saved scenario (its name
// and summary are filled in). The caller holds a heavy-computation slot.
func (s *state) runScenario(ctx context.Context, sc geo.Scenario, info ScenarioInfo, saved bool, form string) (*storedScenario, error) {
	if !s.base.HasResidents() {
		return nil, geo.ErrNoResidents
	}
	after, err := s.base.WhatIfContext(ctx, sc)
	if err != nil {
		return nil, err
	}
	var w *publish.WhatIf
	if form == publish.WhatIfFull {
		rep, err := after.Report()
		if err != nil {
			return nil, err
		}
		w = publish.NewWhatIfReport(sc, s.base, after, s.report, rep)
	} else {
		if w, err = publish.NewWhatIf(sc, s.base, after); err != nil {
			return nil, err
		}
	}
	doc := scenarioDoc{ID: info.ID, Owner: info.Owner, Created: info.Created, Saved: saved, CityChanged: info.CityChanged, WhatIf: w}
	body, err := anMarshalJSON(doc)
	if err != nil {
		return nil, err
	}
	info.Name, info.Summary = w.Name, w.Summary
	st := &storedScenario{ScenarioInfo: info}
	st.setBody(form, body)
	return st, nil
}
