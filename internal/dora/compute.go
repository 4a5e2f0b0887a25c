package dora

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"
)

// LeadTimeFrom says which commit time lead time starts at.
type LeadTimeFrom string

// Lead-time starts.
const (
	// FromCommit: git's committer date (the default; see Change.CommitTime).
	FromCommit LeadTimeFrom = "commit"
	// FromAuthor: git's author date.
	FromAuthor LeadTimeFrom = "author"
	// FromPush: when the commit reached the shared repository.
	FromPush LeadTimeFrom = "push"
)

// Options shape how the metrics are computed. The zero value is the
// documented default of each field.
type Options struct {
	// Production selects production deployments; the zero value is the
	// default rule (see Production).
	Production Production
	// FixWindow is how soon after a deployment a fix must start for the
	// deployment to count as failed (a fix-forward), and how soon after a
	// failure or an incident the next deployment must start to count as
	// rework. 0 means 24 hours.
	FixWindow time.Duration
	// LeadTimeFrom is the commit time lead time starts at; "" means
	// FromCommit. A commit without the chosen time falls back to its
	// committer date, then its author date.
	LeadTimeFrom LeadTimeFrom
	// Location cuts days and weeks; nil means time.Local.
	Location *time.Location
	// Lookback is how much history before the window Measure reads, so
	// that commits already deployed and failures that lead into the window
	// are known. 0 means 90 days.
	Lookback time.Duration
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Source labels the report (Report.Source).
	Source string
}

func (o Options) normalized() Options {
	if o.FixWindow <= 0 {
		o.FixWindow = 24 * time.Hour
	}
	if o.LeadTimeFrom == "" {
		o.LeadTimeFrom = FromCommit
	}
	if o.Location == nil {
		o.Location = time.Local
	}
	if o.Lookback <= 0 {
		o.Lookback = 90 * day
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Measure reads the history the query needs from src (from Lookback before
// the window to FixWindow after it, so that fixes and recoveries just after
// the window are seen) and computes the report.
func Measure(ctx context.Context, src Source, q Query, opts Options) (*Report, error) {
	opts = opts.normalized()
	w, err := resolve(q, opts.Now(), opts.Location)
	if err != nil {
		return nil, &queryError{err}
	}
	h, err := src.History(ctx, w.From.Add(-opts.Lookback), w.To.Add(opts.FixWindow))
	if err != nil {
		return nil, fmt.Errorf("read history: %w", err)
	}
	return Compute(h, q, opts)
}

// Compute computes the report for q from h. It fails only on a bad query
// or options; records it cannot use are skipped and named in
// Report.Warnings.
func Compute(h *History, q Query, opts Options) (*Report, error) {
	opts = opts.normalized()
	if err := opts.Production.Validate(); err != nil {
		return nil, err
	}
	switch opts.LeadTimeFrom {
	case FromCommit, FromAuthor, FromPush:
	default:
		return nil, fmt.Errorf("lead time from %q: want commit, author or push", opts.LeadTimeFrom)
	}
	now := opts.Now()
	w, err := resolve(q, now, opts.Location)
	if err != nil {
		return nil, &queryError{err}
	}
	if h == nil {
		h = &History{}
	}
	a := analyze(h, opts)
	r := &Report{
		Schema:      Schema,
		GeneratedAt: now.In(opts.Location),
		Source:      opts.Source,
		Window:      w,
		Filter:      Filter{Application: q.Application, Pipeline: q.Pipeline},
		Settings: Settings{
			Production:   opts.Production.String(),
			FixWindow:    Duration(opts.FixWindow),
			LeadTimeFrom: string(opts.LeadTimeFrom),
			BandsFrom:    BandsFrom,
		},
		Warnings:     a.warnings,
		Applications: []Group{},
		Pipelines:    []Group{},
	}
	if r.Warnings == nil {
		r.Warnings = []string{}
	}
	inScope := func(d *dep) bool {
		return (q.Application == "" || d.d.Application == q.Application) &&
			(q.Pipeline == "" || d.d.Pipeline == q.Pipeline)
	}
	r.Overall = a.group("overall", "", inScope, &w)
	var apps, pipes []string
	for _, d := range a.deps {
		if !inScope(d) || !d.finished || !w.Contains(d.end) {
			continue
		}
		if !slices.Contains(apps, d.d.Application) {
			apps = append(apps, d.d.Application)
		}
		if d.d.Pipeline != "" && !slices.Contains(pipes, d.d.Pipeline) {
			pipes = append(pipes, d.d.Pipeline)
		}
	}
	sort.Strings(apps)
	sort.Strings(pipes)
	for _, app := range apps {
		r.Applications = append(r.Applications, a.group("application", app, func(d *dep) bool {
			return inScope(d) && d.d.Application == app
		}, &w))
	}
	for _, p := range pipes {
		r.Pipelines = append(r.Pipelines, a.group("pipeline", p, func(d *dep) bool {
			return inScope(d) && d.d.Pipeline == p
		}, &w))
	}
	if q.Explain {
		r.Explain = a.explain(inScope, q, &w)
	}
	return r, nil
}

// dep is a production deployment and what the analysis found about it.
type dep struct {
	d          Deployment
	env        string // application + "/" + envName: "the same environment"
	envName    string
	production string
	start, end time.Time
	finished   bool
	success    bool

	rollback    bool
	rollbackOf  string
	rollbackWhy string

	contains map[string]bool // commits it contains (for successful ones)
	commits  []string        // commits it first deployed to its environment

	failure   []reason
	failKnown time.Time // when the failure became known: the earliest reason
	rework    []string
	recovery  *dep
}

type reason struct {
	text string
	at   time.Time
}

func (d *dep) failed() bool { return len(d.failure) > 0 }

// counted reports whether d counts in the rates: a production deployment
// that ended and is not a rollback.
func (d *dep) counted() bool { return d.finished && !d.rollback }

func (d *dep) failureTexts() []string {
	var s []string
	for _, r := range d.failure {
		s = append(s, r.text)
	}
	return s
}

type notProd struct {
	d      Deployment
	reason string
}

// analysis is the classified history.
type analysis struct {
	opts      Options
	changes   map[string]*Change
	deps      []*dep // production deployments, by end (then start, id)
	byID      map[string]*dep
	byEnv     map[string][]*dep // by start (then end, id)
	incidents []*Incident
	incByID   map[string]*Incident
	others    []notProd // non-production and invalid deployments
	warnings  []string
}

func analyze(h *History, opts Options) *analysis {
	a := &analysis{
		opts:    opts,
		changes: map[string]*Change{},
		byID:    map[string]*dep{},
		byEnv:   map[string][]*dep{},
		incByID: map[string]*Incident{},
	}
	for i := range h.Changes {
		c := &h.Changes[i]
		if p := c.problems(); len(p) > 0 {
			a.warnf("change %d (%q) skipped: %s", i+1, c.ID, strings.Join(p, "; "))
			continue
		}
		if _, dup := a.changes[c.ID]; dup {
			continue // the same commit from two sources: the first is kept
		}
		a.changes[c.ID] = c
	}
	seen := map[string]bool{}
	for i := range h.Deployments {
		d := h.Deployments[i]
		if p := d.problems(); len(p) > 0 {
			a.warnf("deployment %d (%q) skipped: %s", i+1, d.ID, strings.Join(p, "; "))
			a.others = append(a.others, notProd{d, "invalid: " + strings.Join(p, "; ")})
			continue
		}
		if seen[d.ID] {
			a.warnf("deployment %q appears more than once; the first is used", d.ID)
			continue
		}
		seen[d.ID] = true
		ok, why := opts.Production.Match(&d)
		if !ok {
			a.others = append(a.others, notProd{d, "not production: " + why})
			continue
		}
		x := &dep{d: d, production: why, start: d.Start, end: d.End}
		if x.start.IsZero() {
			x.start = x.end
		}
		x.finished = d.Status != StatusInProgress
		x.success = d.Status == StatusSucceeded
		x.envName = cmp.Or(d.Environment, d.Group, d.Stage, d.Pipeline)
		x.env = d.Application + "/" + x.envName
		a.deps = append(a.deps, x)
		a.byID[d.ID] = x
		a.byEnv[x.env] = append(a.byEnv[x.env], x)
	}
	for i := range h.Incidents {
		in := &h.Incidents[i]
		if p := in.problems(); len(p) > 0 {
			a.warnf("incident %d (%q) skipped: %s", i+1, in.ID, strings.Join(p, "; "))
			continue
		}
		if _, dup := a.incByID[in.ID]; dup {
			continue
		}
		a.incByID[in.ID] = in
		a.incidents = append(a.incidents, in)
	}
	slices.SortFunc(a.incidents, func(x, y *Incident) int {
		return cmp.Or(x.Start.Compare(y.Start), strings.Compare(x.ID, y.ID))
	})
	slices.SortFunc(a.deps, byEnd)
	for _, list := range a.byEnv {
		slices.SortFunc(list, byStart)
	}
	a.findRollbacks()
	a.findCommits()
	a.findFailures()
	a.findRework()
	a.findRecoveries()
	return a
}

func byStart(x, y *dep) int {
	return cmp.Or(x.start.Compare(y.start), x.end.Compare(y.end), strings.Compare(x.d.ID, y.d.ID))
}

func byEnd(x, y *dep) int {
	ex, ey := x.end, y.end
	if ex.IsZero() {
		ex = x.start
	}
	if ey.IsZero() {
		ey = y.start
	}
	return cmp.Or(ex.Compare(ey), x.start.Compare(y.start), strings.Compare(x.d.ID, y.d.ID))
}

func (a *analysis) warnf(format string, args ...any) {
	a.warnings = append(a.warnings, fmt.Sprintf(format, args...))
}

// envs returns the environment keys in order, for deterministic walks.
func (a *analysis) envs() []string {
	keys := make([]string, 0, len(a.byEnv))
	for k := range a.byEnv {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// findRollbacks marks rollback deployments: those marked as such, and
// redeploys of a revision the environment already ran successfully right
// after a (non-rollback) deployment of another revision. Redeploying the
// undone revision after a rollback is a deployment again, not a rollback
// of the rollback.
func (a *analysis) findRollbacks() {
	rolledBackBy := map[string]string{} // rollback id → the deployment it undid
	for _, d := range a.deps {
		if d.d.RolledBackBy != "" {
			rolledBackBy[d.d.RolledBackBy] = d.d.ID
		}
	}
	for _, env := range a.envs() {
		succeeded := map[string]bool{} // revisions the environment ran
		var prev, prevForward *dep
		for _, d := range a.byEnv[env] {
			switch {
			case d.d.Rollback || d.d.Trigger == TriggerRollback:
				d.rollback = true
				d.rollbackWhy = "marked as a rollback"
				if d.d.Trigger == TriggerRollback {
					d.rollbackWhy = "automatic rollback"
				}
				d.rollbackOf = d.d.RollbackOf
				if d.rollbackOf == "" {
					d.rollbackOf = rolledBackBy[d.d.ID]
				}
				if d.rollbackOf == "" && prevForward != nil {
					d.rollbackOf = prevForward.d.ID
				}
			case d.d.Revision != "" && succeeded[d.d.Revision] && prev != nil && !prev.rollback &&
				prev.d.Revision != "" && prev.d.Revision != d.d.Revision:
				d.rollback = true
				d.rollbackOf = prev.d.ID
				d.rollbackWhy = fmt.Sprintf("redeploys revision %s, which the environment ran before %s deployed %s",
					short(d.d.Revision), prev.d.ID, short(prev.d.Revision))
			}
			if d.success && d.d.Revision != "" {
				succeeded[d.d.Revision] = true
			}
			prev = d
			if !d.rollback {
				prevForward = d
			}
		}
	}
}

// findCommits finds the commits each successful deployment first brought
// to its environment: those it contains that no earlier successful
// deployment of the environment contained.
func (a *analysis) findCommits() {
	for _, env := range a.envs() {
		var ok []*dep
		for _, d := range a.byEnv[env] {
			if d.success {
				ok = append(ok, d)
			}
		}
		slices.SortFunc(ok, byEnd)
		deployed := map[string]bool{}
		for _, d := range ok {
			d.contains = a.contained(d, deployed)
			for c := range d.contains {
				if !deployed[c] {
					d.commits = append(d.commits, c)
				}
			}
			for c := range d.contains {
				deployed[c] = true
			}
			slices.SortFunc(d.commits, func(x, y string) int {
				return cmp.Or(a.commitTime(x).Compare(a.commitTime(y)), strings.Compare(x, y))
			})
		}
	}
}

// contained is the set of commits d contains. With a precomputed list it
// is that list and the revision; otherwise the revision and its ancestors
// through Change.Parents. The walk stops at commits already deployed:
// their ancestors were contained by the deployment that deployed them.
func (a *analysis) contained(d *dep, deployed map[string]bool) map[string]bool {
	set := map[string]bool{}
	if d.d.Revision != "" {
		set[d.d.Revision] = true
	}
	if len(d.d.Commits) > 0 {
		for _, c := range d.d.Commits {
			set[c] = true
		}
		return set
	}
	if d.d.Revision == "" {
		return set
	}
	queue := []string{d.d.Revision}
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		if deployed[id] {
			continue
		}
		c := a.changes[id]
		if c == nil {
			continue
		}
		for _, p := range c.Parents {
			if !set[p] {
				set[p] = true
				queue = append(queue, p)
			}
		}
	}
	return set
}

// commitTime is when lead time starts for a commit; zero when unknown.
func (a *analysis) commitTime(id string) time.Time {
	c := a.changes[id]
	if c == nil {
		return time.Time{}
	}
	switch a.opts.LeadTimeFrom {
	case FromAuthor:
		if !c.AuthorTime.IsZero() {
			return c.AuthorTime
		}
	case FromPush:
		if !c.PushTime.IsZero() {
			return c.PushTime
		}
	}
	return cmp.Or(c.CommitTime, c.AuthorTime)
}

// findFailures finds the deployments that needed immediate intervention:
// failed, stopped, rolled back, with a production incident attributed, or
// fixed forward.
func (a *analysis) findFailures() {
	for _, d := range a.deps {
		if !d.counted() {
			continue
		}
		switch d.d.Status {
		case StatusFailed:
			d.failure = append(d.failure, reason{"failed", d.end})
		case StatusStopped:
			d.failure = append(d.failure, reason{"stopped", d.end})
		}
	}
	// Rollbacks: the deployment a rollback undid, and any deployment that
	// names its rollback or says it was rolled back.
	rolled := map[*dep][]string{}
	for _, r := range a.deps {
		if r.rollback && r.rollbackOf != "" {
			if t := a.byID[r.rollbackOf]; t != nil && t.counted() {
				rolled[t] = append(rolled[t], r.d.ID)
				how := "automatically"
				switch {
				case r.d.Trigger == TriggerManual:
					how = "by hand"
				case strings.HasPrefix(r.rollbackWhy, "redeploys"):
					how = "by redeploying an earlier revision"
				case r.d.Trigger != TriggerRollback:
					how = ""
				}
				txt := "rolled back by " + r.d.ID
				if how != "" {
					txt += " (" + how + ")"
				}
				t.failure = append(t.failure, reason{txt, r.start})
			}
		}
	}
	for _, d := range a.deps {
		if !d.counted() {
			continue
		}
		if id := d.d.RolledBackBy; id != "" && !slices.Contains(rolled[d], id) {
			d.failure = append(d.failure, reason{"rolled back by " + id, d.end})
			rolled[d] = append(rolled[d], id)
		}
		if d.d.Status == StatusRolledBack && len(rolled[d]) == 0 {
			d.failure = append(d.failure, reason{"rolled back", d.end})
		}
	}
	for _, in := range a.incidents {
		if t := a.byID[in.Deployment]; t != nil && t.counted() {
			t.failure = append(t.failure, reason{"incident " + describeIncident(in) + " attributed to it", in.Start})
		}
	}
	// Fix-forwards.
	for _, f := range a.deps {
		if f.rollback {
			continue
		}
		for _, t := range a.fixTargets(f) {
			t.failure = append(t.failure, reason{"fixed forward by " + f.d.ID, f.start})
		}
	}
	for _, d := range a.deps {
		for _, r := range d.failure {
			if d.failKnown.IsZero() || r.at.Before(d.failKnown) {
				d.failKnown = r.at
			}
		}
	}
}

// fixTargets are the deployments a deployment fixes forward: those its
// CausedBy names (directly or through an attributed incident), or, for a
// deployment marked Fix that names nothing, the environment's previous
// deployment if it ended within FixWindow before the fix started.
func (a *analysis) fixTargets(f *dep) []*dep {
	var out []*dep
	add := func(t *dep) {
		if t != nil && t != f && t.counted() && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	for _, id := range f.d.CausedBy {
		if t := a.byID[id]; t != nil {
			add(t)
		} else if in := a.incByID[id]; in != nil && in.Deployment != "" {
			add(a.byID[in.Deployment])
		}
	}
	if f.d.Fix && len(f.d.CausedBy) == 0 {
		var prev *dep
		for _, e := range a.byEnv[f.env] {
			if e == f {
				break
			}
			if e.counted() && !e.end.After(f.start) {
				prev = e
			}
		}
		if prev != nil && f.start.Sub(prev.end) <= a.opts.FixWindow {
			add(prev)
		}
	}
	return out
}

func describeIncident(in *Incident) string {
	if in.Source != "" && in.Source != in.ID {
		return fmt.Sprintf("%s (%s)", in.ID, in.Source)
	}
	return in.ID
}

// findRework finds the unplanned deployments: marked as a fix, caused by
// an incident or a deployment, or the first deployment of the environment
// after a failed deployment (of the application after an incident)
// started within FixWindow of it.
func (a *analysis) findRework() {
	for _, d := range a.deps {
		if d.rollback {
			continue
		}
		if d.d.Fix {
			d.rework = append(d.rework, "marked as a fix")
		}
		for _, id := range d.d.CausedBy {
			switch {
			case a.incByID[id] != nil:
				d.rework = append(d.rework, "caused by incident "+describeIncident(a.incByID[id]))
			case a.byID[id] != nil:
				d.rework = append(d.rework, "caused by deployment "+id)
			default:
				d.rework = append(d.rework, "caused by "+id)
			}
		}
	}
	addOnce := func(d *dep, why string) {
		if !slices.Contains(d.rework, why) {
			d.rework = append(d.rework, why)
		}
	}
	for _, t := range a.deps {
		if !t.failed() {
			continue
		}
		after := false
		for _, f := range a.byEnv[t.env] {
			if f == t {
				after = true
				continue
			}
			if !after || f.rollback || f.start.Before(t.failKnown) {
				continue
			}
			if f.start.Sub(t.failKnown) <= a.opts.FixWindow {
				addOnce(f, "first deployment after failed deployment "+t.d.ID)
			}
			break
		}
	}
	for _, in := range a.incidents {
		app := in.Application
		if app == "" {
			if t := a.byID[in.Deployment]; t != nil {
				app = t.d.Application
			}
		}
		limit := time.Time{} // open: no limit
		if !in.End.IsZero() {
			limit = in.End.Add(a.opts.FixWindow)
		}
		firstPerApp := map[string]*dep{}
		for _, env := range a.envs() {
			for _, f := range a.byEnv[env] {
				if f.rollback || f.d.ID == in.Deployment || f.start.Before(in.Start) ||
					(app != "" && f.d.Application != app) {
					continue
				}
				if cur := firstPerApp[f.d.Application]; cur == nil || byStart(f, cur) < 0 {
					firstPerApp[f.d.Application] = f
				}
				break
			}
		}
		for _, f := range firstPerApp {
			if limit.IsZero() || !f.start.After(limit) {
				addOnce(f, "first deployment after incident "+describeIncident(in)+" started")
			}
		}
	}
}

// findRecoveries finds, for each failed deployment, the next healthy
// production state: the first successful deployment of the environment
// (a rollback or a later deployment) that started once the failure was
// known and is not itself failed. A deployment that started before the
// failure showed (a planned one, still containing the bad change) did not
// recover from it.
func (a *analysis) findRecoveries() {
	for _, t := range a.deps {
		if !t.failed() {
			continue
		}
		for _, f := range a.byEnv[t.env] {
			if f != t && f.success && !f.failed() && !f.start.Before(t.start) && !f.end.Before(t.end) &&
				!f.start.Before(t.failKnown) {
				t.recovery = f
				break
			}
		}
	}
}

// group computes the metrics over the deployments sel selects, in w.
func (a *analysis) group(scope, name string, sel func(*dep) bool, w *Window) Group {
	g := Group{Scope: scope, Name: name}
	days := map[string]bool{}
	var failed, rework int
	var recoveries []time.Duration
	df := &g.DeploymentFrequency
	for _, d := range a.deps {
		if !sel(d) || !d.finished || !w.Contains(d.end) {
			continue
		}
		if d.rollback {
			df.Rollbacks++
			continue
		}
		df.Attempted++
		if d.success {
			df.Successful++
			days[w.day(d.end)] = true
		}
		if d.failed() {
			failed++
			g.RecoveryTime.Failures++
			if d.recovery != nil {
				recoveries = append(recoveries, d.recovery.end.Sub(d.start))
			}
		}
		if len(d.rework) > 0 {
			rework++
		}
	}
	df.DeploymentDays = len(days)
	df.PerDay = round4(float64(df.Successful) / float64(w.Days))
	df.PerWeek = round4(float64(df.Successful) * 7 / float64(w.Days))
	var perWeek []int
	for _, wk := range w.weeks() {
		n := 0
		for _, day := range wk {
			if days[day] {
				n++
			}
		}
		perWeek = append(perWeek, n)
	}
	slices.Sort(perWeek)
	df.MedianDeploymentDaysPerWeek = perWeek[rank(0.5, len(perWeek))]
	df.Band, df.BandNote = frequencyBand(df.Successful, df.MedianDeploymentDaysPerWeek, float64(df.Successful)/float64(w.Days))

	var leads []time.Duration
	for _, c := range a.leadCommits(sel, w) {
		if c.LeadTime != nil {
			leads = append(leads, time.Duration(*c.LeadTime))
		}
	}
	g.LeadTime.Commits = len(leads)
	g.LeadTime.Median, g.LeadTime.P90 = percentile(leads, 0.5), percentile(leads, 0.9)
	g.LeadTime.Band, g.LeadTime.BandNote = leadTimeBand(g.LeadTime.Median)

	g.ChangeFailRate = ratio(failed, df.Attempted)
	g.ChangeFailRate.Band, g.ChangeFailRate.BandNote = changeFailBand(g.ChangeFailRate.Rate)

	g.RecoveryTime.Recovered = len(recoveries)
	g.RecoveryTime.Unrecovered = g.RecoveryTime.Failures - len(recoveries)
	g.RecoveryTime.Median = percentile(recoveries, 0.5)
	g.RecoveryTime.Band, g.RecoveryTime.BandNote = recoveryBand(g.RecoveryTime.Median, g.RecoveryTime.Failures)

	g.ReworkRate = ratio(rework, df.Attempted)
	g.ReworkRate.BandNote = reworkNote
	return g
}

// leadCommits lists the commits first deployed, among the deployments sel
// selects, by a successful non-rollback deployment that ended in w — each
// commit once, at the first such deployment (a commit deployed to two
// production environments counts at the first).
func (a *analysis) leadCommits(sel func(*dep) bool, w *Window) []CommitFact {
	var out []CommitFact
	first := map[string]bool{}
	for _, d := range a.deps { // by end
		if !sel(d) || !d.success || d.rollback {
			continue
		}
		for _, c := range d.commits {
			if first[c] {
				continue
			}
			first[c] = true
			if !w.Contains(d.end) {
				continue
			}
			f := CommitFact{Commit: c, Deployment: d.d.ID, Deployed: d.end.In(w.loc)}
			if ch := a.changes[c]; ch != nil {
				f.Repository, f.Author = ch.Repository, ch.Author
			}
			t := a.commitTime(c)
			switch {
			case t.IsZero():
				f.Excluded = "commit time unknown"
			case t.After(d.end):
				f.Committed = t.In(w.loc)
				f.Excluded = "committed after the deployment ended (clock skew)"
			default:
				f.Committed = t.In(w.loc)
				lt := Duration(d.end.Sub(t))
				f.LeadTime = &lt
			}
			out = append(out, f)
		}
	}
	return out
}

// rank is the 0-based index of the p-th percentile of n sorted values by
// the nearest-rank method: the value at rank ⌈p·n⌉. Every reported value
// is then an observed one (for an even count the median is the lower of
// the two middle values, as DevLake's percent_rank query gives).
func rank(p float64, n int) int {
	i := int(math.Ceil(p*float64(n))) - 1
	return max(0, min(i, n-1))
}

func percentile(v []time.Duration, p float64) *Duration {
	if len(v) == 0 {
		return nil
	}
	s := slices.Clone(v)
	slices.Sort(s)
	d := Duration(s[rank(p, len(s))])
	return &d
}

func ratio(n, of int) Ratio {
	r := Ratio{Count: n, Of: of}
	if of > 0 {
		v := round4(float64(n) / float64(of))
		r.Rate = &v
	}
	return r
}

func round4(f float64) float64 { return math.Round(f*10000) / 10000 }

func short(rev string) string {
	if len(rev) > 12 {
		return rev[:12]
	}
	return rev
}

// explain lists the events behind the overall numbers.
func (a *analysis) explain(sel func(*dep) bool, q Query, w *Window) *Explain {
	ex := &Explain{Deployments: []DeploymentFact{}, Commits: []CommitFact{}, Failures: []FailureFact{},
		Incidents: []IncidentFact{}, NotCounted: []NotCounted{}}
	apps := map[string]bool{}
	for _, d := range a.deps {
		if !sel(d) {
			continue
		}
		if !d.finished {
			if w.Contains(d.start) {
				ex.NotCounted = append(ex.NotCounted, NotCounted{d.d.ID, "in progress"})
			}
			continue
		}
		if !w.Contains(d.end) {
			continue
		}
		apps[d.d.Application] = true
		f := DeploymentFact{
			ID: d.d.ID, Application: d.d.Application, Pipeline: d.d.Pipeline, Environment: d.envName,
			Start: d.start.In(w.loc), End: d.end.In(w.loc), Status: d.d.Status, Revision: d.d.Revision,
			Production: d.production, Kind: "deployment", Commits: []string{},
		}
		if d.rollback {
			f.Kind, f.RollbackOf, f.RollbackReason = "rollback", d.rollbackOf, d.rollbackWhy
		} else {
			f.Successful = d.success
			f.Commits = append(f.Commits, d.commits...)
			f.Failed, f.FailureReasons = d.failed(), d.failureTexts()
			f.Rework, f.ReworkReasons = len(d.rework) > 0, d.rework
			if d.failed() {
				ff := FailureFact{Deployment: d.d.ID, Application: d.d.Application, Environment: d.envName,
					Start: d.start.In(w.loc), End: d.end.In(w.loc), Reasons: d.failureTexts()}
				if r := d.recovery; r != nil {
					at := r.end.In(w.loc)
					rt := Duration(r.end.Sub(d.start))
					ff.RecoveredBy, ff.RecoveredAt, ff.Recovery = r.d.ID, &at, &rt
				}
				ex.Failures = append(ex.Failures, ff)
			}
		}
		ex.Deployments = append(ex.Deployments, f)
	}
	ex.Commits = append(ex.Commits, a.leadCommits(sel, w)...)
	for _, in := range a.incidents {
		app := in.Application
		if app == "" {
			if t := a.byID[in.Deployment]; t != nil {
				app = t.d.Application
			}
		}
		if q.Application != "" && app != "" && app != q.Application {
			continue
		}
		if !in.Start.Before(w.To) || (!in.End.IsZero() && in.End.Before(w.From)) {
			continue
		}
		f := IncidentFact{ID: in.ID, Application: app, Source: in.Source, Start: in.Start.In(w.loc), Deployment: in.Deployment}
		if !in.End.IsZero() {
			e := in.End.In(w.loc)
			f.End = &e
		}
		ex.Incidents = append(ex.Incidents, f)
	}
	for _, o := range a.others {
		t := cmp.Or(o.d.End, o.d.Start)
		if !w.Contains(t) {
			continue
		}
		if (q.Application != "" && o.d.Application != q.Application) || (q.Pipeline != "" && o.d.Pipeline != q.Pipeline) {
			continue
		}
		ex.NotCounted = append(ex.NotCounted, NotCounted{o.d.ID, o.reason})
	}
	return ex
}
