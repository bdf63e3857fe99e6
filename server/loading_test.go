package server

import (
	"encoding/json"
	"net/http/httptest"
	"testing"
)

// While the city loads, /readyz says what is loading and how far.
func TestLoadingHandlerReadyz(t *testing.T) {
	p := NewLoadProgress("reading the OSM extract", "indexing")
	p.Set("reading the OSM extract", 250, 1000)
	h := LoadingHandler(p, "test")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
	var st Status
	if err := json.Unmarshal(rec.Body.Bytes(), &st); err != nil {
		t.Fatal(err)
	}
	if rec.Code != 503 || st.Status != "loading" || st.Stage != "reading the OSM extract" || st.Percent == nil || *st.Percent != 25 ||
		st.Step != 1 || st.Steps != 2 {
		t.Errorf("%d %+v", rec.Code, st)
	}
	p.Set("indexing", 0, 0)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
	st = Status{}
	_ = json.Unmarshal(rec.Body.Bytes(), &st)
	if st.Stage != "indexing" || len(st.StagesDone) != 2 || st.StagesDone[1].Stage != "reading the OSM extract" {
		t.Errorf("after a stage change: %+v", st)
	}
	for path, want := range map[string]int{"/healthz": 200, "/v1/report": 503, "/map": 503} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != want {
			t.Errorf("%s: %d, want %d", path, rec.Code, want)
		}
		if want == 503 && rec.Header().Get("Retry-After") == "" {
			t.Errorf("%s: no Retry-After", path)
		}
	}
}
