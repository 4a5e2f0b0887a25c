package codepipeline

import (
	"context"
	"time"
)

// The DORA read side. Every execution, stage and action transition is in
// the execution record (written before the next step is taken); this turns
// records into what lead time, deployment frequency, change failure rate
// and time to restore need: which source revisions (commit, commit time,
// author) went through which stage, when, with what outcome, what started
// it, and which executions were rollbacks of what.

// ExecutionRecord is one pipeline execution for DORA and people.
type ExecutionRecord struct {
	Pipeline    string
	Account     string
	Region      string
	ExecutionID string
	Version     int
	// Type is STANDARD or ROLLBACK; RollbackTarget the execution whose
	// artifacts a rollback redeployed.
	Type           string
	RollbackTarget string
	Mode           string
	Status         string
	Summary        string
	TriggerType    string
	TriggerDetail  string
	// PushedAt is when the push that started it was recorded (zero if not
	// push-started).
	PushedAt time.Time
	Start    time.Time
	// End is zero while the execution is in progress.
	End       time.Time
	Revisions []RevisionRecord
	Stages    []StageRecord
}

// RevisionRecord is a source revision an execution carried.
type RevisionRecord struct {
	Action, Artifact string
	RevisionID       string
	Summary          string
	URL              string
	CommitTime       time.Time
	Author           string
}

// StageRecord is one stage of an execution. Attempts counts the stage's
// runs (retries included).
type StageRecord struct {
	Name       string
	Status     string
	Type       string
	Start, End time.Time
	Attempts   int
	Summary    string
	Actions    []ActionRecord
}

// ActionRecord is one attempt of an action.
type ActionRecord struct {
	Name, Category, Provider string
	ActionExecutionID        string
	Status                   string
	Summary                  string
	Start, End               time.Time
	ExternalID, ExternalURL  string
	ErrorMessage             string
	UpdatedBy                string
}

// Executions returns the executions of a pipeline (in ctx's account and
// region) that started at or after since, newest first; "" for pipeline
// lists every pipeline's.
func (e *Engine) Executions(ctx context.Context, pipeline string, since time.Time) ([]ExecutionRecord, error) {
	var names []string
	if pipeline != "" {
		if _, err := e.getPipeline(ctx, pipeline); err != nil {
			return nil, err
		}
		names = []string{pipeline}
	} else {
		ps, _, err := e.ListPipelines(ctx, 1000, "")
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			names = append(names, p.Name)
		}
	}
	out := []ExecutionRecord{}
	for _, name := range names {
		_, key := scopeKey(ctx, name)
		err := e.executions(ctx, key, func(x *execution) bool {
			if x.Start.Before(since) {
				return false
			}
			out = append(out, recordOf(x))
			return true
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func recordOf(x *execution) ExecutionRecord {
	r := ExecutionRecord{Pipeline: x.Pipeline, Account: x.Account, Region: x.Region, ExecutionID: x.ID, Version: x.Version,
		Type: x.Type, RollbackTarget: x.RollbackTarget, Mode: x.Mode, Status: x.Status, Summary: x.Summary,
		TriggerType: x.Trigger.Type, TriggerDetail: x.Trigger.Detail, Start: x.Start}
	if terminalStatus(x.Status) {
		r.End = x.End
		if r.End.IsZero() {
			r.End = x.Updated
		}
	}
	if x.Push != nil && x.Push.Event != nil {
		r.PushedAt = x.Push.Event.Time
	}
	for _, rv := range x.Revisions {
		r.Revisions = append(r.Revisions, RevisionRecord{Action: rv.Action, Artifact: rv.Name, RevisionID: rv.ID,
			Summary: rv.Summary, URL: rv.URL, CommitTime: rv.Created, Author: rv.Author})
	}
	for _, sr := range x.Stages {
		if sr.Status == "" {
			continue
		}
		s := StageRecord{Name: sr.Name, Status: sr.Status, Type: orDefault(sr.Type, x.Type), Start: sr.Start, End: sr.End,
			Attempts: sr.Epoch, Summary: sr.Summary}
		for _, a := range sr.Actions {
			ar := ActionRecord{Name: a.Name, Category: a.TypeID.Category, Provider: a.TypeID.Provider, ActionExecutionID: a.ID,
				Status: a.Status, Summary: a.Summary, Start: a.Start, ExternalID: a.ExtID, ExternalURL: a.ExtURL, UpdatedBy: a.UpdatedBy}
			if a.terminal() {
				ar.End = a.Updated
			}
			if a.Error != nil {
				ar.ErrorMessage = a.Error.Message
			}
			s.Actions = append(s.Actions, ar)
		}
		r.Stages = append(r.Stages, s)
	}
	return r
}
