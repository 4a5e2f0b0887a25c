package codepipeline

import (
	"context"
	"encoding/base64"
	"errors"
	"sort"
	"strconv"
	"strings"

	"github.com/skiff-dev/skiff/internal/store"
)

// The read side: GetPipelineState, GetPipelineExecution,
// ListPipelineExecutions and ListActionExecutions, assembled from the
// execution records (live copies for executions in progress).

// execCache loads each execution once per request.
type execCache struct {
	e    *Engine
	ctx  context.Context
	pkey string
	m    map[string]*execution
}

func (c *execCache) get(id string) *execution {
	if id == "" {
		return nil
	}
	if x, ok := c.m[id]; ok {
		return x
	}
	x, err := c.e.execution(c.ctx, c.pkey, id)
	if err != nil {
		x = nil
	}
	c.m[id] = x
	return x
}

func stageRunOf(x *execution, name string) *stageRun {
	if x == nil {
		return nil
	}
	for _, sr := range x.Stages {
		if sr.Name == name {
			return sr
		}
	}
	return nil
}

func stageStatus(x *execution, sr *stageRun) string {
	if sr.Status == StatusInProgress && x.Stopping {
		return StatusStopping
	}
	return sr.Status
}

// GetPipelineState returns the state of every stage and action.
func (e *Engine) GetPipelineState(ctx context.Context, name string) (*PipelineState, error) {
	rec, err := e.getPipeline(ctx, name)
	if err != nil {
		return nil, err
	}
	_, key := scopeKey(ctx, name)
	var doc latestDoc
	if err := e.st.View(ctx, func(tx store.Tx) error { return tx.Get(bLatest, key, &doc) }); err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	c := &execCache{e: e, ctx: ctx, pkey: key, m: map[string]*execution{}}
	out := &PipelineState{PipelineName: rec.Name, PipelineVersion: rec.version(), Created: rec.Created, Updated: rec.Updated, StageStates: []StageState{}}
	for i := range rec.Decl.Stages {
		s := &rec.Decl.Stages[i]
		ss := StageState{StageName: s.Name, ActionStates: []ActionState{}}
		if i > 0 {
			ts := &TransitionState{Enabled: true}
			if t := rec.Transitions[s.Name]; t != nil {
				ts = &TransitionState{Enabled: t.Enabled, LastChangedBy: t.LastChangedBy, LastChangedAt: t.LastChangedAt, DisabledReason: t.Reason}
				if t.Enabled {
					ts.DisabledReason = ""
				}
			}
			ss.InboundTransitionState = ts
		}
		for _, id := range e.inbound(key, s.Name) {
			x := c.get(id)
			if x == nil {
				continue
			}
			se := StageExecution{PipelineExecutionID: id, Status: StatusInProgress, Type: x.Type}
			if ss.InboundExecution == nil {
				ss.InboundExecution = &se
			}
			ss.InboundExecutions = append(ss.InboundExecutions, se)
		}
		if x := c.get(doc.Stages[s.Name]); x != nil {
			if sr := stageRunOf(x, s.Name); sr != nil && sr.Status != "" {
				ss.LatestExecution = &StageExecution{PipelineExecutionID: x.ID, Status: stageStatus(x, sr), Type: orDefault(sr.Type, x.Type)}
				ss.BeforeEntryConditionState = conditionState(sr.Conditions[condBeforeEntry])
				ss.OnSuccessConditionState = conditionState(sr.Conditions[condOnSuccess])
				ss.OnFailureConditionState = conditionState(sr.Conditions[condOnFailure])
				if sr.AutoRetries > 0 || sr.Manual > 0 {
					md := &RetryStageMetadata{LatestRetryTrigger: sr.LastRetry}
					if sr.AutoRetries > 0 {
						n := sr.AutoRetries
						md.AutoStageRetryAttempt = &n
					}
					if sr.Manual > 0 {
						n := sr.Manual
						md.ManualStageRetryAttempt = &n
					}
					ss.RetryStageMetadata = md
				}
			}
		}
		for j := range s.Actions {
			a := &s.Actions[j]
			as := ActionState{ActionName: a.Name}
			x := c.get(doc.Actions[s.Name+"/"+a.Name])
			if sr := stageRunOf(x, s.Name); sr != nil {
				if ar := sr.latest(a.Name); ar != nil {
					as.LatestExecution = actionExecutionOf(ar)
					if ar.Revision != nil {
						as.CurrentRevision = &ActionRevision{RevisionID: ar.Revision.ID, RevisionChangeID: orDefault(ar.Revision.ChangeID, ar.Revision.ID), Created: ar.Revision.Created}
					}
				}
			}
			if p, ok := e.reg.action(a.ActionTypeID); ok {
				spec := p.Spec()
				as.EntityURL = expandURL(spec.EntityURLTemplate, a.Configuration, rec.Region)
			}
			ss.ActionStates = append(ss.ActionStates, as)
		}
		out.StageStates = append(out.StageStates, ss)
	}
	return out, nil
}

func actionExecutionOf(ar *actionRun) *ActionExecution {
	ae := &ActionExecution{ActionExecutionID: ar.ID, Status: ar.Status, Summary: ar.Summary, LastStatusChange: ar.Updated,
		LastUpdatedBy: ar.UpdatedBy, ExternalExecutionID: ar.ExtID, ExternalExecutionURL: ar.ExtURL, PercentComplete: ar.Percent,
		ErrorDetails: ar.Error}
	if ar.Status == StatusInProgress && ar.Answer == nil {
		ae.Token = ar.Token
	}
	return ae
}

func conditionState(cr *conditionRun) *StageConditionState {
	if cr == nil {
		return nil
	}
	cs := ConditionState{LatestExecution: &ConditionExecution{Status: cr.Status, Summary: cr.Summary, LastStatusChange: cr.At}}
	for _, r := range cr.Rules {
		cs.RuleStates = append(cs.RuleStates, RuleState{RuleName: r.Name, LatestExecution: &RuleExecution{
			RuleExecutionID: r.ID, Status: r.Status, Summary: r.Summary, LastStatusChange: r.Updated}})
	}
	return &StageConditionState{LatestExecution: &StageConditionsExecution{Status: cr.Status, Summary: cr.Summary},
		ConditionStates: []ConditionState{cs}}
}

// expandURL fills {Config:Key} placeholders of an action type's URL
// template.
func expandURL(tmpl string, cfg map[string]string, region string) string {
	if tmpl == "" {
		return ""
	}
	out := tmpl
	for k, v := range cfg {
		out = strings.ReplaceAll(out, "{Config:"+k+"}", v)
	}
	return strings.ReplaceAll(out, "{Region}", region)
}

// GetPipelineExecution describes one execution.
func (e *Engine) GetPipelineExecution(ctx context.Context, name, id string) (*PipelineExecution, error) {
	if _, err := e.getPipeline(ctx, name); err != nil {
		return nil, err
	}
	_, key := scopeKey(ctx, name)
	x, err := e.execution(ctx, key, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, executionNotFound(id, name)
	}
	if err != nil {
		return nil, err
	}
	pe := &PipelineExecution{PipelineName: x.Pipeline, PipelineVersion: x.Version, PipelineExecutionID: x.ID,
		Status: x.Status, StatusSummary: x.Summary, ArtifactRevisions: []ArtifactRevision{}, Variables: x.Variables,
		Trigger: &ExecutionTrigger{TriggerType: x.Trigger.Type, TriggerDetail: x.Trigger.Detail}, ExecutionMode: x.Mode, ExecutionType: x.Type}
	for _, rv := range x.Revisions {
		pe.ArtifactRevisions = append(pe.ArtifactRevisions, ArtifactRevision{Name: rv.Name, RevisionID: rv.ID,
			RevisionChangeIdentifier: orDefault(rv.ChangeID, rv.ID), RevisionSummary: rv.Summary, Created: rv.Created, RevisionURL: rv.URL})
	}
	if x.RollbackTarget != "" {
		pe.RollbackMetadata = &RollbackMetadata{RollbackTargetPipelineExecutionID: x.RollbackTarget}
	}
	return pe, nil
}

func summaryOf(x *execution) PipelineExecutionSummary {
	s := PipelineExecutionSummary{PipelineExecutionID: x.ID, Status: x.Status, StatusSummary: x.Summary, StartTime: x.Start,
		LastUpdateTime: x.Updated, SourceRevisions: []SourceRevision{}, Trigger: &ExecutionTrigger{TriggerType: x.Trigger.Type, TriggerDetail: x.Trigger.Detail},
		ExecutionMode: x.Mode, ExecutionType: x.Type}
	seen := map[string]bool{}
	for _, rv := range x.Revisions {
		if seen[rv.Action] {
			continue
		}
		seen[rv.Action] = true
		s.SourceRevisions = append(s.SourceRevisions, SourceRevision{ActionName: rv.Action, RevisionID: rv.ID, RevisionSummary: rv.Summary, RevisionURL: rv.URL})
	}
	if x.Stopping || x.StopReason != "" {
		s.StopTrigger = &StopTrigger{Reason: x.StopReason}
	}
	if x.RollbackTarget != "" {
		s.RollbackMetadata = &RollbackMetadata{RollbackTargetPipelineExecutionID: x.RollbackTarget}
	}
	return s
}

// ListPipelineExecutions lists executions newest first; succeededInStage
// keeps those that succeeded in that stage.
func (e *Engine) ListPipelineExecutions(ctx context.Context, name, succeededInStage string, maxResults int, nextToken string) ([]PipelineExecutionSummary, string, error) {
	if _, err := e.getPipeline(ctx, name); err != nil {
		return nil, "", err
	}
	if maxResults == 0 {
		maxResults = 100
	}
	skip, err := decodeOffset(nextToken)
	if err != nil {
		return nil, "", err
	}
	_, key := scopeKey(ctx, name)
	out := []PipelineExecutionSummary{}
	n, next := 0, ""
	err = e.executions(ctx, key, func(x *execution) bool {
		if succeededInStage != "" {
			sr := stageRunOf(x, succeededInStage)
			if sr == nil || sr.Status != StatusSucceeded {
				return true
			}
		}
		n++
		if n <= skip {
			return true
		}
		if len(out) == maxResults {
			next = encodeOffset(n - 1)
			return false
		}
		out = append(out, summaryOf(x))
		return true
	})
	return out, next, err
}

func encodeOffset(n int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("o:" + strconv.Itoa(n)))
}

func decodeOffset(tok string) (int, error) {
	if tok == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(b) < 3 || string(b[:2]) != "o:" {
		return 0, errInvalidNextToken.New("The next token is not valid")
	}
	n, err := strconv.Atoi(string(b[2:]))
	if err != nil || n < 0 {
		return 0, errInvalidNextToken.New("The next token is not valid")
	}
	return n, nil
}

// ListActionExecutions lists action executions (every attempt), newest
// first, optionally of one pipeline execution.
func (e *Engine) ListActionExecutions(ctx context.Context, name, executionID string, maxResults int, nextToken string) ([]ActionExecutionDetail, string, error) {
	rec, err := e.getPipeline(ctx, name)
	if err != nil {
		return nil, "", err
	}
	if maxResults == 0 {
		maxResults = 100
	}
	skip, err := decodeOffset(nextToken)
	if err != nil {
		return nil, "", err
	}
	_, key := scopeKey(ctx, name)
	var all []ActionExecutionDetail
	add := func(x *execution) {
		for _, sr := range x.Stages {
			for _, ar := range sr.Actions {
				all = append(all, actionDetail(x, ar, rec.Decl.RoleArn))
			}
		}
	}
	if executionID != "" {
		x, err := e.execution(ctx, key, executionID)
		if errors.Is(err, store.ErrNotFound) {
			return nil, "", executionNotFound(executionID, name)
		}
		if err != nil {
			return nil, "", err
		}
		add(x)
	} else if err := e.executions(ctx, key, func(x *execution) bool { add(x); return true }); err != nil {
		return nil, "", err
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].StartTime.After(all[j].StartTime) })
	if skip > len(all) {
		skip = len(all)
	}
	all = all[skip:]
	next := ""
	if len(all) > maxResults {
		all = all[:maxResults]
		next = encodeOffset(skip + maxResults)
	}
	if all == nil {
		all = []ActionExecutionDetail{}
	}
	return all, next, nil
}

func actionDetail(x *execution, ar *actionRun, role string) ActionExecutionDetail {
	region := ar.Region
	if region == "" {
		region = x.Region
	}
	t := ar.TypeID
	d := ActionExecutionDetail{PipelineExecutionID: x.ID, ActionExecutionID: ar.ID, PipelineVersion: x.Version,
		StageName: ar.Stage, ActionName: ar.Name, StartTime: ar.Start, LastUpdateTime: ar.Updated,
		UpdatedBy: orDefault(ar.UpdatedBy, role), Status: ar.Status,
		Input: &ActionExecutionInput{ActionTypeID: &t, Configuration: ar.Config, ResolvedConfiguration: ar.Resolved,
			RoleArn: ar.RoleArn, Region: region, InputArtifacts: []ArtifactDetail{}, Namespace: ar.Namespace}}
	for _, in := range ar.Inputs {
		d.Input.InputArtifacts = append(d.Input.InputArtifacts, ArtifactDetail{Name: in.Name, S3Location: &S3Location{Bucket: in.Bucket, Key: in.Key}})
	}
	if ar.Status != StatusInProgress {
		d.Output = &ActionExecutionOutput{OutputArtifacts: []ArtifactDetail{}, OutputVariables: ar.OutVars,
			ExecutionResult: &ActionExecutionResult{ExternalExecutionID: ar.ExtID, ExternalExecutionSummary: ar.Summary,
				ExternalExecutionURL: ar.ExtURL, ErrorDetails: ar.Error}}
		if ar.Status == StatusSucceeded {
			for _, o := range ar.Outputs {
				d.Output.OutputArtifacts = append(d.Output.OutputArtifacts, ArtifactDetail{Name: o.Name, S3Location: &S3Location{Bucket: o.Bucket, Key: o.Key}})
			}
		}
	}
	return d
}
