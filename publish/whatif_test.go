package publish_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/paulmach/orb"

	"fifteen/geo"
	"fifteen/publish"
)

// TestWhatIfMatchesItsSchema renders both forms of a what-if answer and
// checks them against WhatIfSchema: every member is described, with its
// type; every required member is there; null only where nullable. The
// compact form's members are the full form's but diff and report, which
// it replaces with changes and communities.
func TestWhatIfMatchesItsSchema(t *testing.T) {
	a := defaultAccess(t)
	rb, err := a.Report()
	if err != nil {
		t.Fatal(err)
	}
	sc := geo.Scenario{Name: "schema", Add: []geo.NewFacility{{Category: "clinic", Point: orb.Point{9.529, 47.107}}}}
	after, err := a.WhatIf(sc)
	if err != nil {
		t.Fatal(err)
	}
	ra, err := after.Report()
	if err != nil {
		t.Fatal(err)
	}
	compact, err := publish.NewWhatIf(sc, a, after)
	if err != nil {
		t.Fatal(err)
	}
	schema := publish.WhatIfSchema()
	for name, w := range map[string]*publish.WhatIf{"compact": compact, "full": publish.NewWhatIfReport(sc, a, after, rb, ra)} {
		b, err := json.Marshal(w)
		if err != nil {
			t.Fatal(err)
		}
		var v map[string]any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatal(err)
		}
		var keys []string
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		want := []string{"attribution", "cells", "changes", "communities", "name", "summary"}
		if name == "full" {
			want = []string{"attribution", "cells", "diff", "name", "report", "summary"}
		}
		if !slices.Equal(keys, want) {
			t.Errorf("%s: members %v, want %v", name, keys, want)
		}
		if err := matches(v, schema, name); err != nil {
			t.Error(err)
		}
	}
}

// matches checks a decoded JSON value against a schema of typeSchema's
// kind.
func matches(v any, s map[string]any, path string) error {
	if v == nil {
		if s["nullable"] == true || s["type"] == nil {
			return nil
		}
		return fmt.Errorf("%s: null, not nullable", path)
	}
	switch s["type"] {
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: %T, want an object", path, v)
		}
		if ap, ok := s["additionalProperties"].(map[string]any); ok {
			for k, x := range m {
				if err := matches(x, ap, path+"."+k); err != nil {
					return err
				}
			}
			return nil
		}
		props := s["properties"].(map[string]any)
		for k, x := range m {
			ps, ok := props[k].(map[string]any)
			if !ok {
				return fmt.Errorf("%s: member %q not in the schema", path, k)
			}
			if err := matches(x, ps, path+"."+k); err != nil {
				return err
			}
		}
		for _, r := range s["required"].([]string) {
			if _, ok := m[r]; !ok {
				return fmt.Errorf("%s: required member %q missing", path, r)
			}
		}
	case "array":
		l, ok := v.([]any)
		if !ok {
			return fmt.Errorf("%s: %T, want an array", path, v)
		}
		for i, x := range l {
			if err := matches(x, s["items"].(map[string]any), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	case "number", "integer":
		f, ok := v.(float64)
		if !ok || (s["type"] == "integer" && f != float64(int64(f))) {
			return fmt.Errorf("%s: %v, want %s", path, v, s["type"])
		}
	case "string":
		if _, ok := v.(string); !ok {
			return fmt.Errorf("%s: %T, want a string", path, v)
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			return fmt.Errorf("%s: %T, want a boolean", path, v)
		}
	}
	return nil
}
