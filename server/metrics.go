package server

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/labstack/echo/v4"
)

// metrics is the server's own Prometheus registry: request counts and
// latencies by route, and figures of the loaded data.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

func newMetrics(d Deps) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "fifteen_http_requests_total", Help: "HTTP requests by method, route and status.",
	}, []string{"method", "route", "status"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "fifteen_http_request_duration_seconds", Help: "HTTP request latency by route.",
		Buckets: []float64{.0005, .001, .002, .005, .01, .02, .05, .1, .25, .5, 1, 2.5, 10},
	}, []string{"method", "route"})
	m.reg.MustRegister(m.requests, m.latency, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	g := d.City.Graph
	gauge := func(name, help string, v float64) {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, func() float64 { return v }))
	}
	gauge("fifteen_network_vertices", "Vertices of the walk network.", float64(g.NumVertices()))
	gauge("fifteen_network_edges", "Edges of the walk network.", float64(g.NumEdges()))
	gauge("fifteen_network_km", "Walkable kilometres.", g.TotalLengthM()/1000)
	gauge("fifteen_facilities", "Facilities loaded.", float64(len(d.City.Facilities)))
	gauge("fifteen_communities", "Communities loaded.", float64(len(d.City.Communities)))
	if d.City.Population != nil {
		gauge("fifteen_population_placed", "Residents placed on H3 cells.", d.City.Population.Total)
		gauge("fifteen_population_cells", "Populated H3 cells.", float64(len(d.City.Population.Cells)))
	}
	if d.Load != nil {
		stage := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "fifteen_load_seconds", Help: "Seconds per load stage."}, []string{"stage"})
		for k, v := range d.Load.StageSec {
			stage.WithLabelValues(k).Set(v)
		}
		stage.WithLabelValues("total").Set(d.Load.TotalSec)
		m.reg.MustRegister(stage)
	}
	return m
}

func (m *metrics) observe(method, route string, status int, d time.Duration) {
	m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(method, route).Observe(d.Seconds())
}

func (m *metrics) handler() echo.HandlerFunc {
	// The gzip middleware compresses: promhttp must not do it again.
	return echo.WrapHandler(promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{DisableCompression: true}))
}
