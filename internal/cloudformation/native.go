package cloudformation

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/cloudformation/provider"
	"github.com/skiff-dev/skiff/internal/store"
)

// Providers returns the resource types the engine implements itself.
func (e *Engine) Providers() []provider.Provider {
	return []provider.Provider{&nestedStack{e}, &waitHandle{e}, &waitCondition{e}, cdkMetadata{}}
}

// --- AWS::CDK::Metadata: accepted, nothing to provision ---

type cdkMetadata struct{}

var _ provider.Provider = cdkMetadata{}

func (cdkMetadata) Type() string { return "AWS::CDK::Metadata" }
func (cdkMetadata) Schema() *provider.Schema {
	return &provider.Schema{NoDrift: true}
}
func (cdkMetadata) PhysicalID(req *provider.Request) (string, error) {
	return req.Stack.Name + "-" + req.LogicalID + "-" + req.Suffix, nil
}
func (c cdkMetadata) Create(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	id, _ := c.PhysicalID(req)
	return &provider.Result{PhysicalID: id}, nil
}
func (cdkMetadata) Read(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	return &provider.Result{PhysicalID: req.PhysicalID, Properties: req.Properties}, nil
}
func (cdkMetadata) Update(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	return &provider.Result{PhysicalID: req.PhysicalID}, nil
}
func (cdkMetadata) Delete(context.Context, *provider.Request) error { return nil }

// --- signals (wait condition handles and SignalResource) ---

const (
	bSignals = "cfn/signals" // stackID|target|uniqueID → signal
	bHandles = "cfn/handles" // stackID|logicalID → handle URL
	bMeta    = "cfn/meta"
)

type signal struct {
	Status   string    `json:"status"` // SUCCESS, FAILURE
	UniqueID string    `json:"uniqueId"`
	Data     string    `json:"data,omitempty"`
	Reason   string    `json:"reason,omitempty"`
	At       time.Time `json:"at"`
}

// waitConditions wakes waiters when a signal arrives.
type waitConditions struct {
	e   *Engine
	mu  sync.Mutex
	ch  map[string]chan struct{} // stackID|target → closed on each new signal
	key []byte                   // signs handle URLs
}

func newWaitConditions(e *Engine) *waitConditions {
	return &waitConditions{e: e, ch: map[string]chan struct{}{}}
}

func (w *waitConditions) notifier(k string) chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	c := w.ch[k]
	if c == nil {
		c = make(chan struct{})
		w.ch[k] = c
	}
	return c
}

func (w *waitConditions) wake(k string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if c := w.ch[k]; c != nil {
		close(c)
		delete(w.ch, k)
	}
}

// signingKey is created once per data directory so handle URLs stay valid
// across restarts.
func (w *waitConditions) signingKey(ctx context.Context) []byte {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.key != nil {
		return w.key
	}
	var hexKey string
	w.e.st.Update(ctx, func(tx store.Tx) error {
		if tx.Get(bMeta, "signal-key", &hexKey) == nil {
			return nil
		}
		b := make([]byte, 32)
		rand.Read(b)
		hexKey = hex.EncodeToString(b)
		return tx.Put(bMeta, "signal-key", hexKey)
	})
	w.key, _ = hex.DecodeString(hexKey)
	return w.key
}

func (w *waitConditions) token(ctx context.Context, stackID, logicalID string) string {
	m := hmac.New(sha256.New, w.signingKey(ctx))
	m.Write([]byte(stackID + "|" + logicalID))
	return hex.EncodeToString(m.Sum(nil))
}

// SignalPath is where wait condition handle URLs point (served by wire.go).
const SignalPath = "/_skiff/cloudformation/signal/"

func (w *waitConditions) handleURL(ctx context.Context, stackID, logicalID string) string {
	return w.e.d.Endpoint() + SignalPath + url.PathEscape(stackID) + "/" + url.PathEscape(logicalID) + "?token=" + w.token(ctx, stackID, logicalID)
}

var errBadSignal = errors.New("invalid wait condition handle")

// parseHandle turns a handle URL back into (stack, handle).
func (w *waitConditions) parseHandle(ctx context.Context, raw string) (stackID, logicalID string, err error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", "", errBadSignal
	}
	rest, ok := strings.CutPrefix(u.EscapedPath(), SignalPath)
	if !ok {
		return "", "", errBadSignal
	}
	a, b, ok := strings.Cut(rest, "/")
	if !ok {
		return "", "", errBadSignal
	}
	stackID, err1 := url.PathUnescape(a)
	logicalID, err2 := url.PathUnescape(b)
	if err1 != nil || err2 != nil {
		return "", "", errBadSignal
	}
	if !hmac.Equal([]byte(u.Query().Get("token")), []byte(w.token(ctx, stackID, logicalID))) {
		return "", "", errBadSignal
	}
	return stackID, logicalID, nil
}

// SignalHandle records a signal sent to a wait condition handle URL (the
// cfn-signal / curl PUT of {"Status","Reason","UniqueId","Data"}).
func (e *Engine) SignalHandle(ctx context.Context, path, rawQuery, status, reason, uniqueID, data string) error {
	stackID, logicalID, err := e.waits.parseHandle(ctx, "http://x"+path+"?"+rawQuery)
	if err != nil {
		return err
	}
	return e.addSignal(ctx, stackID, logicalID, status, reason, uniqueID, data)
}

func (e *Engine) addSignal(ctx context.Context, stackID, target, status, reason, uniqueID, data string) error {
	status = strings.ToUpper(status)
	if status != "SUCCESS" && status != "FAILURE" {
		return errValidation.New("Status must be SUCCESS or FAILURE")
	}
	if uniqueID == "" {
		uniqueID = newUUID()
	}
	k := stackID + "|" + target
	err := e.st.Update(ctx, func(tx store.Tx) error {
		return tx.Put(bSignals, k+"|"+uniqueID, signal{Status: status, UniqueID: uniqueID, Data: data, Reason: reason, At: now()})
	})
	if err == nil {
		e.waits.wake(k)
	}
	return err
}

// SignalResource records a CreationPolicy signal for a resource.
func (e *Engine) SignalResource(ctx context.Context, stackName, logicalID, uniqueID, status string) error {
	st, err := e.findStack(ctx, stackName)
	if err != nil {
		return err
	}
	res, err := e.loadResources(ctx, st.ID)
	if err != nil {
		return err
	}
	x := res[logicalID]
	if x == nil || (x.Status != CreateInProgress && x.Status != UpdateInProgress) {
		return errValidation.New("Resource %s is in %s state and cannot be signaled", logicalID, statusOr(x))
	}
	return e.addSignal(ctx, st.ID, logicalID, status, "", uniqueID, "")
}

func statusOr(x *Resource) string {
	if x == nil {
		return "DOES_NOT_EXIST"
	}
	return x.Status
}

// waitSignals waits for count SUCCESS signals on target, failing at the
// first FAILURE or when the timeout passes.
func (e *Engine) waitSignals(ctx context.Context, stackID, target string, count int, timeout time.Duration, what string) (map[string]string, error) {
	k := stackID + "|" + target
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		ch := e.waits.notifier(k)
		var ok []signal
		var failed *signal
		e.st.View(ctx, func(tx store.Tx) error {
			return tx.Scan(bSignals, store.ScanOptions{Prefix: k + "|"}, func(_ string, v []byte) error {
				var s signal
				if jsonUnmarshal(v, &s) == nil {
					if s.Status == "FAILURE" && failed == nil {
						failed = &s
					} else if s.Status == "SUCCESS" {
						ok = append(ok, s)
					}
				}
				return nil
			})
		})
		if failed != nil {
			return nil, fmt.Errorf("%s received failed message: '%s' for uniqueId: %s", what, failed.Reason, failed.UniqueID)
		}
		if len(ok) >= count {
			data := map[string]string{}
			for _, s := range ok {
				data[s.UniqueID] = s.Data
			}
			return data, nil
		}
		select {
		case <-ch:
		case <-deadline.C:
			return nil, fmt.Errorf("%s timed out. Received %d conditions when expecting %d", what, len(ok), count)
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

func (e *Engine) dropSignals(ctx context.Context, stackID, target string) {
	e.st.Update(ctx, func(tx store.Tx) error {
		_, err := tx.DeletePrefix(bSignals, stackID+"|"+target+"|")
		return err
	})
}

// creationPolicyWait honors CreationPolicy.ResourceSignal after a create.
func (e *Engine) creationPolicyWait(ctx context.Context, stackID, logicalID string, policy any) error {
	m, _ := policy.(map[string]any)
	rs, _ := m["ResourceSignal"].(map[string]any)
	if rs == nil {
		return nil
	}
	count := 1
	if c, ok := provider.Scalar(rs["Count"]); ok {
		if n, err := strconv.Atoi(c); err == nil {
			count = n
		}
	}
	timeout := 12 * time.Hour
	if t, ok := provider.Scalar(rs["Timeout"]); ok {
		d, err := parseISODuration(t)
		if err != nil {
			return fmt.Errorf("CreationPolicy Timeout %q: %v", t, err)
		}
		timeout = d
	}
	_, err := e.waitSignals(ctx, stackID, logicalID, count, timeout, "Resource "+logicalID)
	if err != nil && strings.Contains(err.Error(), "timed out") {
		return fmt.Errorf("Failed to receive %d resource signal(s) within the specified duration", count)
	}
	return err
}

var isoDurRE = regexp.MustCompile(`^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$`)

func parseISODuration(s string) (time.Duration, error) {
	m := isoDurRE.FindStringSubmatch(s)
	if m == nil || s == "P" || s == "PT" {
		return 0, errors.New("not an ISO 8601 duration like PT15M")
	}
	var d time.Duration
	for i, unit := range []time.Duration{24 * time.Hour, time.Hour, time.Minute, time.Second} {
		if m[i+1] != "" {
			n, _ := strconv.Atoi(m[i+1])
			d += time.Duration(n) * unit
		}
	}
	return d, nil
}

// --- AWS::CloudFormation::WaitConditionHandle ---

type waitHandle struct{ e *Engine }

func (w *waitHandle) Type() string { return "AWS::CloudFormation::WaitConditionHandle" }
func (w *waitHandle) Schema() *provider.Schema {
	return &provider.Schema{Properties: []string{}, NoDrift: true}
}
func (w *waitHandle) PhysicalID(req *provider.Request) (string, error) {
	if err := provider.Read(req.Properties, w.Schema()).Err(); err != nil {
		return "", err
	}
	return w.e.waits.handleURL(context.Background(), req.Stack.ID, req.LogicalID), nil
}
func (w *waitHandle) Create(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	u, err := w.PhysicalID(req)
	if err != nil {
		return nil, err
	}
	err = w.e.st.Update(ctx, func(tx store.Tx) error { return tx.Put(bHandles, req.Stack.ID+"|"+req.LogicalID, u) })
	return &provider.Result{PhysicalID: u, Attributes: map[string]any{}}, err
}
func (w *waitHandle) Read(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	sid, lid, err := w.e.waits.parseHandle(ctx, req.PhysicalID)
	if err != nil {
		return nil, provider.NotFound(w.Type(), req.PhysicalID)
	}
	var u string
	if err := w.e.st.View(ctx, func(tx store.Tx) error { return tx.Get(bHandles, sid+"|"+lid, &u) }); err != nil {
		return nil, provider.NotFound(w.Type(), req.PhysicalID)
	}
	return &provider.Result{PhysicalID: u, Properties: map[string]any{}}, nil
}
func (w *waitHandle) Update(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	return &provider.Result{PhysicalID: req.PhysicalID}, nil
}
func (w *waitHandle) Delete(ctx context.Context, req *provider.Request) error {
	sid, lid, err := w.e.waits.parseHandle(ctx, req.PhysicalID)
	if err != nil {
		return nil
	}
	w.e.dropSignals(ctx, sid, lid)
	return w.e.st.Update(ctx, func(tx store.Tx) error { return tx.Delete(bHandles, sid+"|"+lid) })
}

// --- AWS::CloudFormation::WaitCondition ---

type waitCondition struct{ e *Engine }

func (w *waitCondition) Type() string { return "AWS::CloudFormation::WaitCondition" }
func (w *waitCondition) Schema() *provider.Schema {
	return &provider.Schema{Properties: []string{"Handle", "Timeout", "Count"}, CreateOnly: []string{"Handle", "Timeout", "Count"},
		Attributes: []string{"Data"}, NoDrift: true}
}
func (w *waitCondition) PhysicalID(req *provider.Request) (string, error) {
	p := provider.Read(req.Properties, w.Schema())
	handle := p.String("Handle")
	if t := p.String("Timeout"); t != "" {
		if n, err := strconv.Atoi(t); err != nil || n < 0 || n > 43200 {
			p.Fail("Timeout", "must be a number of seconds from 0 to 43200")
		}
	}
	if err := p.Err(); err != nil {
		return "", err
	}
	if handle != "" {
		return handle, nil
	}
	return w.e.waits.handleURL(context.Background(), req.Stack.ID, req.LogicalID), nil
}
func (w *waitCondition) Create(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	id, err := w.PhysicalID(req)
	if err != nil {
		return nil, err
	}
	p := provider.Read(req.Properties, w.Schema())
	handle := p.String("Handle")
	if handle == "" {
		// Without a handle, the CreationPolicy (signals via
		// SignalResource) does the waiting.
		return &provider.Result{PhysicalID: id, Attributes: map[string]any{"Data": "{}"}}, nil
	}
	stackID, target, err := w.e.waits.parseHandle(ctx, handle)
	if err != nil {
		return nil, fmt.Errorf("Handle %s is not a valid wait condition handle URL", handle)
	}
	count := int(p.Int("Count", 1))
	secs := p.Int("Timeout", 43200)
	data, err := w.e.waitSignals(ctx, stackID, target, count, time.Duration(secs)*time.Second, "WaitCondition")
	if err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(data))
	for k := range data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return &provider.Result{PhysicalID: id, Attributes: map[string]any{"Data": compactJSON(data)}}, nil
}
func (w *waitCondition) Read(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	if _, _, err := w.e.waits.parseHandle(ctx, req.PhysicalID); err != nil {
		return nil, provider.NotFound(w.Type(), req.PhysicalID)
	}
	var u string
	sid, lid, _ := w.e.waits.parseHandle(ctx, req.PhysicalID)
	if err := w.e.st.View(ctx, func(tx store.Tx) error { return tx.Get(bHandles, sid+"|"+lid, &u) }); err != nil {
		return nil, provider.NotFound(w.Type(), req.PhysicalID)
	}
	return &provider.Result{PhysicalID: req.PhysicalID, Properties: req.Properties, Attributes: req.Attributes}, nil
}
func (w *waitCondition) Update(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	return &provider.Result{PhysicalID: req.PhysicalID, Attributes: req.Attributes}, nil
}
func (w *waitCondition) Delete(context.Context, *provider.Request) error { return nil }

// --- AWS::CloudFormation::Stack (nested stacks) ---

type nestedStack struct{ e *Engine }

func (n *nestedStack) Type() string { return "AWS::CloudFormation::Stack" }
func (n *nestedStack) Schema() *provider.Schema {
	return &provider.Schema{
		Properties: []string{"TemplateURL", "Parameters", "NotificationARNs", "Tags", "TimeoutInMinutes"},
		Required:   []string{"TemplateURL"},
		NoDrift:    true, // AWS checks nested stacks as stacks of their own
	}
}

func (n *nestedStack) childName(req *provider.Request) string {
	return provider.Name(req, 128, false)
}

func (n *nestedStack) PhysicalID(req *provider.Request) (string, error) {
	p := provider.Read(req.Properties, n.Schema())
	p.String("TemplateURL")
	p.StringMap("Parameters")
	if err := p.Err(); err != nil {
		return "", err
	}
	// The child's ARN is fixed by the suffix, so a create interrupted by a
	// crash can be found and deleted.
	h := sha256.Sum256([]byte(req.Stack.ID + "|" + req.LogicalID + "|" + req.Suffix))
	x := hex.EncodeToString(h[:16])
	u := x[0:8] + "-" + x[8:12] + "-4" + x[13:16] + "-a" + x[17:20] + "-" + x[20:32]
	return awsctx.ARN("cloudformation", req.Stack.Region, req.Stack.AccountID, "stack/"+n.childName(req)+"/"+u), nil
}

func (n *nestedStack) scope(ctx context.Context, req *provider.Request) context.Context {
	return awsctx.With(ctx, awsctx.Scope{AccountID: req.Stack.AccountID, Region: req.Stack.Region, RequestID: "nested"})
}

func (n *nestedStack) params(req *provider.Request) []ParamInput {
	p := provider.Read(req.Properties, nil)
	m := p.StringMap("Parameters")
	var out []ParamInput
	for _, k := range sortedKeys(m) {
		out = append(out, ParamInput{Key: k, Value: m[k]})
	}
	return out
}

func (n *nestedStack) parent(ctx context.Context, req *provider.Request) *Stack {
	st, err := n.e.findStack(ctx, req.Stack.ID)
	if err != nil {
		return &Stack{ID: req.Stack.ID, AccountID: req.Stack.AccountID, Region: req.Stack.Region}
	}
	return st
}

func (n *nestedStack) Create(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	id, err := n.PhysicalID(req)
	if err != nil {
		return nil, err
	}
	ctx = n.scope(ctx, req)
	p := provider.Read(req.Properties, nil)
	parent := n.parent(ctx, req)
	in := CreateStackInput{StackName: n.childName(req), TemplateURL: p.String("TemplateURL"), Parameters: n.params(req),
		Capabilities:     []string{"CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"},
		TimeoutInMinutes: int(p.Int("TimeoutInMinutes", 0)), NotificationARNs: p.StringList("NotificationARNs"),
		parent: parent, id: id}
	for k, v := range p.Tags("Tags") {
		in.Tags = append(in.Tags, Tag{k, v})
	}
	if _, err := n.e.CreateStack(ctx, in); err != nil {
		return nil, err
	}
	return n.await(ctx, id, CreateComplete, "created")
}

// await waits for the child stack's operation and reports its outcome.
func (n *nestedStack) await(ctx context.Context, id, want, verb string) (*provider.Result, error) {
	if err := n.e.Wait(ctx, id); err != nil {
		return nil, err
	}
	st, err := n.e.findStack(ctx, id)
	if err != nil {
		return nil, err
	}
	if st.Status != want {
		return nil, fmt.Errorf("Embedded stack %s was not successfully %s: %s", id, verb, st.StatusReason)
	}
	attrs := map[string]any{}
	for _, o := range st.Outputs {
		attrs["Outputs."+o.Key] = o.Value
	}
	return &provider.Result{PhysicalID: id, Attributes: attrs}, nil
}

func (n *nestedStack) Read(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	ctx = n.scope(ctx, req)
	st, err := n.e.findStack(ctx, req.PhysicalID)
	if err != nil || st.Status == DeleteComplete {
		return nil, provider.NotFound(n.Type(), req.PhysicalID)
	}
	attrs := map[string]any{}
	for _, o := range st.Outputs {
		attrs["Outputs."+o.Key] = o.Value
	}
	return &provider.Result{PhysicalID: req.PhysicalID, Properties: req.Properties, Attributes: attrs}, nil
}

func (n *nestedStack) Update(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	ctx = n.scope(ctx, req)
	p := provider.Read(req.Properties, nil)
	in := UpdateStackInput{StackName: req.PhysicalID, TemplateURL: p.String("TemplateURL"), Parameters: n.params(req),
		Capabilities:     []string{"CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"},
		NotificationARNs: p.StringList("NotificationARNs")}
	if p.Has("Tags") {
		in.TagsSet = true
		for k, v := range p.Tags("Tags") {
			in.Tags = append(in.Tags, Tag{k, v})
		}
	}
	if _, err := n.e.UpdateStack(ctx, in); err != nil {
		if strings.Contains(err.Error(), "No updates are to be performed") {
			return n.Read(ctx, req)
		}
		return nil, err
	}
	return n.await(ctx, req.PhysicalID, UpdateComplete, "updated")
}

func (n *nestedStack) Delete(ctx context.Context, req *provider.Request) error {
	ctx = n.scope(ctx, req)
	st, err := n.e.findStack(ctx, req.PhysicalID)
	if err != nil || st.Status == DeleteComplete {
		return nil
	}
	// A child may still be finishing an operation of its own (recovery).
	if err := n.e.Wait(ctx, st.ID); err != nil {
		return err
	}
	if err := n.e.DeleteStack(ctx, st.ID, nil, ""); err != nil {
		return err
	}
	if err := n.e.Wait(ctx, st.ID); err != nil {
		return err
	}
	st, err = n.e.findStack(ctx, req.PhysicalID)
	if err == nil && st.Status != DeleteComplete {
		return fmt.Errorf("Embedded stack %s was not successfully deleted: %s", st.ID, st.StatusReason)
	}
	return nil
}
