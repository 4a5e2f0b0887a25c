// Package host runs instances as process sessions on skiff's own machine:
// the embedded runtime of internal/runtime, in the spirit of Woodpecker's
// local backend and Drone's exec runner.
//
// # Layout
//
//	<Dir>/<id>/root/           the instance's "/": INSTANCE_ROOT
//	<Dir>/<id>/state.json      durable record (port, marker, sessions, output offsets)
//	<Dir>/<id>/out/<n>.stdout  output of the n-th command run in the instance,
//	<Dir>/<id>/out/<n>.stderr  and of every daemon it left running
//
// An instance's log stream and metric dimension use its Spec.Name (the
// CodeDeploy instance name), or its ID.
//
// # Tracking every process
//
// Every command Run starts is the leader of a new session (setsid), with
// stdin from /dev/null and stdout/stderr on files. Its environment carries
// SKIFF_INSTANCE_MARK=<random>, which everything it starts inherits. A
// process belongs to the instance when its environment holds the marker
// or when it lives in one of the sessions the instance's commands started
// (recorded with the leader's start time, so a reused pid is not
// mistaken for ours). So a daemon a hook leaves behind ("nohup ./server
// &", "setsid ./server &", a double fork) is found, and Stop, Terminate
// and Recover end or adopt all of them: nothing is orphaned.
//
// # Output
//
// Processes write to files, never to pipes into skiff. A daemon inherits
// its hook's stdout/stderr files and keeps writing to them, so output
// survives a skiff restart, a hook never hangs because a daemon holds its
// pipe open (the CodeDeploy agent does hang in that case, until the hook
// times out), and killing skiff cannot kill an application with SIGPIPE.
// A shipper reads new complete lines from every file that a live process
// still holds (or that has unread data) and appends them to the
// instance's log stream (Options.LogGroup, stream = instance name). Offsets
// are saved with the state, so after a restart shipping resumes where it
// stopped (lines read in the last second before a kill -9 may be shipped
// twice). Files an application writes itself under its root stay there.
//
// # Metrics
//
// Every Options.SampleInterval the CPU time and resident memory of each
// instance's processes are summed and published in Options.Namespace
// (default "skiff/Instances") with the dimension InstanceId:
// CPUUtilization (Percent of one core, over the interval), MemoryUsed
// (Bytes, resident set) and ProcessCount (Count).
//
// # Restart
//
// After kill -9 of skiff the instances' processes keep running (they are
// in their own sessions; their parent becomes init). Recover reads every
// state.json, re-adopts the live processes by marker and session, and
// reports how many it found, so the caller can restart applications whose
// processes are gone (internal/codedeploy re-runs ApplicationStart of the
// last successful revision). A Terminate interrupted by the kill is
// finished.
package host

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/runtime"
)

// Options configures the host runtime. Zero values are documented.
type Options struct {
	// Dir holds one directory per instance; created if missing. Required.
	Dir string
	// Logs receives process output; nil keeps it only in the files.
	Logs runtime.Logs
	// LogGroup is the log group of instance output; "" means
	// "/skiff/instances". The stream is the instance id.
	LogGroup string
	// Metrics receives CPU and memory samples; nil samples nothing.
	Metrics runtime.Metrics
	// Namespace of the samples; "" means "skiff/Instances".
	Namespace string
	// SampleInterval is the sampling period; 0 means one minute. Callers
	// pass it through their clock's Scale.
	SampleInterval time.Duration
	// ShipInterval is how often output is read and shipped; 0 means 200 ms.
	ShipInterval time.Duration
	// StopGrace is how long Stop and timeouts wait after SIGTERM before
	// SIGKILL; 0 means 3 s.
	StopGrace time.Duration
	// BaseEnv is the environment every command starts from; nil means
	// PATH, HOME, LANG and TMPDIR of skiff's own environment (when set).
	BaseEnv []string
	// Log receives the runtime's own log; nil discards it.
	Log *slog.Logger
}

// Runtime is the host runtime.
type Runtime struct {
	opt Options
	log *slog.Logger

	mu    sync.Mutex
	insts map[string]*inst

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

var _ runtime.Runtime = (*Runtime)(nil)

// inst is one instance with its durable state.
type inst struct {
	dir string
	mu  sync.Mutex
	st  state
	// running counts Runs in flight; their output files are live even
	// before their process shows up in a scan.
	running map[string]int
	// procs is the last scan's result.
	procs []procInfo
	// partial holds the unterminated last line of each file being shipped.
	partial map[string][]byte
	// unheld counts consecutive scans that found no process holding an
	// output file. One miss is not enough to call it closed: a process
	// that forks a child and exits while a scan runs can leave the file
	// held only by a child the scan never listed.
	unheld map[string]int
	// dirty is set when state changed since the last save.
	dirty bool
	// cpu bookkeeping for CPUUtilization.
	lastTicks uint64
	lastAt    time.Time
}

func newInst(dir string) *inst {
	return &inst{dir: dir, running: map[string]int{}, partial: map[string][]byte{}, unheld: map[string]int{}}
}

// state is state.json.
type state struct {
	ID          string    `json:"id"`
	Name        string    `json:"name,omitempty"`
	Account     string    `json:"account,omitempty"`
	Region      string    `json:"region,omitempty"`
	Port        int       `json:"port"`
	Created     time.Time `json:"created"`
	Mark        string    `json:"mark"`
	Seq         int       `json:"seq"`
	Sessions    []session `json:"sessions,omitempty"`
	Files       []outFile `json:"files,omitempty"`
	Terminating bool      `json:"terminating,omitempty"`
}

// outFile is an output file being shipped.
type outFile struct {
	Name   string `json:"name"`
	Offset int64  `json:"offset"`
	// Closed: no process holds it any more; once read to the end it is
	// Done.
	Closed bool `json:"closed,omitempty"`
	Done   bool `json:"done,omitempty"`
}

const (
	markVar      = "SKIFF_INSTANCE_MARK"
	tailBytes    = 16 << 10
	maxLine      = 64 << 10
	keepDone     = 20
	shipChunk    = 1 << 20
	defaultGroup = "/skiff/instances"
	defaultNS    = "skiff/Instances"
)

// New returns a host runtime keeping instances under opt.Dir. Call
// Recover to load the instances of an earlier run.
func New(opt Options) (*Runtime, error) {
	if opt.Dir == "" {
		return nil, errors.New("host runtime: Options.Dir is required")
	}
	if err := os.MkdirAll(opt.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("host runtime: %w", err)
	}
	if opt.LogGroup == "" {
		opt.LogGroup = defaultGroup
	}
	if opt.Namespace == "" {
		opt.Namespace = defaultNS
	}
	if opt.SampleInterval <= 0 {
		opt.SampleInterval = time.Minute
	}
	if opt.ShipInterval <= 0 {
		opt.ShipInterval = 200 * time.Millisecond
	}
	if opt.StopGrace <= 0 {
		opt.StopGrace = 3 * time.Second
	}
	if opt.BaseEnv == nil {
		for _, k := range []string{"PATH", "HOME", "LANG", "TMPDIR"} {
			if v, ok := os.LookupEnv(k); ok {
				opt.BaseEnv = append(opt.BaseEnv, k+"="+v)
			}
		}
	}
	log := opt.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &Runtime{opt: opt, log: log, insts: map[string]*inst{}, ctx: ctx, cancel: cancel}
	r.wg.Add(2)
	go r.shipLoop()
	go r.watchLoop()
	return r, nil
}

// Name implements runtime.Runtime.
func (*Runtime) Name() string { return "host" }

func validID(id string) bool {
	if id == "" || len(id) > 128 || id == "." || id == ".." {
		return false
	}
	for _, c := range id {
		if !(c == '-' || c == '_' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// Create implements runtime.Runtime.
func (r *Runtime) Create(ctx context.Context, spec runtime.Spec) (*runtime.Instance, error) {
	if !validID(spec.ID) {
		return nil, fmt.Errorf("invalid instance id %q", spec.ID)
	}
	r.mu.Lock()
	if _, dup := r.insts[spec.ID]; dup {
		r.mu.Unlock()
		return nil, fmt.Errorf("instance %s already exists", spec.ID)
	}
	// Reserve the id while the directories are made.
	placeholder := &inst{}
	r.insts[spec.ID] = placeholder
	used := map[int]bool{}
	for _, in := range r.insts {
		used[in.st.Port] = true
	}
	r.mu.Unlock()
	fail := func(err error) (*runtime.Instance, error) {
		r.mu.Lock()
		delete(r.insts, spec.ID)
		r.mu.Unlock()
		return nil, err
	}
	port := spec.Port
	if port == 0 {
		p, err := freePort(used)
		if err != nil {
			return fail(err)
		}
		port = p
	}
	dir := filepath.Join(r.opt.Dir, spec.ID)
	if err := os.MkdirAll(filepath.Join(dir, "root"), 0o755); err != nil {
		return fail(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "out"), 0o755); err != nil {
		return fail(err)
	}
	in := newInst(dir)
	in.st = state{
		ID: spec.ID, Name: spec.Name, Account: spec.Account, Region: spec.Region, Port: port,
		Created: time.Now().UTC().Truncate(time.Millisecond), Mark: newMark(),
	}
	if err := in.save(); err != nil {
		return fail(err)
	}
	r.mu.Lock()
	r.insts[spec.ID] = in
	r.mu.Unlock()
	if r.opt.Logs != nil {
		sctx := scopeCtx(ctx, in.st.Account, in.st.Region)
		if err := r.opt.Logs.EnsureStream(sctx, r.opt.LogGroup, in.name()); err != nil {
			r.log.Warn("instance log stream", "instance", spec.ID, "err", err)
		}
	}
	return in.view(), nil
}

func newMark() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// freePort asks the system for a free loopback port not used by another
// instance. Another program may take it before the application binds it;
// the instance then fails its health checks, which is what would happen on
// a host with a port clash.
func freePort(used map[int]bool) (int, error) {
	for i := 0; i < 20; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		p := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if !used[p] {
			return p, nil
		}
	}
	return 0, errors.New("no free port")
}

// name is the instance's log stream and metric dimension.
func (in *inst) name() string {
	if in.st.Name != "" {
		return in.st.Name
	}
	return in.st.ID
}

func (in *inst) view() *runtime.Instance {
	return &runtime.Instance{ID: in.st.ID, Name: in.name(), Root: filepath.Join(in.dir, "root"), Port: in.st.Port,
		Account: in.st.Account, Region: in.st.Region, Created: in.st.Created}
}

func (in *inst) markEntry() string { return markVar + "=" + in.st.Mark }

func (in *inst) matcher() *matcher {
	m := &matcher{mark: in.markEntry(), sessions: map[int]uint64{}}
	for _, s := range in.st.Sessions {
		m.sessions[s.SID] = s.Start
	}
	return m
}

// save writes state.json atomically and durably. Callers hold in.mu (or
// own in exclusively).
func (in *inst) save() error {
	b, err := json.Marshal(&in.st)
	if err != nil {
		return err
	}
	tmp := filepath.Join(in.dir, "state.json.tmp")
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(in.dir, "state.json")); err != nil {
		return err
	}
	if d, err := os.Open(in.dir); err == nil {
		d.Sync()
		d.Close()
	}
	in.dirty = false
	return nil
}

// Get implements runtime.Runtime.
func (r *Runtime) Get(id string) (*runtime.Instance, bool) {
	in := r.get(id)
	if in == nil {
		return nil, false
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.view(), true
}

func (r *Runtime) get(id string) *inst {
	r.mu.Lock()
	defer r.mu.Unlock()
	in := r.insts[id]
	if in == nil || in.dir == "" {
		return nil
	}
	return in
}

func (r *Runtime) snapshot() []*inst {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]*inst, 0, len(r.insts))
	for _, in := range r.insts {
		if in.dir != "" {
			out = append(out, in)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].st.ID < out[j].st.ID })
	return out
}

// List implements runtime.Runtime.
func (r *Runtime) List() []*runtime.Instance {
	var out []*runtime.Instance
	for _, in := range r.snapshot() {
		in.mu.Lock()
		out = append(out, in.view())
		in.mu.Unlock()
	}
	return out
}

// Run implements runtime.Runtime.
func (r *Runtime) Run(ctx context.Context, id string, c runtime.Command) (*runtime.Result, error) {
	in := r.get(id)
	if in == nil {
		return nil, fmt.Errorf("%w: %s", runtime.ErrNoInstance, id)
	}
	in.mu.Lock()
	if in.st.Terminating {
		in.mu.Unlock()
		return nil, fmt.Errorf("%w: %s is terminating", runtime.ErrNoInstance, id)
	}
	in.st.Seq++
	base := fmt.Sprintf("%06d", in.st.Seq)
	outName, errName := base+".stdout", base+".stderr"
	in.st.Files = append(in.st.Files, outFile{Name: outName}, outFile{Name: errName})
	in.running[outName]++
	in.running[errName]++
	err := in.save()
	root := filepath.Join(in.dir, "root")
	env := append([]string{}, r.opt.BaseEnv...)
	env = append(env, runtime.EnvPort+"="+strconv.Itoa(in.st.Port), runtime.EnvInstanceRoot+"="+root,
		runtime.EnvInstanceID+"="+in.st.ID, in.markEntry())
	in.mu.Unlock()
	defer func() {
		in.mu.Lock()
		in.running[outName]--
		in.running[errName]--
		in.mu.Unlock()
	}()
	if err != nil {
		return nil, err
	}
	outPath, errPath := filepath.Join(in.dir, "out", outName), filepath.Join(in.dir, "out", errName)
	stdout, err := os.OpenFile(outPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer stdout.Close()
	stderr, err := os.OpenFile(errPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer stderr.Close()
	if c.Banner != "" {
		b := c.Banner
		if !strings.HasSuffix(b, "\n") {
			b += "\n"
		}
		stdout.WriteString(b)
	}
	var note string
	var cred *syscall.Credential
	if c.RunAs != "" {
		var extra []string
		cred, extra, note = credentialFor(c.RunAs)
		env = append(env, extra...)
	}
	env = append(env, c.Env...)
	dir := c.Dir
	if dir == "" {
		dir = root
	}
	res := &runtime.Result{Note: note}
	start := func(path string, args []string) (*exec.Cmd, error) {
		cmd := &exec.Cmd{Path: path, Args: append([]string{path}, args...), Dir: dir, Env: env, Stdout: stdout, Stderr: stderr,
			SysProcAttr: &syscall.SysProcAttr{Setsid: true, Credential: cred}}
		return cmd, cmd.Start()
	}
	res.Started = time.Now()
	cmd, err := start(c.Path, c.Args)
	if errors.Is(err, syscall.ENOEXEC) {
		// No "#!" line: run it with /bin/sh, as execvp and Ruby's spawn do.
		cmd, err = start("/bin/sh", append([]string{c.Path}, c.Args...))
	}
	switch {
	case errors.Is(err, os.ErrNotExist), errors.Is(err, syscall.ENOTDIR):
		return nil, fmt.Errorf("%w: %v", runtime.ErrNotFound, err)
	case errors.Is(err, os.ErrPermission), errors.Is(err, syscall.EACCES):
		return nil, fmt.Errorf("%w: %v", runtime.ErrNotExecutable, err)
	case err != nil:
		return nil, err
	}
	pid := cmd.Process.Pid
	// Record the session before waiting, so a restart finds it even if
	// the command's children scrub their environment.
	if p, ok := readStat(pid); ok {
		in.mu.Lock()
		in.st.Sessions = append(in.st.Sessions, session{SID: pid, Start: p.start})
		if err := in.save(); err != nil {
			r.log.Warn("save instance state", "instance", id, "err", err)
		}
		in.mu.Unlock()
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var timeout <-chan time.Time
	if c.Timeout > 0 {
		t := time.NewTimer(c.Timeout)
		defer t.Stop()
		timeout = t.C
	}
	var waitErr error
	select {
	case waitErr = <-done:
	case <-timeout:
		res.TimedOut = true
		waitErr = r.killGroup(pid, done)
	case <-ctx.Done():
		waitErr = r.killGroup(pid, done)
	}
	res.Ended = time.Now()
	res.ExitCode = 0
	if waitErr != nil {
		var ee *exec.ExitError
		if errors.As(waitErr, &ee) {
			res.ExitCode = ee.ExitCode()
		} else {
			res.ExitCode = -1
		}
	}
	res.Stdout = readTail(outPath, tailBytes)
	res.Stderr = readTail(errPath, tailBytes)
	if ctx.Err() != nil && !res.TimedOut {
		return res, ctx.Err()
	}
	return res, nil
}

// killGroup ends a command's process group the way the agent does on a
// timeout (SIGTERM to the group), then SIGKILL after the grace period, and
// returns the command's wait error.
func (r *Runtime) killGroup(pgid int, done <-chan error) error {
	syscall.Kill(-pgid, syscall.SIGTERM)
	t := time.NewTimer(r.opt.StopGrace)
	defer t.Stop()
	select {
	case err := <-done:
		return err
	case <-t.C:
		syscall.Kill(-pgid, syscall.SIGKILL)
		return <-done
	}
}

// credentialFor resolves runas. Only root can switch users; otherwise the
// command runs as skiff's user and the note says so.
func credentialFor(name string) (*syscall.Credential, []string, string) {
	u, err := user.Lookup(name)
	if err != nil {
		return nil, nil, fmt.Sprintf("runas %s ignored: %v", name, err)
	}
	if cur, err := user.Current(); err == nil && cur.Uid == u.Uid {
		return nil, nil, ""
	}
	if os.Geteuid() != 0 {
		return nil, nil, fmt.Sprintf("runas %s ignored: skiff is not running as root", name)
	}
	uid, _ := strconv.ParseUint(u.Uid, 10, 32)
	gid, _ := strconv.ParseUint(u.Gid, 10, 32)
	var groups []uint32
	if ids, err := u.GroupIds(); err == nil {
		for _, g := range ids {
			if n, err := strconv.ParseUint(g, 10, 32); err == nil {
				groups = append(groups, uint32(n))
			}
		}
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: groups},
		[]string{"HOME=" + u.HomeDir, "USER=" + u.Username, "LOGNAME=" + u.Username}, ""
}

func readTail(path string, n int64) []byte {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil
	}
	off := st.Size() - n
	if off < 0 {
		off = 0
	}
	b := make([]byte, st.Size()-off)
	k, _ := f.ReadAt(b, off)
	return b[:k]
}

// Processes implements runtime.Runtime.
func (r *Runtime) Processes(id string) ([]runtime.Process, error) {
	in := r.get(id)
	if in == nil {
		return nil, fmt.Errorf("%w: %s", runtime.ErrNoInstance, id)
	}
	ps := r.scanOne(in)
	out := make([]runtime.Process, 0, len(ps))
	for _, p := range ps {
		out = append(out, runtime.Process{PID: p.pid, PGID: p.pgid, SID: p.sid, Command: cmdline(p.pid), Started: startTime(p.start)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].PID < out[j].PID })
	return out, nil
}

func (r *Runtime) scanOne(in *inst) []procInfo {
	in.mu.Lock()
	m := in.matcher()
	in.mu.Unlock()
	return scan(map[string]*matcher{"x": m})["x"]
}

// Stop implements runtime.Runtime.
func (r *Runtime) Stop(ctx context.Context, id string) error {
	in := r.get(id)
	if in == nil {
		return fmt.Errorf("%w: %s", runtime.ErrNoInstance, id)
	}
	return r.stop(ctx, in)
}

// stop sends SIGTERM to every process of the instance, waits up to the
// grace period for them to exit, then SIGKILLs what is left, scanning
// again each round because processes may fork while they are being
// killed. It runs to completion even when ctx is cancelled (teardown must
// not leave processes behind); ctx only shortens the grace period.
func (r *Runtime) stop(ctx context.Context, in *inst) error {
	ps := r.scanOne(in)
	if len(ps) > 0 {
		signalAll(ps, syscall.SIGTERM)
		deadline := time.Now().Add(r.opt.StopGrace)
		for time.Now().Before(deadline) && ctx.Err() == nil {
			time.Sleep(20 * time.Millisecond)
			if ps = r.scanOne(in); len(ps) == 0 {
				break
			}
		}
	}
	for i := 0; i < 250; i++ {
		if ps = r.scanOne(in); len(ps) == 0 {
			break
		}
		signalAll(ps, syscall.SIGKILL)
		time.Sleep(10 * time.Millisecond)
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	if len(ps) > 0 {
		return fmt.Errorf("instance %s: %d processes survived SIGKILL", in.st.ID, len(ps))
	}
	in.st.Sessions = nil
	in.procs = nil
	return in.save()
}

// Terminate implements runtime.Runtime.
func (r *Runtime) Terminate(ctx context.Context, id string) error {
	in := r.get(id)
	if in == nil {
		return nil
	}
	in.mu.Lock()
	in.st.Terminating = true
	err := in.save()
	in.mu.Unlock()
	if err != nil {
		return err
	}
	if err := r.stop(context.WithoutCancel(ctx), in); err != nil {
		return err
	}
	// Ship what is left before the files go.
	r.shipInstance(in, true)
	if err := os.RemoveAll(in.dir); err != nil {
		return err
	}
	r.mu.Lock()
	delete(r.insts, id)
	r.mu.Unlock()
	return nil
}

// Recover implements runtime.Runtime.
func (r *Runtime) Recover(ctx context.Context) ([]runtime.Recovered, error) {
	entries, err := os.ReadDir(r.opt.Dir)
	if err != nil {
		return nil, err
	}
	var loaded []*inst
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		dir := filepath.Join(r.opt.Dir, e.Name())
		b, err := os.ReadFile(filepath.Join(dir, "state.json"))
		if err != nil {
			continue
		}
		in := newInst(dir)
		if err := json.Unmarshal(b, &in.st); err != nil || in.st.ID != e.Name() {
			r.log.Warn("skipping unreadable instance state", "dir", dir, "err", err)
			continue
		}
		r.mu.Lock()
		if _, dup := r.insts[in.st.ID]; dup {
			r.mu.Unlock()
			continue
		}
		r.insts[in.st.ID] = in
		r.mu.Unlock()
		loaded = append(loaded, in)
	}
	var out []runtime.Recovered
	for _, in := range loaded {
		if in.st.Terminating {
			if err := r.Terminate(ctx, in.st.ID); err != nil {
				r.log.Warn("finish terminating instance", "instance", in.st.ID, "err", err)
			}
			continue
		}
		ps := r.scanOne(in)
		in.mu.Lock()
		in.procs = ps
		// Keep only sessions that still have members.
		alive := map[int]bool{}
		for _, p := range ps {
			alive[p.sid] = true
		}
		var keep []session
		for _, s := range in.st.Sessions {
			if alive[s.SID] {
				keep = append(keep, s)
			}
		}
		in.st.Sessions = keep
		in.save()
		view := in.view()
		in.mu.Unlock()
		r.log.Info("instance recovered", "instance", view.ID, "live_processes", len(ps))
		out = append(out, runtime.Recovered{Instance: view, Live: len(ps)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Instance.ID < out[j].Instance.ID })
	return out, nil
}

// Close implements runtime.Runtime: it stops shipping and sampling (after
// one last shipping round) and leaves processes alone.
func (r *Runtime) Close() error {
	r.cancel()
	r.wg.Wait()
	for _, in := range r.snapshot() {
		r.shipInstance(in, false)
		in.mu.Lock()
		in.save()
		in.mu.Unlock()
	}
	return nil
}

// --- background work ---

// watchLoop scans processes once a second: it refreshes each instance's
// process list (for Processes, liveness of output files and samples),
// forgets sessions that have ended, marks output files no process holds
// any more, and saves state that changed. It also samples metrics every
// SampleInterval. It ends with the runtime's context.
func (r *Runtime) watchLoop() {
	defer r.wg.Done()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	sample := time.NewTicker(r.opt.SampleInterval)
	defer sample.Stop()
	for {
		select {
		case <-r.ctx.Done():
			return
		case <-tick.C:
			r.refresh()
		case <-sample.C:
			r.sample()
		}
	}
}

func (r *Runtime) refresh() {
	insts := r.snapshot()
	ms := map[string]*matcher{}
	for _, in := range insts {
		in.mu.Lock()
		ms[in.st.ID] = in.matcher()
		in.mu.Unlock()
	}
	found := scan(ms)
	for _, in := range insts {
		ps := found[in.st.ID]
		held := openFiles(ps, filepath.Join(in.dir, "out"))
		in.mu.Lock()
		in.procs = ps
		alive := map[int]bool{}
		for _, p := range ps {
			alive[p.sid] = true
		}
		var keep []session
		for _, s := range in.st.Sessions {
			if alive[s.SID] {
				keep = append(keep, s)
			} else {
				in.dirty = true
			}
		}
		in.st.Sessions = keep
		in.closeUnheld(held)
		in.prune()
		if in.dirty && !in.st.Terminating {
			if err := in.save(); err != nil {
				r.log.Warn("save instance state", "instance", in.st.ID, "err", err)
			}
		}
		in.mu.Unlock()
	}
}

// closeAfterMisses is how many scans in a row must find an output file
// unheld before it counts as closed (see inst.unheld).
const closeAfterMisses = 2

// closeUnheld marks Closed the output files that no Run has open and no
// process held in closeAfterMisses scans in a row. held holds the paths
// the latest scan found open. The caller holds in.mu.
func (in *inst) closeUnheld(held map[string]bool) {
	for i := range in.st.Files {
		f := &in.st.Files[i]
		if f.Closed {
			continue
		}
		if in.running[f.Name] > 0 || held[filepath.Join(in.dir, "out", f.Name)] {
			delete(in.unheld, f.Name)
			continue
		}
		if in.unheld[f.Name]++; in.unheld[f.Name] >= closeAfterMisses {
			delete(in.unheld, f.Name)
			f.Closed = true
			in.dirty = true
		}
	}
}

// prune deletes the oldest finished output files beyond keepDone.
func (in *inst) prune() {
	done := 0
	for _, f := range in.st.Files {
		if f.Done {
			done++
		}
	}
	if done <= keepDone {
		return
	}
	var keep []outFile
	for _, f := range in.st.Files {
		if f.Done && done > keepDone {
			os.Remove(filepath.Join(in.dir, "out", f.Name))
			delete(in.partial, f.Name)
			done--
			in.dirty = true
			continue
		}
		keep = append(keep, f)
	}
	in.st.Files = keep
}

func (r *Runtime) shipLoop() {
	defer r.wg.Done()
	tick := time.NewTicker(r.opt.ShipInterval)
	defer tick.Stop()
	for {
		select {
		case <-r.ctx.Done():
			return
		case <-tick.C:
			for _, in := range r.snapshot() {
				r.shipInstance(in, false)
			}
		}
	}
}

// shipInstance reads new complete lines from the instance's live output
// files and appends them to its log stream. final flushes partial lines
// of every file (the instance is going away).
func (r *Runtime) shipInstance(in *inst, final bool) {
	in.mu.Lock()
	type job struct {
		idx    int
		name   string
		offset int64
		closed bool
	}
	var jobs []job
	for i, f := range in.st.Files {
		if !f.Done {
			jobs = append(jobs, job{i, f.Name, f.Offset, f.Closed || final})
		}
	}
	id, account, region := in.name(), in.st.Account, in.st.Region
	in.mu.Unlock()
	var events []runtime.LogEvent
	now := time.Now()
	for _, j := range jobs {
		path := filepath.Join(in.dir, "out", j.name)
		f, err := os.Open(path)
		if err != nil {
			in.mu.Lock()
			if j.idx < len(in.st.Files) && in.st.Files[j.idx].Name == j.name {
				in.st.Files[j.idx].Done = true
				in.dirty = true
			}
			in.mu.Unlock()
			continue
		}
		buf := make([]byte, shipChunk)
		n, _ := f.ReadAt(buf, j.offset)
		f.Close()
		buf = buf[:n]
		in.mu.Lock()
		part := in.partial[j.name]
		in.mu.Unlock()
		data := append(part, buf...)
		var lines []string
		for {
			i := indexNL(data)
			if i < 0 {
				break
			}
			lines = append(lines, string(data[:i]))
			data = data[i+1:]
		}
		for len(data) > maxLine {
			lines = append(lines, string(data[:maxLine]))
			data = data[maxLine:]
		}
		eof := n < shipChunk
		finished := j.closed && eof
		if finished && len(data) > 0 {
			lines = append(lines, string(data))
			data = nil
		}
		for _, l := range lines {
			events = append(events, runtime.LogEvent{Timestamp: now, Message: strings.TrimSuffix(l, "\r")})
		}
		in.mu.Lock()
		if j.idx < len(in.st.Files) && in.st.Files[j.idx].Name == j.name {
			f := &in.st.Files[j.idx]
			if n > 0 {
				f.Offset = j.offset + int64(n)
				in.dirty = true
			}
			if finished {
				f.Done = true
				in.dirty = true
			}
		}
		if len(data) > 0 {
			in.partial[j.name] = append([]byte(nil), data...)
		} else {
			delete(in.partial, j.name)
		}
		in.mu.Unlock()
	}
	if len(events) == 0 || r.opt.Logs == nil {
		return
	}
	ctx, cancel := context.WithTimeout(scopeCtx(context.Background(), account, region), 10*time.Second)
	defer cancel()
	if err := r.opt.Logs.Append(ctx, r.opt.LogGroup, id, events); err != nil {
		r.log.Warn("ship instance output", "instance", id, "err", err)
	}
}

func indexNL(b []byte) int {
	for i, c := range b {
		if c == '\n' {
			return i
		}
	}
	return -1
}

// sample publishes CPU and memory of every instance.
func (r *Runtime) sample() {
	if r.opt.Metrics == nil {
		return
	}
	page := int64(os.Getpagesize())
	now := time.Now()
	for _, in := range r.snapshot() {
		in.mu.Lock()
		ps := in.procs
		var ticks uint64
		var rss int64
		for _, p := range ps {
			// Refresh the counters; the cached list may be a second old.
			if cur, ok := readStat(p.pid); ok && cur.start == p.start {
				ticks += cur.cpuTicks
				rss += cur.rssPages * page
			}
		}
		cpu := 0.0
		if !in.lastAt.IsZero() && ticks >= in.lastTicks {
			if secs := now.Sub(in.lastAt).Seconds(); secs > 0 {
				cpu = float64(ticks-in.lastTicks) / userHZ / secs * 100
			}
		}
		in.lastTicks, in.lastAt = ticks, now
		id, account, region := in.name(), in.st.Account, in.st.Region
		in.mu.Unlock()
		dims := []runtime.Dimension{{Name: "InstanceId", Value: id}}
		data := []runtime.Datum{
			{MetricName: "CPUUtilization", Dimensions: dims, Timestamp: now, Value: cpu, Unit: "Percent"},
			{MetricName: "MemoryUsed", Dimensions: dims, Timestamp: now, Value: float64(rss), Unit: "Bytes"},
			{MetricName: "ProcessCount", Dimensions: dims, Timestamp: now, Value: float64(len(ps)), Unit: "Count"},
		}
		ctx, cancel := context.WithTimeout(scopeCtx(r.ctx, account, region), 10*time.Second)
		if err := r.opt.Metrics.PutMetricData(ctx, r.opt.Namespace, data); err != nil {
			r.log.Warn("publish instance metrics", "instance", id, "err", err)
		}
		cancel()
	}
}

// scopeCtx carries the instance's account and region to the sinks.
func scopeCtx(ctx context.Context, account, region string) context.Context {
	return awsctx.With(ctx, awsctx.Scope{AccountID: account, Region: region, RequestID: "skiff-instance"})
}
