package codedeploy

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/clock"
	"github.com/skiff-dev/skiff/internal/runtime"
	"github.com/skiff-dev/skiff/internal/runtime/host"
	"github.com/skiff-dev/skiff/internal/store"
)

// ErrObjectNotFound is wrapped by Objects for a missing bucket, key or
// version.
var ErrObjectNotFound = errors.New("object not found")

// Store buckets. Keys start with "<account>/<region>/".
const (
	bucketApps        = "codedeploy.applications" // <scope><app>
	bucketGroups      = "codedeploy.groups"       // <scope><app>/<group>
	bucketConfigs     = "codedeploy.configs"      // <scope><config>
	bucketDeployments = "codedeploy.deployments"  // <scope><deployment id>
	bucketTargets     = "codedeploy.targets"      // <scope><deployment id>/<instance>
	bucketInstances   = "codedeploy.instances"    // <scope><instance name>
	bucketRevisions   = "codedeploy.revisions"    // <scope><app>/<revision key>
)

// appRecord is an application.
type appRecord struct {
	Info ApplicationInfo   `json:"info"`
	Tags map[string]string `json:"tags,omitempty"`
}

// groupRecord is a deployment group.
type groupRecord struct {
	Info DeploymentGroupInfo `json:"info"`
	Tags map[string]string   `json:"tags,omitempty"`
	// Active is the deployment in progress (one at a time per group).
	Active string `json:"active,omitempty"`
	// Retired are original instances a blue/green deployment kept alive
	// (KEEP_ALIVE): they keep their tags but are no longer the group's.
	Retired []string `json:"retired,omitempty"`
	// LastSuccessfulRevision is the revision of LastSuccessfulDeployment,
	// what a rollback deploys.
	LastSuccessfulRevision *RevisionLocation `json:"lastSuccessfulRevision,omitempty"`
}

// configRecord is a custom deployment configuration.
type configRecord struct {
	Info DeploymentConfigInfo `json:"info"`
	Tags map[string]string    `json:"tags,omitempty"`
}

// instanceRecord is an on-premises instance: every one is a local
// instance of the runtime.
type instanceRecord struct {
	Info      InstanceInfo `json:"info"`
	RuntimeID string       `json:"runtimeId"`
	Port      int          `json:"port"`
	Root      string       `json:"root"`
	// Managed instances were created by skiff (CreateInstances, a
	// blue/green copy, Skiff::CodeDeploy::Instances) rather than
	// registered by name.
	Managed bool   `json:"managed,omitempty"`
	Set     string `json:"set,omitempty"`
	// Deployed is, per deployment group id, the last revision installed
	// successfully on the instance: ApplicationStop and the block-traffic
	// hooks run from it, and a restart re-runs its ApplicationStart.
	Deployed map[string]*deployedRevision `json:"deployed,omitempty"`
}

type deployedRevision struct {
	DeploymentID string            `json:"deploymentId"`
	GroupName    string            `json:"groupName"`
	AppName      string            `json:"appName"`
	ArchiveDir   string            `json:"archiveDir"`
	Revision     *RevisionLocation `json:"revision,omitempty"`
	Time         time.Time         `json:"time"`
}

// revisionRecord is a registered (or deployed) revision.
type revisionRecord struct {
	Location RevisionLocation    `json:"location"`
	Info     GenericRevisionInfo `json:"info"`
}

// targetRecord is one instance of one deployment.
type targetRecord struct {
	Target InstanceTarget `json:"target"`
}

// Engine is CodeDeploy for the Server compute platform, deploying to
// local instances.
type Engine struct {
	st   store.Store
	clk  *clock.Clock
	deps Deps
	log  *slog.Logger
	rt   runtime.Runtime
	// ownRuntime: the engine made the runtime and closes it.
	ownRuntime bool

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	runs    map[string]*run            // deployments being executed
	waiters map[string][]chan struct{} // deployment id → closed when it ends
	groupMu map[string]*sync.Mutex     // serializes CreateDeployment per group
	closed  bool
	started bool
}

// New returns the CodeDeploy engine. Call Start to resume the work of an
// earlier run and Close to stop.
func New(st store.Store, clk *clock.Clock, deps Deps, log *slog.Logger) (*Engine, error) {
	if clk == nil {
		clk = clock.Real()
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if deps.WorkDir == "" {
		return nil, errors.New("codedeploy: Deps.WorkDir is required")
	}
	if err := os.MkdirAll(filepath.Join(deps.WorkDir, "revisions"), 0o755); err != nil {
		return nil, fmt.Errorf("codedeploy: %w", err)
	}
	e := &Engine{st: st, clk: clk, deps: deps, log: log, runs: map[string]*run{}, waiters: map[string][]chan struct{}{}, groupMu: map[string]*sync.Mutex{}}
	e.rt = deps.Runtime
	if e.rt == nil {
		interval := clk.Scale(time.Minute)
		if interval < time.Second {
			interval = time.Second
		}
		rt, err := host.New(host.Options{Dir: filepath.Join(deps.WorkDir, "instances"), Logs: deps.Logs, Metrics: deps.Metrics,
			SampleInterval: interval, Log: log.With("component", "instances")})
		if err != nil {
			return nil, err
		}
		e.rt, e.ownRuntime = rt, true
	}
	e.ctx, e.cancel = context.WithCancel(context.Background())
	if deps.Alarms != nil {
		deps.Alarms.OnAlarmStateChange(e.onAlarmChange)
	}
	return e, nil
}

// Runtime returns the instance runtime (tests and the CLI).
func (e *Engine) Runtime() runtime.Runtime { return e.rt }

// Start recovers after a restart: it re-adopts the processes of every
// instance (restarting, through ApplicationStart of the last successful
// revision, the applications of instances whose processes are gone),
// re-applies the traffic weights interrupted deployments had set, and
// resumes those deployments — or fails them and rolls back, by their
// configuration. Start the load balancer engine first.
func (e *Engine) Start(ctx context.Context) error {
	e.mu.Lock()
	if e.started {
		e.mu.Unlock()
		return nil
	}
	e.started = true
	e.mu.Unlock()
	recovered, err := e.rt.Recover(ctx)
	if err != nil {
		return fmt.Errorf("codedeploy: recover instances: %w", err)
	}
	live := map[string]int{}
	for _, r := range recovered {
		live[r.Instance.ID] = r.Live
	}
	// Interrupted deployments first: traffic returns to the last state
	// they recorded before anything else happens.
	var pending []*deploymentRecord
	err = e.st.View(ctx, func(tx store.Tx) error {
		return tx.Scan(bucketDeployments, store.ScanOptions{}, func(_ string, v []byte) error {
			d, err := decodeDeployment(v)
			if err != nil {
				return nil
			}
			if !terminal(d.Info.Status) {
				pending = append(pending, d)
			}
			return nil
		})
	})
	if err != nil {
		return err
	}
	sort.Slice(pending, func(i, j int) bool { return pending[i].Info.CreateTime.Before(pending[j].Info.CreateTime) })
	for _, d := range pending {
		dctx := d.scopeCtx(ctx)
		if err := e.restoreTraffic(dctx, d); err != nil {
			e.log.Warn("restore traffic of interrupted deployment", "deployment", d.Info.DeploymentID, "err", err)
		}
	}
	// Instances whose application is gone get it back.
	var insts []*instanceRecord
	e.st.View(ctx, func(tx store.Tx) error {
		return tx.Scan(bucketInstances, store.ScanOptions{}, func(_ string, v []byte) error {
			var r instanceRecord
			if decodeJSON(v, &r) == nil && r.Info.DeregisterTime.IsZero() {
				insts = append(insts, &r)
			}
			return nil
		})
	})
	busy := map[string]bool{}
	for _, d := range pending {
		for _, n := range d.allInstances() {
			busy[d.Account+"/"+d.Region+"/"+n] = true
		}
	}
	// Runtime instances no registered instance refers to (a crash between
	// deregistering and terminating) are terminated — in a runtime this
	// engine owns; a shared one may hold others' instances.
	known := map[string]bool{}
	for _, r := range insts {
		known[r.RuntimeID] = true
	}
	for _, rec := range recovered {
		if e.ownRuntime && !known[rec.Instance.ID] {
			if err := e.rt.Terminate(ctx, rec.Instance.ID); err != nil {
				e.log.Warn("terminate orphaned instance", "instance", rec.Instance.ID, "err", err)
			}
		}
	}
	for _, r := range insts {
		if ri, ok := e.rt.Get(r.RuntimeID); ok && (r.Port != ri.Port || r.Root != ri.Root) {
			// A crash between creating the instance and recording its
			// port: record it now.
			r.Port, r.Root = ri.Port, ri.Root
			sc := awsctx.Scope{AccountID: accountOf(r.Info.InstanceArn), Region: regionOf(r.Info.InstanceArn)}
			rr := r
			e.st.Update(ctx, func(tx store.Tx) error { return tx.Put(bucketInstances, instanceKey(sc, rr.Info.InstanceName), rr) })
		}
		if _, ok := e.rt.Get(r.RuntimeID); !ok {
			// The runtime lost it (its directory is gone): make it again.
			if _, err := e.rt.Create(ctx, runtime.Spec{ID: r.RuntimeID, Name: r.Info.InstanceName, Port: r.Port, Account: accountOf(r.Info.InstanceArn), Region: regionOf(r.Info.InstanceArn)}); err != nil {
				e.log.Warn("recreate instance", "instance", r.Info.InstanceName, "err", err)
				continue
			}
		}
		if live[r.RuntimeID] > 0 || len(r.Deployed) == 0 || busy[accountOf(r.Info.InstanceArn)+"/"+regionOf(r.Info.InstanceArn)+"/"+r.Info.InstanceName] {
			continue
		}
		e.wg.Add(1)
		go func(r *instanceRecord) {
			defer e.wg.Done()
			e.restartApplication(r)
		}(r)
	}
	for _, d := range pending {
		e.launch(d.Info.DeploymentID, d.Account, d.Region, true)
	}
	return nil
}

// Close stops running deployments' goroutines (their state stays in the
// store for the next Start), stops the instances' processes unless
// Deps.KeepInstancesRunning, and closes the runtime if the engine made it.
func (e *Engine) Close() error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil
	}
	e.closed = true
	e.mu.Unlock()
	e.cancel()
	e.wg.Wait()
	if !e.deps.KeepInstancesRunning {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		var wg sync.WaitGroup
		for _, in := range e.rt.List() {
			wg.Add(1)
			go func(id string) {
				defer wg.Done()
				if err := e.rt.Stop(ctx, id); err != nil {
					e.log.Warn("stop instance", "instance", id, "err", err)
				}
			}(in.ID)
		}
		wg.Wait()
	}
	if e.ownRuntime {
		return e.rt.Close()
	}
	return nil
}

// --- store helpers ---

func scopePrefix(sc awsctx.Scope) string { return sc.AccountID + "/" + sc.Region + "/" }

func scopeOf(ctx context.Context) awsctx.Scope { return awsctx.From(ctx) }

func withScope(ctx context.Context, account, region string) context.Context {
	sc := awsctx.From(ctx)
	if sc.AccountID == account && sc.Region == region {
		return ctx
	}
	return awsctx.With(ctx, awsctx.Scope{AccountID: account, Region: region, RequestID: "codedeploy"})
}

func accountOf(arn string) string {
	p, _ := awsctx.ParseARN(arn)
	return p.Account
}

func regionOf(arn string) string {
	p, _ := awsctx.ParseARN(arn)
	return p.Region
}

func getJSON[T any](tx store.Tx, bucket, key string) (*T, error) {
	var v T
	if err := tx.Get(bucket, key, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

func decodeJSON(b []byte, v any) error { return jsonUnmarshal(b, v) }

func newUUID() string {
	b := make([]byte, 16)
	rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

const idChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

func newDeploymentID() string {
	b := make([]byte, 9)
	rand.Read(b)
	out := make([]byte, 9)
	for i, c := range b {
		out[i] = idChars[int(c)%len(idChars)]
	}
	return "d-" + string(out)
}

func newInstanceName() string {
	b := make([]byte, 9)
	rand.Read(b)
	return "i-0" + hex.EncodeToString(b)[:16]
}

func newRuntimeID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return "ri-" + hex.EncodeToString(b)
}

func (e *Engine) now() time.Time { return e.clk.Now().UTC().Truncate(time.Millisecond) }

func terminal(status string) bool {
	return status == StatusSucceeded || status == StatusFailed || status == StatusStopped
}

func tagsToMap(tags []Tag) map[string]string {
	if len(tags) == 0 {
		return nil
	}
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		m[t.Key] = t.Value
	}
	return m
}

func mapToTags(m map[string]string) []Tag {
	out := make([]Tag, 0, len(m))
	for k, v := range m {
		out = append(out, Tag{Key: k, Value: v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// validName is the character set CodeDeploy accepts in application,
// deployment group and deployment config names.
func validName(s string) bool {
	if s == "" || len(s) > 100 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("._-+=,@", c)) {
			return false
		}
	}
	return true
}
