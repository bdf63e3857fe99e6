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
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5"

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
	to := flag.String("to", "", "also write the shards and the single-process export to PostGIS at this URL and compare the tables")
	flag.Parse()
	if err := run(*bin, *osm, *comm, *work, *target, *res, *jobs, *to); err != nil {
		fmt.Fprintln(os.Stderr, "shardcheck:", err)
		os.Exit(1)
	}
}

func run(bin, osm, comm, work string, target, res, jobs int, to string) error {
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
				args := []string{"run-shard", "--quiet", "--plan", plan, "--snapshots", shards, "--index", strconv.Itoa(i), "--out", parts}
				if to != "" {
					args = append(args, "--to", to, "--dataset", sharded)
				}
				errs <- exe(fmt.Sprintf("run-shard %d (%d cells)", i, p.Shards[i].Cells), nil, args...)
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
	margs := []string{"merge-shards", "--quiet", "--snapshot", snap, "--plan", plan, "--out", merged}
	if to != "" {
		margs = append(margs, "--to", to, "--dataset", sharded)
	}
	if err := exe("merge-shards", nil, append(margs, parts)...); err != nil {
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
	if to == "" {
		return nil
	}
	if err := exe("single process: export --to", nil, "export", "--quiet", "--snapshot", snap, "--to", to, "--dataset", single,
		"--collection", strings.Join(pgTables, ",")); err != nil {
		return err
	}
	return comparePostGIS(to)
}

// The datasets the batch and the single-process export write with -to,
// and the tables compared.
const (
	sharded = "shardcheck_sharded"
	single  = "shardcheck_single"
)

var pgTables = []string{"cells", "communities", "coverage", "underserved", "facilities", "greenways"}

// comparePostGIS compares every table's rows of the sharded dataset with
// the single-process one's, apart from the dataset and shard columns.
func comparePostGIS(url string) error {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	var bad []string
	for _, name := range pgTables {
		q := fmt.Sprintf(`SELECT count(*), coalesce(md5(string_agg(r, E'\n' ORDER BY r)), '')
			FROM (SELECT (to_jsonb(t) - 'dataset' - 'shard')::text AS r FROM fifteen.%s t WHERE dataset = $1) x`, name)
		var n [2]int64
		var sum [2]string
		for k, ds := range []string{sharded, single} {
			if err := conn.QueryRow(ctx, q, ds).Scan(&n[k], &sum[k]); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
		}
		fmt.Printf("PostGIS fifteen.%s: %d rows sharded, %d single-process\n", name, n[0], n[1])
		if n != [2]int64{} && (n[0] != n[1] || sum[0] != sum[1]) {
			bad = append(bad, name)
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("PostGIS tables %v differ between the sharded batch and the single-process export", bad)
	}
	fmt.Println("PostGIS: the sharded batch's rows equal the single-process export's in every table")
	return nil
}
