package dora

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Change is one commit in version control.
type Change struct {
	// ID is the commit id (the full SHA-1 or SHA-256 hex). Required.
	ID string `json:"id"`
	// Repository names the repository (a CodeCommit repository name). It
	// is informational: commits are matched to deployments by ID.
	Repository string `json:"repository,omitempty"`
	// Parents are the commit's parent ids. With them, a deployment that
	// names only its Revision contains the revision and every ancestor
	// the history knows (see Deployment.Commits). Optional.
	Parents []string `json:"parents,omitempty"`
	// Author is who wrote the change ("Name <email>" or an ARN).
	Author string `json:"author,omitempty"`
	// AuthorTime is git's author date: when the change was first written.
	// A rebase, amend or cherry-pick keeps it.
	AuthorTime time.Time `json:"authorTime,omitzero"`
	// CommitTime is git's committer date: when the commit took its final
	// form. Lead time starts here by default (Options.LeadTimeFrom): it is
	// the "commit to version control" of dora.dev's definition, and unlike
	// the author date it is reset by the rebase or amend that produced the
	// commit that was actually deployed. When zero, AuthorTime is used.
	CommitTime time.Time `json:"commitTime,omitzero"`
	// PushTime is when the commit first reached the shared repository (the
	// CodeCommit push event's time), if known. Options.LeadTimeFrom =
	// FromPush measures from here instead.
	PushTime time.Time `json:"pushTime,omitzero"`
	// Message is the commit message (its first line is enough).
	Message string `json:"message,omitempty"`
}

// Status is how a deployment ended.
type Status string

// Deployment statuses. CodeDeploy's Succeeded, Failed and Stopped map one
// to one; a deployment CodeDeploy rolled back (rollbackInfo names a
// rollback deployment) may be given as RolledBack or as Failed/Stopped with
// RolledBackBy set — both count the same.
const (
	StatusSucceeded  Status = "Succeeded"
	StatusFailed     Status = "Failed"
	StatusStopped    Status = "Stopped"
	StatusRolledBack Status = "RolledBack"
	// StatusInProgress is a deployment that has not ended. It is listed
	// but counted nowhere until it ends.
	StatusInProgress Status = "InProgress"
)

var statuses = []Status{StatusSucceeded, StatusFailed, StatusStopped, StatusRolledBack, StatusInProgress}

// Trigger is what started a deployment.
type Trigger string

// Triggers.
const (
	// TriggerPush: a source change started the pipeline (a CodeCommit push,
	// a webhook).
	TriggerPush Trigger = "push"
	// TriggerManual: a person started it (StartPipelineExecution, a retry,
	// CreateDeployment by hand).
	TriggerManual Trigger = "manual"
	// TriggerRollback: an automatic rollback (CodeDeploy's
	// codeDeployRollback on an alarm or a failure). Implies Rollback.
	TriggerRollback Trigger = "rollback"
	// TriggerUnknown: not recorded.
	TriggerUnknown Trigger = ""
)

var triggers = []Trigger{TriggerPush, TriggerManual, TriggerRollback, TriggerUnknown}

// Deployment is one attempt to change what runs in an environment: a
// CodeDeploy deployment, or a pipeline's deploy action.
type Deployment struct {
	// ID is unique among deployments (the CodeDeploy deployment id, or
	// "<pipeline>/<execution>/<stage>"). Required.
	ID string `json:"id"`
	// Application is the application deployed (the CodeDeploy application).
	// Required; metrics are grouped by it.
	Application string `json:"application"`
	// Pipeline is the pipeline that ran the deployment, if any. Metrics are
	// grouped by it too.
	Pipeline string `json:"pipeline,omitempty"`
	// Execution is the pipeline execution id (informational).
	Execution string `json:"execution,omitempty"`
	// Group is the CodeDeploy deployment group.
	Group string `json:"group,omitempty"`
	// Stage is the pipeline stage that deployed.
	Stage string `json:"stage,omitempty"`
	// Environment names the environment deployed to, when the source knows
	// one (an imported history's "production"). Environment, Group, Stage
	// and Tags are what the production selector looks at (Production);
	// the first non-empty of Environment, Group, Stage and Pipeline names
	// the environment, and with Application identifies it: "which commits
	// are already deployed" and "the next deployment" are per environment.
	// So set Environment on every deployment of an environment (rollbacks
	// included) or on none.
	Environment string `json:"environment,omitempty"`
	// Tags are the deployment group's (or stage's) tags.
	Tags map[string]string `json:"tags,omitempty"`
	// Start is when the deployment began. When zero, End is used.
	Start time.Time `json:"start,omitzero"`
	// End is when it ended (CodeDeploy completeTime). Required unless
	// Status is InProgress. A deployment belongs to the window its End
	// falls in.
	End time.Time `json:"end,omitzero"`
	// Status is how it ended. Required.
	Status Status `json:"status"`
	// Repository and Revision are the source revision deployed: the commit
	// id the pipeline's source action produced.
	Repository string `json:"repository,omitempty"`
	Revision   string `json:"revision,omitempty"`
	// Commits are the commits the revision contains, when the source has
	// computed them (git rev-list). Either every commit reachable from
	// Revision or only those new since the previous deployment: the
	// package removes every commit an earlier successful deployment of the
	// same environment contained, so both give the same answer. When
	// empty, the revision and its ancestors are found through
	// Change.Parents. A deployment with neither (a configuration-only
	// deployment) contains no commits; it still counts as a deployment.
	Commits []string `json:"commits,omitempty"`
	// Rollback marks a deployment that redeploys an earlier revision to
	// undo another deployment (CodeDeploy creator "codeDeployRollback", or
	// a rollback by hand). A redeploy of an earlier successful revision
	// right after a deployment of a different revision is recognised as a
	// rollback even when not marked.
	Rollback bool `json:"rollback,omitempty"`
	// RollbackOf is the deployment a rollback undoes (CodeDeploy
	// rollbackInfo.rollbackTriggeringDeploymentId). When empty, it is the
	// deployment naming this one in RolledBackBy, else the previous
	// deployment of the environment.
	RollbackOf string `json:"rollbackOf,omitempty"`
	// RolledBackBy is the deployment that rolled this one back (CodeDeploy
	// rollbackInfo.rollbackDeploymentId), if any.
	RolledBackBy string `json:"rolledBackBy,omitempty"`
	// Trigger is what started the deployment.
	Trigger Trigger `json:"trigger,omitempty"`
	// Fix marks a deployment made to fix production (a hotfix): unplanned
	// work, and, when it follows a deployment closely, that deployment's
	// failure (a fix-forward).
	Fix bool `json:"fix,omitempty"`
	// CausedBy lists the incidents (Incident.ID), alarms or deployments
	// that caused this deployment. A deployment caused by something is
	// unplanned (rework); the deployments it names, directly or through an
	// attributed incident, failed.
	CausedBy []string `json:"causedBy,omitempty"`
}

// Incident is a period when production was impaired: a CloudWatch alarm
// on a production target in ALARM, or an incident record. Every incident
// a Source returns is taken to be a production incident.
type Incident struct {
	// ID is unique among incidents (for an alarm: "<alarm>@<time it went
	// to ALARM>"). Required.
	ID string `json:"id"`
	// Application is the application impaired; empty for unknown, which
	// matches every application.
	Application string `json:"application,omitempty"`
	// Environment is informational.
	Environment string `json:"environment,omitempty"`
	// Source names what raised it (the alarm name).
	Source string `json:"source,omitempty"`
	// Start is when production became impaired (the transition to ALARM).
	// Required.
	Start time.Time `json:"start"`
	// End is when it recovered (the transition back to OK); zero while
	// open.
	End time.Time `json:"end,omitzero"`
	// Deployment is the deployment it is attributed to, if known (the
	// deployment CodeDeploy stopped on this alarm). An attributed incident
	// makes that deployment a failed deployment.
	Deployment string `json:"deployment,omitempty"`
}

// History is what the metrics are computed from.
type History struct {
	Changes     []Change     `json:"changes"`
	Deployments []Deployment `json:"deployments"`
	Incidents   []Incident   `json:"incidents"`
}

// Add appends o's records to h.
func (h *History) Add(o *History) {
	if o == nil {
		return
	}
	h.Changes = append(h.Changes, o.Changes...)
	h.Deployments = append(h.Deployments, o.Deployments...)
	h.Incidents = append(h.Incidents, o.Incidents...)
}

// Source gives the history between two instants. The lead's adapter over
// skiff's engines implements it; so does Archive (imported histories) and
// Merge.
type Source interface {
	// History returns the records that fall in [from, to): changes by
	// commit (or author) time, deployments by start or end, incidents by
	// start or end (an open incident if it started before to). Returning
	// more is harmless; every record is placed by Compute's own rules.
	// Changes a returned deployment contains should be included whatever
	// their time, when the source can find them cheaply: a commit whose
	// time is unknown is left out of lead time (and listed by Explain).
	History(ctx context.Context, from, to time.Time) (*History, error)
}

// SourceFunc adapts a function to Source.
type SourceFunc func(ctx context.Context, from, to time.Time) (*History, error)

// History calls f.
func (f SourceFunc) History(ctx context.Context, from, to time.Time) (*History, error) {
	return f(ctx, from, to)
}

// Merge combines sources: their histories are concatenated and records
// with the same ID are kept once (the first source's), so an imported
// history that overlaps skiff's own records does not count twice.
func Merge(sources ...Source) Source {
	return SourceFunc(func(ctx context.Context, from, to time.Time) (*History, error) {
		out := &History{}
		for i, s := range sources {
			h, err := s.History(ctx, from, to)
			if err != nil {
				return nil, fmt.Errorf("source %d: %w", i+1, err)
			}
			out.Add(h)
		}
		return dedupe(out), nil
	})
}

// dedupe keeps the first record of each ID.
func dedupe(h *History) *History {
	out := &History{}
	seen := map[string]bool{}
	for _, c := range h.Changes {
		if !seen["c"+c.ID] {
			seen["c"+c.ID] = true
			out.Changes = append(out.Changes, c)
		}
	}
	for _, d := range h.Deployments {
		if !seen["d"+d.ID] {
			seen["d"+d.ID] = true
			out.Deployments = append(out.Deployments, d)
		}
	}
	for _, i := range h.Incidents {
		if !seen["i"+i.ID] {
			seen["i"+i.ID] = true
			out.Incidents = append(out.Incidents, i)
		}
	}
	return out
}

// problems returns what is wrong with a deployment record, in field order;
// none for a valid one. Import reports them with the line; Compute skips
// such records with a warning.
func (d *Deployment) problems() []string {
	var p []string
	if strings.TrimSpace(d.ID) == "" {
		p = append(p, "id is required")
	}
	if strings.TrimSpace(d.Application) == "" {
		p = append(p, "application is required")
	}
	if d.Environment == "" && d.Group == "" && d.Stage == "" {
		p = append(p, "one of environment, group or stage is required (production is decided from them)")
	}
	switch {
	case d.Status == "":
		p = append(p, "status is required")
	case !slices.Contains(statuses, d.Status):
		p = append(p, fmt.Sprintf("status %q is not one of Succeeded, Failed, Stopped, RolledBack, InProgress", d.Status))
	}
	if d.End.IsZero() && d.Status != StatusInProgress && d.Status != "" {
		p = append(p, "end is required for a deployment that ended")
	}
	if !d.Start.IsZero() && !d.End.IsZero() && d.End.Before(d.Start) {
		p = append(p, fmt.Sprintf("end %s is before start %s", d.End.Format(time.RFC3339), d.Start.Format(time.RFC3339)))
	}
	if !slices.Contains(triggers, d.Trigger) {
		p = append(p, fmt.Sprintf("trigger %q is not one of push, manual, rollback", d.Trigger))
	}
	for _, c := range d.Commits {
		if strings.TrimSpace(c) == "" {
			p = append(p, "commits has an empty commit id")
			break
		}
	}
	return p
}

func (c *Change) problems() []string {
	var p []string
	if strings.TrimSpace(c.ID) == "" {
		p = append(p, "id is required")
	}
	if c.CommitTime.IsZero() && c.AuthorTime.IsZero() {
		p = append(p, "commitTime (or authorTime) is required")
	}
	return p
}

func (i *Incident) problems() []string {
	var p []string
	if strings.TrimSpace(i.ID) == "" {
		p = append(p, "id is required")
	}
	if i.Start.IsZero() {
		p = append(p, "start is required")
	}
	if !i.Start.IsZero() && !i.End.IsZero() && i.End.Before(i.Start) {
		p = append(p, fmt.Sprintf("end %s is before start %s", i.End.Format(time.RFC3339), i.Start.Format(time.RFC3339)))
	}
	return p
}
