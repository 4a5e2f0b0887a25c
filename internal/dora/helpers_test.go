package dora

import (
	"testing"
	"time"
)

// base is the hand-made histories' origin: Monday 2 March 2026, 10:00 UTC.
var base = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// at is base plus minutes.
func at(min float64) time.Time { return base.Add(time.Duration(min * float64(time.Minute))) }

func commit(id string, min float64, parents ...string) Change {
	return Change{ID: id, Repository: "web", Author: "dev <dev@example.com>", CommitTime: at(min), Parents: parents, Message: "change " + id}
}

// prod is a production deployment of application web by pipeline
// web-pipeline to deployment group web-prod.
func prod(id string, start, end float64, st Status, rev string) Deployment {
	return Deployment{ID: id, Application: "web", Pipeline: "web-pipeline", Stage: "Deploy", Group: "web-prod",
		Start: at(start), End: at(end), Status: st, Revision: rev, Repository: "web", Trigger: TriggerPush}
}

// opts fixes now and the location (UTC unless given).
func opts(now time.Time, loc ...*time.Location) Options {
	o := Options{Now: func() time.Time { return now }, Location: time.UTC}
	if len(loc) > 0 {
		o.Location = loc[0]
	}
	return o
}

func compute(t *testing.T, h *History, q Query, o Options) *Report {
	t.Helper()
	r, err := Compute(h, q, o)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func dur(d *Duration) time.Duration {
	if d == nil {
		return -1
	}
	return time.Duration(*d)
}

func rate(r Ratio) float64 {
	if r.Rate == nil {
		return -1
	}
	return *r.Rate
}

func findDep(t *testing.T, r *Report, id string) DeploymentFact {
	t.Helper()
	for _, d := range r.Explain.Deployments {
		if d.ID == id {
			return d
		}
	}
	t.Fatalf("deployment %s not in explain", id)
	return DeploymentFact{}
}

func leadOf(t *testing.T, r *Report, commit string) CommitFact {
	t.Helper()
	for _, c := range r.Explain.Commits {
		if c.Commit == commit {
			return c
		}
	}
	t.Fatalf("commit %s not in explain", commit)
	return CommitFact{}
}

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	l, err := time.LoadLocation(name)
	if err != nil {
		t.Skipf("time zone %s: %v", name, err)
	}
	return l
}
