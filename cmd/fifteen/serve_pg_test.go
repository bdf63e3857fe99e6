package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"fifteen/publish/postgis/postgistest"
)

// fifteen serve --from serves what fifteen export --to wrote: the cells
// and communities of the default city, with the values fifteen export
// writes as GeoJSON; analysis answers 501; --from refuses the flags of a
// loaded city (issue 14 part 4).
func TestServeFromPostGIS(t *testing.T) {
	url := postgistest.Database(t, true)
	if _, _, err := callCmd(export, "--to", url, "--dataset", "city"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--from", url, "--dataset", "city", "--osm", "x.osm.pbf"}, "drop --osm"},
		{[]string{"serve", "--from", url}, "needs --dataset"},
		{[]string{"serve", "--from", url, "--dataset", "nothing", "--addr", "127.0.0.1:0"}, `no dataset "nothing"`},
		{[]string{"serve", "--from", "http://x", "--dataset", "city"}, "postgres://"},
	} {
		var stdout, stderr syncBuffer
		if err := run(context.Background(), c.args, &stdout, &stderr); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want an error saying %q", c.args[1:], err, c.want)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--from", url, "--dataset", "city", "--addr", "127.0.0.1:0"}, &stdout, &stderr)
	}()
	addrRe := regexp.MustCompile(`on (http://[0-9.:a-z]+)/`)
	var base string
	for deadline := time.Now().Add(20 * time.Second); base == ""; {
		if m := addrRe.FindStringSubmatch(stdout.String()); m != nil {
			base = m[1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("not serving: %s %s", stdout.String(), stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	get := func(path string) (int, []byte) {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	for _, id := range []string{"cells", "communities"} {
		_, want := geoJSONFeatures(t, id)
		code, body := get("/collections/" + id + "/items?limit=10000")
		var fc struct {
			Features []struct {
				ID         any            `json:"id"`
				Properties map[string]any `json:"properties"`
			} `json:"features"`
		}
		if code != 200 || json.Unmarshal(body, &fc) != nil {
			t.Fatalf("%s: %d %.300s", id, code, body)
		}
		if len(fc.Features) != len(want) || len(want) == 0 {
			t.Fatalf("%s: %d features served, %d exported", id, len(fc.Features), len(want))
		}
		for _, f := range fc.Features {
			if w := want[fmt.Sprint(f.ID)]; !reflect.DeepEqual(f.Properties, w) {
				t.Fatalf("%s %v: served %v, exported %v", id, f.ID, f.Properties, w)
			}
		}
	}
	if code, body := get("/v1/report"); code != 501 || !strings.Contains(string(body), "--snapshot") {
		t.Errorf("/v1/report: %d %s", code, body)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve: %v", err)
	}
}
