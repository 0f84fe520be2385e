// Package analytics is the local Cloudflare's Analytics Engine sink:
// env.NAME.writeDataPoint({blobs, doubles, indexes}) of an analytics_engine binding is workerd's own analyticsEngine binding (which needs --experimental). Like
// Cloudflare's, writeDataPoint returns nothing and the write outlives the request: workerd posts
// each data point, as the JSON of its AnalyticsEngineEvent, to the binding's service, an external
// service on the analytics sink (a listener of its own on 127.0.0.1 that takes no token, started
// on the first such binding) that injects the script and dataset. The sink appends each point to
// the state directory's analytics.jsonl, which it keeps under MaxFileBytes by dropping the
// oldest points; GET /__lumier/analytics/{dataset} on the API reads a dataset's points back.
package analytics

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/lumier-dev/lumier/local/envelope"
	"github.com/lumier-dev/lumier/local/loopback"
	"github.com/lumier-dev/lumier/local/workerd"
)

// Headers the binding's service injects, naming the script and dataset of a data point.
const (
	scriptHeader  = "X-Lumier-Analytics-Script"
	datasetHeader = "X-Lumier-Analytics-Dataset"
)

// ReadPath reads a dataset's data points back: GET, authenticated like the API.
const ReadPath = "/__lumier/analytics/{dataset}"

// CallReadAnalytics counts reads of ReadPath (ours, not Cloudflare's).
const CallReadAnalytics = "read_analytics"

// MaxFileBytes bounds analytics.jsonl: an append that would take the file past it first drops
// the oldest points, keeping the newest that fit in half of it, so the file is rewritten once
// per MaxFileBytes/2 of points rather than on every append. Points are typically a few hundred
// bytes (a blob at most 16 KB on Cloudflare), so tens of thousands are kept.
const MaxFileBytes = 16 << 20

// Point is one data point as the sink records it: the columns Cloudflare's SQL API
// reads (index1, blob1..blob20, double1..double20, timestamp), the blobs up to the last one
// written and all twenty doubles (an unwritten one is 0, as there). A blob or index is bytes
// (a Worker may write an ArrayBuffer): one that is valid UTF-8 is kept as its text, any other in
// standard base64, its column named in Base64, so no byte is lost.
type Point struct {
	Script    string    `json:"script"`
	Dataset   string    `json:"dataset"`
	Timestamp string    `json:"timestamp"`
	Index1    string    `json:"index1"`
	Blobs     []string  `json:"blobs"`
	Doubles   []float64 `json:"doubles"`
	// Base64 lists the columns ("index1", "blob1".."blob20") held in base64, in column order.
	Base64 []string `json:"base64,omitempty"`
}

// column is the bytes of a blob or index as Point keeps them: their text when valid UTF-8,
// else their base64, noted in p.Base64.
func (p *Point) column(name string, b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	p.Base64 = append(p.Base64, name)
	return base64.StdEncoding.EncodeToString(b)
}

// event is the JSON workerd posts for a data point: its AnalyticsEngineEvent
// (workerd's api/analytics-engine.capnp) through Cap'n Proto's JSON codec, so Data fields are
// arrays of bytes and 64-bit integers strings (measured with workerd 1.20261117.1).
type event map[string]json.RawMessage

// point reads the event's columns into p.
func (e event) point(p *Point) error {
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
		return p.column(key, b), nil
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

// Sink takes the posts of workerd's analyticsEngine bindings and keeps them in a file of the
// state directory; it listens from the first binding on.
type Sink struct {
	file   string
	logger *slog.Logger
	once   sync.Once
	lb     loopback.Server
	err    error
	mu     sync.Mutex // serializes appends, trims and reads of file
	// size is file's size, read on the first append (-1 before).
	size int64
	// limit is the file's bound: MaxFileBytes.
	limit int64
}

// NewSink keeps the data points in dir's analytics.jsonl; logger hears of posts it refuses.
func NewSink(dir string, logger *slog.Logger) *Sink {
	return &Sink{file: filepath.Join(dir, "analytics.jsonl"), logger: logger, size: -1, limit: MaxFileBytes}
}

// Binding is the analytics_engine binding name of script, writing to dataset: workerd's own
// analyticsEngine binding, posting to a service on the sink that names the script and dataset.
// It starts the sink on first use.
func (a *Sink) Binding(script, name, dataset string) (workerd.Binding, error) {
	a.once.Do(func() {
		if err := a.lb.Start(http.HandlerFunc(a.serve)); err != nil {
			a.err = fmt.Errorf("listening for Analytics Engine data points: %w", err)
		}
	})
	if a.err != nil {
		return workerd.Binding{}, a.err
	}
	service := "lumier:analytics:" + script + ":" + dataset
	return workerd.Binding{Name: name, Kind: "analyticsEngine", Value: workerd.Text(service), Experimental: true,
		Services: []workerd.External{{Name: service, Address: a.lb.Addr(),
			Headers: map[string]string{scriptHeader: script, datasetHeader: dataset}}}}, nil
}

// serve appends one posted data point.
func (a *Sink) serve(w http.ResponseWriter, r *http.Request) {
	p := Point{Script: r.Header.Get(scriptHeader), Dataset: r.Header.Get(datasetHeader)}
	var e event
	err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&e)
	if err == nil {
		err = e.point(&p)
	}
	if err != nil || p.Dataset == "" {
		a.logger.Warn("the analytics sink got something that is not a data point", "err", err)
		http.Error(w, "not a data point", http.StatusBadRequest)
		return
	}
	line, _ := json.Marshal(p) // decoded JSON: cannot fail
	if err := a.append(append(line, '\n')); err != nil {
		a.logger.Error("recording an Analytics Engine data point", "err", err)
		http.Error(w, "not recorded", http.StatusInternalServerError)
	}
}

// append adds line to the file, first dropping the oldest points when the file would grow past
// its limit.
func (a *Sink) append(line []byte) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.size < 0 {
		a.size = 0
		if info, err := os.Stat(a.file); err == nil {
			a.size = info.Size()
		}
	}
	if a.size+int64(len(line)) > a.limit {
		if err := a.trim(a.limit/2 - int64(len(line))); err != nil {
			return fmt.Errorf("dropping the oldest data points: %w", err)
		}
	}
	f, err := os.OpenFile(a.file, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	n, err := f.Write(line)
	a.size += int64(n)
	return errors.Join(err, f.Close())
}

// trim rewrites the file with its newest whole lines that fit in keep bytes, through a
// temporary file renamed over it, so a crash leaves the old file or the new one.
func (a *Sink) trim(keep int64) error {
	data, err := os.ReadFile(a.file)
	if err != nil {
		return err
	}
	start := len(data)
	if cut := len(data) - int(max(keep, 0)); cut <= 0 {
		start = 0
	} else if nl := bytes.IndexByte(data[cut-1:], '\n'); nl >= 0 {
		start = cut + nl // just past the newline at or after cut-1: a line boundary
	}
	tmp, err := os.CreateTemp(filepath.Dir(a.file), ".analytics-*.jsonl")
	if err != nil {
		return err
	}
	_, err = tmp.Write(data[start:])
	if err = errors.Join(err, tmp.Close()); err == nil {
		err = os.Rename(tmp.Name(), a.file)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return err
	}
	a.size = int64(len(data) - start)
	return nil
}

// ServeRead is GET ReadPath: the dataset's data points, in the v4 envelope.
func (a *Sink) ServeRead(w http.ResponseWriter, r *http.Request) {
	points, err := a.points(r.PathValue("dataset"))
	if err != nil {
		envelope.WriteError(w, envelope.NewError(http.StatusInternalServerError, envelope.CodeInternal, "reading Analytics Engine data points: %v", err))
		return
	}
	envelope.WriteResult(w, http.StatusOK, points, nil)
}

// points are dataset's data points in the order written; none before the first.
func (a *Sink) points(dataset string) ([]Point, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := []Point{}
	f, err := os.Open(a.file)
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
		var p Point
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
			return nil, fmt.Errorf("analytics.jsonl: %w", err)
		}
		if p.Dataset == dataset {
			out = append(out, p)
		}
	}
	return out, sc.Err()
}

// Close stops the sink, when it started.
func (a *Sink) Close() error { return a.lb.Close() }
