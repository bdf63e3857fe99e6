package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"slices"
	"strings"

	"fifteen/publish/postgis"
	"fifteen/server"
)

// servePGFlags are serve's flags that serve a dataset from PostGIS.
type servePGFlags struct {
	from, dataset, schema string
}

func addServePGFlags(fs *flag.FlagSet) *servePGFlags {
	f := &servePGFlags{}
	fs.StringVar(&f.from, "from", "", "serve a dataset's precomputed collections and tiles from PostGIS at this URL (postgres://…; written by fifteen export --to), loading no city; analysis answers 501")
	fs.StringVar(&f.dataset, "dataset", "", "with --from: the dataset to serve (export's --dataset; required)")
	fs.StringVar(&f.schema, "schema", postgis.DefaultSchema, "with --from: PostgreSQL schema of the tables")
	return f
}

// servePGAllowed are the flags that go with --from; the others load or
// tune a city, which a server from PostGIS has not.
var servePGAllowed = []string{"from", "dataset", "schema", "addr", "basemap"}

// serveFromPostGIS serves pf's dataset from PostGIS until ctx ends.
func serveFromPostGIS(ctx context.Context, fs *flag.FlagSet, pf *servePGFlags, addr string, stdout, stderr io.Writer) error {
	var bad []string
	fs.Visit(func(f *flag.Flag) {
		if !slices.Contains(servePGAllowed, f.Name) {
			bad = append(bad, "--"+f.Name)
		}
	})
	if len(bad) > 0 {
		return usageError{fmt.Sprintf("serve: --from serves precomputed results from PostGIS and loads no city: drop %s", strings.Join(bad, ", "))}
	}
	if pf.dataset == "" {
		return usageError{"serve: --from needs --dataset NAME (the dataset fifteen export --to wrote)"}
	}
	log := slog.New(slog.NewJSONHandler(stderr, nil))
	pool, err := postgis.OpenPool(ctx, pf.from)
	if err != nil {
		return pgError(err)
	}
	defer pool.Close()
	e, err := server.NewFromPostGIS(ctx, server.Config{Version: version, Logger: log},
		server.PGSource{DB: pool, Schema: pf.schema, Dataset: pf.dataset})
	if err != nil {
		return pgError(err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := newHTTPServer(e)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("serving from PostGIS", "dataset", pf.dataset, "db", postgis.Redact(pf.from), "addr", ln.Addr().String())
	fmt.Fprintf(stdout, "fifteen %s: dataset %s from %s on http://%s/\n", version, pf.dataset, postgis.Redact(pf.from), displayAddr(ln.Addr()))
	return serveUntilDone(ctx, srv, errc, log)
}
