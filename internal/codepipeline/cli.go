package codepipeline

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/skiff-dev/skiff/internal/store"
)

// What `skiff pipeline ls|show|start|approve` need. The lead mounts the
// commands; these produce the views and do the work. ctx must carry the
// account and region (awsctx).

// PipelineView is a pipeline's stage/action graph with the latest
// execution in each, for `skiff pipeline show`.
type PipelineView struct {
	Name    string
	Version int
	Type    string
	Mode    string
	// Now is when the view was taken (durations of running work).
	Now        time.Time
	Stages     []StageView
	Executions []ExecutionView // newest first, up to 5
}

// StageView is one stage.
type StageView struct {
	Name        string
	Status      string // "" when no execution entered it yet
	ExecutionID string
	Type        string
	Start, End  time.Time
	// Disabled is the inbound transition's state.
	Disabled       bool
	DisabledReason string
	Waiting        []string // executions waiting to enter
	Conditions     []string // "beforeEntry Succeeded: …"
	Retries        int
	Actions        []ActionView
}

// ActionView is one action's latest execution.
type ActionView struct {
	Name, Category, Provider string
	RunOrder                 int
	Status                   string
	Summary                  string
	ExternalID, ExternalURL  string
	Error                    string
	Start, End               time.Time
	ExecutionID              string
	// AwaitingApproval is set while a manual approval waits.
	AwaitingApproval bool
	Revision         string
}

// ExecutionView is one execution.
type ExecutionView struct {
	ID, Status, Type, Summary  string
	TriggerType, TriggerDetail string
	Start, End                 time.Time
	// Revision is the first source revision: short id and summary.
	Revision, Author string
}

// View builds a pipeline's view.
func (e *Engine) View(ctx context.Context, name string) (*PipelineView, error) {
	rec, err := e.getPipeline(ctx, name)
	if err != nil {
		return nil, err
	}
	state, err := e.GetPipelineState(ctx, name)
	if err != nil {
		return nil, err
	}
	_, key := scopeKey(ctx, name)
	v := &PipelineView{Name: rec.Name, Version: rec.version(), Type: rec.Decl.PipelineType, Mode: rec.Decl.ExecutionMode, Now: e.clk.Now()}
	c := &execCache{e: e, ctx: ctx, pkey: key, m: map[string]*execution{}}
	var doc latestDoc
	e.st.View(ctx, func(tx store.Tx) error { return tx.Get(bLatest, key, &doc) })
	for i, ss := range state.StageStates {
		sd := &rec.Decl.Stages[i]
		sv := StageView{Name: ss.StageName}
		if t := ss.InboundTransitionState; t != nil && !t.Enabled {
			sv.Disabled, sv.DisabledReason = true, t.DisabledReason
		}
		for _, in := range ss.InboundExecutions {
			sv.Waiting = append(sv.Waiting, in.PipelineExecutionID)
		}
		if le := ss.LatestExecution; le != nil {
			sv.Status, sv.ExecutionID, sv.Type = le.Status, le.PipelineExecutionID, le.Type
			if sr := stageRunOf(c.get(le.PipelineExecutionID), ss.StageName); sr != nil {
				sv.Start, sv.End, sv.Retries = sr.Start, sr.End, sr.AutoRetries+sr.Manual
				for _, k := range []string{condBeforeEntry, condOnSuccess, condOnFailure} {
					if cr := sr.Conditions[k]; cr != nil {
						sv.Conditions = append(sv.Conditions, fmt.Sprintf("%s %s: %s", condLabel(k), cr.Status, cr.Summary))
					}
				}
			}
		}
		for j, as := range ss.ActionStates {
			ad := &sd.Actions[j]
			av := ActionView{Name: as.ActionName, Category: ad.ActionTypeID.Category, Provider: ad.ActionTypeID.Provider, RunOrder: ad.runOrder()}
			if le := as.LatestExecution; le != nil {
				av.Status, av.Summary, av.ExternalID, av.ExternalURL = le.Status, le.Summary, le.ExternalExecutionID, le.ExternalExecutionURL
				av.AwaitingApproval = le.Token != ""
				if le.ErrorDetails != nil {
					av.Error = le.ErrorDetails.Message
				}
				if x := c.get(doc.Actions[ss.StageName+"/"+as.ActionName]); x != nil {
					if sr := stageRunOf(x, ss.StageName); sr != nil {
						if ar := sr.latest(as.ActionName); ar != nil {
							av.Start, av.ExecutionID = ar.Start, x.ID
							if ar.terminal() {
								av.End = ar.Updated
							}
						}
					}
				}
			}
			if r := as.CurrentRevision; r != nil {
				av.Revision = shortID(r.RevisionID)
			}
			sv.Actions = append(sv.Actions, av)
		}
		v.Stages = append(v.Stages, sv)
	}
	e.executions(ctx, key, func(x *execution) bool {
		ev := ExecutionView{ID: x.ID, Status: x.Status, Type: x.Type, Summary: x.Summary, TriggerType: x.Trigger.Type,
			TriggerDetail: x.Trigger.Detail, Start: x.Start, End: x.End}
		if len(x.Revisions) > 0 {
			rv := x.Revisions[0]
			ev.Revision = strings.TrimSpace(shortID(rv.ID) + " " + firstLine(revisionMessage(rv.Summary)))
			ev.Author = rv.Author
		}
		v.Executions = append(v.Executions, ev)
		return len(v.Executions) < 5
	})
	return v, nil
}

func condLabel(k string) string {
	switch k {
	case condBeforeEntry:
		return "beforeEntry"
	case condOnSuccess:
		return "onSuccess"
	}
	return "onFailure"
}

// revisionMessage unwraps a connection source's JSON revision summary.
func revisionMessage(s string) string {
	if strings.HasPrefix(s, "{") {
		var m map[string]string
		if jsonUnmarshal([]byte(s), &m) == nil && m["CommitMessage"] != "" {
			return m["CommitMessage"]
		}
	}
	return s
}

func shortID(id string) string {
	if len(id) == 40 {
		return id[:7]
	}
	return id
}

// ANSI styles for the live view.
const (
	ansiClear = "\x1b[H\x1b[2J"
	ansiReset = "\x1b[0m"
	ansiBold  = "\x1b[1m"
	ansiDim   = "\x1b[2m"
)

func statusColor(s string) string {
	switch s {
	case StatusSucceeded:
		return "\x1b[32m"
	case StatusFailed, StatusAbandoned:
		return "\x1b[31m"
	case StatusInProgress, StatusStopping:
		return "\x1b[36m"
	case StatusStopped, StatusSuperseded, StatusCancelled, StatusSkipped:
		return "\x1b[33m"
	}
	return ansiDim
}

func statusGlyph(s string) string {
	switch s {
	case StatusSucceeded:
		return "✓"
	case StatusFailed, StatusAbandoned:
		return "✗"
	case StatusInProgress, StatusStopping:
		return "…"
	case StatusStopped, StatusCancelled:
		return "■"
	case StatusSkipped, StatusSuperseded:
		return "↷"
	}
	return "○"
}

func since(start, end, now time.Time) string {
	if start.IsZero() {
		return ""
	}
	if end.IsZero() {
		end = now
	}
	d := end.Sub(start)
	switch {
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%.1fs", d.Seconds())
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}

func short8(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

// RenderPipeline writes a pipeline's stage/action graph: each stage with
// its latest execution's status and duration, its actions (status,
// duration, revision or external id, errors, approvals waiting), disabled
// transitions and waiting executions, then the recent executions with
// their trigger and revision. live clears the terminal first and uses
// colors, for redrawing on every change.
func RenderPipeline(w io.Writer, v *PipelineView, live bool) {
	style := func(code, s string) string {
		if !live {
			return s
		}
		return code + s + ansiReset
	}
	if live {
		io.WriteString(w, ansiClear)
	}
	fmt.Fprintf(w, "%s  %s, %s, version %d\n", style(ansiBold, "pipeline "+v.Name), v.Type, v.Mode, v.Version)
	if len(v.Executions) > 0 {
		x := v.Executions[0]
		fmt.Fprintf(w, "latest %s  %s  %s  %s\n", short8(x.ID), style(statusColor(x.Status), x.Status), since(x.Start, x.End, v.Now), triggerText(x))
		if x.Revision != "" {
			by := ""
			if x.Author != "" {
				by = "  by " + x.Author
			}
			fmt.Fprintf(w, "       %s%s\n", x.Revision, by)
		}
	}
	fmt.Fprintln(w)
	for i, s := range v.Stages {
		if i > 0 {
			arrow := "  │"
			if s.Disabled {
				arrow += "  " + style("\x1b[33m", "transition disabled")
				if s.DisabledReason != "" {
					arrow += ": " + s.DisabledReason
				}
			}
			fmt.Fprintln(w, arrow)
			if len(s.Waiting) > 0 {
				ids := make([]string, len(s.Waiting))
				for k, id := range s.Waiting {
					ids[k] = short8(id)
				}
				fmt.Fprintf(w, "  │  waiting: %s\n", strings.Join(ids, ", "))
			}
			fmt.Fprintln(w, "  ▼")
		}
		status := s.Status
		if status == "" {
			status = "-"
		}
		extra := ""
		if s.ExecutionID != "" {
			extra = "  [" + short8(s.ExecutionID) + "]"
		}
		if s.Type == TypeRollback {
			extra += "  rollback"
		}
		if s.Retries > 0 {
			extra += fmt.Sprintf("  retried %d×", s.Retries)
		}
		fmt.Fprintf(w, "  %s %-20s %s  %s%s\n", style(statusColor(s.Status), statusGlyph(s.Status)), s.Name,
			style(statusColor(s.Status), fmt.Sprintf("%-11s", status)), since(s.Start, s.End, v.Now), extra)
		for _, c := range s.Conditions {
			fmt.Fprintf(w, "      %s\n", style(ansiDim, c))
		}
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for _, a := range s.Actions {
			st := a.Status
			if st == "" {
				st = "-"
			}
			detail := a.Revision
			if detail == "" {
				detail = a.ExternalID
			}
			if a.Summary != "" {
				detail = strings.TrimSpace(detail + " " + firstLine(a.Summary))
			}
			if a.AwaitingApproval {
				detail = "waiting for approval: skiff pipeline approve " + v.Name + " " + s.Name + " " + a.Name
			}
			if a.Error != "" && (a.Status == StatusFailed || a.Status == StatusAbandoned) {
				detail = strings.TrimSpace(a.ExternalID + " " + style("\x1b[31m", firstLine(a.Error)))
			}
			fmt.Fprintf(tw, "  │   %s %s\t%s\t%s\t%s\t%s\n", style(statusColor(a.Status), statusGlyph(a.Status)), a.Name,
				a.Provider, style(statusColor(a.Status), st), since(a.Start, a.End, v.Now), detail)
		}
		tw.Flush()
	}
	if len(v.Executions) > 0 {
		fmt.Fprintf(w, "\n%s\n", style(ansiBold, "recent executions"))
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for _, x := range v.Executions {
			typ := ""
			if x.Type == TypeRollback {
				typ = " (rollback)"
			}
			fmt.Fprintf(tw, "  %s\t%s%s\t%s\t%s\t%s\n", short8(x.ID), style(statusColor(x.Status), x.Status), typ, since(x.Start, x.End, v.Now), x.TriggerType, x.Revision)
		}
		tw.Flush()
	}
}

func triggerText(x ExecutionView) string {
	switch x.TriggerType {
	case TriggerStart, TriggerCreatePipeline:
		if x.TriggerDetail != "" {
			return x.TriggerType + " by " + x.TriggerDetail
		}
	case TriggerCloudWatchEvent, TriggerPoll, TriggerWebhook, TriggerWebhookV2:
		return "push (" + x.TriggerType + ")"
	}
	return x.TriggerType
}

// Show writes the view once, or with live until ctx ends, redrawing on
// every change of the pipeline (and every second for durations).
func (e *Engine) Show(ctx context.Context, w io.Writer, name string, live bool) error {
	v, err := e.View(ctx, name)
	if err != nil {
		return err
	}
	RenderPipeline(w, v, live)
	if !live {
		return nil
	}
	ch, cancel := e.Watch(ctx, name)
	defer cancel()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-ch:
		case <-tick.C:
		}
		v, err := e.View(ctx, name)
		if err != nil {
			return err
		}
		RenderPipeline(w, v, true)
	}
}

// PipelineListEntry is one line of `skiff pipeline ls`.
type PipelineListEntry struct {
	Name, Type, Mode string
	Version          int
	Updated          time.Time
	// Latest execution (empty when none).
	LatestID, LatestStatus, LatestTrigger, LatestRevision string
	LatestStart, LatestEnd                                time.Time
}

// PipelineList lists the pipelines with their latest execution.
func (e *Engine) PipelineList(ctx context.Context) ([]PipelineListEntry, error) {
	ps, _, err := e.ListPipelines(ctx, 1000, "")
	if err != nil {
		return nil, err
	}
	var out []PipelineListEntry
	for _, p := range ps {
		le := PipelineListEntry{Name: p.Name, Type: p.PipelineType, Mode: p.ExecutionMode, Version: p.Version, Updated: p.Updated}
		_, key := scopeKey(ctx, p.Name)
		e.executions(ctx, key, func(x *execution) bool {
			le.LatestID, le.LatestStatus, le.LatestTrigger, le.LatestStart, le.LatestEnd = x.ID, x.Status, x.Trigger.Type, x.Start, x.End
			if len(x.Revisions) > 0 {
				le.LatestRevision = strings.TrimSpace(shortID(x.Revisions[0].ID) + " " + firstLine(revisionMessage(x.Revisions[0].Summary)))
			}
			return false
		})
		out = append(out, le)
	}
	return out, nil
}

// RenderPipelineList writes `skiff pipeline ls`.
func RenderPipelineList(w io.Writer, ps []PipelineListEntry, now time.Time) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tTYPE\tMODE\tVERSION\tLATEST\tSTATUS\tDURATION\tTRIGGER\tREVISION")
	for _, p := range ps {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\n", p.Name, p.Type, p.Mode, p.Version, short8(p.LatestID),
			orDefault(p.LatestStatus, "-"), since(p.LatestStart, p.LatestEnd, now), p.LatestTrigger, p.LatestRevision)
	}
	tw.Flush()
}

// StartCLI starts an execution as `skiff pipeline start NAME` does.
func (e *Engine) StartCLI(ctx context.Context, name string, variables map[string]string) (string, error) {
	return e.StartPipelineExecution(ctx, StartInput{Name: name, Variables: variables})
}

// Approve answers the manual approval waiting at stage/action (`skiff
// pipeline approve NAME STAGE ACTION [--reject] [--summary …]`), finding
// the token itself.
func (e *Engine) Approve(ctx context.Context, name, stage, action string, reject bool, summary string) (time.Time, error) {
	state, err := e.GetPipelineState(ctx, name)
	if err != nil {
		return time.Time{}, err
	}
	token := ""
	for _, s := range state.StageStates {
		if s.StageName != stage {
			continue
		}
		for _, a := range s.ActionStates {
			if a.ActionName == action && a.LatestExecution != nil {
				token = a.LatestExecution.Token
			}
		}
	}
	if token == "" {
		return time.Time{}, ErrInvalidApprovalToken.New("No approval is waiting at %s/%s of pipeline %s", stage, action, name)
	}
	status := "Approved"
	if reject {
		status = "Rejected"
	}
	return e.PutApprovalResult(ctx, name, stage, action, token, status, summary)
}
