package codepipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"time"

	"github.com/skiff-dev/skiff/internal/clock"
)

// ActionProvider runs one action type. Each provider is one small
// implementation of this interface; the orchestrator knows nothing about
// any of them beyond it.
type ActionProvider interface {
	// Type is the action type the provider runs.
	Type() ActionTypeID
	// Spec describes the type: configuration properties and artifact
	// counts (validation, ListActionTypes, GetActionType).
	Spec() ActionSpec
	// Run does the action's work. It returns when the action is done:
	// an Outcome (succeeded or failed), or an error, which fails the
	// action with the error's text. ctx ends when the execution is
	// stopped with abandon (or skiff shuts down): the provider should stop
	// its external work and return.
	Run(ctx context.Context, job *Job) (*Outcome, error)
}

// Resumer is implemented by providers whose work outlives a skiff restart
// (a build still running, an approval still waiting): Resume follows the
// action started before the restart, from what Run saved with Job.Save.
// Actions of providers without Resume that were in flight at a restart are
// failed with a clear reason.
type Resumer interface {
	Resume(ctx context.Context, job *Job) (*Outcome, error)
}

// ConfigChecker is implemented by providers that check their resolved
// configuration beyond the required keys at declaration time; the error
// message is reported as InvalidActionDeclarationException.
type ConfigChecker interface {
	CheckConfig(a *ActionDeclaration) error
}

// ActionSpec describes an action type.
type ActionSpec struct {
	Properties []ConfigProperty
	// Min/max input and output artifacts.
	MinInputs, MaxInputs, MinOutputs, MaxOutputs int
	// URL templates shown by ListActionTypes.
	EntityURLTemplate, ExecutionURLTemplate, RevisionURLTemplate string
	Description                                                  string
}

// ConfigProperty is one configuration key of an action type.
type ConfigProperty struct {
	Name        string
	Required    bool
	Key         bool
	Secret      bool
	Queryable   bool
	Description string
	Type        string // String, Number, Boolean
}

// Outcome is a finished action.
type Outcome struct {
	// Failed marks a failed action; ErrorCode (default JobFailed) and
	// Summary/ErrorMessage say why.
	Failed       bool
	ErrorCode    string
	ErrorMessage string
	Summary      string
	// Variables are the action's output variables (its namespace).
	Variables map[string]string
	// ExternalID/URL identify the external work (build id, stack id).
	ExternalID, ExternalURL string
	// Revision is a source action's revision.
	Revision *Revision
	// UpdatedBy is who finished it (approvals).
	UpdatedBy string
}

// Revision is a source action's revision.
type Revision struct {
	ID       string    `json:"id"`
	ChangeID string    `json:"changeId,omitempty"`
	Summary  string    `json:"summary,omitempty"`
	Created  time.Time `json:"created,omitzero"`
	URL      string    `json:"url,omitempty"`
	Author   string    `json:"author,omitempty"`
}

// Progress is reported while an action runs; it is recorded durably before
// Report returns, so GetPipelineState shows it and a restart finds it.
type Progress struct {
	ExternalID, ExternalURL, Summary string
	Percent                          *int
}

// Signal is an answer to a waiting action (PutApprovalResult).
type Signal struct {
	Status  string // Approved, Rejected
	Summary string
	By      string
	At      time.Time
}

// Job is one action execution as a provider sees it.
type Job struct {
	Account, Region            string
	Pipeline, PipelineARN      string
	ExecutionID, Stage, Action string
	ActionExecutionID          string
	Declaration                *ActionDeclaration
	// Config is the configuration with variables resolved.
	Config map[string]string
	// Inputs and Outputs are the artifacts in the artifact store, in
	// declaration order (outputs are where to write).
	Inputs, Outputs []ArtifactLocation
	// Start is when the action execution started (before any restart).
	Start time.Time
	// Push pins a source action to the commit a push produced.
	Push *PushEvent
	// Override is a StartPipelineExecution source revision override for
	// this action (nil if none).
	Override *SourceRevisionOverride
	// InputRevision is the revision id of the primary input (the commit).
	InputRevision string
	Deps          *Deps
	Clock         *clock.Clock
	Log           *slog.Logger

	e      *Engine
	run    *run
	ar     *actionRun
	sig    chan Signal
	state  json.RawMessage
	token  string
	gitDir string
}

// Save records provider state durably (a build id, a deployment id), for
// Resume after a restart.
func (j *Job) Save(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	j.state = b
	if j.run == nil {
		return nil
	}
	return j.run.update(func(x *execution) { j.ar.State = b })
}

// Load decodes the state Save recorded; false when there is none.
func (j *Job) Load(v any) bool {
	if len(j.state) == 0 {
		return false
	}
	return json.Unmarshal(j.state, v) == nil
}

// Report records progress durably.
func (j *Job) Report(p Progress) error {
	if j.run == nil {
		return nil
	}
	return j.run.update(func(x *execution) { j.apply(p) })
}

// apply records p on the action's run; the caller is inside run.update.
func (j *Job) apply(p Progress) {
	if p.ExternalID != "" {
		j.ar.ExtID = p.ExternalID
	}
	if p.ExternalURL != "" {
		j.ar.ExtURL = p.ExternalURL
	}
	if p.Summary != "" {
		j.ar.Summary = p.Summary
	}
	if p.Percent != nil {
		j.ar.Percent = p.Percent
	}
}

// IssueToken gives the action a token (shown by GetPipelineState) that
// PutApprovalResult must quote; answers arrive on Signals. p is recorded
// in the same write, so whoever sees the token sees it too (an approver's
// script polling GetPipelineState reads what it is asked to approve).
func (j *Job) IssueToken(p Progress) (string, error) {
	if j.token != "" {
		return j.token, nil
	}
	tok := newUUID()
	if j.run != nil {
		if err := j.run.update(func(x *execution) { j.apply(p); j.ar.Token = tok }); err != nil {
			return "", err
		}
	}
	j.token = tok
	return tok, nil
}

// ShuttingDown reports whether skiff is stopping (as opposed to the
// execution being stopped with abandon): providers must then leave their
// external work running, to be resumed at the next start.
func (j *Job) ShuttingDown() bool { return j.e != nil && j.e.shuttingDown() }

// Signals delivers answers to the token IssueToken gave.
func (j *Job) Signals() <-chan Signal { return j.sig }

// Answer is an answer recorded before a restart (nil if none).
func (j *Job) Answer() *Signal {
	if j.ar == nil || j.run == nil {
		return nil
	}
	var out *Signal
	j.run.view(func(*execution) {
		if a := j.ar.Answer; a != nil {
			out = &Signal{Status: a.Status, Summary: a.Summary, By: a.By, At: a.At}
		}
	})
	return out
}

// OpenInput opens an input artifact's zip.
func (j *Job) OpenInput(ctx context.Context, name string) (io.ReadCloser, error) {
	for _, in := range j.Inputs {
		if in.Name == name {
			if j.Deps.Objects == nil {
				return nil, errNoService("S3 (the artifact store)")
			}
			return j.Deps.Objects.GetObject(ctx, in.Bucket, in.Key, "")
		}
	}
	return nil, fmt.Errorf("input artifact %s is not an input of action %s", name, j.Action)
}

// PutOutput stores an output artifact's zip.
func (j *Job) PutOutput(ctx context.Context, name string, r io.Reader) error {
	for _, out := range j.Outputs {
		if out.Name == name {
			if j.Deps.Objects == nil {
				return errNoService("S3 (the artifact store)")
			}
			return j.Deps.Objects.PutObject(ctx, out.Bucket, out.Key, r)
		}
	}
	return fmt.Errorf("output artifact %s is not an output of action %s", name, j.Action)
}

// errNoService fails an action whose backing service skiff lacks.
func errNoService(name string) error {
	return fmt.Errorf("skiff has no %s to run this action", name)
}

// registry holds the action and rule providers.
type registry struct {
	actions map[string]ActionProvider
	rules   map[string]RuleProvider
}

func (r *registry) action(t *ActionTypeID) (ActionProvider, bool) {
	if t == nil {
		return nil, false
	}
	p, ok := r.actions[t.key()]
	return p, ok
}

func (r *registry) sortedActions() []ActionProvider {
	keys := make([]string, 0, len(r.actions))
	for k := range r.actions {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]ActionProvider, len(keys))
	for i, k := range keys {
		out[i] = r.actions[k]
	}
	return out
}

func (r *registry) rule(t *RuleTypeID) (RuleProvider, bool) {
	if t == nil {
		return nil, false
	}
	p, ok := r.rules[ruleKey(*t)]
	return p, ok
}

func ruleKey(t RuleTypeID) string {
	owner, version := t.Owner, t.Version
	if owner == "" {
		owner = "AWS"
	}
	if version == "" {
		version = "1"
	}
	return t.Category + "/" + owner + "/" + t.Provider + "/" + version
}

func newRegistry(extra []ActionProvider) *registry {
	r := &registry{actions: map[string]ActionProvider{}, rules: map[string]RuleProvider{}}
	for _, p := range builtinActions() {
		t := p.Type()
		r.actions[t.key()] = p
	}
	for _, p := range extra {
		t := p.Type()
		r.actions[t.key()] = p
	}
	for _, p := range builtinRules() {
		r.rules[ruleKey(p.Type())] = p
	}
	return r
}

func builtinActions() []ActionProvider {
	return []ActionProvider{
		&codeCommitSource{},
		&s3Source{},
		&connectionSource{},
		&codeBuildAction{category: "Build"},
		&codeBuildAction{category: "Test"},
		&cloudFormationAction{},
		&codeDeployAction{},
		&manualApproval{},
	}
}
