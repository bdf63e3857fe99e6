package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"fifteen/data"
	"fifteen/geo"
)

// shardBatch plans the default city into shards with their own
// snapshots, has runShards compute every shard into parts (each its own
// process, through an array job's entry point), merges them and checks
// that the merge writes exactly what single-process export writes:
// cells, communities, coverage and underserved byte for byte. It returns
// the binary, the plan and the parts directory.
func shardBatch(t *testing.T, runShards func(bin, plan, snaps, parts string, n int)) (string, *geo.ShardPlan, string) {
	t.Helper()
	bin := buildBinary(t)
	dir, plan, snaps, p := planShards(t, bin)
	parts := filepath.Join(dir, "parts")
	runShards(bin, plan, snaps, parts, len(p.Shards))
	merged := filepath.Join(dir, "merged")
	runFifteen(t, bin, "merge-shards", "--quiet", "--plan", plan, "--out", merged, parts)
	for _, coll := range []string{"cells", "communities", "coverage", "underserved"} {
		want := runFifteen(t, bin, "export", "--quiet", "--collection", coll)
		got, err := os.ReadFile(filepath.Join(merged, coll+".geojson"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("merge-shards %s.geojson differs from export (%d bytes, want %d)", coll, len(got), len(want))
		}
	}
	return bin, p, parts
}

// planShards plans the default city into at least 4 shards with their own
// snapshots, in a new directory: it returns the directory, the plan's
// path, the snapshots' directory and the plan.
func planShards(t *testing.T, bin string) (dir, plan, snaps string, p *geo.ShardPlan) {
	t.Helper()
	dir = t.TempDir()
	plan = filepath.Join(dir, "plan.json")
	snaps = filepath.Join(dir, "snapshots")
	runFifteen(t, bin, "shard", "--quiet", "--out", plan, "--res", "7", "--target", "350", "--snapshots", snaps)
	p, err := data.ReadShardPlan(plan)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Shards) < 4 {
		t.Fatalf("%d shards, want at least 4", len(p.Shards))
	}
	return dir, plan, snaps, p
}

// runFifteen runs the binary and returns its standard output.
func runFifteen(t *testing.T, bin string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("fifteen %s: %v\n%s", strings.Join(args, " "), err, stderr.Bytes())
	}
	return out
}

// The shards of the default city, run as a Slurm array job (the
// repository's script, SLURM_ARRAY_TASK_ID) on a private single-node
// cluster (scripts/slurmtest.sh), merge into exactly the single-process
// export.
func TestShardsThroughSlurm(t *testing.T) {
	conf := os.Getenv("FIFTEEN_TEST_SLURM_CONF")
	if conf == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("FIFTEEN_TEST_SLURM_CONF is not set: CI must run the shards as a Slurm array job (.ci/run starts a cluster)")
		}
		t.Skip("FIFTEEN_TEST_SLURM_CONF not set (as root: scripts/slurmtest.sh start DIR prints it)")
	}
	script, err := filepath.Abs("../../deploy/slurm/fifteen-shards.sbatch")
	if err != nil {
		t.Fatal(err)
	}
	shardBatch(t, func(bin, plan, snaps, parts string, n int) {
		// The script asks for 2 cores and 2 GB a task: the test node may
		// have fewer, and the default city needs less.
		cmd := exec.Command("sbatch", "--wait", "--array=0-"+strconv.Itoa(n-1), "--cpus-per-task=1", "--mem=512M",
			"--output="+filepath.Join(filepath.Dir(plan), "slurm-%a.log"),
			"--export=ALL,FIFTEEN="+bin, script, plan, snaps, parts)
		cmd.Env = append(os.Environ(), "SLURM_CONF="+conf)
		if out, err := cmd.CombinedOutput(); err != nil {
			logs, _ := filepath.Glob(filepath.Join(filepath.Dir(plan), "slurm-*.log"))
			for _, l := range logs {
				b, _ := os.ReadFile(l)
				t.Logf("%s:\n%s", l, b)
			}
			t.Fatalf("sbatch: %v\n%s", err, out)
		}
	})
}

// The shards of the default city, each its own process through the Slurm
// array script (SLURM_ARRAY_TASK_ID) run by GNU parallel, merge into
// exactly the single-process export; shard 0 through the Kubernetes
// Indexed Job's command (JOB_COMPLETION_INDEX) gives the same part; and
// the shards' own cells together are the city's cells (of a walker other
// than the default). The geo tests compare every walker, format and
// collection in process.
func TestShardsThroughParallel(t *testing.T) {
	par, err := exec.LookPath("parallel")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("GNU parallel is not installed: CI must run the shards through it (.ci/run installs it)")
		}
		t.Skip("GNU parallel not installed (apt-get install parallel)")
	}
	var plan, snaps string
	bin, p, parts := shardBatch(t, func(bin, pl, sn, parts string, n int) {
		plan, snaps = pl, sn
		args := []string{"--will-cite", "--halt", "now,fail=1", "-j", "2",
			"env", "SLURM_ARRAY_TASK_ID={}", "FIFTEEN=" + bin, "bash", "../../deploy/slurm/fifteen-shards.sbatch", plan, snaps, parts, ":::"}
		for i := range n {
			args = append(args, strconv.Itoa(i))
		}
		if out, err := exec.Command(par, args...).CombinedOutput(); err != nil {
			t.Fatalf("parallel: %v\n%s", err, out)
		}
	})
	dir := filepath.Dir(plan)
	k8s := k8sCommand(t, "../../deploy/k8s/fifteen-shards.yaml")
	for i, a := range k8s {
		k8s[i] = strings.ReplaceAll(a, "/data/parts", filepath.Join(dir, "k8s-parts"))
		k8s[i] = strings.ReplaceAll(k8s[i], "/data/plan.json", plan)
		k8s[i] = strings.ReplaceAll(k8s[i], "/data/shards", snaps)
	}
	if k8s[0] != "fifteen" || k8s[1] != "run-shard" {
		t.Fatalf("the Indexed Job runs %q, want fifteen run-shard", k8s[:2])
	}
	cmd := exec.Command(bin, k8s[1:]...)
	cmd.Env = append(os.Environ(), "JOB_COMPLETION_INDEX=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%q: %v\n%s", k8s, err, out)
	}
	a, err := os.ReadFile(filepath.Join(parts, data.ShardPartName(0)))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "k8s-parts", data.ShardPartName(0)))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Error("shard 0 through the Indexed Job's command differs from shard 0 through the Slurm script")
	}
	want := strings.Split(strings.TrimSpace(string(runFifteen(t, bin, "export", "--quiet", "--collection", "cells", "--format", "csv", "--profile", "wheelchair"))), "\n")
	var got []string
	for i := range p.Shards {
		b, err := os.ReadFile(filepath.Join(parts, fmt.Sprintf("shard-%05d.cells-wheelchair.csv", i)))
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		if lines[0] != want[0] {
			t.Fatalf("shard %d cells header %q, want %q", i, lines[0], want[0])
		}
		got = append(got, lines[1:]...)
	}
	slices.Sort(got)
	if !slices.Equal(got, want[1:]) {
		t.Errorf("the shards' cells (%d rows) are not the city's (%d rows)", len(got), len(want)-1)
	}
}

// The shard index comes from the flag, else from the array job's
// variable; a bad value names the variable.
func TestShardIndex(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	for _, c := range []struct {
		name  string
		flag  int
		env   map[string]string
		want  int
		error bool
	}{
		{"flag wins", 3, map[string]string{"JOB_COMPLETION_INDEX": "5"}, 3, false},
		{"kubernetes indexed job", -1, map[string]string{"JOB_COMPLETION_INDEX": "5", "SLURM_ARRAY_TASK_ID": "7"}, 5, false},
		{"slurm array", -1, map[string]string{"SLURM_ARRAY_TASK_ID": "7"}, 7, false},
		{"none", -1, nil, 0, true},
		{"not a number", -1, map[string]string{"SLURM_ARRAY_TASK_ID": "x"}, 0, true},
		{"negative", -1, map[string]string{"JOB_COMPLETION_INDEX": "-2"}, 0, true},
		{"negative flag", -3, map[string]string{"JOB_COMPLETION_INDEX": "2"}, 0, true},
	} {
		got, err := shardIndex(c.flag, env(c.env))
		if (err != nil) != c.error || got != c.want {
			t.Errorf("%s: %d, %v; want %d, error %v", c.name, got, err, c.want, c.error)
		}
	}
}

// k8sCommand returns the command of the Indexed Job in the manifest at
// path (its flow sequence of quoted strings is JSON) and checks that the
// Job is indexed.
func k8sCommand(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "\n  completionMode: Indexed\n") {
		t.Fatalf("%s: not an Indexed Job", path)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "command:"); ok {
			var cmd []string
			if err := json.Unmarshal([]byte(rest), &cmd); err != nil {
				t.Fatalf("%s: command %s: %v", path, rest, err)
			}
			return cmd
		}
	}
	t.Fatalf("%s: no command", path)
	return nil
}

// Bad plans, parts and shard sets end in one error naming the file or the
// shard, never a panic or a half-written result.
func TestShardBadInput(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	call := func(args ...string) error {
		var out, errb bytes.Buffer
		return run(ctx, args, &out, &errb)
	}
	notPlan := filepath.Join(dir, "notplan.json")
	if err := os.WriteFile(notPlan, []byte(`{"version": 1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"missing plan", []string{"run-shard", "--plan", filepath.Join(dir, "none.json"), "--out", dir, "--index", "0"}, "none.json"},
		{"not a plan", []string{"run-shard", "--plan", notPlan, "--out", dir, "--index", "0"}, "notplan.json: data: shard file"},
		{"no index", []string{"run-shard", "--plan", notPlan, "--out", dir}, "give --index"},
		{"no out", []string{"shard"}, "give --out"},
		{"bad res", []string{"shard", "--quiet", "--out", filepath.Join(dir, "p.json"), "--res", "10"}, "shard resolution 10"},
		{"merge without dirs", []string{"merge-shards", "--plan", notPlan, "--out", dir}, "give --plan FILE, --out DIR or --to URL"},
	} {
		t.Setenv("JOB_COMPLETION_INDEX", "")
		t.Setenv("SLURM_ARRAY_TASK_ID", "")
		err := call(c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error with %q", c.name, err, c.want)
		}
	}
	// A plan whose shards have no parts: merge names the missing shards.
	plan := filepath.Join(dir, "plan.json")
	if err := call("shard", "--quiet", "--out", plan, "--res", "7", "--target", "350"); err != nil {
		t.Fatal(err)
	}
	if err := call("run-shard", "--quiet", "--plan", plan, "--out", filepath.Join(dir, "parts"), "--index", "1"); err != nil {
		t.Fatal(err)
	}
	err := call("merge-shards", "--quiet", "--plan", plan, "--out", filepath.Join(dir, "merged"), filepath.Join(dir, "parts"))
	if err == nil || !strings.Contains(err.Error(), "no results for") || !strings.Contains(err.Error(), "[0 2 3 4 5]") {
		t.Errorf("merge with one shard: %v, want the missing shards named", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "merged")); err == nil {
		t.Error("a failed merge left its output directory")
	}
	if err := call("run-shard", "--quiet", "--plan", plan, "--out", dir, "--index", "9"); err == nil || !strings.Contains(err.Error(), "shards 0 to 5") {
		t.Errorf("index beyond the plan: %v", err)
	}
}
