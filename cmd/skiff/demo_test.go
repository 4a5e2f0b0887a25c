package main

import (
	"bytes"
	"context"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestDemo plays the whole story and checks each step's outcome, not only
// that the demo says it went well.
func TestDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("the demo takes about a minute")
	}
	for _, tool := range []string{"git", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("the demo needs %s", tool)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var out bytes.Buffer
	res, err := runDemo(ctx, demoOptions{out: &out, dataDir: t.TempDir(), addr: "127.0.0.1:0"})
	t.Log(out.String())
	if err != nil {
		t.Fatalf("demo: %v", err)
	}
	if len(res.Pushes) != 3 {
		t.Fatalf("%d pushes, want 3", len(res.Pushes))
	}
	first, bad, fix := res.Pushes[0], res.Pushes[1], res.Pushes[2]
	for _, p := range []pushResult{first, fix} {
		if p.ExecutionStatus != "Succeeded" || p.DeploymentStatus != "Succeeded" || p.Rollback != "" {
			t.Errorf("push %q: execution %s, deployment %s, rollback %q; want a clean success", p.Message, p.ExecutionStatus, p.DeploymentStatus, p.Rollback)
		}
	}
	if first.Serving != "v1" || fix.Serving != "v3" {
		t.Errorf("serving %q after v1 and %q after the fix", first.Serving, fix.Serving)
	}
	// The canary rolled back: the bad release got traffic, failed requests,
	// was stopped by the alarm, and the good version serves again.
	if bad.ExecutionStatus != "Failed" || bad.FailedStage != "DeployToProduction" {
		t.Errorf("bad push: execution %s at %q", bad.ExecutionStatus, bad.FailedStage)
	}
	if bad.DeploymentStatus != "Stopped" || !strings.HasPrefix(bad.DeploymentError, "ALARM_ACTIVE") {
		t.Errorf("bad deployment: %s (%s), want Stopped on ALARM_ACTIVE", bad.DeploymentStatus, bad.DeploymentError)
	}
	if bad.Rollback == "" || bad.RollbackStatus != "Succeeded" {
		t.Errorf("rollback %q: %s", bad.Rollback, bad.RollbackStatus)
	}
	if bad.Errors == 0 || bad.Errors > bad.Total/2 {
		t.Errorf("%d of %d requests failed during the canary; want some, and only the canary's share", bad.Errors, bad.Total)
	}
	// Users see the bad release for at most about the alarm's evaluation
	// time plus 5 s; the test allows two periods, as the failure may begin
	// anywhere in one (BENCHMARKS.md has the figure at time scale 1).
	if limit := time.Duration(2*float64(demoAlarmEvaluation)*demoTimeScale) + 5*time.Second; bad.ErrorWindow > limit {
		t.Errorf("500s for %s, first to last; want under %s", bad.ErrorWindow, limit)
	}
	t.Logf("bad release: %d of %d requests answered 500, for %s", bad.Errors, bad.Total, bad.ErrorWindow)
	if bad.Serving != "v1" {
		t.Errorf("serving %q after the rollback, want v1", bad.Serving)
	}
	if fix.Errors != 0 {
		t.Errorf("%d requests failed while the fix deployed", fix.Errors)
	}
	// DORA: 3 attempted, 2 successful, 1 failed (1/3), recovered by the
	// rollback; every commit's lead time measured.
	g := res.DORA.Overall
	if f := g.DeploymentFrequency; f.Attempted != 3 || f.Successful != 2 || f.Rollbacks != 1 {
		t.Errorf("deployment frequency %+v", f)
	}
	if r := g.ChangeFailRate; r.Count != 1 || r.Of != 3 || r.Rate == nil || *r.Rate < 0.333 || *r.Rate > 0.334 {
		t.Errorf("change fail rate %+v", r)
	}
	if rt := g.RecoveryTime; rt.Failures != 1 || rt.Recovered != 1 || rt.Median == nil || time.Duration(*rt.Median) > time.Minute {
		t.Errorf("recovery time %+v", rt)
	}
	if lt := g.LeadTime; lt.Commits != 3 || lt.Median == nil {
		t.Errorf("lead time %+v", lt)
	}
	if rw := g.ReworkRate; rw.Count != 1 || rw.Of != 3 {
		t.Errorf("rework rate %+v: the fix followed the failed deployment", rw)
	}
	// The narration shows the story.
	for _, re := range []string{
		`stack demo: CREATE_COMPLETE, 16 resources`,
		`deployment d-\w+: Traffic shifted: 20% to the replacement instances`,
		`alarm demoapp-5xx: OK → ALARM`,
		`rolled back automatically by d-\w+`,
		`The story went as expected`,
		`Change fail rate +33\.3% \(1 of 3\)`,
	} {
		if !regexp.MustCompile(re).MatchString(out.String()) {
			t.Errorf("output lacks %q", re)
		}
	}
	if res.Duration > 2*time.Minute {
		t.Errorf("the demo took %s, over the 2 minutes it promises", res.Duration)
	}
}

// The traffic narration prints a moved share only when the move is larger
// than the sampling noise of the window it was read from.
func TestShifted(t *testing.T) {
	for _, c := range []struct {
		from, to, n int
		want        bool
	}{
		{20, 100, 40, true},  // a canary finishing its shift
		{20, 26, 200, false}, // noise around a 20 % canary at time scale 1
		{17, 26, 200, false},
		{20, 35, 200, true},
		{20, 40, 40, false}, // 40 answers cannot tell 20 from 40 apart
		{20, 50, 40, true},
		{0, 9, 200, false}, // under the 10-point floor
		{100, 85, 200, true},
		{50, 62, 200, false},
		{50, 66, 200, true},
	} {
		if got := shifted(c.from, c.to, c.n); got != c.want {
			t.Errorf("shifted(%d, %d, %d) = %v, want %v", c.from, c.to, c.n, got, c.want)
		}
	}
}
