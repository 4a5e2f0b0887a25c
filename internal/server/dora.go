package server

import (
	"context"
	"errors"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/codedeploy"
	"github.com/skiff-dev/skiff/internal/codepipeline"
	"github.com/skiff-dev/skiff/internal/datadir"
	"github.com/skiff-dev/skiff/internal/dora"
)

// doraSource reads the DORA history from skiff's own records (in ctx's
// account and region): CodeDeploy deployments are the deployments, linked
// to the pipeline executions that made them (trigger, stage, source
// commit); pipeline deploy actions of other providers (CloudFormation) are
// deployments too; CodeCommit history gives the commits and their times;
// the alarms that guard production deployment groups give the incidents,
// and imported histories (skiff dora import) are merged in.
type doraSource struct{ s *Server }

// maxCommitWalk bounds how many ancestors of one deployed revision are read.
const maxCommitWalk = 2000

func (d doraSource) History(ctx context.Context, from, to time.Time) (*dora.History, error) {
	s := d.s
	h := &dora.History{}

	// Pipeline executions: which execution (and commit) made each
	// deployment.
	execs, err := s.cp.Executions(ctx, "", from)
	if err != nil {
		return nil, err
	}
	type link struct {
		pipeline, execution, stage, revision string
		trigger                              dora.Trigger
	}
	byDeployment := map[string]link{}
	for _, x := range execs {
		rev := ""
		if len(x.Revisions) > 0 {
			rev = x.Revisions[0].RevisionID
		}
		trig := pipelineTrigger(x)
		for _, st := range x.Stages {
			for _, a := range st.Actions {
				if a.Category != "Deploy" {
					continue
				}
				if a.Provider == "CodeDeploy" {
					if a.ExternalID != "" {
						byDeployment[a.ExternalID] = link{x.Pipeline, x.ExecutionID, st.Name, rev, trig}
					}
					continue
				}
				// Another deploy provider (CloudFormation): the action is
				// the deployment.
				h.Deployments = append(h.Deployments, dora.Deployment{
					ID: x.Pipeline + "/" + x.ExecutionID + "/" + st.Name + "/" + a.Name, Application: x.Pipeline,
					Pipeline: x.Pipeline, Execution: x.ExecutionID, Stage: st.Name, Start: a.Start, End: a.End,
					Status: actionStatus(a.Status), Revision: rev, Trigger: trig,
					Rollback: x.Type == "ROLLBACK",
				})
			}
		}
	}

	// CodeDeploy deployments.
	var ids []string
	for token := ""; ; {
		page, next, err := s.cd.ListDeployments(ctx, codedeploy.ListDeploymentsInput{Start: from, End: to, NextToken: token})
		if err != nil {
			return nil, err
		}
		ids = append(ids, page...)
		if next == "" {
			break
		}
		token = next
	}
	var infos []codedeploy.DeploymentInfo
	for len(ids) > 0 {
		n := min(len(ids), 25)
		batch, err := s.cd.BatchGetDeployments(ctx, ids[:n])
		if err != nil {
			return nil, err
		}
		infos = append(infos, batch...)
		ids = ids[n:]
	}
	// A rollback redeploys an earlier revision: its commit is that
	// revision's.
	revCommit := map[string]string{}
	for _, di := range infos {
		if l, ok := byDeployment[di.DeploymentID]; ok && l.revision != "" {
			revCommit[revisionKey(di.Revision)] = l.revision
		}
	}
	groups := map[string]*groupFacts{}
	for _, di := range infos {
		g := d.group(ctx, groups, di.ApplicationName, di.DeploymentGroupName)
		dep := dora.Deployment{ID: di.DeploymentID, Application: di.ApplicationName, Group: di.DeploymentGroupName,
			Tags: g.tags, Start: di.StartTime, End: di.CompleteTime, Status: deployStatus(di.Status)}
		if dep.Start.IsZero() {
			dep.Start = di.CreateTime
		}
		if l, ok := byDeployment[di.DeploymentID]; ok {
			dep.Pipeline, dep.Execution, dep.Stage, dep.Revision, dep.Trigger = l.pipeline, l.execution, l.stage, l.revision, l.trigger
		} else {
			dep.Revision = revCommit[revisionKey(di.Revision)]
			if di.Creator == "user" {
				dep.Trigger = dora.TriggerManual
			}
		}
		if ri := di.RollbackInfo; ri != nil {
			if di.Creator == "codeDeployRollback" {
				dep.Rollback, dep.Trigger, dep.RollbackOf = true, dora.TriggerRollback, ri.RollbackTriggeringDeploymentID
			} else {
				dep.RolledBackBy = ri.RollbackDeploymentID
			}
		}
		if dep.Status == dora.StatusInProgress {
			dep.End = time.Time{}
		}
		h.Deployments = append(h.Deployments, dep)
	}

	// Commits: every deployed revision and its ancestors, with push times.
	changes, err := d.changes(ctx, h.Deployments, from)
	if err != nil {
		return nil, err
	}
	h.Changes = changes

	// Incidents: the alarms guarding deployment groups going to ALARM.
	h.Incidents, err = d.incidents(ctx, groups, infos, from, to)
	if err != nil {
		return nil, err
	}
	return h, nil
}

// groupFacts is what DORA needs of a deployment group.
type groupFacts struct {
	app    string
	tags   map[string]string
	alarms []string
}

func (d doraSource) group(ctx context.Context, cache map[string]*groupFacts, app, name string) *groupFacts {
	k := app + "/" + name
	if g, ok := cache[k]; ok {
		return g
	}
	g := &groupFacts{app: app}
	cache[k] = g
	if tags, err := d.s.cd.ListTagsForResource(ctx, awsctx.From(ctx).ARN("codedeploy", "deploymentgroup:"+k)); err == nil && len(tags) > 0 {
		g.tags = map[string]string{}
		for _, t := range tags {
			g.tags[t.Key] = t.Value
		}
	}
	if info, err := d.s.cd.GetDeploymentGroup(ctx, app, name); err == nil && info.AlarmConfiguration != nil && info.AlarmConfiguration.Enabled {
		for _, a := range info.AlarmConfiguration.Alarms {
			g.alarms = append(g.alarms, a.Name)
		}
	}
	return g
}

func revisionKey(r *codedeploy.RevisionLocation) string {
	if r == nil || r.S3Location == nil {
		return ""
	}
	return r.S3Location.Bucket + "/" + r.S3Location.Key + "@" + r.S3Location.Version
}

func deployStatus(s string) dora.Status {
	switch s {
	case "Succeeded":
		return dora.StatusSucceeded
	case "Failed":
		return dora.StatusFailed
	case "Stopped":
		return dora.StatusStopped
	}
	return dora.StatusInProgress
}

func actionStatus(s string) dora.Status {
	switch s {
	case "Succeeded":
		return dora.StatusSucceeded
	case "Failed":
		return dora.StatusFailed
	case "Abandoned", "Stopped":
		return dora.StatusStopped
	}
	return dora.StatusInProgress
}

func pipelineTrigger(x codepipeline.ExecutionRecord) dora.Trigger {
	if x.Type == "ROLLBACK" {
		return dora.TriggerRollback
	}
	switch x.TriggerType {
	case "CloudWatchEvent", "Webhook", "WebhookV2", "PollForSourceChanges", "PutActionRevision":
		return dora.TriggerPush
	case "StartPipelineExecution", "CreatePipeline", "ManualRollback":
		return dora.TriggerManual
	}
	return dora.TriggerUnknown
}

// changes reads the deployed commits and their ancestors from the
// repositories that hold them (walking at most maxCommitWalk commits per
// revision, and stopping at commits older than the lookback).
func (d doraSource) changes(ctx context.Context, deps []dora.Deployment, from time.Time) ([]dora.Change, error) {
	cc := d.s.cc
	var repos []string
	for token := ""; ; {
		page, next, err := cc.ListRepositories(ctx, "", "", token)
		if err != nil {
			return nil, err
		}
		for _, r := range page {
			repos = append(repos, r.RepositoryName)
		}
		if next == "" {
			break
		}
		token = next
	}
	pushed := map[string]time.Time{}
	for _, r := range repos {
		evs, err := cc.PushEvents(ctx, r, from.Add(-90*24*time.Hour))
		if err != nil {
			continue
		}
		for _, ev := range evs {
			if t, ok := pushed[ev.NewCommit]; ev.NewCommit != "" && (!ok || ev.Time.Before(t)) {
				pushed[ev.NewCommit] = ev.Time
			}
		}
	}
	oldest := from.Add(-90 * 24 * time.Hour)
	seen := map[string]bool{}
	var out []dora.Change
	for i := range deps {
		rev := deps[i].Revision
		if rev == "" || seen[rev] {
			continue
		}
		repo := ""
		for _, r := range repos {
			if _, err := cc.GetCommit(ctx, r, rev); err == nil {
				repo = r
				break
			}
		}
		if repo == "" {
			continue
		}
		queue := []string{rev}
		for walked := 0; len(queue) > 0 && walked < maxCommitWalk; walked++ {
			id := queue[0]
			queue = queue[1:]
			if seen[id] {
				continue
			}
			seen[id] = true
			c, err := cc.GetCommit(ctx, repo, id)
			if err != nil {
				if errors.Is(ctx.Err(), context.Canceled) {
					return nil, ctx.Err()
				}
				continue
			}
			ch := dora.Change{ID: id, Repository: repo, Parents: c.Parents, Message: firstLine(c.Message), PushTime: pushed[id]}
			if a := c.Author; a != nil {
				ch.Author = strings.TrimSpace(a.Name + " <" + a.Email + ">")
				ch.AuthorTime = gitDate(a.Date)
			}
			if cm := c.Committer; cm != nil {
				ch.CommitTime = gitDate(cm.Date)
			}
			out = append(out, ch)
			if !ch.CommitTime.IsZero() && ch.CommitTime.Before(oldest) {
				continue
			}
			queue = append(queue, c.Parents...)
		}
	}
	for i := range deps {
		if deps[i].Revision != "" && deps[i].Repository == "" {
			for _, c := range out {
				if c.ID == deps[i].Revision {
					deps[i].Repository = c.Repository
					break
				}
			}
		}
	}
	return out, nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

// incidents are the periods the alarms guarding deployment groups spent in
// ALARM; one is attributed to the deployment it stopped.
func (d doraSource) incidents(ctx context.Context, groups map[string]*groupFacts, infos []codedeploy.DeploymentInfo, from, to time.Time) ([]dora.Incident, error) {
	guards := map[string]string{} // alarm → application
	for _, g := range groups {
		for _, a := range g.alarms {
			guards[a] = g.app
		}
	}
	if len(guards) == 0 {
		return nil, nil
	}
	ts, err := d.s.cw.StateTransitions(ctx, from.Add(-24*time.Hour), to)
	if err != nil {
		return nil, err
	}
	var out []dora.Incident
	open := map[string]int{}
	for _, t := range ts {
		app, ok := guards[t.Alarm]
		if !ok {
			continue
		}
		switch {
		case t.New == "ALARM" && t.Old != "ALARM":
			open[t.Alarm] = len(out)
			out = append(out, dora.Incident{ID: t.Alarm + "@" + t.Time.UTC().Format(time.RFC3339Nano), Application: app, Source: t.Alarm, Start: t.Time})
		case t.Old == "ALARM" && t.New != "ALARM":
			if i, ok := open[t.Alarm]; ok {
				out[i].End = t.Time
				delete(open, t.Alarm)
			}
		}
	}
	// The deployment an alarm stopped is the incident's cause.
	for i := range out {
		in := &out[i]
		best := ""
		var bestAt time.Time
		for _, di := range infos {
			e := di.ErrorInformation
			if e == nil || e.Code != "ALARM_ACTIVE" || !strings.Contains(e.Message, in.Source) || di.CompleteTime.Before(in.Start) {
				continue
			}
			if !in.End.IsZero() && di.CompleteTime.After(in.End) {
				continue
			}
			if best == "" || di.CompleteTime.Before(bestAt) {
				best, bestAt = di.DeploymentID, di.CompleteTime
			}
		}
		in.Deployment = best
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	return out, nil
}

// doraHandler serves GET /_skiff/dora (dora.Handler's JSON report) with
// the same bearer token as the admin API, for the account and the region
// (?region=, default us-east-1). ?source= picks the history: "all" (the
// default: skiff's records merged with every imported batch), "live"
// (skiff's records only) or "import:NAME" (one imported batch).
func (s *Server) doraHandler() http.Handler {
	archive := dora.NewArchive(s.store)
	opts := dora.Options{Source: "skiff"}
	handlers := map[string]http.Handler{
		"all":  dora.Handler(dora.Merge(doraSource{s}, archive), opts),
		"live": dora.Handler(doraSource{s}, opts),
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.authorized(w, r) {
			return
		}
		q := r.URL.Query()
		region := q.Get("region")
		if region == "" {
			region = datadir.DefaultRegion
		}
		source := q.Get("source")
		q.Del("region")
		q.Del("source")
		h, ok := handlers[source]
		switch {
		case source == "":
			h = handlers["all"]
		case strings.HasPrefix(source, "import:"):
			o := opts
			o.Source = source
			h = dora.Handler(archive.Batch(strings.TrimPrefix(source, "import:")), o)
		case !ok:
			writeAdminError(w, http.StatusBadRequest, errors.New("source "+source+": want all, live or import:NAME"))
			return
		}
		r2 := r.Clone(awsctx.With(r.Context(), awsctx.Scope{AccountID: s.dir.Identity.AccountID, Region: region}))
		r2.URL.RawQuery = q.Encode()
		h.ServeHTTP(w, r2)
	})
}

// doraImport stores an uploaded history (CSV or JSON) as a named batch.
func (s *Server) doraImport(ctx context.Context, r *http.Request) (any, error) {
	name, format := r.URL.Query().Get("name"), r.URL.Query().Get("format")
	h, err := dora.Import(http.MaxBytesReader(nil, r.Body, 64<<20), format)
	if err != nil {
		return nil, err
	}
	return dora.NewArchive(s.store).Save(ctx, name, h)
}

func (s *Server) doraBatches(ctx context.Context, r *http.Request) (any, error) {
	bs, err := dora.NewArchive(s.store).Batches(ctx)
	if bs == nil {
		bs = []dora.Batch{}
	}
	return bs, err
}

func (s *Server) doraForget(ctx context.Context, r *http.Request) (any, error) {
	name := r.PathValue("name")
	return map[string]string{"deleted": name}, dora.NewArchive(s.store).Delete(ctx, name)
}
