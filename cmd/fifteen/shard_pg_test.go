package main

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"fifteen/publish/postgis/postgistest"
)

// A sharded batch written into PostGIS (every shard its own process and
// transaction with run-shard --to, then merge-shards --to) holds exactly
// the rows a single-process export --to writes, table by table, apart
// from the dataset and shard columns (issue 14).
func TestShardsIntoPostGIS(t *testing.T) {
	t.Parallel()
	url := postgistest.Database(t, true)
	bin := buildBinary(t)
	dir, plan, snaps, p := planShards(t, bin)
	parts := filepath.Join(dir, "parts")
	for i := range p.Shards {
		out := runFifteen(t, bin, "run-shard", "--quiet", "--plan", plan, "--snapshots", snaps, "--index", strconv.Itoa(i),
			"--out", parts, "--to", url, "--dataset", "sharded")
		if !strings.Contains(string(out), fmt.Sprintf("wrote dataset sharded shard %d ", i)) {
			t.Errorf("run-shard %d: %s", i, out)
		}
	}
	// A shard run again replaces its rows: the same contents after.
	runFifteen(t, bin, "run-shard", "--quiet", "--plan", plan, "--snapshots", snaps, "--index", "1",
		"--out", parts, "--to", url, "--dataset", "sharded")
	runFifteen(t, bin, "merge-shards", "--quiet", "--plan", plan, "--to", url, "--dataset", "sharded", parts)
	tables := []string{"cells", "communities", "coverage", "underserved", "facilities", "greenways"}
	runFifteen(t, bin, "export", "--quiet", "--to", url, "--dataset", "single", "--collection", strings.Join(tables, ","))
	shards := map[string]bool{}
	for _, name := range tables {
		q := fmt.Sprintf(`SELECT count(*), coalesce(md5(string_agg(r, E'\n' ORDER BY r)), '')
			FROM (SELECT (to_jsonb(t) - 'dataset' - 'shard')::text AS r FROM fifteen.%s t WHERE dataset = $1) x`, name)
		want := postgistest.Query(t, url, q, "single")[0]
		got := postgistest.Query(t, url, q, "sharded")[0]
		if want[0].(int64) == 0 {
			t.Errorf("%s: no rows from the single-process export", name)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: sharded rows %v, single-process rows %v", name, got, want)
		}
		for _, r := range postgistest.Query(t, url, fmt.Sprintf("SELECT DISTINCT shard FROM fifteen.%s WHERE dataset = 'sharded'", name)) {
			shards[r[0].(string)] = true
		}
	}
	if len(shards) != len(p.Shards)+1 || !shards[mergedShard] {
		t.Errorf("rows written under shards %v, want the %d shards and %q", shards, len(p.Shards), mergedShard)
	}
}
