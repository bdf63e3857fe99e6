package server

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"fifteen/store"
)

// TestSavedScenarioReopened: a scenario saved against other city data is
// recomputed from its inputs when opened and says the data changed; one
// that no longer applies is a 409 that says why.
func TestSavedScenarioReopened(t *testing.T) {
	mem := store.NewMemory()
	cfg := testConfig()
	cfg.Store = mem
	e, err := New(cfg, testDeps(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	created := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	put := func(id, inputs string) {
		if err := mem.Put(ctx, store.Scenario{ID: id, Name: "old", Owner: "carol", Created: created, CityTag: "0000000000000000",
			Inputs: []byte(inputs), Summary: []byte(`{"add":1}`)}); err != nil {
			t.Fatal(err)
		}
	}
	put("00000000000000aa", clinicScenario)
	put("00000000000000bb", `{"close":["osm:node/1"]}`)

	rec := do(t, e, "GET", "/v1/scenarios/00000000000000aa", nil)
	if rec.Code != 200 {
		t.Fatalf("reopen: %d %s", rec.Code, rec.Body)
	}
	var doc struct {
		ID, Name, Owner string
		Created         time.Time
		Saved           bool `json:"saved"`
		CityChanged     bool `json:"city_changed"`
		Cells           []json.RawMessage
	}
	json.Unmarshal(rec.Body.Bytes(), &doc)
	if doc.ID != "00000000000000aa" || doc.Name != "port clinic" || doc.Owner != "carol" || !doc.Created.Equal(created) ||
		!doc.Saved || !doc.CityChanged || len(doc.Cells) == 0 {
		t.Errorf("reopened document %+v", doc)
	}
	rec = do(t, e, "GET", "/v1/scenarios", nil)
	if !strings.Contains(rec.Body.String(), `"city_changed":true`) {
		t.Errorf("list does not flag the changed city: %s", rec.Body)
	}
	rec = do(t, e, "GET", "/v1/scenarios/00000000000000bb", nil)
	problemOK(t, "a saved scenario that no longer applies", rec, rec.Body.String(), http.StatusConflict, "no longer applies")

	// Saved now, it is not flagged.
	rec = do(t, e, "POST", "/v1/scenarios", strings.NewReader(clinicScenario))
	if rec.Code != 201 || !strings.Contains(rec.Body.String(), `"city_changed":false`) {
		t.Errorf("fresh save: %d %.200s", rec.Code, rec.Body)
	}
	// The list is paged and bounded.
	if rec := do(t, e, "GET", "/v1/scenarios?limit=1", nil); !strings.Contains(rec.Body.String(), `"total":3`) || strings.Count(rec.Body.String(), `"id"`) != 1 {
		t.Errorf("page of one: %s", rec.Body)
	}
	rec = do(t, e, "GET", "/v1/scenarios?limit=100000", nil)
	problemOK(t, "a page too large", rec, rec.Body.String(), 400, "limit")
}
