package local

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/lumier-dev/lumier/local/envelope"
	"github.com/lumier-dev/lumier/local/loopback"
	"github.com/lumier-dev/lumier/local/workerd"
)

// Analytics Engine: env.NAME.writeDataPoint({blobs, doubles, indexes}) of an analytics_engine
// binding is workerd's own analyticsEngine binding (which needs --experimental). Like
// Cloudflare's, writeDataPoint returns nothing and the write outlives the request: workerd posts
// each data point, as the JSON of its AnalyticsEngineEvent, to the binding's service, an external
// service on the analytics sink (a listener of its own on 127.0.0.1 that takes no token, started
// on the first such binding) that injects the script and dataset. The sink appends each point to
// the state directory's analytics.jsonl; GET /__lumier/analytics/{dataset} on the API reads a
// dataset's points back.

// Headers the binding's service injects, naming the script and dataset of a data point.
const (
	analyticsScriptHeader  = "X-Lumier-Analytics-Script"
	analyticsDatasetHeader = "X-Lumier-Analytics-Dataset"
)

// analyticsPath reads a dataset's data points back: GET, authenticated like the API.
const analyticsPath = "/__lumier/analytics/{dataset}"

// CallReadAnalytics counts reads of analyticsPath (ours, not Cloudflare's).
const CallReadAnalytics = "read_analytics"

// analyticsPoint is one data point as the sink records it: the columns Cloudflare's SQL API
// reads (index1, blob1..blob20, double1..double20, timestamp), the blobs up to the last one
// written and all twenty doubles (an unwritten one is 0, as there).
type analyticsPoint struct {
	Script    string    `json:"script"`
	Dataset   string    `json:"dataset"`
	Timestamp string    `json:"timestamp"`
	Index1    string    `json:"index1"`
	Blobs     []string  `json:"blobs"`
	Doubles   []float64 `json:"doubles"`
}

// analyticsEvent is the JSON workerd posts for a data point: its AnalyticsEngineEvent
// (workerd's api/analytics-engine.capnp) through Cap'n Proto's JSON codec, so Data fields are
// arrays of bytes and 64-bit integers strings (measured with workerd 1.20261117.1).
type analyticsEvent map[string]json.RawMessage

// point reads the event's columns into p.
func (e analyticsEvent) point(p *analyticsPoint) error {
	bytesOf := func(key string) (string, error) {
		var b []byte
		raw, ok := e[key]
		if !ok {
			return "", nil
		}
		var ints []int
		if err := json.Unmarshal(raw, &ints); err != nil {
			return "", fmt.Errorf("%s: %w", key, err)
		}
		for _, v := range ints {
			b = append(b, byte(v))
		}
		return string(b), nil
	}
	var err error
	if p.Index1, err = bytesOf("index1"); err != nil {
		return err
	}
	last := 0
	blobs := make([]string, 20)
	p.Doubles = make([]float64, 20)
	for n := 1; n <= 20; n++ {
		if blobs[n-1], err = bytesOf(fmt.Sprintf("blob%d", n)); err != nil {
			return err
		}
		if _, ok := e[fmt.Sprintf("blob%d", n)]; ok {
			last = n
		}
		if raw, ok := e[fmt.Sprintf("double%d", n)]; ok {
			if err := json.Unmarshal(raw, &p.Doubles[n-1]); err != nil {
				return fmt.Errorf("double%d: %w", n, err)
			}
		}
	}
	p.Blobs = blobs[:last]
	var nanos string
	if err := json.Unmarshal(e["timestamp"], &nanos); err != nil {
		return fmt.Errorf("timestamp: %w", err)
	}
	ns, err := strconv.ParseInt(nanos, 10, 64)
	if err != nil {
		return fmt.Errorf("timestamp: %w", err)
	}
	p.Timestamp = time.Unix(0, ns).UTC().Format(time.RFC3339Nano)
	return nil
}

// analyticsSink takes the own Worker's posts and keeps them in a file of the state directory.
type analyticsSink struct {
	once sync.Once
	lb   loopback.Server
	err  error
	mu   sync.Mutex // serializes appends and reads of file
	file string
}

var analyticsBindingKind = bindingKind{
	runtime: func(s *Server, bc bindingContext, b wireBinding) (workerd.Binding, bool) {
		addr, err := s.analyticsSinkAddr()
		if err != nil {
			s.logger.Error("analytics_engine binding left out of the env", "script", bc.script, "binding", b.Name, "err", err)
			return workerd.Binding{}, false
		}
		service := "lumier:analytics:" + bc.script + ":" + b.Dataset
		return workerd.Binding{Name: b.Name, Kind: "analyticsEngine", Value: workerd.Text(service), Experimental: true,
			Services: []workerd.External{{Name: service, Address: addr,
				Headers: map[string]string{analyticsScriptHeader: bc.script, analyticsDatasetHeader: b.Dataset}}}}, true
	},
}

// analyticsSinkAddr starts the sink on first use and is its address.
func (s *Server) analyticsSinkAddr() (string, error) {
	a := &s.analytics
	a.once.Do(func() {
		a.file = filepath.Join(s.store.dir, "analytics.jsonl")
		if err := a.lb.Start(http.HandlerFunc(s.serveAnalyticsSink)); err != nil {
			a.err = fmt.Errorf("listening for Analytics Engine data points: %w", err)
		}
	})
	return a.lb.Addr(), a.err
}

// serveAnalyticsSink appends one posted data point.
func (s *Server) serveAnalyticsSink(w http.ResponseWriter, r *http.Request) {
	p := analyticsPoint{Script: r.Header.Get(analyticsScriptHeader), Dataset: r.Header.Get(analyticsDatasetHeader)}
	var e analyticsEvent
	err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&e)
	if err == nil {
		err = e.point(&p)
	}
	if err != nil || p.Dataset == "" {
		s.logger.Warn("the analytics sink got something that is not a data point", "err", err)
		http.Error(w, "not a data point", http.StatusBadRequest)
		return
	}
	line, _ := json.Marshal(p) // decoded JSON: cannot fail
	a := &s.analytics
	a.mu.Lock()
	defer a.mu.Unlock()
	f, err := os.OpenFile(a.file, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err == nil {
		_, err = f.Write(append(line, '\n'))
		err = errors.Join(err, f.Close())
	}
	if err != nil {
		s.logger.Error("recording an Analytics Engine data point", "err", err)
		http.Error(w, "not recorded", http.StatusInternalServerError)
	}
}

// analyticsRoutes registers the read of a dataset's data points, outside the v4 API but
// authenticated like it.
func (s *Server) analyticsRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET "+analyticsPath, func(w http.ResponseWriter, r *http.Request) {
		if err := s.authenticate(r, false); err != nil {
			envelope.WriteError(w, err)
			return
		}
		s.calls.Add(CallReadAnalytics)
		points, err := s.analyticsPoints(r.PathValue("dataset"))
		if err != nil {
			envelope.WriteError(w, envelope.NewError(http.StatusInternalServerError, envelope.CodeInternal, "reading Analytics Engine data points: %v", err))
			return
		}
		envelope.WriteResult(w, http.StatusOK, points, nil)
	})
}

// analyticsPoints are dataset's data points in the order written; none before the first.
func (s *Server) analyticsPoints(dataset string) ([]analyticsPoint, error) {
	a := &s.analytics
	a.mu.Lock()
	defer a.mu.Unlock()
	out := []analyticsPoint{}
	f, err := os.Open(filepath.Join(s.store.dir, "analytics.jsonl"))
	if errors.Is(err, os.ErrNotExist) {
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 2<<20)
	for sc.Scan() {
		var p analyticsPoint
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
			return nil, fmt.Errorf("analytics.jsonl: %w", err)
		}
		if p.Dataset == dataset {
			out = append(out, p)
		}
	}
	return out, sc.Err()
}

// closeAnalytics stops the sink, when it started.
func (s *Server) closeAnalytics() error { return s.analytics.lb.Close() }
