package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"fifteen/data"
)

func inspect(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("inspect", stderr)
	asJSON := fs.Bool("json", false, "print JSON")
	config := inputFlags(fs)
	cfg, err := parseInputs(fs, args, config)
	if err != nil {
		return err
	}
	city, st, err := data.Load(ctx, cfg)
	if err != nil {
		return err
	}
	in := data.Inspect(city, st)
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(in)
	}
	return printInspection(stdout, in)
}

func printInspection(w io.Writer, in data.Inspection) error {
	n := in.Network
	fmt.Fprintf(w, "%s\n%s\n\n", in.City, in.Attribution)
	fmt.Fprintf(w, "network: %d vertices, %d edges, %.1f km walkable; %d components, the largest %.1f km (%d vertices)\n",
		n.Vertices, n.Edges, n.WalkableKm, n.Components, n.LargestKm, n.LargestVertices)
	fmt.Fprintf(w, "         steps %.1f km, unpaved %.1f km, tunnel/indoor %.1f km; %.0f B per edge\n\n",
		n.StepsKm, n.UnpavedKm, n.TunnelOrIndoorKm, n.BytesPerEdge)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "category\tname\tfound\tsnapped\ttoo far\ton islands\t")
	for _, c := range in.Facilities.ByCategory {
		fmt.Fprintf(tw, "%s\t%s %s\t%d\t%d\t%d\t%d\t\n", c.Category, c.Name, c.NameZH, c.Found, c.Snapped, c.TooFar, c.OnIsland)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(in.Facilities.Unplaced) > 0 {
		fmt.Fprintf(w, "%d facilities with no geometry in the file: %v\n", len(in.Facilities.Unplaced), in.Facilities.Unplaced)
	}
	p := in.Population
	fmt.Fprintf(w, "\ncommunities: %d, population %.0f; placed %.0f on %d H3 res-%d cells (%.0f too far from the network, %.0f on islands)\n",
		in.Communities.Count, in.Communities.Population, p.Placed, p.Cells, p.Resolution, p.TooFar, p.OnIslands)
	printOrigins(w, in)
	tw = tabwriter.NewWriter(w, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "community\tpopulation\tplaced\tcells\tmethod\t")
	for _, c := range p.ByCommunity {
		fmt.Fprintf(tw, "%s\t%.0f\t%.0f\t%d\t%s\t\n", c.Name, c.Population, c.Placed, c.Cells, c.Method)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nloaded in %.3f s\n", in.TotalSec)
	return nil
}

// printOrigins says where communities and population came from.
func printOrigins(w io.Writer, in data.Inspection) {
	co, po := in.Communities.Origin, in.Population.Origin
	switch co.Source {
	case "osm":
		lv := "no admin_level"
		if co.AdminLevel > 0 {
			lv = fmt.Sprintf("admin_level %d (%s, %.0f%% of residents inside)", co.AdminLevel, co.AdminLevelChosen, 100*co.Levels[co.AdminLevel].Coverage)
		}
		fmt.Fprintf(w, "communities from OSM: %d boundaries at %s, %d place areas, %d H3 res-%d cells where no boundary covers; %d empty areas left out\n",
			co.FromBoundaries, lv, co.FromPlaces, co.FromHexagons, co.HexRes, co.Empty)
	case "":
	default:
		fmt.Fprintf(w, "communities from: %s\n", co.Source)
	}
	if po.Source != "" {
		fmt.Fprintf(w, "population from: %s", po.Source)
		if po.FromCounts > 0 || po.Estimated > 0 {
			fmt.Fprintf(w, " (%.0f from OSM population=* counts, %.0f estimated from residential floor area at %.4g persons/m²)", po.FromCounts, po.Estimated, po.PersonsPerM2)
		}
		fmt.Fprintln(w)
	}
	if po.Source == "none" {
		fmt.Fprintln(w, "no population: give --population (an H3 grid) or --communities (polygons with population) for coverage, gaps and siting")
	}
}
