package data

import (
	"fmt"
	"strings"
	"testing"

	"fifteen/geo"
)

func TestRegressionScenarioGeoJSONNumericID(t *testing.T) {
	for _, tc := range []struct {
		body string
		// check reports what is wrong with the parsed scenario
		check func(sc geo.Scenario) string
	}{
		{`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":null,"properties":{"action":"close","id":123}}]}`,
			func(sc geo.Scenario) string {
				if len(sc.Close) != 1 || sc.Close[0] != "123" {
					return fmt.Sprintf("closes %q, want [123]", sc.Close)
				}
				return ""
			}},
		{`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[9.52,47.14]},"properties":{"category":"clinic","name":7}}]}`,
			func(sc geo.Scenario) string {
				if len(sc.Add) != 1 || sc.Add[0].Name != "7" || sc.Add[0].Category != "clinic" {
					return fmt.Sprintf("adds %+v, want one clinic named 7", sc.Add)
				}
				return ""
			}},
	} {
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("LoadScenario panicked: %v", r)
				}
			}()
			sc, err := LoadScenario(strings.NewReader(tc.body), "body")
			if err != nil {
				t.Errorf("a number where a string is expected: %v", err)
				return
			}
			if msg := tc.check(sc); msg != "" {
				t.Error(msg)
			}
		}()
	}
}

// TestRegressionClosingASharedIDClosesEveryCategory: one OSM element can be
// a facility of several categories (a school that is primary and middle,
// a supermarket that is a market and a convenience store); closing its id
// in a scenario closes all of them.
func TestRegressionClosingASharedIDClosesEveryCategory(t *testing.T) {
	base := defaultAccess(t, geo.AccessOptions{})
	cats := map[string][]string{}
	for _, f := range base.City.Facilities {
		cats[f.ID] = append(cats[f.ID], f.Category)
	}
	var id string
	for k, v := range cats {
		if len(v) > 1 && (id == "" || k < id) {
			id = k
		}
	}
	if id == "" {
		t.Fatal("no facility with several categories in the default city")
	}
	after, err := base.WhatIf(geo.Scenario{Close: []string{id}})
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range after.City.Facilities {
		if f.ID == id && !after.City.Closed[i] {
			t.Errorf("%s stays open as a %s", id, f.Category)
		}
	}
	if _, err := after.WhatIf(geo.Scenario{Close: []string{id}}); err == nil {
		t.Errorf("closing %s twice was accepted", id)
	}
}
