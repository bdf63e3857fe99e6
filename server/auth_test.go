package server

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

const clinicScenario = `{"name":"port clinic","add":[{"category":"clinic","lon":7.4215,"lat":43.7360}]}`

// raw sends a request through e with exactly the headers given (no
// default token).
func raw(t *testing.T, h http.Handler, method, target, body string, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	var req *http.Request
	if body != "" {
		req = httptest.NewRequest(method, target, strings.NewReader(body))
	} else {
		req = httptest.NewRequest(method, target, nil)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func bearer(tok string) []string { return []string{"Authorization", "Bearer " + tok} }

func TestTokens(t *testing.T) {
	e, _ := testServer(t)
	// No token, a wrong one, a malformed header: 401 with WWW-Authenticate.
	for name, hdr := range map[string][]string{
		"no token":      nil,
		"wrong token":   bearer("not-a-token-of-this-server"),
		"basic scheme":  {"Authorization", "Basic YWxpY2U6eA=="},
		"empty bearer":  {"Authorization", "Bearer "},
		"hash as token": bearer("sha256:" + bobHash),
	} {
		rec := raw(t, e, "POST", "/v1/scenarios", clinicScenario, hdr...)
		if rec.Code != http.StatusUnauthorized || rec.Header().Get("WWW-Authenticate") == "" ||
			rec.Header().Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: POST status %d, WWW-Authenticate %q", name, rec.Code, rec.Header().Get("WWW-Authenticate"))
		}
	}
	// alice saves; bob (whose token the list holds only hashed) may read
	// but not delete it; root (admin) may.
	rec := raw(t, e, "POST", "/v1/scenarios", clinicScenario, bearer(aliceToken)...)
	if rec.Code != http.StatusCreated {
		t.Fatalf("alice POST: %d %s", rec.Code, rec.Body)
	}
	loc := rec.Header().Get("Location")
	var doc struct {
		Owner string `json:"owner"`
		Saved bool   `json:"saved"`
	}
	json.Unmarshal(rec.Body.Bytes(), &doc)
	if doc.Owner != "alice" || !doc.Saved {
		t.Errorf("document owner %q saved %v", doc.Owner, doc.Saved)
	}
	if rec := raw(t, e, "GET", loc, ""); rec.Code != 200 {
		t.Errorf("anonymous GET: %d", rec.Code)
	}
	if rec := raw(t, e, "DELETE", loc, "", bearer(bobToken)...); rec.Code != http.StatusForbidden {
		t.Errorf("bob deleting alice's scenario: %d %s, want 403", rec.Code, rec.Body)
	}
	if rec := raw(t, e, "DELETE", loc, ""); rec.Code != http.StatusUnauthorized {
		t.Errorf("anonymous DELETE: %d, want 401", rec.Code)
	}
	if rec := raw(t, e, "GET", loc, ""); rec.Code != 200 {
		t.Errorf("after refused deletes: %d", rec.Code)
	}
	if rec := raw(t, e, "DELETE", loc, "", bearer(rootToken)...); rec.Code != http.StatusNoContent {
		t.Errorf("admin DELETE: %d %s", rec.Code, rec.Body)
	}
	// bob saves with his token and deletes his own.
	rec = raw(t, e, "POST", "/v1/scenarios", clinicScenario, bearer(bobToken)...)
	if rec.Code != http.StatusCreated {
		t.Fatalf("bob POST: %d %s", rec.Code, rec.Body)
	}
	if rec := raw(t, e, "DELETE", rec.Header().Get("Location"), "", bearer(bobToken)...); rec.Code != http.StatusNoContent {
		t.Errorf("bob deleting his own: %d", rec.Code)
	}
	// A preview needs no token and saves nothing.
	before := raw(t, e, "GET", "/v1/scenarios", "").Body.String()
	if rec := raw(t, e, "POST", "/v1/scenarios/preview", clinicScenario); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"saved":false`) {
		t.Errorf("preview: %d %.200s", rec.Code, rec.Body)
	}
	if after := raw(t, e, "GET", "/v1/scenarios", "").Body.String(); after != before {
		t.Errorf("a preview changed the list")
	}
}

func TestNoTokensNothingSaved(t *testing.T) {
	cfg := testConfig()
	cfg.Tokens = nil
	e, err := New(cfg, testDeps(t))
	if err != nil {
		t.Fatal(err)
	}
	rec := raw(t, e, "POST", "/v1/scenarios", clinicScenario, bearer(aliceToken)...)
	if rec.Code != http.StatusUnauthorized {
		t.Errorf("with no tokens issued: %d", rec.Code)
	}
	rec = raw(t, e, "POST", "/v1/scenarios", clinicScenario)
	if rec.Code != http.StatusUnauthorized || !strings.Contains(rec.Body.String(), "--tokens") {
		t.Errorf("with no tokens issued and none sent: %d %s", rec.Code, rec.Body)
	}
}

func TestClosedReading(t *testing.T) {
	cfg := testConfig()
	cfg.ReadNeedsToken = true
	e, err := New(cfg, testDeps(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, target := range []string{"/v1/report", "/collections", "/v1/scenarios", "/map"} {
		if rec := raw(t, e, "GET", target, ""); rec.Code != http.StatusUnauthorized {
			t.Errorf("GET %s without a token: %d", target, rec.Code)
		}
		if rec := raw(t, e, "GET", target, "", bearer(bobToken)...); rec.Code != 200 {
			t.Errorf("GET %s with a token: %d", target, rec.Code)
		}
	}
	if rec := raw(t, e, "GET", "/healthz", ""); rec.Code != 200 {
		t.Errorf("/healthz stays open: %d", rec.Code)
	}
}

// TestCrossOriginWritesRefused: reading stays open to every origin;
// saving and deleting from another origin's page are refused, and the
// CORS preflight allows neither DELETE nor the Authorization header.
func TestCrossOriginWritesRefused(t *testing.T) {
	e, _ := testServer(t)
	evil := "https://evil.example"
	rec := raw(t, e, "GET", "/v1/categories", "", "Origin", evil)
	if rec.Code != 200 || rec.Header().Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("cross-origin read: %d, ACAO %q", rec.Code, rec.Header().Get("Access-Control-Allow-Origin"))
	}
	rec = raw(t, e, "POST", "/v1/scenarios", clinicScenario, append(bearer(aliceToken), "Origin", evil)...)
	if rec.Code != http.StatusForbidden {
		t.Errorf("cross-origin POST with a token: %d, want 403", rec.Code)
	}
	rec = raw(t, e, "POST", "/v1/scenarios", clinicScenario, append(bearer(aliceToken), "Sec-Fetch-Site", "cross-site")...)
	if rec.Code != http.StatusForbidden {
		t.Errorf("Sec-Fetch-Site cross-site POST: %d, want 403", rec.Code)
	}
	rec = raw(t, e, "POST", "/v1/scenarios", clinicScenario, append(bearer(aliceToken), "Origin", "http://example.com")...)
	if rec.Code != http.StatusCreated {
		t.Errorf("same-origin POST (Host example.com): %d %s", rec.Code, rec.Body)
	}
	pre := raw(t, e, "OPTIONS", "/v1/scenarios/0123456789abcdef", "", "Origin", evil,
		"Access-Control-Request-Method", "DELETE", "Access-Control-Request-Headers", "authorization")
	if m := pre.Header().Get("Access-Control-Allow-Methods"); strings.Contains(m, "DELETE") {
		t.Errorf("preflight allows DELETE: %q", m)
	}
	if h := pre.Header().Get("Access-Control-Allow-Headers"); strings.Contains(strings.ToLower(h), "authorization") {
		t.Errorf("preflight allows Authorization: %q", h)
	}
}

func TestParseTokens(t *testing.T) {
	for _, bad := range []string{
		"alice", "alice short", "alice:root alice-secret-token-0001", "al ice alice-secret-token-0001",
		"alice sha256:abcd", "a alice-secret-token-0001\nb alice-secret-token-0001",
		"bad/name alice-secret-token-0001",
	} {
		if _, err := ParseTokens(strings.NewReader(bad), "tokens.txt"); err == nil || !strings.Contains(err.Error(), "tokens.txt") {
			t.Errorf("%q: %v, want an error naming the file", bad, err)
		}
	}
	toks, err := ParseTokens(strings.NewReader("a aaaaaaaaaaaaaaaa1; b:admin bbbbbbbbbbbbbbbb2\n# c\n"), "env")
	if err != nil || toks.Len() != 2 {
		t.Fatalf("%v %d", err, toks.Len())
	}
	if tok, ok := toks.lookup("bbbbbbbbbbbbbbbb2"); !ok || tok.Name != "b" || !tok.Admin {
		t.Errorf("lookup b: %+v %v", tok, ok)
	}
	if _, ok := toks.lookup("aaaaaaaaaaaaaaaa"); ok {
		t.Error("a prefix of a token matched")
	}
}

// TestRateLimits: one client over its heavy rate gets 429 with
// Retry-After; over the concurrency limit, 503 with Retry-After; a batch
// over the work budget is refused up front with 422 naming origins.
func TestRateLimits(t *testing.T) {
	cfg := testConfig()
	cfg.Limits = Limits{HeavyConcurrent: 1, RatePerSec: 1000, Burst: 1000, HeavyPerSec: 0.01, HeavyBurst: 2}
	e, err := New(cfg, testDeps(t))
	if err != nil {
		t.Fatal(err)
	}
	siting := "/v1/siting?category=pharmacy&k=1"
	for i := range 2 {
		if rec := raw(t, e, "GET", siting, ""); rec.Code != 200 {
			t.Fatalf("siting %d: %d %s", i, rec.Code, rec.Body)
		}
	}
	rec := raw(t, e, "GET", siting, "")
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" || !strings.Contains(rec.Body.String(), "heavy") {
		t.Errorf("third siting: %d, Retry-After %q: %s", rec.Code, rec.Header().Get("Retry-After"), rec.Body)
	}
	// Another client is not limited by the first.
	req := httptest.NewRequest("GET", siting, nil)
	req.RemoteAddr = "198.51.100.7:5555"
	rr := httptest.NewRecorder()
	e.ServeHTTP(rr, req)
	if rr.Code != 200 {
		t.Errorf("another client: %d", rr.Code)
	}
	// Light routes are not counted as heavy.
	if rec := raw(t, e, "GET", "/v1/isochrone?lon=7.4215&lat=43.736", ""); rec.Code != 200 {
		t.Errorf("isochrone after heavy refusals: %d", rec.Code)
	}

	cfg.Limits = Limits{HeavyConcurrent: 1, RatePerSec: -1, HeavyPerSec: -1, HeavyWait: 50 * time.Millisecond}
	e2, st, err := newServer(cfg, testDeps(t))
	if err != nil {
		t.Fatal(err)
	}
	// Hold the only slot, as a long computation would.
	st.limits.heavy <- struct{}{}
	rec = raw(t, e2, "GET", siting, "")
	<-st.limits.heavy
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" || !strings.Contains(rec.Body.String(), "limit") {
		t.Errorf("over the concurrency limit: %d %q %s", rec.Code, rec.Header().Get("Retry-After"), rec.Body)
	}
	// A slot freed while a request waits goes to it.
	st.limits.heavy <- struct{}{}
	go func() { time.Sleep(10 * time.Millisecond); <-st.limits.heavy }()
	if rec := raw(t, e2, "GET", siting, ""); rec.Code != 200 {
		t.Errorf("a request waiting for a slot freed within HeavyWait: %d %s", rec.Code, rec.Body)
	}

	// The batch: 100 origins, 12 contours up to 120 minutes.
	var b strings.Builder
	b.WriteString(`{"minutes":[10,20,30,40,50,60,70,80,90,100,110,120],"origins":[`)
	for i := range 100 {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`{"lon":7.42,"lat":43.735}`)
	}
	b.WriteString("]}")
	start := time.Now()
	rec = raw(t, e2, "POST", "/v1/isochrone", b.String())
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), `"param":"origins"`) || time.Since(start) > time.Second {
		t.Errorf("the 30-CPU-second batch: %d in %v: %s", rec.Code, time.Since(start), rec.Body)
	}
}

// blockingBody yields its bytes only once release is closed, as a client
// trickling its body would.
type blockingBody struct {
	release chan struct{}
	r       *strings.Reader
}

func (b *blockingBody) Read(p []byte) (int, error) {
	<-b.release
	return b.r.Read(p)
}

// TestSlowBodyHoldsNoSlot: a heavy request still sending its body holds
// no computation slot.
func TestSlowBodyHoldsNoSlot(t *testing.T) {
	cfg := testConfig()
	cfg.Limits = Limits{HeavyConcurrent: 1, RatePerSec: -1, HeavyPerSec: -1, HeavyWait: -1}
	e, err := New(cfg, testDeps(t))
	if err != nil {
		t.Fatal(err)
	}
	body := &blockingBody{release: make(chan struct{}), r: strings.NewReader(clinicScenario)}
	done := make(chan int)
	go func() {
		req := httptest.NewRequest("POST", "/v1/scenarios/preview", body)
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		done <- rec.Code
	}()
	time.Sleep(50 * time.Millisecond)
	if rec := raw(t, e, "GET", "/v1/siting?category=pharmacy&k=1", ""); rec.Code != 200 {
		t.Errorf("siting while another request trickles its body: %d %s", rec.Code, rec.Body)
	}
	close(body.release)
	if code := <-done; code != 200 {
		t.Errorf("the slow preview: %d", code)
	}
}

func TestParseTokenLists(t *testing.T) {
	toks, err := ParseTokenLists(TokenList{"tokens.txt", "a aaaaaaaaaaaaaaaa1"}, TokenList{"FIFTEEN_TOKENS", "b bbbbbbbbbbbbbbbb2"})
	if err != nil || toks.Len() != 2 {
		t.Fatalf("%v, %d tokens", err, toks.Len())
	}
	_, err = ParseTokenLists(TokenList{"tokens.txt", "a aaaaaaaaaaaaaaaa1"}, TokenList{"FIFTEEN_TOKENS", "b aaaaaaaaaaaaaaaa1"})
	if err == nil || !strings.Contains(err.Error(), "FIFTEEN_TOKENS") {
		t.Errorf("a secret in both lists: %v, want an error naming FIFTEEN_TOKENS", err)
	}
}
