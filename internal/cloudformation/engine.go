package cloudformation

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/cloudformation/provider"
	"github.com/skiff-dev/skiff/internal/store"
)

// Store buckets. Keys embed the stack ARN, which already carries the
// account and region.
const (
	bStacks     = "cfn/stacks"     // stackID → Stack
	bNames      = "cfn/names"      // account/region/name → stackID (live stacks)
	bResources  = "cfn/resources"  // stackID|logicalID → Resource
	bEvents     = "cfn/events"     // stackID|seq → Event
	bChangeSets = "cfn/changesets" // changeSetID → ChangeSet
	bCSNames    = "cfn/csnames"    // stackID|name → changeSetID
	bExports    = "cfn/exports"    // account/region/name → Export
	bDrift      = "cfn/drift"      // detectionID → driftDetection
)

// ParameterStore resolves SSM parameters for AWS::SSM::Parameter::Value<…>
// parameter types and {{resolve:ssm…}} references.
type ParameterStore interface {
	ResolveParameter(ctx context.Context, name string, decrypt bool) (string, error)
}

// SecretStore resolves {{resolve:secretsmanager:…}} references.
type SecretStore interface {
	ResolveSecret(ctx context.Context, secretID, jsonKey, versionStage, versionID string) (string, error)
}

// ObjectStore reads templates from S3 URLs (TemplateURL).
type ObjectStore interface {
	ReadURL(ctx context.Context, url string, limit int64) ([]byte, error)
}

// Deps are what the engine needs from the rest of skiff. Nil members turn
// the features that need them into clear errors.
type Deps struct {
	Store     store.Store
	Providers *provider.Registry
	SSM       ParameterStore
	Secrets   SecretStore
	Objects   ObjectStore
	Log       *slog.Logger
	// Endpoint returns skiff's base URL (wait condition handles).
	Endpoint func() string
	// Settle bounds how long an API call that starts an operation waits for
	// it to finish before answering; 0 means 2 s. Clients cannot tell the
	// difference, but pollers (the CLI's 30-second waiters) see the result
	// at their first look.
	Settle time.Duration
	// Parallelism bounds concurrent provider calls per operation; 0 = 32.
	Parallelism int
}

// Engine runs CloudFormation.
type Engine struct {
	d   Deps
	st  store.Store
	reg *provider.Registry
	log *slog.Logger

	// mu guards running.
	mu      sync.Mutex
	running map[string]*opHandle // stackID → operation in flight

	life   context.Context
	stop   context.CancelFunc
	wg     sync.WaitGroup
	waits  *waitConditions
	closed bool
}

type opHandle struct {
	done   chan struct{}
	cancel context.CancelFunc
	// cancelForward stops the forward phase of an update (CancelUpdateStack)
	// and lets the rollback run; guarded by Engine.mu.
	cancelForward context.CancelFunc
}

// New returns an engine. Call Start to resume interrupted operations.
func New(d Deps) *Engine {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.Settle == 0 {
		d.Settle = 2 * time.Second
	}
	if d.Parallelism == 0 {
		d.Parallelism = 32
	}
	if d.Endpoint == nil {
		d.Endpoint = func() string { return "http://127.0.0.1:4566" }
	}
	e := &Engine{d: d, st: d.Store, reg: d.Providers, log: d.Log, running: map[string]*opHandle{}}
	e.life, e.stop = context.WithCancel(context.Background())
	e.waits = newWaitConditions(e)
	return e
}

// Close cancels operations in flight and waits for them to stop. Their
// state stays recorded; the next Start resumes them.
func (e *Engine) Close() {
	e.mu.Lock()
	e.closed = true
	e.mu.Unlock()
	e.stop()
	e.wg.Wait()
}

// launch runs fn as the stack's operation in the background. Only one
// operation runs per stack.
func (e *Engine) launch(st *Stack, fn func(ctx context.Context)) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return errors.New("skiff is shutting down")
	}
	if _, busy := e.running[st.ID]; busy {
		return errValidation.New("Stack:%s is in %s state and can not be updated.", st.ID, st.Status)
	}
	ctx, cancel := context.WithCancel(e.life)
	ctx = awsctx.With(ctx, awsctx.Scope{AccountID: st.AccountID, Region: st.Region, RequestID: "cloudformation"})
	h := &opHandle{done: make(chan struct{}), cancel: cancel}
	e.running[st.ID] = h
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		defer func() {
			if r := recover(); r != nil {
				e.log.Error("stack operation panicked", "stack", st.ID, "panic", r)
			}
			e.mu.Lock()
			delete(e.running, st.ID)
			e.mu.Unlock()
			cancel()
			close(h.done)
		}()
		fn(ctx)
	}()
	return nil
}

// settle waits (bounded) for the stack's operation to finish.
func (e *Engine) settle(ctx context.Context, stackID string) {
	e.mu.Lock()
	h := e.running[stackID]
	e.mu.Unlock()
	if h == nil {
		return
	}
	t := time.NewTimer(e.d.Settle)
	defer t.Stop()
	select {
	case <-h.done:
	case <-t.C:
	case <-ctx.Done():
	}
}

// Wait blocks until the stack has no operation in flight (tests, nested
// stacks).
func (e *Engine) Wait(ctx context.Context, stackID string) error {
	e.mu.Lock()
	h := e.running[stackID]
	e.mu.Unlock()
	if h == nil {
		return nil
	}
	select {
	case <-h.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (e *Engine) busy(stackID string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	_, ok := e.running[stackID]
	return ok
}

// --- store helpers ---

func nameKey(account, region, name string) string { return account + "/" + region + "/" + name }

func resKey(stackID, logicalID string) string { return stackID + "|" + logicalID }

func eventKey(stackID string, seq int64) string { return fmt.Sprintf("%s|%020d", stackID, seq) }

// findStack resolves a stack name or ARN in the caller's scope. Deleted
// stacks are found only by ARN, as in AWS.
func (e *Engine) findStack(ctx context.Context, nameOrID string) (*Stack, error) {
	var st Stack
	err := e.st.View(ctx, func(tx store.Tx) error { return e.findStackTx(ctx, tx, nameOrID, &st) })
	if err != nil {
		return nil, err
	}
	return &st, nil
}

func (e *Engine) findStackTx(ctx context.Context, tx store.Tx, nameOrID string, st *Stack) error {
	sc := awsctx.From(ctx)
	id := nameOrID
	if !strings.HasPrefix(nameOrID, "arn:") {
		var sid string
		if err := tx.Get(bNames, nameKey(sc.AccountID, sc.Region, nameOrID), &sid); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return stackNotFound(nameOrID)
			}
			return err
		}
		id = sid
	}
	if err := tx.Get(bStacks, id, st); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return stackNotFound(nameOrID)
		}
		return err
	}
	if st.AccountID != sc.AccountID || st.Region != sc.Region {
		return stackNotFound(nameOrID)
	}
	return nil
}

func (e *Engine) loadResources(ctx context.Context, stackID string) (map[string]*Resource, error) {
	out := map[string]*Resource{}
	err := e.st.View(ctx, func(tx store.Tx) error {
		return scanResources(tx, stackID, func(r *Resource) { out[r.LogicalID] = r })
	})
	return out, err
}

func scanResources(tx store.Tx, stackID string, fn func(*Resource)) error {
	return tx.Scan(bResources, store.ScanOptions{Prefix: stackID + "|"}, func(_ string, v []byte) error {
		var r Resource
		if err := jsonUnmarshal(v, &r); err != nil {
			return err
		}
		fn(&r)
		return nil
	})
}

// sortedResources returns records in template order.
func sortedResources(m map[string]*Resource) []*Resource {
	out := make([]*Resource, 0, len(m))
	for _, r := range m {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Order != out[j].Order {
			return out[i].Order < out[j].Order
		}
		return out[i].LogicalID < out[j].LogicalID
	})
	return out
}

// --- ids ---

func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// randomSuffix is the random part of generated physical names: 12 upper
// case letters and digits, as CloudFormation uses.
func randomSuffix() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, 12)
	max := big.NewInt(int64(len(alphabet)))
	for i := range b {
		n, _ := rand.Int(rand.Reader, max)
		b[i] = alphabet[n.Int64()]
	}
	return string(b)
}

func stackARN(sc awsctx.Scope, name string) string {
	return awsctx.ARN("cloudformation", sc.Region, sc.AccountID, "stack/"+name+"/"+newUUID())
}

func changeSetARN(sc awsctx.Scope, name string) string {
	return awsctx.ARN("cloudformation", sc.Region, sc.AccountID, "changeSet/"+name+"/"+newUUID())
}

func now() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }
