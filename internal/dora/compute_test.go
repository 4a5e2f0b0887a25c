package dora

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// storyHistory is `skiff demo`'s story as the lead's adapter records it:
// three pushes, three production deployments attempted; the second is
// stopped by CodeDeploy on the 5XX alarm and rolled back automatically
// (CodeDeploy's rollback is a deployment of its own); the third fixes it.
func storyHistory() *History {
	d2 := prod("d-2", 11, 14, StatusStopped, "c2")
	d2.RolledBackBy = "d-2-rollback"
	rb := prod("d-2-rollback", 14, 16, StatusSucceeded, "c1")
	rb.Rollback, rb.Trigger, rb.RollbackOf = true, TriggerRollback, "d-2"
	return &History{
		Changes: []Change{commit("c1", 0), commit("c2", 10, "c1"), commit("c3", 20, "c2")},
		Deployments: []Deployment{
			prod("d-1", 1, 5, StatusSucceeded, "c1"),
			d2, rb,
			prod("d-3", 21, 25, StatusSucceeded, "c3"),
		},
		Incidents: []Incident{{ID: "web-5xx@10:13", Application: "web", Source: "web-5xx", Start: at(13), End: at(17), Deployment: "d-2"}},
	}
}

func TestDemoStory(t *testing.T) {
	r := compute(t, storyHistory(), Query{Days: 7, Explain: true}, opts(at(60)))
	g := r.Overall
	df := g.DeploymentFrequency
	// Deployment frequency counts successful production deployments: d-1
	// and d-3. d-2 was attempted (it counts in the rates); the rollback
	// counts in neither.
	if df.Successful != 2 || df.Attempted != 3 || df.Rollbacks != 1 {
		t.Errorf("deployments: successful %d attempted %d rollbacks %d, want 2 3 1", df.Successful, df.Attempted, df.Rollbacks)
	}
	if df.DeploymentDays != 1 || df.MedianDeploymentDaysPerWeek != 1 || df.Band != High {
		t.Errorf("deployment days %d, median/week %d, band %q; want 1, 1, high", df.DeploymentDays, df.MedianDeploymentDaysPerWeek, df.Band)
	}
	if df.PerDay != round4(2.0/7) || df.PerWeek != 2 {
		t.Errorf("per day %v per week %v", df.PerDay, df.PerWeek)
	}
	if cfr := g.ChangeFailRate; cfr.Count != 1 || cfr.Of != 3 || rate(cfr) != round4(1.0/3) || cfr.Band != Medium {
		t.Errorf("change fail rate %+v, want 1/3 medium", cfr)
	}
	// Recovery: the rollback's completion (10:16) minus the failing
	// deployment's start (10:11).
	if rt := g.RecoveryTime; rt.Failures != 1 || rt.Recovered != 1 || dur(rt.Median) != 5*time.Minute || rt.Band != Elite {
		t.Errorf("recovery %+v median %v, want 1 failure recovered in 5m, elite", rt, dur(rt.Median))
	}
	if rw := g.ReworkRate; rw.Count != 1 || rw.Of != 3 || rw.Band != NoBand || !strings.Contains(rw.BandNote, "no published bands") {
		t.Errorf("rework %+v, want 1/3 without band", rw)
	}
	// Lead times: c1 5m (d-1); c2 15m — d-2 never succeeded, so c2 is first
	// deployed by d-3 and counts from its own commit time; c3 5m.
	if lt := g.LeadTime; lt.Commits != 3 || dur(lt.Median) != 5*time.Minute || dur(lt.P90) != 15*time.Minute || lt.Band != Elite {
		t.Errorf("lead time %+v median %v p90 %v", lt, dur(lt.Median), dur(lt.P90))
	}
	if c := leadOf(t, r, "c2"); c.Deployment != "d-3" || dur(c.LeadTime) != 15*time.Minute {
		t.Errorf("c2: %+v", c)
	}
	d2 := findDep(t, r, "d-2")
	if !d2.Failed || !slices.Contains(d2.FailureReasons, "stopped") ||
		!slices.Contains(d2.FailureReasons, "rolled back by d-2-rollback (automatically)") ||
		!slices.ContainsFunc(d2.FailureReasons, func(s string) bool { return strings.HasPrefix(s, "incident web-5xx@10:13") }) {
		t.Errorf("d-2 failure reasons %q", d2.FailureReasons)
	}
	d3 := findDep(t, r, "d-3")
	if !d3.Rework || d3.Failed || !d3.Successful || !slices.Equal(d3.Commits, []string{"c2", "c3"}) {
		t.Errorf("d-3: %+v", d3)
	}
	if rb := findDep(t, r, "d-2-rollback"); rb.Kind != "rollback" || rb.RollbackOf != "d-2" || rb.Rework || rb.Failed {
		t.Errorf("rollback: %+v", rb)
	}
	if len(r.Explain.Failures) != 1 || r.Explain.Failures[0].RecoveredBy != "d-2-rollback" {
		t.Errorf("failures: %+v", r.Explain.Failures)
	}
	// One application, one pipeline, same numbers.
	if len(r.Applications) != 1 || r.Applications[0].Name != "web" || r.Applications[0].ChangeFailRate.Count != 1 ||
		len(r.Pipelines) != 1 || r.Pipelines[0].Name != "web-pipeline" {
		t.Errorf("groups: %+v %+v", r.Applications, r.Pipelines)
	}
}

// The same story when the adapter marks nothing: the rollback is
// recognised as a redeploy of the revision before d-2, d-2's failure from
// its status, d-3's rework as the first deployment after it.
func TestDemoStoryUnmarked(t *testing.T) {
	h := storyHistory()
	h.Incidents = nil
	for i := range h.Deployments {
		d := &h.Deployments[i]
		d.Rollback, d.RollbackOf, d.RolledBackBy, d.Trigger = false, "", "", TriggerUnknown
	}
	r := compute(t, h, Query{Days: 7, Explain: true}, opts(at(60)))
	g := r.Overall
	if g.DeploymentFrequency.Successful != 2 || g.ChangeFailRate.Count != 1 || g.ChangeFailRate.Of != 3 ||
		g.ReworkRate.Count != 1 || dur(g.RecoveryTime.Median) != 5*time.Minute {
		t.Errorf("%+v", g)
	}
	rb := findDep(t, r, "d-2-rollback")
	if rb.Kind != "rollback" || rb.RollbackOf != "d-2" || !strings.HasPrefix(rb.RollbackReason, "redeploys revision c1") {
		t.Errorf("rollback %+v", rb)
	}
	d2 := findDep(t, r, "d-2")
	if !slices.Equal(d2.FailureReasons, []string{"stopped", "rolled back by d-2-rollback (by redeploying an earlier revision)"}) {
		t.Errorf("d-2 reasons %q", d2.FailureReasons)
	}
	if d3 := findDep(t, r, "d-3"); !slices.Equal(d3.ReworkReasons, []string{"first deployment after failed deployment d-2"}) {
		t.Errorf("d-3 rework %q", d3.ReworkReasons)
	}
}

func TestCommitDeployedByLaterDeployment(t *testing.T) {
	// c1, c2 are pushed; d-1 fails deploying c2; c3 follows; d-2 deploys
	// c3, which contains c1 and c2.
	h := &History{
		Changes: []Change{commit("c1", 0), commit("c2", 30, "c1"), commit("c3", 120, "c2")},
		Deployments: []Deployment{
			prod("d-1", 35, 40, StatusFailed, "c2"),
			prod("d-2", 125, 150, StatusSucceeded, "c3"),
		},
	}
	r := compute(t, h, Query{Days: 1, Explain: true}, opts(at(600)))
	want := map[string]time.Duration{"c1": 150 * time.Minute, "c2": 120 * time.Minute, "c3": 30 * time.Minute}
	for c, d := range want {
		if f := leadOf(t, r, c); f.Deployment != "d-2" || dur(f.LeadTime) != d {
			t.Errorf("%s: %+v, want %v by d-2", c, f, d)
		}
	}
	lt := r.Overall.LeadTime
	if lt.Commits != 3 || dur(lt.Median) != 120*time.Minute || dur(lt.P90) != 150*time.Minute {
		t.Errorf("lead time %+v", lt)
	}
	// d-1 failed (no rollback) and was recovered by the fix-forward d-2,
	// the next successful deployment: 125+25-35 = 115 minutes; d-2 is
	// rework.
	if rt := r.Overall.RecoveryTime; dur(rt.Median) != 115*time.Minute {
		t.Errorf("recovery %v", dur(rt.Median))
	}
	if d := findDep(t, r, "d-2"); !slices.Equal(d.ReworkReasons, []string{"first deployment after failed deployment d-1"}) {
		t.Errorf("d-2 rework %q", d.ReworkReasons)
	}
	if g := r.Overall; g.ChangeFailRate.Count != 1 || g.ChangeFailRate.Of != 2 || g.ReworkRate.Count != 1 {
		t.Errorf("cfr %+v rework %+v", g.ChangeFailRate, g.ReworkRate)
	}
}

// A commit already deployed is not counted again; commits deployed before
// the window are not in it; precomputed commit lists work like parents.
func TestAlreadyDeployedAndPrecomputedCommits(t *testing.T) {
	day := 24 * 60.0
	h := &History{
		Changes: []Change{commit("c1", 0), commit("c2", 10), commit("c3", 3*day)},
		Deployments: []Deployment{
			func() Deployment {
				d := prod("d-1", 20, 25, StatusSucceeded, "c2")
				d.Commits = []string{"c1", "c2"}
				return d
			}(),
			// Lists every commit reachable from c3 again: c1 and c2 are
			// subtracted.
			func() Deployment {
				d := prod("d-2", 3*day+10, 3*day+20, StatusSucceeded, "c3")
				d.Commits = []string{"c1", "c2", "c3"}
				return d
			}(),
		},
	}
	// A window holding only the second deployment.
	q := Query{From: at(2 * day), To: at(4 * day), Explain: true}
	r := compute(t, h, q, opts(at(5*day)))
	if n := len(r.Explain.Commits); n != 1 || r.Explain.Commits[0].Commit != "c3" || dur(r.Explain.Commits[0].LeadTime) != 20*time.Minute {
		t.Errorf("commits %+v", r.Explain.Commits)
	}
}

func TestDeploymentWithNoCommits(t *testing.T) {
	h := &History{
		Changes: []Change{commit("c1", 0)},
		Deployments: []Deployment{
			prod("d-1", 5, 10, StatusSucceeded, "c1"),
			// A configuration-only deployment: no revision, no commits.
			func() Deployment { d := prod("d-2", 60, 70, StatusSucceeded, ""); d.Trigger = TriggerManual; return d }(),
			// A redeploy of the same revision: nothing new.
			prod("d-3", 80, 90, StatusSucceeded, "c1"),
		},
	}
	r := compute(t, h, Query{Days: 1, Explain: true}, opts(at(120)))
	g := r.Overall
	if g.DeploymentFrequency.Successful != 3 || g.LeadTime.Commits != 1 || dur(g.LeadTime.Median) != 10*time.Minute {
		t.Errorf("%+v %+v", g.DeploymentFrequency, g.LeadTime)
	}
	for _, id := range []string{"d-2", "d-3"} {
		if d := findDep(t, r, id); len(d.Commits) != 0 || d.Kind != "deployment" || d.Failed || d.Rework {
			t.Errorf("%s: %+v", id, d)
		}
	}
}

func TestFixForward(t *testing.T) {
	h := &History{
		Changes: []Change{commit("c1", 0), commit("c2", 60, "c1")},
		Deployments: []Deployment{
			prod("d-1", 5, 10, StatusSucceeded, "c1"),
			func() Deployment { d := prod("d-2", 65, 70, StatusSucceeded, "c2"); d.Fix = true; return d }(),
		},
	}
	r := compute(t, h, Query{Days: 1, Explain: true}, opts(at(120)))
	g := r.Overall
	// d-1 succeeded but needed a fix 55 minutes later: a failure, recovered
	// when the fix ended (70 − 5 = 65 minutes). The fix is rework.
	if g.ChangeFailRate.Count != 1 || g.ChangeFailRate.Of != 2 || g.ReworkRate.Count != 1 {
		t.Errorf("cfr %+v rework %+v", g.ChangeFailRate, g.ReworkRate)
	}
	if dur(g.RecoveryTime.Median) != 65*time.Minute || g.RecoveryTime.Band != High {
		t.Errorf("recovery %v %s", dur(g.RecoveryTime.Median), g.RecoveryTime.Band)
	}
	if d := findDep(t, r, "d-1"); !slices.Equal(d.FailureReasons, []string{"fixed forward by d-2"}) {
		t.Errorf("d-1: %q", d.FailureReasons)
	}
	if d := findDep(t, r, "d-2"); !d.Rework || d.Failed || !slices.Contains(d.ReworkReasons, "marked as a fix") {
		t.Errorf("d-2: %+v", d)
	}

	// Outside the fix window the fix is still rework but says nothing
	// about the deployment before it.
	o := opts(at(120))
	o.FixWindow = 30 * time.Minute
	r = compute(t, h, Query{Days: 1}, o)
	if r.Overall.ChangeFailRate.Count != 0 || r.Overall.ReworkRate.Count != 1 {
		t.Errorf("window 30m: cfr %+v rework %+v", r.Overall.ChangeFailRate, r.Overall.ReworkRate)
	}
}

// A fix linked to an incident attributed to a deployment marks that
// deployment failed, whatever its distance.
func TestCausedByIncident(t *testing.T) {
	h := &History{
		Changes: []Change{commit("c1", 0), commit("c2", 30, "c1"), commit("c3", 3000, "c2")},
		Deployments: []Deployment{
			prod("d-1", 5, 10, StatusSucceeded, "c1"),
			prod("d-2", 35, 40, StatusSucceeded, "c2"), // planned, unrelated
			func() Deployment {
				d := prod("d-3", 3005, 3010, StatusSucceeded, "c3")
				d.CausedBy = []string{"inc-1"}
				return d
			}(),
		},
		Incidents: []Incident{{ID: "inc-1", Application: "web", Start: at(2900), Deployment: "d-1"}},
	}
	r := compute(t, h, Query{Days: 7, Explain: true}, opts(at(4000)))
	d1 := findDep(t, r, "d-1")
	if !slices.Equal(d1.FailureReasons, []string{"incident inc-1 attributed to it", "fixed forward by d-3"}) {
		t.Errorf("d-1: %q", d1.FailureReasons)
	}
	// d-2 started before the failure was known (the incident at 2900): not
	// rework. d-3 is rework (caused by the incident, first after it).
	if d := findDep(t, r, "d-2"); d.Rework || d.Failed {
		t.Errorf("d-2: %+v", d)
	}
	d3 := findDep(t, r, "d-3")
	if !slices.Equal(d3.ReworkReasons, []string{"caused by incident inc-1", "first deployment after failed deployment d-1", "first deployment after incident inc-1 started"}) {
		t.Errorf("d-3: %q", d3.ReworkReasons)
	}
	// d-1's recovery: d-2 started before the failure showed (it still
	// contained d-1's change), so production was healthy again only when
	// the fix d-3 ended: 3010 − 5 minutes.
	if f := r.Explain.Failures; len(f) != 1 || f[0].RecoveredBy != "d-3" || dur(f[0].Recovery) != 3005*time.Minute {
		t.Errorf("failures %+v", f)
	}
}

func TestManualRollbackAndRedeploy(t *testing.T) {
	// A, then B, then A again by hand (a rollback of B), then B again
	// (a deployment, not a rollback of the rollback).
	h := &History{
		Changes: []Change{commit("a", 0), commit("b", 30, "a")},
		Deployments: []Deployment{
			prod("d-1", 5, 10, StatusSucceeded, "a"),
			prod("d-2", 35, 40, StatusSucceeded, "b"),
			func() Deployment { d := prod("d-3", 50, 55, StatusSucceeded, "a"); d.Trigger = TriggerManual; return d }(),
			prod("d-4", 90, 95, StatusSucceeded, "b"),
		},
	}
	r := compute(t, h, Query{Days: 1, Explain: true}, opts(at(120)))
	if d := findDep(t, r, "d-3"); d.Kind != "rollback" || d.RollbackOf != "d-2" {
		t.Errorf("d-3: %+v", d)
	}
	if d := findDep(t, r, "d-2"); !slices.Equal(d.FailureReasons, []string{"rolled back by d-3 (by hand)"}) {
		t.Errorf("d-2: %q", d.FailureReasons)
	}
	d4 := findDep(t, r, "d-4")
	if d4.Kind != "deployment" || len(d4.Commits) != 0 || !d4.Rework {
		t.Errorf("d-4: %+v", d4)
	}
	g := r.Overall
	// d-1, d-2, d-4 attempted and successful; d-2 failed; recovered by the
	// rollback at 55 (55 − 35 = 20m).
	if g.DeploymentFrequency.Successful != 3 || g.DeploymentFrequency.Rollbacks != 1 || g.ChangeFailRate.Count != 1 ||
		dur(g.RecoveryTime.Median) != 20*time.Minute {
		t.Errorf("%+v %+v %v", g.DeploymentFrequency, g.ChangeFailRate, dur(g.RecoveryTime.Median))
	}
	// b's lead time is at d-2 (its first successful deployment), not d-4.
	if c := leadOf(t, r, "b"); c.Deployment != "d-2" {
		t.Errorf("b: %+v", c)
	}
}

func TestNonProductionIgnored(t *testing.T) {
	staging := prod("s-1", 1, 3, StatusFailed, "c1")
	staging.Group, staging.Stage = "web-staging", "Staging"
	preprod := prod("p-1", 1, 3, StatusFailed, "c1")
	preprod.Group, preprod.Stage = "web-PreProd", "Beta"
	h := &History{
		Changes:     []Change{commit("c1", 0)},
		Deployments: []Deployment{staging, preprod, prod("d-1", 5, 10, StatusSucceeded, "c1")},
	}
	r := compute(t, h, Query{Days: 1, Explain: true}, opts(at(60)))
	if g := r.Overall; g.DeploymentFrequency.Attempted != 1 || g.ChangeFailRate.Count != 0 {
		t.Errorf("%+v", g)
	}
	if n := len(r.Explain.NotCounted); n != 2 || !strings.HasPrefix(r.Explain.NotCounted[0].Reason, "not production") {
		t.Errorf("not counted %+v", r.Explain.NotCounted)
	}
	// Configured by name: only the staging group is "production" now.
	o := opts(at(60))
	o.Production = Production{Names: []string{"WEB-STAGING"}}
	r = compute(t, h, Query{Days: 1}, o)
	if g := r.Overall; g.DeploymentFrequency.Attempted != 1 || g.ChangeFailRate.Count != 1 {
		t.Errorf("configured: %+v", g)
	}
}

func TestProductionMatch(t *testing.T) {
	cases := []struct {
		d    Deployment
		p    Production
		want bool
	}{
		{Deployment{Group: "web-prod"}, Production{}, true},
		{Deployment{Stage: "DeployToProd"}, Production{}, true},
		{Deployment{Stage: "Production"}, Production{}, true},
		{Deployment{Environment: "PRODUCTION"}, Production{}, true},
		{Deployment{Group: "prod_eu-west-1"}, Production{}, true},
		{Deployment{Group: "preprod"}, Production{}, false},
		{Deployment{Group: "pre-prod"}, Production{}, false},
		{Deployment{Stage: "PreProd"}, Production{}, false},
		{Deployment{Group: "nonprod"}, Production{}, false},
		{Deployment{Group: "products"}, Production{}, false},
		{Deployment{Group: "web", Tags: map[string]string{"Environment": "Prod"}}, Production{}, true},
		{Deployment{Group: "web", Tags: map[string]string{"team": "prod"}}, Production{}, false},
		{Deployment{Group: "web-live"}, Production{Patterns: []string{"*-LIVE"}}, true},
		{Deployment{Group: "web-prod"}, Production{Patterns: []string{"*-live"}}, false},
		{Deployment{Group: "web", Tags: map[string]string{"tier": "front"}}, Production{Tags: map[string]string{"Tier": ""}}, true},
		{Deployment{Group: "web", Tags: map[string]string{"tier": "back"}}, Production{Tags: map[string]string{"tier": "front"}}, false},
	}
	for _, c := range cases {
		if got, why := c.p.Match(&c.d); got != c.want {
			t.Errorf("%+v with %+v: %v (%s), want %v", c.d, c.p, got, why, c.want)
		}
	}
	if err := (Production{Patterns: []string{"[a-"}}).Validate(); err == nil {
		t.Error("bad pattern accepted")
	}
}

func TestTimeZonesCutDays(t *testing.T) {
	tokyo := mustLoc(t, "Asia/Tokyo")
	la := mustLoc(t, "America/Los_Angeles")
	// Two deployments 2 hours apart around midnight UTC: 2026-03-02 23:00
	// and 2026-03-03 01:00 UTC. In UTC they are on two days; in Tokyo
	// (+9) both on 3 March; in Los Angeles (−8) both on 2 March.
	d1 := prod("d-1", 12*60, 13*60, StatusSucceeded, "")
	d2 := prod("d-2", 14*60, 15*60, StatusSucceeded, "")
	h := &History{Deployments: []Deployment{d1, d2}}
	now := at(20 * 60)
	for _, c := range []struct {
		loc  *time.Location
		days int
	}{{time.UTC, 2}, {tokyo, 1}, {la, 1}} {
		r := compute(t, h, Query{Days: 7}, opts(now, c.loc))
		if got := r.Overall.DeploymentFrequency.DeploymentDays; got != c.days {
			t.Errorf("%s: %d deployment days, want %d", c.loc, got, c.days)
		}
		if r.Window.TimeZone != c.loc.String() {
			t.Errorf("time zone %q", r.Window.TimeZone)
		}
	}
	// A 1-day window in Tokyo: today there is 3 March, from 00:00 +09:00
	// (2 March 15:00 UTC): d-1 ended at 23:00 UTC, in it.
	r := compute(t, h, Query{Days: 1}, opts(now, tokyo))
	if r.Window.From != time.Date(2026, 3, 3, 0, 0, 0, 0, tokyo) || r.Overall.DeploymentFrequency.Successful != 2 {
		t.Errorf("tokyo 1d: from %s, %d deployments", r.Window.From, r.Overall.DeploymentFrequency.Successful)
	}
	r = compute(t, h, Query{Days: 1}, opts(now, time.UTC))
	if r.Overall.DeploymentFrequency.Successful != 1 {
		t.Errorf("utc 1d: %d deployments", r.Overall.DeploymentFrequency.Successful)
	}
}

func TestDaylightSavingWindow(t *testing.T) {
	paris := mustLoc(t, "Europe/Paris")
	// Clocks go forward on 29 March 2026 in Paris: that day is 23 hours.
	now := time.Date(2026, 3, 30, 12, 0, 0, 0, paris)
	r := compute(t, &History{}, Query{Days: 7}, opts(now, paris))
	if r.Window.Days != 7 || r.Window.From != time.Date(2026, 3, 24, 0, 0, 0, 0, paris) || r.Window.Weeks != 1 {
		t.Errorf("window %+v", r.Window)
	}
}

func TestWindows(t *testing.T) {
	// One successful deployment every 2 days for 100 days, at noon UTC.
	var h History
	start := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	for i := 0; i < 50; i++ {
		t0 := start.AddDate(0, 0, 2*i)
		h.Deployments = append(h.Deployments, Deployment{ID: fmt.Sprintf("d-%d", i), Application: "web",
			Group: "prod", Start: t0, End: t0.Add(time.Minute), Status: StatusSucceeded})
	}
	now := start.AddDate(0, 0, 99).Add(6 * time.Hour) // the day of the last deployment, 18:00
	for _, c := range []struct {
		days, want, weeks, median int
		band                      Band
	}{
		{7, 3, 1, 3, Elite}, // days 94, 96, 98 of the series
		{30, 15, 4, 3, Elite},
		{90, 45, 12, 3, Elite},
	} {
		r := compute(t, &h, Query{Days: c.days}, opts(now))
		df := r.Overall.DeploymentFrequency
		if df.Successful != c.want || r.Window.Weeks != c.weeks || df.MedianDeploymentDaysPerWeek != c.median || df.Band != c.band {
			t.Errorf("%dd: %d deployments, %d weeks, median %d, %s; want %d %d %d %s",
				c.days, df.Successful, r.Window.Weeks, df.MedianDeploymentDaysPerWeek, df.Band, c.want, c.weeks, c.median, c.band)
		}
		if r.Window.Days != c.days {
			t.Errorf("%dd: window days %d", c.days, r.Window.Days)
		}
	}
	// A custom range: January (31 days), dates as a CLI or URL gives them.
	from, _ := ParseBound("2026-01-01", time.UTC, false)
	to, _ := ParseBound("2026-01-31", time.UTC, true)
	r := compute(t, &h, Query{From: from, To: to}, opts(now))
	if r.Window.Label != "custom" || r.Window.Days != 31 || r.Overall.DeploymentFrequency.Successful != 16 {
		t.Errorf("january: %+v, %d deployments", r.Window, r.Overall.DeploymentFrequency.Successful)
	}
	if _, err := Compute(&h, Query{From: to, To: from}, opts(now)); err == nil {
		t.Error("reversed range accepted")
	}
}

func TestFrequencyBands(t *testing.T) {
	cases := []struct {
		successful, median int
		perDay             float64
		want               Band
	}{
		{0, 0, 0, NoBand},
		{30, 5, 1, Elite},
		{10, 3, 0.3, Elite},
		{4, 1, 0.13, High},
		{2, 0, 2.0 / 30, Medium},
		{1, 0, 1.0 / 90, Low},
	}
	for _, c := range cases {
		if b, _ := frequencyBand(c.successful, c.median, c.perDay); b != c.want {
			t.Errorf("%+v: %s", c, b)
		}
	}
}

func TestBands(t *testing.T) {
	d := func(x time.Duration) *Duration { v := Duration(x); return &v }
	f := func(x float64) *float64 { return &x }
	for _, c := range []struct {
		got, want Band
	}{
		{first(leadTimeBand(d(23 * time.Hour))), Elite},
		{first(leadTimeBand(d(24 * time.Hour))), High},
		{first(leadTimeBand(d(6 * day))), High},
		{first(leadTimeBand(d(8 * day))), Medium},
		{first(leadTimeBand(d(31 * day))), Low},
		{first(leadTimeBand(nil)), NoBand},
		{first(changeFailBand(f(0))), Elite},
		{first(changeFailBand(f(0.05))), Elite},
		{first(changeFailBand(f(0.10))), High},
		{first(changeFailBand(f(0.20))), High},
		{first(changeFailBand(f(0.3333))), Medium},
		{first(changeFailBand(f(0.40))), Low},
		{first(changeFailBand(nil)), NoBand},
		{first(recoveryBand(d(59*time.Minute), 1)), Elite},
		{first(recoveryBand(d(2*time.Hour), 1)), High},
		{first(recoveryBand(d(2*day), 1)), Medium},
		{first(recoveryBand(d(8*day), 1)), Low},
		{first(recoveryBand(nil, 1)), NoBand},
	} {
		if c.got != c.want {
			t.Errorf("band %s, want %s", c.got, c.want)
		}
	}
}

func first(b Band, _ string) Band { return b }

func TestSeveralApplicationsAndPipelines(t *testing.T) {
	api := func(id string, start, end float64, st Status, rev string) Deployment {
		d := prod(id, start, end, st, rev)
		d.Application, d.Pipeline, d.Group, d.Repository = "api", "api-pipeline", "api-production", "api"
		return d
	}
	hotfix := prod("w-3", 200, 205, StatusSucceeded, "w3")
	hotfix.Pipeline, hotfix.Fix = "web-hotfix", true
	h := &History{
		Changes: []Change{commit("w1", 0), commit("w2", 100, "w1"), commit("w3", 190, "w2"),
			{ID: "a1", Repository: "api", CommitTime: at(10)}, {ID: "a2", Repository: "api", CommitTime: at(20), Parents: []string{"a1"}}},
		Deployments: []Deployment{
			prod("w-1", 5, 10, StatusSucceeded, "w1"),
			prod("w-2", 105, 110, StatusSucceeded, "w2"),
			hotfix,
			api("a-1", 15, 20, StatusSucceeded, "a1"),
			api("a-2", 25, 30, StatusFailed, "a2"),
		},
	}
	r := compute(t, h, Query{Days: 1}, opts(at(600)))
	if g := r.Overall; g.DeploymentFrequency.Attempted != 5 || g.DeploymentFrequency.Successful != 4 ||
		g.ChangeFailRate.Count != 2 || g.ReworkRate.Count != 1 {
		t.Errorf("overall %+v %+v %+v", g.DeploymentFrequency, g.ChangeFailRate, g.ReworkRate)
	}
	byName := map[string]Group{}
	for _, g := range append(r.Applications, r.Pipelines...) {
		byName[g.Scope+":"+g.Name] = g
	}
	if len(r.Applications) != 2 || len(r.Pipelines) != 3 {
		t.Fatalf("groups %d apps %d pipelines", len(r.Applications), len(r.Pipelines))
	}
	web, apiG := byName["application:web"], byName["application:api"]
	if web.ChangeFailRate.Count != 1 || web.ChangeFailRate.Of != 3 || web.ReworkRate.Count != 1 {
		t.Errorf("web %+v", web)
	}
	if apiG.ChangeFailRate.Count != 1 || apiG.ChangeFailRate.Of != 2 || apiG.LeadTime.Commits != 1 ||
		apiG.RecoveryTime.Unrecovered != 1 || apiG.RecoveryTime.Median != nil {
		t.Errorf("api %+v", apiG)
	}
	// The hotfix pipeline fixed forward w-2, which the main pipeline
	// deployed: the failure is the web pipeline's, the rework the hotfix
	// pipeline's.
	wp, hp := byName["pipeline:web-pipeline"], byName["pipeline:web-hotfix"]
	if wp.ChangeFailRate.Count != 1 || wp.ReworkRate.Count != 0 || hp.ReworkRate.Count != 1 || hp.ChangeFailRate.Count != 0 {
		t.Errorf("pipelines web %+v hotfix %+v", wp, hp)
	}
	// Filtered to one application.
	r = compute(t, h, Query{Days: 1, Application: "api"}, opts(at(600)))
	if len(r.Applications) != 1 || r.Overall.DeploymentFrequency.Attempted != 2 || r.Filter.Application != "api" {
		t.Errorf("filtered %+v", r.Overall)
	}
}

// A failure before the window leads into it: the deployment right after
// it, inside the window, is rework.
func TestFailureBeforeWindow(t *testing.T) {
	h := &History{Deployments: []Deployment{
		prod("d-1", 0, 10, StatusFailed, ""),
		prod("d-2", 2*60, 2*60+5, StatusSucceeded, ""),
	}}
	q := Query{From: at(60), To: at(600)}
	r := compute(t, h, q, opts(at(600)))
	if g := r.Overall; g.DeploymentFrequency.Attempted != 1 || g.ChangeFailRate.Count != 0 || g.ReworkRate.Count != 1 {
		t.Errorf("%+v", g)
	}
}

func TestInvalidRecordsAreWarnings(t *testing.T) {
	h := &History{
		Changes: []Change{{ID: "x"}},
		Deployments: []Deployment{
			{ID: "bad", Application: "web", Group: "prod", Status: "Weird", End: at(1)},
			prod("d-1", 1, 2, StatusSucceeded, ""),
			prod("d-1", 3, 4, StatusFailed, ""),
			func() Deployment { d := prod("d-2", 5, 0, StatusInProgress, ""); d.End = time.Time{}; return d }(),
		},
		Incidents: []Incident{{ID: "i"}},
	}
	r := compute(t, h, Query{Days: 1, Explain: true}, opts(at(60)))
	if len(r.Warnings) != 4 || r.Overall.DeploymentFrequency.Attempted != 1 {
		t.Errorf("warnings %q, %+v", r.Warnings, r.Overall.DeploymentFrequency)
	}
	var reasons []string
	for _, n := range r.Explain.NotCounted {
		reasons = append(reasons, n.ID+": "+n.Reason)
	}
	if !slices.Contains(reasons, "d-2: in progress") || !slices.ContainsFunc(reasons, func(s string) bool { return strings.HasPrefix(s, "bad: invalid") }) {
		t.Errorf("not counted %q", reasons)
	}
}

func TestLeadTimeFrom(t *testing.T) {
	c := Change{ID: "c1", AuthorTime: at(-60), CommitTime: at(0), PushTime: at(30)}
	h := &History{Changes: []Change{c}, Deployments: []Deployment{prod("d-1", 35, 40, StatusSucceeded, "c1")}}
	for from, want := range map[LeadTimeFrom]time.Duration{
		"": 40 * time.Minute, FromCommit: 40 * time.Minute, FromAuthor: 100 * time.Minute, FromPush: 10 * time.Minute,
	} {
		o := opts(at(60))
		o.LeadTimeFrom = from
		r := compute(t, h, Query{Days: 1}, o)
		if got := dur(r.Overall.LeadTime.Median); got != want {
			t.Errorf("from %q: %v, want %v", from, got, want)
		}
	}
	// Unknown commit time and clock skew are excluded, and said.
	h = &History{
		Changes: []Change{{ID: "late", CommitTime: at(100)}},
		Deployments: []Deployment{func() Deployment {
			d := prod("d-1", 35, 40, StatusSucceeded, "")
			d.Commits = []string{"late", "ghost"}
			return d
		}()},
	}
	r := compute(t, h, Query{Days: 1, Explain: true}, opts(at(200)))
	if r.Overall.LeadTime.Commits != 0 || len(r.Explain.Commits) != 2 {
		t.Fatalf("%+v %+v", r.Overall.LeadTime, r.Explain.Commits)
	}
	if leadOf(t, r, "ghost").Excluded != "commit time unknown" || !strings.HasPrefix(leadOf(t, r, "late").Excluded, "committed after") {
		t.Errorf("%+v", r.Explain.Commits)
	}
}

func TestPercentileNearestRank(t *testing.T) {
	var v []time.Duration
	for i := 1; i <= 10; i++ {
		v = append(v, time.Duration(i)*time.Minute)
	}
	if dur(percentile(v, 0.5)) != 5*time.Minute || dur(percentile(v, 0.9)) != 9*time.Minute {
		t.Errorf("median %v p90 %v", dur(percentile(v, 0.5)), dur(percentile(v, 0.9)))
	}
	if dur(percentile(v[:1], 0.9)) != time.Minute || percentile(nil, 0.5) != nil {
		t.Error("edges")
	}
}

func TestHumanDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		500 * time.Millisecond:          "500ms",
		45 * time.Second:                "45s",
		12*time.Minute + 30*time.Second: "12m30s",
		3*time.Hour + 5*time.Minute:     "3h05m",
		50 * time.Hour:                  "2d2h",
	} {
		if got := humanDuration(d); got != want {
			t.Errorf("%v: %q, want %q", d, got, want)
		}
	}
}
