package data

import (
	"errors"
	"strings"
	"testing"
)

func TestLoadScenarioFormats(t *testing.T) {
	js := `{"name":"two things","add":[{"category":"clinic","lon":9.52,"lat":47.14,"name":"诊所","capacity":12}],
	"close":["osm:way/1"],"add_links":[[[9.5,47.1],[9.501,47.1]]],"close_ways":[42]}`
	sc, err := LoadScenario(strings.NewReader(js), "s.json")
	if err != nil {
		t.Fatal(err)
	}
	if sc.Name != "two things" || len(sc.Add) != 1 || sc.Add[0].Name != "诊所" || sc.Add[0].Capacity != 12 ||
		len(sc.Close) != 1 || len(sc.AddLinks) != 1 || len(sc.CloseWays) != 1 || sc.CloseWays[0] != 42 {
		t.Fatalf("parsed %+v", sc)
	}
	gj := `{"type":"FeatureCollection","name":"gj","features":[
	 {"type":"Feature","geometry":{"type":"Point","coordinates":[9.52,47.14]},"properties":{"category":"kindergarten","capacity":"90"}},
	 {"type":"Feature","geometry":{"type":"LineString","coordinates":[[9.5,47.1],[9.501,47.1]]},"properties":{}},
	 {"type":"Feature","geometry":null,"properties":{"action":"close","id":"osm:node/7"}},
	 {"type":"Feature","geometry":null,"properties":{"action":"close_way","way":99}}]}`
	sc, err = LoadScenario(strings.NewReader(gj), "s.geojson")
	if err != nil {
		t.Fatal(err)
	}
	if sc.Name != "gj" || len(sc.Add) != 1 || sc.Add[0].Capacity != 90 || len(sc.AddLinks) != 1 || sc.Close[0] != "osm:node/7" || sc.CloseWays[0] != 99 {
		t.Fatalf("parsed %+v", sc)
	}
}

func TestLoadScenarioBadInput(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"not JSON", `{"add": [`, "invalid scenario"},
		{"unknown field", `{"adds": []}`, "unknown field"},
		{"missing lat", `{"add":[{"category":"clinic","lon":9.5}]}`, "needs lon and lat"},
		{"latitude out of range", `{"add":[{"category":"clinic","lon":9.5,"lat":97}]}`, "latitude"},
		{"one-point link", `{"add_links":[[[9.5,47.1]]]}`, "two points"},
		{"not a FeatureCollection", `{"type":"Feature","geometry":null,"properties":{}}`, "not a GeoJSON FeatureCollection"},
		{"add without category", `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[9.5,47.1]},"properties":{}}]}`, "needs a category"},
		{"unknown action", `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":null,"properties":{"action":"demolish"}}]}`, "unknown action"},
		{"negative capacity", `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[9.5,47.1]},"properties":{"category":"clinic","capacity":-3}}]}`, "capacity"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadScenario(strings.NewReader(tc.in), "bad.json")
			if !errors.Is(err, ErrBadScenarioFile) || !strings.Contains(err.Error(), "bad.json") || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error naming bad.json and %q", err, tc.want)
			}
		})
	}
	big := strings.NewReader(`{"name":"` + strings.Repeat("x", MaxScenarioBytes) + `"}`)
	if _, err := LoadScenario(big, "big.json"); !errors.Is(err, ErrBadScenarioFile) {
		t.Errorf("oversized: %v", err)
	}
}

// FuzzLoadScenario checks that no scenario file makes the reader panic.
func FuzzLoadScenario(f *testing.F) {
	f.Add([]byte(`{"name":"x","add":[{"category":"clinic","lon":9.5,"lat":47.1}],"close_ways":[1]}`))
	f.Add([]byte(`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"LineString","coordinates":[[9.5,47.1],[9.6,47.1]]},"properties":{}}]}`))
	f.Add([]byte(`{"type":"FeatureCollection","features":[null]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = LoadScenario(strings.NewReader(string(b)), "fuzz.json")
	})
}
