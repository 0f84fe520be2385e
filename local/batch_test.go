package local

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lumier-dev/lumier/local/envelope"
	"github.com/lumier-dev/lumier/local/runtime"
	"github.com/lumier-dev/lumier/local/workerd"
)

// poller calls a Worker in a loop and records the longest time between two answers.
type poller struct {
	mu       sync.Mutex
	maxGap   time.Duration
	answers  int
	failures int
	stop     chan struct{}
	done     chan struct{}
}

func startPoller(url string) *poller {
	p := &poller{stop: make(chan struct{}), done: make(chan struct{})}
	client := &http.Client{Timeout: 30 * time.Second}
	go func() {
		defer close(p.done)
		last := time.Now()
		for {
			select {
			case <-p.stop:
				return
			default:
			}
			ok := false
			if res, err := client.Get(url + "/resident"); err == nil {
				ok = res.StatusCode == http.StatusOK
				res.Body.Close()
			}
			p.mu.Lock()
			if ok {
				p.maxGap = max(p.maxGap, time.Since(last))
				p.answers++
				last = time.Now()
			} else {
				p.failures++
			}
			p.mu.Unlock()
			time.Sleep(5 * time.Millisecond)
		}
	}()
	return p
}

func (p *poller) finish() (maxGap time.Duration, answers, failures int) {
	close(p.stop)
	<-p.done
	return p.maxGap, p.answers, p.failures
}

// answered is how many answers the poller has had so far.
func (p *poller) answered() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.answers
}

// observedRuntime counts the poller's answers during each reload.
type observedRuntime struct {
	runtime.Supervisor
	p      *poller
	mu     sync.Mutex
	during []int // answers that came while each Apply ran, in the order the Applies ended
}

func (o *observedRuntime) Apply(ctx context.Context, scripts []workerd.Script) error {
	before := o.p.answered()
	err := o.Supervisor.Apply(ctx, scripts)
	o.mu.Lock()
	o.during = append(o.during, o.p.answered()-before)
	o.mu.Unlock()
	return err
}

// TestParallelUploadsOneBad sends 20 uploads at once, one of a script that throws at load: the
// 19 others succeed and answer, the bad one gets workerd's message, and a Worker that was
// already running answers throughout: no request to it fails, and it answers while the
// reloads run.
func TestParallelUploadsOneBad(t *testing.T) {
	s := startServer(t, t.TempDir(), Options{})
	mustUpload(t, s, "resident", counterMeta("", "v1"), workerModule(t, "counter.js"))
	residentURL := enableWorkersDev(t, s, "resident")
	status, _ := call(t, http.MethodPost, residentURL+"/resident", "")
	require.Equal(t, http.StatusOK, status)
	p := startPoller(residentURL)
	observed := &observedRuntime{Supervisor: s.runtime.Workerd, p: p}
	s.runtime.Workerd = observed

	const n, bad = 20, 13
	var (
		wg       sync.WaitGroup
		errs     [n]error
		reloadMS [n]int64
	)
	for i := range n {
		wg.Go(func() {
			src := workerModule(t, "counter.js")
			if i == bad {
				src.Src = `throw new Error("boom in script ` + fmt.Sprint(i) + `");` + "\n" + src.Src
			}
			res, err := putScript(t, s, fmt.Sprintf("par-%02d", i), counterMeta("", "v1"), src)
			errs[i] = err
			if err == nil {
				reloadMS[i] = res.StartupTimeMs
			}
		})
	}
	wg.Wait()
	maxGap, answers, failures := p.finish()

	var longestReload time.Duration
	for i := range n {
		name := fmt.Sprintf("par-%02d", i)
		if i == bad {
			requireCode(t, errs[i], envelope.CodeValidation, "Uncaught Error: boom in script 13")
			continue
		}
		require.NoError(t, errs[i], name)
		longestReload = max(longestReload, time.Duration(reloadMS[i])*time.Millisecond)
		url := enableWorkersDev(t, s, name)
		status, body := call(t, http.MethodPost, url+"/x", "")
		assert.Equal(t, http.StatusOK, status, name)
		assert.JSONEq(t, `{"count":1}`, body, name)
	}
	assert.NotContains(t, s.Scripts(), fmt.Sprintf("par-%02d", bad))
	assert.Len(t, s.Scripts(), n) // 19 new plus the resident

	t.Logf("resident Worker during the uploads: %d answers, %d failed requests, longest gap %s; longest reload %s; "+
		"answers during each reload %v", answers, failures, maxGap.Round(time.Millisecond), longestReload, observed.during)
	assert.Zero(t, failures, "the resident Worker answered every request")
	assert.NotEmpty(t, observed.during, "the uploads reloaded workerd")
	assert.Positive(t, slices.Max(append([]int{0}, observed.during...)),
		"the resident Worker answered while a reload ran: reloads do not hold its requests")
	status, body := call(t, http.MethodGet, residentURL+"/resident", "")
	assert.Equal(t, http.StatusOK, status)
	assert.JSONEq(t, `{"count":1}`, body, "its data survived")
}

// gatedRuntime holds every Apply until the test releases it, and counts them.
type gatedRuntime struct {
	runtime.Supervisor
	entered chan int // the number of scripts of each Apply, as it starts
	release chan struct{}
}

func (g *gatedRuntime) Apply(ctx context.Context, scripts []workerd.Script) error {
	g.entered <- len(scripts)
	<-g.release
	return g.Supervisor.Apply(ctx, scripts)
}

// TestBatchAnsweredBeforeLaterReloads: changes that wait while a reload runs are applied in one
// reload, and each is answered as soon as that reload is done, not after the reload of a change
// that arrived meanwhile.
func TestBatchAnsweredBeforeLaterReloads(t *testing.T) {
	s := startServer(t, t.TempDir(), Options{})
	g := &gatedRuntime{Supervisor: s.runtime.Workerd, entered: make(chan int, 10), release: make(chan struct{})}
	s.runtime.Workerd = g
	plain := module{Name: "index.js", Src: `export default { fetch() { return new Response("ok") } }`}
	upload := func(name string) chan error {
		done := make(chan error, 1)
		go func() {
			_, err := putScript(t, s, name, meta(nil), plain)
			done <- err
		}()
		return done
	}
	waitApply := func() int {
		select {
		case n := <-g.entered:
			return n
		case <-time.After(testTimeout):
			t.Fatal("no reload started")
			return 0
		}
	}

	first := upload("first")
	require.Equal(t, 1, waitApply())
	// Three uploads arrive while the first reload runs.
	var waiting []chan error
	for _, name := range []string{"b-1", "b-2", "b-3"} {
		waiting = append(waiting, upload(name))
	}
	require.Eventually(t, func() bool { return s.ledger.Waiting() == 3 }, testTimeout, time.Millisecond)
	g.release <- struct{}{}
	require.NoError(t, <-first)

	assert.Equal(t, 4, waitApply(), "the three waiting uploads are applied in one reload")
	// Another upload arrives during that reload; it gets a reload of its own, and the three
	// are answered while it runs.
	late := upload("late")
	require.Eventually(t, func() bool { return s.ledger.Waiting() == 1 }, testTimeout, time.Millisecond)
	g.release <- struct{}{}
	assert.Equal(t, 5, waitApply())
	for i, done := range waiting {
		select {
		case err := <-done:
			assert.NoError(t, err, "b-%d", i+1)
		case <-time.After(testTimeout):
			t.Fatalf("b-%d was not answered while a later reload ran", i+1)
		}
	}
	g.release <- struct{}{}
	require.NoError(t, <-late)
	assert.ElementsMatch(t, []string{"first", "b-1", "b-2", "b-3", "late"}, s.Scripts())
}
