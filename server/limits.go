package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/time/rate"
)

// Limits bound the work one client, or all of them, can ask of the
// server. The zero value takes the defaults.
type Limits struct {
	// HeavyConcurrent is how many heavy requests (batch isochrones,
	// siting, scenarios) are computed at once (default: half the CPUs,
	// at least 1). A request beyond waits up to HeavyWait for a slot,
	// in a queue of at most 4 × HeavyConcurrent, and is otherwise
	// refused with 503 and Retry-After.
	HeavyConcurrent int
	// HeavyWait is how long a heavy request waits for a slot (default
	// 2 s; negative: not at all).
	HeavyWait time.Duration
	// HeavyBudget bounds the time one heavy request may compute (default
	// 10 s); past it, 503 saying so.
	HeavyBudget time.Duration
	// RatePerSec and Burst bound each client's requests of any kind
	// (default 200/s, burst 400); over them, 429 with Retry-After.
	// A negative RatePerSec turns the limit off.
	RatePerSec float64
	Burst      int
	// HeavyPerSec and HeavyBurst bound each client's heavy requests
	// (default 2/s, burst 6). A negative HeavyPerSec turns it off.
	HeavyPerSec float64
	HeavyBurst  int
	// BatchWork bounds the work units of one POST /v1/isochrone (see
	// isoWork; default 400, about 2 CPU-seconds).
	BatchWork float64
}

func (l *Limits) fill(procs int) {
	if l.HeavyConcurrent <= 0 {
		l.HeavyConcurrent = max(1, procs/2)
	}
	if l.HeavyWait == 0 {
		l.HeavyWait = 2 * time.Second
	}
	if l.HeavyBudget <= 0 {
		l.HeavyBudget = 10 * time.Second
	}
	if l.RatePerSec == 0 {
		l.RatePerSec = 200
	}
	if l.Burst <= 0 {
		l.Burst = 400
	}
	if l.HeavyPerSec == 0 {
		l.HeavyPerSec = 2
	}
	if l.HeavyBurst <= 0 {
		l.HeavyBurst = 6
	}
	if l.BatchWork <= 0 {
		l.BatchWork = 400
	}
}

// limiter holds the concurrency slots of heavy requests and each client's
// token buckets (golang.org/x/time/rate).
type limiter struct {
	cfg     Limits
	heavy   chan struct{}
	waiting atomic.Int64 // heavy requests waiting for a slot

	mu      sync.Mutex
	clients map[string]*clientLimits
	swept   time.Time
}

type clientLimits struct {
	all, heavy *rate.Limiter
	seen       time.Time
}

// maxClients bounds the remembered clients: past it, those idle for a
// minute are forgotten (a full bucket is the same as a new one).
const maxClients = 10_000

func newLimiter(cfg Limits) *limiter {
	return &limiter{cfg: cfg, heavy: make(chan struct{}, cfg.HeavyConcurrent), clients: map[string]*clientLimits{}}
}

func (l *limiter) client(key string, now time.Time) *clientLimits {
	l.mu.Lock()
	defer l.mu.Unlock()
	cl := l.clients[key]
	if cl == nil {
		if len(l.clients) >= maxClients && now.Sub(l.swept) > time.Second {
			l.swept = now
			for k, o := range l.clients {
				if now.Sub(o.seen) > time.Minute {
					delete(l.clients, k)
				}
			}
		}
		cl = &clientLimits{
			all:   rate.NewLimiter(rate.Limit(l.cfg.RatePerSec), l.cfg.Burst),
			heavy: rate.NewLimiter(rate.Limit(l.cfg.HeavyPerSec), l.cfg.HeavyBurst),
		}
		if len(l.clients) < 2*maxClients {
			l.clients[key] = cl
		}
	}
	cl.seen = now
	return cl
}

// clientKey identifies a client: its IP address as the connection shows
// it (a proxy in front makes every client one; see README).
func clientKey(c echo.Context) string {
	host, _, err := net.SplitHostPort(c.Request().RemoteAddr)
	if err != nil {
		return c.Request().RemoteAddr
	}
	return host
}

// tooMany is a 429 with the seconds to wait in Retry-After.
func tooMany(c echo.Context, wait time.Duration, detail string) *Problem {
	secs := max(1, int(math.Ceil(wait.Seconds())))
	c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
	return &Problem{Type: "about:blank", Title: "Too Many Requests", Status: http.StatusTooManyRequests,
		Detail: fmt.Sprintf("%s; retry in %d s", detail, secs)}
}

// allow takes a token from a client's bucket, or says how long to wait.
func allow(lim *rate.Limiter, now time.Time) (bool, time.Duration) {
	if lim.Limit() < 0 || lim.Limit() == rate.Inf {
		return true, 0
	}
	r := lim.ReserveN(now, 1)
	if !r.OK() {
		return false, time.Second
	}
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// rateLimit applies each client's limit on requests of any kind.
func (s *state) rateLimit(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if s.limits.cfg.RatePerSec < 0 {
			return next(c)
		}
		now := time.Now()
		if ok, wait := allow(s.limits.client(clientKey(c), now).all, now); !ok {
			return tooMany(c, wait, fmt.Sprintf("this client sent more than %g requests a second", s.limits.cfg.RatePerSec))
		}
		return next(c)
	}
}

// heavy guards a heavy route: the client's heavy-request rate, then a
// computation slot (none free: 503 at once, rather than a queue that
// would slow every other route), then the work budget as a deadline.
func (s *state) heavy(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		// The body is read in full (within the body limit) before a slot
		// is taken: a client trickling its body must not hold one.
		if req := c.Request(); req.Body != nil && req.Body != http.NoBody {
			b, err := io.ReadAll(req.Body)
			if err != nil {
				return bodyProblem(err)
			}
			req.Body = io.NopCloser(bytes.NewReader(b))
		}
		release, err := s.heavyGate(c)
		if err != nil {
			return err
		}
		defer release()
		return next(c)
	}
}

// budgetKey marks a request's context as running under the heavy budget,
// so that the error handler can say which deadline passed.
type budgetKey struct{}

// heavyGate is heavy for handlers that learn only midway that they must
// compute (a scenario not in the cache).
func (s *state) heavyGate(c echo.Context) (release func(), err error) {
	if c.Get("fifteen.heavy") != nil {
		return func() {}, nil // already inside the gate
	}
	now := time.Now()
	if s.limits.cfg.HeavyPerSec >= 0 {
		if ok, wait := allow(s.limits.client(clientKey(c), now).heavy, now); !ok {
			return nil, tooMany(c, wait, fmt.Sprintf("this client asked for more than %g heavy computations (batch isochrones, siting, scenarios) a second", s.limits.cfg.HeavyPerSec))
		}
	}
	if err := s.limits.slot(c.Request().Context()); err != nil {
		if errors.Is(err, errBusy) {
			c.Response().Header().Set("Retry-After", "2")
			return nil, &Problem{Type: "about:blank", Title: "Service Unavailable", Status: http.StatusServiceUnavailable,
				Detail: fmt.Sprintf("the server is already computing %d heavy requests, its limit, with others waiting; retry in 2 s", s.limits.cfg.HeavyConcurrent)}
		}
		return nil, err
	}
	req := c.Request()
	ctx, cancel := context.WithTimeout(context.WithValue(req.Context(), budgetKey{}, s.limits.cfg.HeavyBudget), s.limits.cfg.HeavyBudget)
	c.SetRequest(req.WithContext(ctx))
	c.Set("fifteen.heavy", true)
	return func() {
		cancel()
		<-s.limits.heavy
	}, nil
}

// isoWork estimates the work of isochrones: one unit is a 15-minute
// isochrone (a few milliseconds on a city the size of the default); the
// area searched, and so the work, grows with the square of the longest
// contour.
func isoWork(origins int, maxMinutes float64) float64 {
	r := max(maxMinutes, 1) / 15
	return float64(origins) * max(1, r*r)
}

// heavyWorkers is how many goroutines one heavy request may compute on:
// all the CPUs but one, so that light requests always find a core.
func heavyWorkers() int { return max(1, runtime.GOMAXPROCS(0)-1) }

// errBusy means no heavy-computation slot came free in time.
var errBusy = errors.New("server: heavy computations at their limit")

// slot takes a heavy-computation slot, waiting up to HeavyWait in a
// bounded queue; errBusy when none came free, ctx's error when it ended.
func (l *limiter) slot(ctx context.Context) error {
	select {
	case l.heavy <- struct{}{}:
		return nil
	default:
	}
	if l.cfg.HeavyWait < 0 {
		return errBusy
	}
	if l.waiting.Add(1) > int64(4*l.cfg.HeavyConcurrent) {
		l.waiting.Add(-1)
		return errBusy
	}
	defer l.waiting.Add(-1)
	t := time.NewTimer(l.cfg.HeavyWait)
	defer t.Stop()
	select {
	case l.heavy <- struct{}{}:
		return nil
	case <-t.C:
		return errBusy
	case <-ctx.Done():
		return ctx.Err()
	}
}
