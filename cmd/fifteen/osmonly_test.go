package main

import (
	"strings"
	"testing"
)

// An OSM extract alone is enough for every command that counts residents.
func TestCommandsOnOSMOnlyExtract(t *testing.T) {
	const osm = "../../data/testdata/wilmington-2016-08-10.osm.pbf"
	for _, args := range [][]string{
		{"report", "--format", "csv", "--category", "clinic"},
		{"cells", "--format", "csv"},
		{"gaps", "--category", "clinic", "--format", "csv"},
		{"site", "--category", "clinic", "--k", "2", "--format", "csv"},
	} {
		out, _, err := runCmd(append(args, "--osm", osm)...)
		if err != nil {
			t.Errorf("%v: %v", args, err)
			continue
		}
		if strings.Count(out, "\n") < 2 {
			t.Errorf("%v: output %q", args, out)
		}
	}
	out, _, err := runCmd("inspect", "--osm", osm)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"communities from OSM:", "admin_level 8", "population from: osm_population"} {
		if !strings.Contains(out, want) {
			t.Errorf("inspect does not say %q:\n%s", want, out)
		}
	}
}

// With no residents at all, what counts them says which flag supplies them;
// what needs none works.
func TestCommandsWithoutPopulation(t *testing.T) {
	const osm = "../../data/testdata/no_population_grid.osm"
	for _, args := range [][]string{
		{"report"}, {"gaps", "--category", "clinic"}, {"site", "--category", "clinic", "--k", "1"},
	} {
		_, _, err := runCmd(append(args, "--osm", osm)...)
		if err == nil || !strings.Contains(err.Error(), "--population FILE") || strings.Count(err.Error(), ". ") > 0 {
			t.Errorf("%v: %v, want one sentence naming --population", args, err)
		}
	}
	if _, _, err := runCmd("isochrone", "--osm", osm, "--lon", "7.4225", "--lat", "43.7318"); err != nil {
		t.Errorf("isochrone: %v", err)
	}
	if _, _, err := runCmd("cells", "--osm", osm); err != nil {
		t.Errorf("cells: %v", err)
	}
}
