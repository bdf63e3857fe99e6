package geo_test

import (
	"bytes"
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"reflect"
	"testing"

	"fifteen/data"
	"fifteen/geo"
	"fifteen/publish"
)

// shardLayers renders the collections a sharded run publishes: the cells
// of every walker, the communities (wide) and the coverage (long).
func shardLayers(tb testing.TB, a *geo.Access, withGaps bool) map[string][]byte {
	tb.Helper()
	r, err := a.Report()
	if err != nil {
		tb.Fatal(err)
	}
	out := map[string][]byte{}
	render := func(name string, l publish.Layer) {
		var gj, csv bytes.Buffer
		if err := publish.WriteGeoJSON(&gj, nil, l); err != nil {
			tb.Fatal(err)
		}
		if err := publish.WriteCSV(&csv, l, publish.CSVOptions{}); err != nil {
			tb.Fatal(err)
		}
		out[name+".geojson"], out[name+".csv"] = gj.Bytes(), csv.Bytes()
	}
	for p := range a.Profiles {
		for _, res := range []int{geo.PopulationRes, 8} {
			l, err := publish.Cells(a, p, res)
			if err != nil {
				tb.Fatal(err)
			}
			render("cells-"+a.Profiles[p].ID+"-"+string(rune('0'+res%10)), l)
		}
	}
	for p, prof := range a.Profiles {
		if !withGaps {
			break
		}
		var gaps []geo.GapOptions
		for _, c := range a.City.Taxonomy.Categories {
			if p == 0 && geo.MinToDs(c.ThresholdMin) <= geo.MinToDs(a.Options.CutoffMin) {
				gaps = append(gaps, geo.GapOptions{Category: c.ID, Profile: prof.ID})
			}
		}
		for _, tier := range []int{5, 10, 15} {
			gaps = append(gaps, geo.GapOptions{Tier: tier, Profile: prof.ID})
		}
		for _, g := range gaps {
			l, err := publish.Clusters(a, g)
			if err != nil {
				tb.Fatal(err)
			}
			render(fmt.Sprintf("underserved-%s-%s-%d", prof.ID, g.Category, g.Tier), l)
		}
	}
	render("communities", publish.Communities(a.City, r, a.Options.K))
	render("coverage", publish.Coverage(a.City, r))
	return out
}

// The default city cut into at least four shards (and into 35), each
// computed on its own part of the city, assembles into exactly the single-process result:
// every cell's time, count and mean of the K nearest for every walker and
// category, the life-circle distances, the E2SFCA ratios, the report, and
// the published cells, communities, coverage and underserved clusters
// (of every category, tier and walker; clusters cross shard edges) byte
// for byte.
func TestShardsAssembleToSingleProcess(t *testing.T) {
	city, _ := liechtenstein(t)
	n := len(city.Population.Cells)
	for round, c := range []struct {
		opt geo.AccessOptions
		so  geo.ShardOptions
	}{
		{geo.AccessOptions{}, geo.ShardOptions{Res: 7, TargetCells: n/5 + 1}},
		{geo.AccessOptions{K: 3, CutoffMin: 20}, geo.ShardOptions{Res: 7, TargetCells: n/5 + 1}},
		// Many small shards, a cutoff below some categories' thresholds
		// (E2SFCA catchments reach past it).
		{geo.AccessOptions{CutoffMin: 10}, geo.ShardOptions{Res: 8, TargetCells: 60}},
	} {
		opt := c.opt
		full, err := geo.ComputeAccess(city, opt)
		if err != nil {
			t.Fatal(err)
		}
		plan, err := geo.PlanShards(city, opt, c.so)
		if err != nil {
			t.Fatal(err)
		}
		if len(plan.Shards) < 4 {
			t.Fatalf("%d shards, want at least 4", len(plan.Shards))
		}
		var parts []*geo.ShardPart
		owned, cut := 0, 0
		for i := range plan.Shards {
			run, err := geo.RunShard(context.Background(), city, plan, i)
			if err != nil {
				t.Fatal(err)
			}
			if run.Access.City.Graph.NumEdges() < city.Graph.NumEdges() {
				cut++
			}
			owned += len(run.Part.Cells)
			parts = append(parts, run.Part)
		}
		if 2*cut < len(plan.Shards) {
			t.Errorf("only %d of %d shards keep less than the whole network", cut, len(plan.Shards))
		}
		if owned != n {
			t.Fatalf("shards own %d cells, the city has %d", owned, n)
		}
		t.Logf("cutoff %v K %d: %d cells in %d shards at res %d, buffer %.0f m", plan.CutoffMin, plan.K, n, len(plan.Shards), plan.Res, plan.BufferM)
		a, err := geo.AssembleAccess(city, plan, parts)
		if err != nil {
			t.Fatal(err)
		}
		for p := range full.Profiles {
			for c := range city.Taxonomy.Categories {
				for i := range n {
					if a.TimeDs[p][c][i] != full.TimeDs[p][c][i] || a.Count[p][c][i] != full.Count[p][c][i] ||
						math.Float32bits(a.MeanKMin[p][c][i]) != math.Float32bits(full.MeanKMin[p][c][i]) {
						t.Fatalf("walker %d category %d cell %d: sharded %d/%d/%v, single %d/%d/%v", p, c, i,
							a.TimeDs[p][c][i], a.Count[p][c][i], a.MeanKMin[p][c][i], full.TimeDs[p][c][i], full.Count[p][c][i], full.MeanKMin[p][c][i])
					}
				}
			}
		}
		caps, err := full.E2SFCA(geo.E2SFCAOptions{})
		if err != nil {
			t.Fatal(err)
		}
		capsA, err := a.E2SFCA(geo.E2SFCAOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for k := range caps {
			if !reflect.DeepEqual(caps[k].Ratio, capsA[k].Ratio) || !reflect.DeepEqual(caps[k].Communities, capsA[k].Communities) ||
				caps[k].Total != capsA[k].Total {
				t.Errorf("E2SFCA %s/%s differs", caps[k].Profile, caps[k].Category)
			}
		}
		rf, _ := full.Report()
		ra, _ := a.Report()
		if !reflect.DeepEqual(rf, ra) {
			t.Errorf("reports differ")
		}
		want, got := shardLayers(t, full, round == 0), shardLayers(t, a, round == 0)
		if round == 0 { // an underserved cluster across shards is assembled whole
			cls, err := a.Gaps(geo.GapOptions{Tier: 15})
			if err != nil {
				t.Fatal(err)
			}
			across := 0
			for _, cl := range cls {
				shards := map[int]bool{}
				for _, c := range cl.Cells {
					for s := range plan.Shards {
						if plan.Owns(s, c) {
							shards[s] = true
						}
					}
				}
				if len(shards) > 1 {
					across++
				}
			}
			if across == 0 {
				t.Error("no 15-minute underserved cluster spans two shards: the test does not check assembling one")
			}
			t.Logf("%d of %d 15-minute underserved clusters span shards", across, len(cls))
			spans := map[int32]map[int]bool{}
			for _, pc := range city.Population.Cells {
				for s := range plan.Shards {
					if plan.Owns(s, pc.Cell) {
						if spans[pc.Community] == nil {
							spans[pc.Community] = map[int]bool{}
						}
						spans[pc.Community][s] = true
					}
				}
			}
			wide := 0
			for _, sh := range spans {
				if len(sh) > 1 {
					wide++
				}
			}
			if wide == 0 {
				t.Error("no community spans two shards")
			}
			t.Logf("%d of %d communities span shards", wide, len(city.Communities))
		}
		for name, w := range want {
			if !bytes.Equal(w, got[name]) {
				t.Errorf("%s: sharded output differs from the single-process one", name)
			}
		}
	}
}

// A shard's own city (ShardCity), stored as a snapshot and opened alone,
// computes exactly the part the shard computes on the whole city: the
// cut network keeps the city's main component for snapping.
func TestShardCitySnapshot(t *testing.T) {
	city, _ := liechtenstein(t)
	plan, err := geo.PlanShards(city, geo.AccessOptions{}, geo.ShardOptions{Res: 7, TargetCells: len(city.Population.Cells)/5 + 1})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for i := range plan.Shards {
		sub, fp, err := geo.ShardCity(city, plan, i)
		if err != nil {
			t.Fatal(err)
		}
		plan.Shards[i].Fingerprint = fp
		path := filepath.Join(dir, "shard.snapshot")
		if err := data.WriteSnapshot(path, sub, nil, nil); err != nil {
			t.Fatal(err)
		}
		opened, _, err := data.OpenSnapshot(path)
		if err != nil {
			t.Fatal(err)
		}
		alone, err := geo.RunShard(context.Background(), opened, plan, i)
		if err != nil {
			t.Fatal(err)
		}
		whole, err := geo.RunShard(context.Background(), city, plan, i)
		if err != nil {
			t.Fatal(err)
		}
		// Compared as gob bytes: the means of the K nearest hold NaNs.
		var x, y bytes.Buffer
		if err := gob.NewEncoder(&x).Encode(alone.Part); err != nil {
			t.Fatal(err)
		}
		if err := gob.NewEncoder(&y).Encode(whole.Part); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(x.Bytes(), y.Bytes()) {
			t.Errorf("shard %d: the part computed from its own snapshot differs from the one computed on the whole city", i)
		}
		if i == 0 {
			if _, err := geo.RunShard(context.Background(), opened, plan, 1); !errors.Is(err, geo.ErrShard) {
				t.Errorf("shard 0's city run as shard 1: %v, want ErrShard", err)
			}
		}
	}
}

// A plan refuses a city it was not made for, and assembly refuses a
// missing or doubled shard.
func TestShardPlanChecks(t *testing.T) {
	city, _ := liechtenstein(t)
	plan, err := geo.PlanShards(city, geo.AccessOptions{}, geo.ShardOptions{Res: 7, TargetCells: len(city.Population.Cells)/3 + 1})
	if err != nil {
		t.Fatal(err)
	}
	other := *plan
	other.CutoffMin = 25
	if _, err := geo.RunShard(context.Background(), city, &other, 0); !errors.Is(err, geo.ErrShard) {
		t.Errorf("plan of another cutoff: %v, want ErrShard", err)
	}
	if _, err := geo.RunShard(context.Background(), city, plan, len(plan.Shards)); !errors.Is(err, geo.ErrShard) {
		t.Errorf("index beyond the plan: %v, want ErrShard", err)
	}
	run, err := geo.RunShard(context.Background(), city, plan, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := geo.AssembleAccess(city, plan, []*geo.ShardPart{run.Part}); !errors.Is(err, geo.ErrShard) {
		t.Errorf("shards missing: %v, want ErrShard", err)
	}
	if _, err := geo.AssembleAccess(city, plan, []*geo.ShardPart{run.Part, run.Part}); !errors.Is(err, geo.ErrShard) {
		t.Errorf("shard twice: %v, want ErrShard", err)
	}
	if _, err := geo.PlanShards(city, geo.AccessOptions{}, geo.ShardOptions{Res: 10}); !errors.Is(err, geo.ErrBadOption) {
		t.Errorf("res 10: %v, want ErrBadOption", err)
	}
}
