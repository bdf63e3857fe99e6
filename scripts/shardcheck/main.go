// Command shardcheck runs a sharded batch through fifteen's entry points
// (shard, run-shard one process per shard, merge-shards) on a city, checks
// that the merged cells, communities and coverage equal what one process
// exports, byte for byte, and prints the time and peak memory of every
// step. By default it runs on the 32-copy tiled city of
// $FIFTEEN_BENCH_CACHE (make tilecity writes one):
//
//	go build -o bin/fifteen ./cmd/fifteen
//	go run ./scripts/shardcheck -bin bin/fifteen -target 8000
//
// The shards run one after another (-jobs raises that): the whole city
// is loaded only to plan, to merge and for the single-process export.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"fifteen/data"
)

type step struct {
	name   string
	wall   time.Duration
	cpu    time.Duration
	maxRSS int64 // KB
}

func main() {
	cache := os.Getenv("FIFTEEN_BENCH_CACHE")
	bin := flag.String("bin", "bin/fifteen", "the fifteen binary")
	osm := flag.String("osm", filepath.Join(cache, "tiled-32-v1.osm.pbf"), "OSM extract")
	comm := flag.String("communities", filepath.Join(cache, "tiled-32-v1-communities.geojson"), "communities GeoJSON")
	work := flag.String("work", "", "working directory (default: a new temporary one)")
	// -osm "" runs on the embedded default city.
	target := flag.Int("target", 8000, "populated cells per shard")
	res := flag.Int("res", 0, "H3 resolution of the shards' parents (0: chosen from -target)")
	jobs := flag.Int("jobs", 1, "shards run at once")
	flag.Parse()
	if err := run(*bin, *osm, *comm, *work, *target, *res, *jobs); err != nil {
		fmt.Fprintln(os.Stderr, "shardcheck:", err)
		os.Exit(1)
	}
}

func run(bin, osm, comm, work string, target, res, jobs int) error {
	if work == "" {
		d, err := os.MkdirTemp("", "shardcheck")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		work = d
	}
	if err := os.MkdirAll(work, 0o755); err != nil {
		return err
	}
	var steps []step
	var mu sync.Mutex
	exe := func(name string, stdout *bytes.Buffer, args ...string) error {
		cmd := exec.Command(bin, args...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if stdout != nil {
			cmd.Stdout = stdout
		}
		start := time.Now()
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("fifteen %v: %v\n%s", args, err, stderr.Bytes())
		}
		st := step{name: name, wall: time.Since(start), cpu: cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()}
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			st.maxRSS = ru.Maxrss
		}
		mu.Lock()
		steps = append(steps, st)
		mu.Unlock()
		return nil
	}
	snap := filepath.Join(work, "city.snapshot")
	plan := filepath.Join(work, "plan.json")
	shards := filepath.Join(work, "shards")
	parts := filepath.Join(work, "parts")
	merged := filepath.Join(work, "merged")
	input := []string{"build", "--quiet", "--out", snap}
	if osm != "" {
		input = append(input, "--osm", osm, "--communities", comm)
	}
	if err := exe("build the city's snapshot", nil, input...); err != nil {
		return err
	}
	var out bytes.Buffer
	if err := exe("plan and write the shards' cities", &out, "shard", "--quiet", "--snapshot", snap, "--out", plan,
		"--target", strconv.Itoa(target), "--res", strconv.Itoa(res), "--snapshots", shards); err != nil {
		return err
	}
	fmt.Print(out.String())
	p, err := data.ReadShardPlan(plan)
	if err != nil {
		return err
	}
	start := time.Now()
	idx := make(chan int)
	errs := make(chan error, len(p.Shards))
	var wg sync.WaitGroup
	for range max(jobs, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range idx {
				errs <- exe(fmt.Sprintf("run-shard %d (%d cells)", i, p.Shards[i].Cells), nil, "run-shard", "--quiet", "--plan", plan,
					"--snapshots", shards, "--index", strconv.Itoa(i), "--out", parts)
			}
		}()
	}
	for i := range p.Shards {
		idx <- i
	}
	close(idx)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return err
		}
	}
	shardWall := time.Since(start)
	if err := exe("merge-shards", nil, "merge-shards", "--quiet", "--snapshot", snap, "--plan", plan, "--out", merged, parts); err != nil {
		return err
	}
	var bad []string
	for _, coll := range []string{"cells", "communities", "coverage", "underserved"} {
		var want bytes.Buffer
		if err := exe("single process: export "+coll, &want, "export", "--quiet", "--snapshot", snap, "--collection", coll); err != nil {
			return err
		}
		got, err := os.ReadFile(filepath.Join(merged, coll+".geojson"))
		if err != nil {
			return err
		}
		if !bytes.Equal(got, want.Bytes()) {
			bad = append(bad, coll)
		}
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "step\twall s\tCPU s\tpeak RSS MB\t")
	var shardCPU time.Duration
	var shardMax int64
	for _, s := range steps {
		fmt.Fprintf(tw, "%s\t%.2f\t%.2f\t%.0f\t\n", s.name, s.wall.Seconds(), s.cpu.Seconds(), float64(s.maxRSS)/1024)
		if len(s.name) > 9 && s.name[:9] == "run-shard" {
			shardCPU += s.cpu
			shardMax = max(shardMax, s.maxRSS)
		}
	}
	fmt.Fprintf(tw, "all %d shards (%d at a time)\t%.2f\t%.2f\t%.0f\t\n", len(p.Shards), max(jobs, 1), shardWall.Seconds(), shardCPU.Seconds(), float64(shardMax)/1024)
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(bad) > 0 {
		return fmt.Errorf("merged %v differ from the single-process export", bad)
	}
	fmt.Println("merged cells, communities, coverage and underserved equal the single-process export byte for byte")
	return nil
}
