package publish_test

import (
	"encoding/json"
	"testing"

	"fifteen/publish"
)

// TestAppendString checks the JSON string writer against encoding/json.
func TestAppendString(t *testing.T) {
	for _, s := range []string{"", "plain", `quote " and \ backslash`, "tab\tnew\nline\rcr", "\x00\x01\x1f",
		"社区卫生服务中心", "é", "line\u2028sep\u2029", "bad \xff utf8", "<&>"} {
		got := publish.AppendString(nil, s)
		if !json.Valid(got) {
			t.Errorf("%q: invalid JSON %s", s, got)
			continue
		}
		var back string
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatal(err)
		}
		if want := string([]rune(s)); back != want { // one U+FFFD per bad byte

			t.Errorf("%q: round trip gives %q", s, back)
		}
	}
}

// FuzzAppendString: any string gives valid JSON that decodes to it.
func FuzzAppendString(f *testing.F) {
	f.Add("a\"b\\c\x00\u2028")
	f.Fuzz(func(t *testing.T, s string) {
		got := publish.AppendString(nil, s)
		var back string
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatalf("%q gives invalid JSON %s: %v", s, got, err)
		}
		if want := string([]rune(s)); back != want {
			t.Fatalf("%q round trips to %q", s, back)
		}
	})
}
