package codepipeline

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/clock"
	"github.com/skiff-dev/skiff/internal/store"
)

// Fakes of the services pipelines use. They really store artifacts, and
// builds really read their input zips and write output zips, so a test
// sees what flows between actions.

var testScope = awsctx.Scope{AccountID: "123456789012", Region: "us-east-1", Principal: "arn:aws:iam::123456789012:user/tester", RequestID: "test"}

func testCtx() context.Context { return awsctx.With(context.Background(), testScope) }

// --- objects ---

type fakeObjects struct {
	mu   sync.Mutex
	objs map[string][]byte
	puts int
}

func newObjects() *fakeObjects { return &fakeObjects{objs: map[string][]byte{}} }

func (o *fakeObjects) PutObject(ctx context.Context, bucket, key string, r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.objs[bucket+"/"+key] = b
	o.puts++
	return nil
}

func (o *fakeObjects) GetObject(ctx context.Context, bucket, key, version string) (io.ReadCloser, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	b, ok := o.objs[bucket+"/"+key]
	if !ok {
		return nil, fmt.Errorf("s3://%s/%s: %w", bucket, key, ErrNotFound)
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

func (o *fakeObjects) StatObject(ctx context.Context, bucket, key, version string) (ObjectMeta, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	b, ok := o.objs[bucket+"/"+key]
	if !ok {
		return ObjectMeta{}, fmt.Errorf("s3://%s/%s: %w", bucket, key, ErrNotFound)
	}
	sum := sha1.Sum(b)
	return ObjectMeta{ETag: `"` + hex.EncodeToString(sum[:16]) + `"`, VersionID: "v-" + hex.EncodeToString(sum[:4])}, nil
}

func (o *fakeObjects) get(bucket, key string) []byte {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.objs[bucket+"/"+key]
}

func unzip(t testing.TB, b []byte) map[string]string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("not a zip: %v", err)
	}
	out := map[string]string{}
	for _, f := range zr.File {
		rc, _ := f.Open()
		c, _ := io.ReadAll(rc)
		rc.Close()
		out[f.Name] = string(c)
	}
	return out
}

func mustZip(files map[string]string) []byte {
	m := map[string][]byte{}
	for k, v := range files {
		m[k] = []byte(v)
	}
	b, err := zipFiles(m)
	if err != nil {
		panic(err)
	}
	return b
}

// --- repositories ---

type fakeCommit struct {
	id, message, parent string
	files               map[string]string
	when                time.Time
}

type fakeRepo struct {
	branches map[string]string
	commits  map[string]*fakeCommit
}

type fakeRepos struct {
	mu    sync.Mutex
	repos map[string]*fakeRepo
	subs  []func(context.Context, PushEvent)
	n     int
	// archiveDelay slows Archive (a big repository).
	archiveDelay time.Duration
}

func newRepos() *fakeRepos { return &fakeRepos{repos: map[string]*fakeRepo{}} }

func (r *fakeRepos) OnPush(fn func(context.Context, PushEvent)) {
	r.mu.Lock()
	r.subs = append(r.subs, fn)
	r.mu.Unlock()
}

// push commits files on a branch (replacing the listed ones) and delivers
// the push event to subscribers, as CodeCommit does (its own goroutine).
func (r *fakeRepos) push(repo, branch string, files map[string]string, msg string) PushEvent {
	r.mu.Lock()
	rp := r.repos[repo]
	if rp == nil {
		rp = &fakeRepo{branches: map[string]string{}, commits: map[string]*fakeCommit{}}
		r.repos[repo] = rp
	}
	old := rp.branches[branch]
	tree := map[string]string{}
	if c := rp.commits[old]; c != nil {
		for k, v := range c.files {
			tree[k] = v
		}
	}
	var changed []string
	for k, v := range files {
		tree[k] = v
		changed = append(changed, k)
	}
	sort.Strings(changed)
	r.n++
	sum := sha1.Sum([]byte(fmt.Sprintf("%s/%s/%d/%s", repo, branch, r.n, msg)))
	id := hex.EncodeToString(sum[:])
	now := time.Now().UTC().Truncate(time.Second)
	rp.commits[id] = &fakeCommit{id: id, message: msg, parent: old, files: tree, when: now}
	rp.branches[branch] = id
	subs := append([]func(context.Context, PushEvent){}, r.subs...)
	r.mu.Unlock()
	ev := PushEvent{Repository: repo, Ref: "refs/heads/" + branch, OldCommit: old, NewCommit: id, Message: msg,
		AuthorName: "Dev", AuthorEmail: "dev@example.com", AuthorDate: now, CommitterDate: now, ChangedFiles: changed, Time: time.Now()}
	// CodeCommit delivers on a goroutine of its own; the test waits for
	// the delivery so what a push started is known when push returns.
	for _, fn := range subs {
		fn(awsctx.With(context.Background(), awsctx.Scope{AccountID: testScope.AccountID, Region: testScope.Region}), ev)
	}
	return ev
}

// pushTag tags a commit and delivers the event.
func (r *fakeRepos) pushTag(repo, tag, commit string) {
	r.mu.Lock()
	subs := append([]func(context.Context, PushEvent){}, r.subs...)
	rp := r.repos[repo]
	rp.branches["tag:"+tag] = commit
	r.mu.Unlock()
	ev := PushEvent{Repository: repo, Ref: "refs/tags/" + tag, NewCommit: commit, Time: time.Now()}
	for _, fn := range subs {
		fn(awsctx.With(context.Background(), awsctx.Scope{AccountID: testScope.AccountID, Region: testScope.Region}), ev)
	}
}

func (r *fakeRepos) Archive(ctx context.Context, repo, commitish string, w io.Writer) (CommitInfo, error) {
	if r.archiveDelay > 0 {
		time.Sleep(r.archiveDelay)
	}
	r.mu.Lock()
	rp := r.repos[repo]
	var c *fakeCommit
	if rp != nil {
		if id, ok := rp.branches[commitish]; ok {
			c = rp.commits[id]
		} else {
			c = rp.commits[commitish]
		}
	}
	r.mu.Unlock()
	if c == nil {
		return CommitInfo{}, fmt.Errorf("%s@%s: %w", repo, commitish, ErrNotFound)
	}
	w.Write(mustZip(c.files))
	return CommitInfo{CommitID: c.id, Message: c.message, AuthorName: "Dev", AuthorEmail: "dev@example.com", AuthorDate: c.when, CommitterDate: c.when}, nil
}

// --- builds ---

// buildScript is a fake project: it reads the primary source's files and
// returns output files, exported variables and a status.
type buildScript func(src map[string]string, env map[string]string) (out map[string]string, vars map[string]string, status string)

type fakeBuild struct {
	req    BuildRequest
	ctx    context.Context
	done   chan struct{}
	status string
	vars   map[string]string
}

type fakeBuilds struct {
	mu       sync.Mutex
	objects  *fakeObjects
	projects map[string]buildScript
	builds   map[string]*fakeBuild
	delay    time.Duration
	gate     chan struct{} // when set, builds wait for it
	n        int
	stopped  []string
}

func newBuilds(o *fakeObjects) *fakeBuilds {
	return &fakeBuilds{objects: o, projects: map[string]buildScript{}, builds: map[string]*fakeBuild{}}
}

func (b *fakeBuilds) StartPipelineBuild(ctx context.Context, req BuildRequest) (string, error) {
	b.mu.Lock()
	script, ok := b.projects[req.Project]
	if !ok {
		b.mu.Unlock()
		return "", fmt.Errorf("project %s: %w", req.Project, ErrNotFound)
	}
	b.n++
	id := fmt.Sprintf("%s:%08d-0000-4000-8000-000000000000", req.Project, b.n)
	fb := &fakeBuild{req: req, done: make(chan struct{})}
	b.builds[id] = fb
	delay, gate := b.delay, b.gate
	b.mu.Unlock()
	go func() {
		if delay > 0 {
			time.Sleep(delay)
		}
		if gate != nil {
			<-gate
		}
		primary := req.Inputs[0]
		for _, in := range req.Inputs {
			if in.Name == req.PrimarySource {
				primary = in
			}
		}
		env := map[string]string{}
		for _, v := range req.Env {
			env[v.Name] = v.Value
		}
		env["CODEBUILD_RESOLVED_SOURCE_VERSION"] = req.SourceVersion
		src := map[string]string{}
		if data := b.objects.get(primary.Bucket, primary.Key); data != nil {
			zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
			if err == nil {
				for _, f := range zr.File {
					rc, _ := f.Open()
					c, _ := io.ReadAll(rc)
					rc.Close()
					src[f.Name] = string(c)
				}
			}
		}
		out, vars, status := script(src, env)
		b.mu.Lock()
		stopped := fb.status == "STOPPED"
		b.mu.Unlock()
		if !stopped && status == "SUCCEEDED" {
			for _, o := range req.Outputs {
				b.objects.PutObject(context.Background(), o.Bucket, o.Key, bytes.NewReader(mustZip(out)))
			}
		}
		b.mu.Lock()
		if !stopped {
			fb.status, fb.vars = status, vars
		}
		b.mu.Unlock()
		select {
		case <-fb.done:
		default:
			close(fb.done)
		}
	}()
	return id, nil
}

func (b *fakeBuilds) WaitBuild(ctx context.Context, id string) (BuildOutcome, error) {
	b.mu.Lock()
	fb := b.builds[id]
	b.mu.Unlock()
	if fb == nil {
		return BuildOutcome{}, fmt.Errorf("build %s: %w", id, ErrNotFound)
	}
	select {
	case <-fb.done:
	case <-ctx.Done():
		return BuildOutcome{}, ctx.Err()
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return BuildOutcome{Status: fb.status, ExportedVariables: fb.vars}, nil
}

func (b *fakeBuilds) StopBuild(ctx context.Context, id string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.stopped = append(b.stopped, id)
	if fb := b.builds[id]; fb != nil {
		fb.status = "STOPPED"
		select {
		case <-fb.done:
		default:
			close(fb.done)
		}
	}
	return nil
}

// --- stacks ---

type fakeStack struct {
	Stack
	template string
	params   map[string]string
	caps     []string
}

type fakeStacks struct {
	mu         sync.Mutex
	stacks     map[string]*fakeStack
	changeSets map[string]ChangeSetInput
	n          int
	// fail makes the next operations on a stack end in this status.
	fail map[string]string
	ops  []string
}

func newStacks() *fakeStacks {
	return &fakeStacks{stacks: map[string]*fakeStack{}, changeSets: map[string]ChangeSetInput{}, fail: map[string]string{}}
}

func (s *fakeStacks) find(name string) *fakeStack {
	for _, st := range s.stacks {
		if (st.Name == name || st.ID == name) && st.Status != "DELETE_COMPLETE" {
			return st
		}
	}
	return nil
}

func (s *fakeStacks) DescribeStack(ctx context.Context, name string) (*Stack, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.find(name)
	if st == nil {
		return nil, fmt.Errorf("stack %s: %w", name, ErrNotFound)
	}
	out := st.Stack
	return &out, nil
}

// outputsOf makes the stack's outputs from its parameters: every parameter
// P becomes output P, plus the template's length.
func outputsOf(in StackInput) map[string]string {
	out := map[string]string{"TemplateSize": fmt.Sprint(len(in.TemplateBody))}
	for k, v := range in.Parameters {
		out[k] = v
	}
	return out
}

func (s *fakeStacks) apply(st *fakeStack, in StackInput, okStatus string) {
	st.template, st.params, st.caps = in.TemplateBody, in.Parameters, in.Capabilities
	st.Outputs = outputsOf(in)
	st.Status = okStatus
	if f := s.fail[st.Name]; f != "" {
		st.Status, st.StatusReason = f, "The following resource(s) failed: [Thing]"
	}
}

func (s *fakeStacks) CreateStack(ctx context.Context, in StackInput) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.find(in.StackName) != nil {
		return "", fmt.Errorf("Stack [%s] already exists", in.StackName)
	}
	s.n++
	st := &fakeStack{Stack: Stack{ID: fmt.Sprintf("arn:aws:cloudformation:us-east-1:123456789012:stack/%s/%d", in.StackName, s.n), Name: in.StackName}}
	s.stacks[st.ID] = st
	s.apply(st, in, "CREATE_COMPLETE")
	s.ops = append(s.ops, "create "+in.StackName)
	return st.ID, nil
}

func (s *fakeStacks) UpdateStack(ctx context.Context, in StackInput) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.find(in.StackName)
	if st == nil {
		return "", fmt.Errorf("stack %s: %w", in.StackName, ErrNotFound)
	}
	if st.template == in.TemplateBody && fmt.Sprint(st.params) == fmt.Sprint(in.Parameters) {
		return "", ErrNoUpdates
	}
	s.apply(st, in, "UPDATE_COMPLETE")
	s.ops = append(s.ops, "update "+in.StackName)
	return st.ID, nil
}

func (s *fakeStacks) DeleteStack(ctx context.Context, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st := s.find(name); st != nil {
		st.Status = "DELETE_COMPLETE"
		s.ops = append(s.ops, "delete "+st.Name)
	}
	return nil
}

func (s *fakeStacks) CreateChangeSet(ctx context.Context, in ChangeSetInput) (string, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.find(in.StackName)
	if st == nil {
		s.n++
		st = &fakeStack{Stack: Stack{ID: fmt.Sprintf("arn:aws:cloudformation:us-east-1:123456789012:stack/%s/%d", in.StackName, s.n), Name: in.StackName, Status: "REVIEW_IN_PROGRESS"}}
		s.stacks[st.ID] = st
	}
	s.changeSets[in.StackName+"/"+in.ChangeSetName] = in
	s.ops = append(s.ops, "changeset "+in.StackName+" "+in.ChangeSetType)
	return st.ID + "/cs/" + in.ChangeSetName, st.ID, nil
}

func (s *fakeStacks) DescribeChangeSet(ctx context.Context, stack, name string) (*ChangeSet, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.changeSets[stack+"/"+name]; !ok {
		return nil, fmt.Errorf("change set %s: %w", name, ErrNotFound)
	}
	return &ChangeSet{ID: name, Status: "CREATE_COMPLETE", ExecutionStatus: "AVAILABLE"}, nil
}

func (s *fakeStacks) DeleteChangeSet(ctx context.Context, stack, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.changeSets, stack+"/"+name)
	return nil
}

func (s *fakeStacks) ExecuteChangeSet(ctx context.Context, stack, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	in, ok := s.changeSets[stack+"/"+name]
	if !ok {
		return fmt.Errorf("change set %s: %w", name, ErrNotFound)
	}
	delete(s.changeSets, stack+"/"+name)
	st := s.find(stack)
	status := "UPDATE_COMPLETE"
	if in.ChangeSetType == "CREATE" {
		status = "CREATE_COMPLETE"
	}
	s.apply(st, in.StackInput, status)
	s.ops = append(s.ops, "execute "+stack)
	return nil
}

func (s *fakeStacks) Wait(ctx context.Context, id string) error { return nil }

func (s *fakeStacks) stack(name string) *fakeStack {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.find(name)
}

// --- deployments and alarms ---

type fakeDeployments struct {
	mu     sync.Mutex
	status string
	n      int
	seen   []ArtifactLocation
}

func (d *fakeDeployments) Deploy(ctx context.Context, app, group string, bundle ArtifactLocation) (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.n++
	d.seen = append(d.seen, bundle)
	return fmt.Sprintf("d-%09d", d.n), nil
}

func (d *fakeDeployments) WaitDeployment(ctx context.Context, id string) (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.status == "" {
		return "Succeeded", nil
	}
	return d.status, nil
}

func (d *fakeDeployments) StopDeployment(ctx context.Context, id string) error { return nil }

type fakeAlarms struct {
	mu     sync.Mutex
	states map[string]string
	// next are states returned (once each) before states' value.
	next map[string][]string
}

func (a *fakeAlarms) set(name, state string) {
	a.mu.Lock()
	a.states[name] = state
	a.mu.Unlock()
}

func (a *fakeAlarms) AlarmState(ctx context.Context, name string) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if q := a.next[name]; len(q) > 0 {
		a.next[name] = q[1:]
		return q[0], nil
	}
	s, ok := a.states[name]
	if !ok {
		return "", fmt.Errorf("alarm %s: %w", name, ErrNotFound)
	}
	return s, nil
}

// --- no-op provider (tests and benchmarks) ---

// noopProvider is a Build action that does nothing but (optionally) wait,
// count, and copy its first input to its outputs.
type noopProvider struct {
	mu    sync.Mutex
	runs  int
	sleep time.Duration
	fail  map[string]int // action name → failures left
	block chan struct{}
}

func (p *noopProvider) Type() ActionTypeID {
	return ActionTypeID{Category: "Build", Owner: "Custom", Provider: "Noop", Version: "1"}
}

func (p *noopProvider) Spec() ActionSpec {
	return ActionSpec{Properties: []ConfigProperty{{Name: "Message"}, {Name: "Var"}}, MaxInputs: 5, MaxOutputs: 5}
}

func (p *noopProvider) Run(ctx context.Context, job *Job) (*Outcome, error) {
	p.mu.Lock()
	p.runs++
	fail := p.fail[job.Action] > 0
	if fail {
		p.fail[job.Action]--
	}
	block := p.block
	p.mu.Unlock()
	if p.sleep > 0 {
		time.Sleep(p.sleep)
	}
	if block != nil {
		select {
		case <-block:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	for _, o := range job.Outputs {
		var data []byte
		if len(job.Inputs) > 0 {
			rc, err := job.OpenInput(ctx, job.Inputs[0].Name)
			if err != nil {
				return nil, err
			}
			data, _ = io.ReadAll(rc)
			rc.Close()
		} else {
			data = mustZip(map[string]string{"noop": job.Action})
		}
		if err := job.PutOutput(ctx, o.Name, bytes.NewReader(data)); err != nil {
			return nil, err
		}
	}
	if fail {
		return &Outcome{Failed: true, ErrorMessage: "noop failure"}, nil
	}
	return &Outcome{Summary: job.Config["Message"], Variables: map[string]string{"Out": job.Config["Var"]}}, nil
}

// --- harness ---

type harness struct {
	t       testing.TB
	st      store.Store
	objects *fakeObjects
	repos   *fakeRepos
	builds  *fakeBuilds
	stacks  *fakeStacks
	deploys *fakeDeployments
	alarms  *fakeAlarms
	noop    *noopProvider
	clk     *clock.Clock
	e       *Engine
}

func newHarness(t testing.TB) *harness { return newHarnessOn(t, store.NewMemory()) }

func newHarnessOn(t testing.TB, st store.Store) *harness {
	o := newObjects()
	h := &harness{t: t, st: st, objects: o, repos: newRepos(), builds: newBuilds(o), stacks: newStacks(),
		deploys: &fakeDeployments{}, alarms: &fakeAlarms{states: map[string]string{}}, noop: &noopProvider{fail: map[string]int{}},
		clk: clock.Scaled(0.0001)}
	h.start()
	t.Cleanup(func() { h.e.Close() })
	return h
}

func (h *harness) deps() Deps {
	return Deps{Repos: h.repos, Objects: h.objects, Builds: h.builds, Stacks: h.stacks, Deployments: h.deploys,
		Alarms: h.alarms, Providers: []ActionProvider{h.noop, noopSource{}}}
}

func (h *harness) start() {
	e, err := New(h.st, h.clk, h.deps(), nil)
	if err != nil {
		h.t.Fatal(err)
	}
	if err := e.Start(testCtx()); err != nil {
		h.t.Fatal(err)
	}
	h.e = e
}

// restart simulates kill -9: the engine stops without writing anything
// more, and a new one starts on the same store.
func (h *harness) restart() {
	h.e.Close()
	h.repos.mu.Lock()
	h.repos.subs = nil
	h.repos.mu.Unlock()
	h.start()
}

func decl(t testing.TB, js string) PipelineDeclaration {
	t.Helper()
	var d PipelineDeclaration
	if err := json.Unmarshal([]byte(js), &d); err != nil {
		t.Fatalf("bad declaration JSON: %v\n%s", err, js)
	}
	return d
}

func (h *harness) create(js string) {
	h.t.Helper()
	if _, err := h.e.CreatePipeline(testCtx(), decl(h.t, js), nil); err != nil {
		h.t.Fatalf("CreatePipeline: %v", err)
	}
}

// waitFor polls cond until it holds.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

func (h *harness) executions(name string) []PipelineExecutionSummary {
	h.t.Helper()
	xs, _, err := h.e.ListPipelineExecutions(testCtx(), name, "", 100, "")
	if err != nil {
		h.t.Fatal(err)
	}
	return xs
}

func (h *harness) exec(name, id string) *PipelineExecution {
	h.t.Helper()
	x, err := h.e.GetPipelineExecution(testCtx(), name, id)
	if err != nil {
		h.t.Fatal(err)
	}
	return x
}

// waitStatus waits for an execution to reach a status.
func (h *harness) waitStatus(name, id, status string) {
	h.t.Helper()
	var last string
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		x, err := h.e.GetPipelineExecution(testCtx(), name, id)
		if err == nil {
			last = x.Status
			if x.Status == status {
				return
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
	h.t.Fatalf("execution %s of %s: status %s, want %s\n%s", id, name, last, status, h.dump(name))
}

// dump renders the pipeline for failure messages.
func (h *harness) dump(name string) string {
	v, err := h.e.View(testCtx(), name)
	if err != nil {
		return err.Error()
	}
	var b strings.Builder
	RenderPipeline(&b, v, false)
	return b.String()
}

// stageOf returns an execution's stage status and its actions' statuses.
func (h *harness) stageOf(name, id, stage string) (string, map[string]string) {
	h.t.Helper()
	_, key := scopeKey(testCtx(), name)
	x, err := h.e.execution(testCtx(), key, id)
	if err != nil {
		h.t.Fatal(err)
	}
	sr := stageRunOf(x, stage)
	acts := map[string]string{}
	for _, a := range sr.Actions {
		acts[a.Name] = a.Status
	}
	return sr.Status, acts
}

// noopSource is a Source action that produces a tiny artifact at once.
type noopSource struct{}

func (noopSource) Type() ActionTypeID {
	return ActionTypeID{Category: "Source", Owner: "Custom", Provider: "NoopSource", Version: "1"}
}

func (noopSource) Spec() ActionSpec { return ActionSpec{MinOutputs: 1, MaxOutputs: 1} }

func (noopSource) Run(ctx context.Context, job *Job) (*Outcome, error) {
	if err := job.PutOutput(ctx, job.Outputs[0].Name, bytes.NewReader(noopZip)); err != nil {
		return nil, err
	}
	return &Outcome{Revision: &Revision{ID: "r1"}}, nil
}

var noopZip = mustZip(map[string]string{"f": "x"})
