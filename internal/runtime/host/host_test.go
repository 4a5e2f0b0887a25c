package host

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/runtime"
	"github.com/skiff-dev/skiff/internal/runtime/runtimetest"
)

func newTest(t *testing.T, opt Options) *Runtime {
	t.Helper()
	if opt.Dir == "" {
		opt.Dir = t.TempDir()
	}
	if opt.StopGrace == 0 {
		opt.StopGrace = 500 * time.Millisecond
	}
	r, err := New(opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func TestConformance(t *testing.T) {
	runtimetest.Run(t, func(t *testing.T) runtime.Runtime { return newTest(t, Options{}) })
}

// fakeLogs records appended events per stream and the scope they came in.
type fakeLogs struct {
	mu     sync.Mutex
	lines  map[string][]string
	scopes []awsctx.Scope
}

func (f *fakeLogs) EnsureGroup(ctx context.Context, group string) error { return nil }
func (f *fakeLogs) EnsureStream(ctx context.Context, group, stream string) error {
	return nil
}
func (f *fakeLogs) Append(ctx context.Context, group, stream string, events []runtime.LogEvent) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.lines == nil {
		f.lines = map[string][]string{}
	}
	for _, e := range events {
		f.lines[group+"/"+stream] = append(f.lines[group+"/"+stream], e.Message)
	}
	f.scopes = append(f.scopes, awsctx.From(ctx))
	return nil
}

func (f *fakeLogs) get(key string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.lines[key]...)
}

func waitFor(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func contains(lines []string, s string) bool {
	for _, l := range lines {
		if l == s {
			return true
		}
	}
	return false
}

func writeScript(t *testing.T, inst *runtime.Instance, name, body string) string {
	t.Helper()
	p := filepath.Join(inst.Root, name)
	if err := os.WriteFile(p, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestOutputShippedToLogs(t *testing.T) {
	logs := &fakeLogs{}
	r := newTest(t, Options{Logs: logs, ShipInterval: 20 * time.Millisecond})
	ctx := context.Background()
	inst, err := r.Create(ctx, runtime.Spec{ID: "i-logs", Account: "111122223333", Region: "eu-west-1"})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Terminate(ctx, "i-logs")
	// The hook prints, then leaves a daemon that keeps printing to the
	// stdout it inherited.
	p := writeScript(t, inst, "start.sh", "#!/bin/sh\necho hook says hi\necho to stderr >&2\n"+
		"nohup sh -c 'i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.05; done' &\n")
	if res, err := r.Run(ctx, "i-logs", runtime.Command{Path: p, Banner: "LifecycleEvent - ApplicationStart"}); err != nil || res.ExitCode != 0 {
		t.Fatalf("%+v %v", res, err)
	}
	key := "/skiff/instances/i-logs"
	waitFor(t, "daemon output", 20*time.Second, func() bool {
		l := logs.get(key)
		return contains(l, "hook says hi") && contains(l, "to stderr") && contains(l, "tick 5") && contains(l, "LifecycleEvent - ApplicationStart")
	})
	logs.mu.Lock()
	sc := logs.scopes[0]
	logs.mu.Unlock()
	if sc.AccountID != "111122223333" || sc.Region != "eu-west-1" {
		t.Fatalf("scope %+v", sc)
	}
	// Terminate ships the rest and ends the daemon.
	if err := r.Terminate(ctx, "i-logs"); err != nil {
		t.Fatal(err)
	}
	// Ticks are in order and none is missing.
	n := 0
	for _, l := range logs.get(key) {
		if v, ok := strings.CutPrefix(l, "tick "); ok {
			k, _ := strconv.Atoi(v)
			if k != n+1 {
				t.Fatalf("tick %d after %d", k, n)
			}
			n = k
		}
	}
}

type fakeMetrics struct {
	mu   sync.Mutex
	data map[string][]runtime.Datum
}

func (f *fakeMetrics) PutMetricData(ctx context.Context, ns string, data []runtime.Datum) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.data == nil {
		f.data = map[string][]runtime.Datum{}
	}
	for _, d := range data {
		f.data[ns+"/"+d.MetricName+"/"+d.Dimensions[0].Value] = append(f.data[ns+"/"+d.MetricName+"/"+d.Dimensions[0].Value], d)
	}
	return nil
}

func (f *fakeMetrics) last(key string) (runtime.Datum, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	l := f.data[key]
	if len(l) == 0 {
		return runtime.Datum{}, false
	}
	return l[len(l)-1], true
}

func TestMetricsSampled(t *testing.T) {
	m := &fakeMetrics{}
	r := newTest(t, Options{Metrics: m, SampleInterval: 300 * time.Millisecond})
	ctx := context.Background()
	inst, err := r.Create(ctx, runtime.Spec{ID: "i-busy"})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Terminate(ctx, "i-busy")
	// A busy loop: CPU near one core.
	p := writeScript(t, inst, "burn.sh", "#!/bin/sh\nnohup sh -c 'while :; do :; done' >/dev/null 2>&1 &\n")
	if _, err := r.Run(ctx, "i-busy", runtime.Command{Path: p}); err != nil {
		t.Fatal(err)
	}
	// (Well above an idle process's 0, and within reach of a loop that
	// shares a loaded machine's cores with many others.)
	waitFor(t, "CPU sample", 30*time.Second, func() bool {
		d, ok := m.last("skiff/Instances/CPUUtilization/i-busy")
		return ok && d.Value > 10 && d.Unit == "Percent"
	})
	mem, ok := m.last("skiff/Instances/MemoryUsed/i-busy")
	if !ok || mem.Value <= 0 || mem.Unit != "Bytes" {
		t.Fatalf("memory sample %+v %v", mem, ok)
	}
	pc, _ := m.last("skiff/Instances/ProcessCount/i-busy")
	if pc.Value < 1 {
		t.Fatalf("process count %+v", pc)
	}
}

// TestHelperSkiff is not a test: TestRecoverAfterKill runs the test binary
// as a stand-in for skiff, which creates an instance, starts a daemon in
// it and waits to be killed with SIGKILL.
func TestHelperSkiff(t *testing.T) {
	dir := os.Getenv("HOST_HELPER_DIR")
	if dir == "" {
		t.Skip("helper process only")
	}
	r, err := New(Options{Dir: dir, ShipInterval: 20 * time.Millisecond})
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(1)
	}
	ctx := context.Background()
	inst, err := r.Create(ctx, runtime.Spec{ID: "i-survivor"})
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(1)
	}
	p := filepath.Join(inst.Root, "start.sh")
	os.WriteFile(p, []byte("#!/bin/sh\nnohup sleep 1000 >/dev/null 2>&1 &\nnohup sh -c 'i=0; while true; do i=$((i+1)); echo beat $i; sleep 0.05; done' &\n"), 0o755)
	res, err := r.Run(ctx, "i-survivor", runtime.Command{Path: p})
	if err != nil || res.ExitCode != 0 {
		fmt.Println("ERR", res, err)
		os.Exit(1)
	}
	fmt.Println("READY")
	select {}
}

func TestRecoverAfterKill(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperSkiff$", "-test.v")
	cmd.Env = append(os.Environ(), "HOST_HELPER_DIR="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	ready := false
	for sc.Scan() {
		line := sc.Text()
		if line == "READY" {
			ready = true
			break
		}
		if strings.HasPrefix(line, "ERR") {
			t.Fatal(line)
		}
	}
	if !ready {
		cmd.Process.Kill()
		t.Fatal("helper did not get ready")
	}
	// kill -9 "skiff".
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()

	logs := &fakeLogs{}
	r := newTest(t, Options{Dir: dir, Logs: logs, ShipInterval: 20 * time.Millisecond})
	rec, err := r.Recover(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(rec) != 1 || rec[0].Instance.ID != "i-survivor" || rec[0].Live < 2 {
		t.Fatalf("recovered %+v", rec)
	}
	ps, err := r.Processes("i-survivor")
	if err != nil {
		t.Fatal(err)
	}
	var pids []int
	sleeping := false
	for _, p := range ps {
		pids = append(pids, p.PID)
		if strings.Contains(p.Command, "sleep 1000") {
			sleeping = true
		}
	}
	if !sleeping {
		t.Fatalf("daemon not adopted: %+v", ps)
	}
	// Shipping resumes from the saved offsets: new beats arrive.
	waitFor(t, "output after recovery", 20*time.Second, func() bool {
		return len(logs.get("/skiff/instances/i-survivor")) > 5
	})
	if err := r.Terminate(context.Background(), "i-survivor"); err != nil {
		t.Fatal(err)
	}
	for _, pid := range pids {
		if runtimetest.Alive(pid) {
			t.Errorf("process %d survived", pid)
		}
	}
}

func TestRecoverFinishesTerminate(t *testing.T) {
	dir := t.TempDir()
	r := newTest(t, Options{Dir: dir})
	ctx := context.Background()
	inst, err := r.Create(ctx, runtime.Spec{ID: "i-half"})
	if err != nil {
		t.Fatal(err)
	}
	p := writeScript(t, inst, "s.sh", "#!/bin/sh\nnohup sleep 1000 >/dev/null 2>&1 &\n")
	r.Run(ctx, "i-half", runtime.Command{Path: p})
	ps, _ := r.Processes("i-half")
	// Simulate a crash in the middle of Terminate: the flag is saved, the
	// processes still run.
	in := r.get("i-half")
	in.mu.Lock()
	in.st.Terminating = true
	in.save()
	in.mu.Unlock()
	r.Close()

	r2 := newTest(t, Options{Dir: dir})
	rec, err := r2.Recover(ctx)
	if err != nil || len(rec) != 0 {
		t.Fatalf("recovered %+v %v", rec, err)
	}
	for _, p := range ps {
		if runtimetest.Alive(p.PID) {
			t.Errorf("process %d survived", p.PID)
		}
	}
	if _, err := os.Stat(inst.Root); !os.IsNotExist(err) {
		t.Fatalf("root left: %v", err)
	}
}

// TestCloseUnheld: an output file counts as closed only after two scans in
// a row found nobody holding it, so a scan that raced a fork-and-exit
// hand-off cannot stop a daemon's output from being shipped.
func TestCloseUnheld(t *testing.T) {
	const name = "cmd-1.out"
	path := filepath.Join("/inst", "out", name)
	tests := []struct {
		desc    string
		running int
		scans   []bool // held, per scan
		closed  bool
	}{
		{"one miss", 0, []bool{false}, false},
		{"two misses", 0, []bool{false, false}, true},
		{"miss, held, miss", 0, []bool{false, true, false}, false},
		{"held, miss, miss", 0, []bool{true, false, false}, true},
		{"run in flight", 1, []bool{false, false, false}, false},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			in := newInst("/inst")
			in.running[name] = tt.running
			in.st.Files = []outFile{{Name: name}}
			for _, h := range tt.scans {
				in.closeUnheld(map[string]bool{path: h})
			}
			if got := in.st.Files[0].Closed; got != tt.closed {
				t.Fatalf("closed = %v, want %v", got, tt.closed)
			}
			if in.dirty != tt.closed {
				t.Fatalf("dirty = %v, want %v", in.dirty, tt.closed)
			}
		})
	}
}
