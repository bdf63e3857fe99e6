package server

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"testing"
)

// TestHEADMatchesGET: every OGC, tile and health route answers HEAD with GET's status and
// headers and no body, as OGC API - Features recommends.
func TestHEADMatchesGET(t *testing.T) {
	e, _ := testServer(t)
	for _, target := range []string{
		"/?f=json", "/conformance", "/api", "/collections", "/collections/cells",
		"/collections/cells/items?limit=2", "/collections/facilities/items?limit=1",
		"/healthz", "/readyz", "/tiles/cells.json", "/tiles/cells/14/8529/5974.mvt",
	} {
		get := do(t, e, http.MethodGet, target, nil)
		head := do(t, e, http.MethodHead, target, nil)
		if head.Code != get.Code || head.Code != http.StatusOK {
			t.Errorf("%s: HEAD %d, GET %d", target, head.Code, get.Code)
		}
		if head.Body.Len() != 0 {
			t.Errorf("%s: HEAD sent a body of %d bytes", target, head.Body.Len())
		}
		if g, h := get.Header().Get("Content-Type"), head.Header().Get("Content-Type"); g != h {
			t.Errorf("%s: content type GET %q, HEAD %q", target, g, h)
		}
		if g, h := get.Header().Get("ETag"), head.Header().Get("ETag"); g != h {
			t.Errorf("%s: ETag GET %q, HEAD %q", target, g, h)
		}
	}
	if r := do(t, e, http.MethodHead, "/collections/nope", nil); r.Code != http.StatusNotFound || r.Body.Len() != 0 {
		t.Errorf("HEAD of an unknown collection: %d with %d bytes", r.Code, r.Body.Len())
	}
}

func TestScenarioStoreBoundedByBytes(t *testing.T) {
	st := newScenarioStore(100)
	st.maxBytes = 1000
	for i := 0; i < 10; i++ {
		st.add(&storedScenario{ScenarioInfo: ScenarioInfo{ID: string(rune('a' + i))}, body: make([]byte, 300)})
	}
	if st.bytes > st.maxBytes || len(st.order) != 3 || st.get("j") == nil || st.get("a") != nil {
		t.Fatalf("%d bytes in %d scenarios (%v)", st.bytes, len(st.order), st.order)
	}
	st.remove("j")
	if st.bytes != 600 {
		t.Errorf("%d bytes after removing one of three", st.bytes)
	}
	big := &storedScenario{ScenarioInfo: ScenarioInfo{ID: "big"}, body: make([]byte, 5000)}
	st.add(big)
	if st.get("big") == nil || len(st.order) != 1 {
		t.Errorf("the newest scenario must stay even when it alone is over the bound: %v", st.order)
	}
}

// TestBBoxMatchesGeometryNotEnvelope: a diagonal street whose envelope
// meets the bbox but whose line does not is not returned.
func TestBBoxMatchesGeometryNotEnvelope(t *testing.T) {
	e, city := testServer(t)
	g := city.Graph
	for ed := 0; ed < g.NumEdges(); ed++ {
		pts := g.EdgeGeometry(ed)
		if len(pts) != 2 {
			continue
		}
		a, b := pts[0], pts[1]
		dx, dy := b[0]-a[0], b[1]-a[1]
		if math.Abs(dx) < 3e-4 || math.Abs(dy) < 3e-4 {
			continue
		}
		// The corner of the envelope the line does not pass through:
		// above the line when it rises, below when it falls.
		minX, maxX := math.Min(a[0], b[0]), math.Max(a[0], b[0])
		minY, maxY := math.Min(a[1], b[1]), math.Max(a[1], b[1])
		var box [4]float64
		if dx*dy > 0 { // rising: the top-left corner is empty
			box = [4]float64{minX, maxY - 0.2*(maxY-minY), minX + 0.2*(maxX-minX), maxY}
		} else { // falling: the bottom-left corner is empty
			box = [4]float64{minX, minY, minX + 0.2*(maxX-minX), minY + 0.2*(maxY-minY)}
		}
		target := fmt.Sprintf("/collections/network/items?limit=10000&bbox=%.7f,%.7f,%.7f,%.7f", box[0], box[1], box[2], box[3])
		rec := do(t, e, http.MethodGet, target, nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: %d", target, rec.Code)
		}
		var fc struct {
			Features []struct {
				ID json.Number `json:"id"`
			} `json:"features"`
		}
		dec := json.NewDecoder(rec.Body)
		dec.UseNumber()
		if err := dec.Decode(&fc); err != nil {
			t.Fatal(err)
		}
		for _, f := range fc.Features {
			if f.ID.String() == strconv.Itoa(ed) {
				t.Fatalf("edge %d returned for a bbox its line misses (%s)", ed, target)
			}
		}
		return
	}
	t.Skip("no diagonal two-point edge in the fixture")
}

func TestBBoxWithHeights(t *testing.T) {
	e, _ := testServer(t)
	four := do(t, e, http.MethodGet, "/collections/facilities/items?bbox=7.40,43.72,7.44,43.76", nil)
	six := do(t, e, http.MethodGet, "/collections/facilities/items?bbox=7.40,43.72,-10,7.44,43.76,100", nil)
	if four.Code != http.StatusOK || six.Code != http.StatusOK {
		t.Fatalf("statuses %d and %d", four.Code, six.Code)
	}
	var a, b struct {
		NumberMatched int `json:"numberMatched"`
	}
	json.Unmarshal(four.Body.Bytes(), &a)
	json.Unmarshal(six.Body.Bytes(), &b)
	if a.NumberMatched == 0 || a.NumberMatched != b.NumberMatched {
		t.Errorf("four numbers match %d, six %d", a.NumberMatched, b.NumberMatched)
	}
}

// TestDerivedAnswersHaveETags: analysis answers that follow from the data
// and the request carry an ETag and answer a matching If-None-Match with
// 304; errors carry none.
func TestDerivedAnswersHaveETags(t *testing.T) {
	e, _ := testServer(t)
	for _, target := range []string{
		"/v1/isochrone?lon=7.4215&lat=43.737", "/v1/nearest?lon=7.4215&lat=43.737&category=pharmacy",
		"/v1/gaps?category=clinic", "/v1/siting?category=clinic&k=1", "/v1/categories", "/v1/profiles", "/tiles/cells.json",
	} {
		first := do(t, e, http.MethodGet, target, nil)
		tag := first.Header().Get("ETag")
		if first.Code != http.StatusOK || tag == "" {
			t.Fatalf("%s: %d, ETag %q", target, first.Code, tag)
		}
		again := do(t, e, http.MethodGet, target, nil, "If-None-Match", tag)
		if again.Code != http.StatusNotModified || again.Body.Len() != 0 {
			t.Errorf("%s: If-None-Match gave %d with %d bytes", target, again.Code, again.Body.Len())
		}
		other := do(t, e, http.MethodGet, target+"&profile=senior", nil)
		if other.Code == http.StatusOK && other.Header().Get("ETag") == tag {
			t.Errorf("%s: another query has the same ETag", target)
		}
	}
	bad := do(t, e, http.MethodGet, "/v1/isochrone?lon=999&lat=43.737", nil)
	if bad.Code != http.StatusBadRequest || bad.Header().Get("ETag") != "" {
		t.Errorf("a bad request: %d with ETag %q", bad.Code, bad.Header().Get("ETag"))
	}
}
