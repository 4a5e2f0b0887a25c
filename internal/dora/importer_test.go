package dora

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/skiff-dev/skiff/internal/store"
)

func TestImportCSVDeploymentsWithCommitRows(t *testing.T) {
	// One row per deployed commit (DevLake's cicd_deployment_commits
	// shape): d-1 shipped c1 and c2, d-2 shipped c3.
	in := "\xef\xbb\xbfDeployment ID,Application,Environment,Start,End,Result,Commit SHA,Commit_Time,Trigger,Fix\n" +
		"d-1,web,PRODUCTION,2026-03-02T10:00:00Z,2026-03-02T10:05:00Z,SUCCESS,c1,2026-03-02T09:00:00Z,push,\n" +
		"d-1,web,PRODUCTION,,,,c2,2026-03-02T09:30:00Z,,\n" +
		"d-2,web,PRODUCTION,2026-03-02T12:00:00Z,2026-03-02T12:05:00Z,failure,c3,2026-03-02T11:00:00+01:00,manual,yes\n"
	h, err := Import(strings.NewReader(in), FormatCSV)
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Deployments) != 2 || len(h.Changes) != 3 {
		t.Fatalf("%+v", h)
	}
	d1, d2 := h.Deployments[0], h.Deployments[1]
	if d1.Status != StatusSucceeded || !slices.Equal(d1.Commits, []string{"c1", "c2"}) || d1.Environment != "PRODUCTION" || d1.Trigger != TriggerPush {
		t.Errorf("d-1 %+v", d1)
	}
	if d2.Status != StatusFailed || !d2.Fix || d2.Trigger != TriggerManual || !d2.End.Equal(time.Date(2026, 3, 2, 12, 5, 0, 0, time.UTC)) {
		t.Errorf("d-2 %+v", d2)
	}
	if c := h.Changes[2]; c.ID != "c3" || !c.CommitTime.Equal(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("c3 %+v", c)
	}
	// And it measures: PRODUCTION is production by default; d-2 is a fix
	// (it failed too) within a day of d-1, so both failed.
	r := compute(t, h, Query{Days: 1}, opts(time.Date(2026, 3, 2, 18, 0, 0, 0, time.UTC)))
	if g := r.Overall; g.DeploymentFrequency.Successful != 1 || g.ChangeFailRate.Count != 2 || g.LeadTime.Commits != 2 ||
		dur(g.LeadTime.Median) != 35*time.Minute {
		t.Errorf("%+v %+v %v", g.DeploymentFrequency, g.ChangeFailRate, dur(g.LeadTime.Median))
	}
}

func TestImportCSVOtherKinds(t *testing.T) {
	h, err := Import(strings.NewReader("commit_id,commit_time,author,parents,message\nc2,2026-03-02T09:00:00Z,dev,c1;c0,\"fix, at last\"\n"), "")
	if err != nil {
		t.Fatal(err)
	}
	if c := h.Changes[0]; !slices.Equal(c.Parents, []string{"c1", "c0"}) || c.Message != "fix, at last" {
		t.Errorf("%+v", c)
	}
	h, err = Import(strings.NewReader("incident_id,start,end,application,deployment\ni-1,2026-03-02T09:00:00Z,,web,d-1\n"), FormatCSV)
	if err != nil {
		t.Fatal(err)
	}
	if in := h.Incidents[0]; in.Deployment != "d-1" || !in.End.IsZero() {
		t.Errorf("%+v", in)
	}
}

func TestImportCSVErrors(t *testing.T) {
	cases := []struct {
		name, in string
		want     []string // each a problem's text, in order
	}{
		{"empty", "", []string{"empty input: want a header row naming the columns"}},
		{"kind", "id,start\nx,y\n", []string{`line 1: first column "id": want deployment_id, commit_id or incident_id (it names the kind of record)`}},
		{"unknown column", "commit_id,commit_time,colour\n", []string{`line 1: unknown column "colour" for commit rows`}},
		{"field count", "commit_id,commit_time\nc1,2026-03-02T09:00:00Z,extra\n", []string{"line 2: wrong number of fields"}},
		{"bad rows",
			"deployment_id,application,group,start,end,status,trigger,rollback\n" +
				"d-1,web,web-prod,2026-03-02T10:00:00Z,2026-03-02T09:00:00Z,Succeeded,push,\n" +
				"d-2,,web-prod,2026-03-02 10:00,2026-03-02T10:00:00Z,ok,pigeon,maybe\n" +
				"d-3,web,,,,,,\n",
			[]string{
				"line 2: end 2026-03-02T09:00:00Z is before start 2026-03-02T10:00:00Z",
				`line 3: start "2026-03-02 10:00": want RFC 3339 with a zone`,
				`line 3: rollback "maybe": want true or false`,
				`line 3: trigger "pigeon": want push, manual or rollback`,
				"line 3: application is required",
				"line 4: one of environment, group or stage is required",
				"line 4: status is required",
			}},
		{"conflicting rows",
			"deployment_id,application,environment,end,status,commit_id,commit_time\n" +
				"d-1,web,prod,2026-03-02T10:00:00Z,Succeeded,c1,2026-03-02T09:00:00Z\n" +
				"d-1,web,prod,2026-03-02T10:00:00Z,Failed,c1,2026-03-02T09:10:00Z\n",
			[]string{
				`line 3: deployment "d-1": status is "Failed" here but "Succeeded" on line 2`,
				`line 3: commit "c1" has commit_time 2026-03-02T09:10:00Z here but 2026-03-02T09:00:00Z on line 2`,
			}},
		{"duplicate ids", "incident_id,start\ni-1,2026-03-02T09:00:00Z\ni-1,2026-03-02T10:00:00Z\n",
			[]string{`line 3: incident id "i-1" already used on line 2`}},
		{"quote", "commit_id,commit_time\n\"c1,2026\n", []string{"line 2: CSV:"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Import(strings.NewReader(c.in), FormatCSV)
			var ie *ImportError
			if !errors.As(err, &ie) {
				t.Fatalf("err %v, want an ImportError", err)
			}
			if len(ie.Problems) != len(c.want) {
				t.Fatalf("%d problems, want %d:\n%v", len(ie.Problems), len(c.want), err)
			}
			for i, w := range c.want {
				if got := ie.Problems[i].String(); !strings.HasPrefix(got, w) {
					t.Errorf("problem %d: %q, want %q…", i, got, w)
				}
			}
		})
	}
}

func TestImportJSON(t *testing.T) {
	in := `{
  "changes": [{"id": "c1", "commitTime": "2026-03-02T09:00:00Z"}],
  "deployments": [
    {"id": "d-1", "application": "web", "environment": "production", "end": "2026-03-02T10:00:00Z",
     "status": "success", "commits": ["c1"], "trigger": "webhook"}
  ]
}`
	h, err := Import(strings.NewReader(in), "")
	if err != nil {
		t.Fatal(err)
	}
	if d := h.Deployments[0]; d.Status != StatusSucceeded || d.Trigger != TriggerPush || len(h.Incidents) != 0 {
		t.Errorf("%+v", h)
	}
}

func TestImportJSONErrors(t *testing.T) {
	cases := []struct {
		name, in string
		want     []string
	}{
		{"not an object", `[1]`, []string{"line 1: want a JSON object"}},
		{"syntax", "{\n\"changes\": [\n{\"id\": \"c1\",}\n]}", []string{"line 3: JSON syntax: invalid character '}'"}},
		{"early end", "{\"changes\": [", []string{"line 1: JSON ends early"}},
		{"unknown key", "{\n\"deploys\": []\n}", []string{`line 2: unknown key "deploys"`}},
		{"records",
			"{\"deployments\": [\n" +
				"  {\"id\": \"d-1\", \"application\": \"web\", \"group\": \"prod\", \"end\": \"2026-03-02T10:00:00Z\", \"status\": \"Succeeded\"},\n" +
				"  {\"id\": \"d-1\", \"application\": \"web\", \"group\": \"prod\", \"end\": \"2026-03-02T10:00:00Z\", \"status\": \"Succeeded\"},\n" +
				"  {\"id\": \"d-2\", \"app\": \"web\"},\n" +
				"  {\"id\": \"d-3\", \"application\": \"web\", \"group\": \"prod\", \"end\": \"yesterday\", \"status\": \"Succeeded\"},\n" +
				"  {\"id\": \"d-4\", \"application\": 7},\n" +
				"  {\"id\": \"d-5\", \"application\": \"web\", \"group\": \"prod\", \"status\": \"Exploded\"}\n" +
				"],\n\"incidents\": [\n  {\"id\": \"i-1\"}\n]}",
			[]string{
				`line 3: deployment id "d-1" already used on line 2`,
				`line 4: deployment: unknown field "app"`,
				`line 5: deployment: time "yesterday": want RFC 3339`,
				`line 6: deployment: application: want a string, not a JSON number`,
				`line 7: deployment: status "Exploded" is not one of`,
				`line 7: deployment: end is required for a deployment that ended`,
				`line 10: incident: start is required`,
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Import(strings.NewReader(c.in), FormatJSON)
			var ie *ImportError
			if !errors.As(err, &ie) {
				t.Fatalf("err %v, want an ImportError", err)
			}
			if len(ie.Problems) != len(c.want) {
				t.Fatalf("%d problems, want %d:\n%v", len(ie.Problems), len(c.want), err)
			}
			for i, w := range c.want {
				if got := ie.Problems[i].String(); !strings.HasPrefix(got, w) {
					t.Errorf("problem %d: %q, want %q…", i, got, w)
				}
			}
		})
	}
	if _, err := Import(strings.NewReader("{}"), "xml"); err == nil || !strings.Contains(err.Error(), "want json or csv") {
		t.Errorf("format: %v", err)
	}
}

func TestImportErrorListsAtMost20(t *testing.T) {
	var b strings.Builder
	b.WriteString("commit_id,commit_time\n")
	for i := 0; i < 30; i++ {
		b.WriteString("c,never\n")
	}
	_, err := Import(strings.NewReader(b.String()), FormatCSV)
	if err == nil || !strings.Contains(err.Error(), "… and 39 more") || !strings.HasPrefix(err.Error(), "import csv: 59 problems") {
		t.Errorf("%v", err)
	}
}

func TestArchive(t *testing.T) {
	ctx := context.Background()
	a := NewArchive(store.NewMemory())
	legacy, err := Import(strings.NewReader("deployment_id,application,environment,start,end,status,commit_id,commit_time\n"+
		"old-1,web,production,2026-01-10T10:00:00Z,2026-01-10T10:10:00Z,Succeeded,x1,2025-12-01T10:00:00Z\n"+
		"old-2,web,production,2026-02-10T10:00:00Z,2026-02-10T10:10:00Z,Failed,,\n"), FormatCSV)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Save(ctx, "bad/name", legacy); err == nil {
		t.Error("bad batch name accepted")
	}
	b, err := a.Save(ctx, "legacy", legacy)
	if err != nil {
		t.Fatal(err)
	}
	if b.Deployments != 2 || b.Changes != 1 || !b.From.Equal(time.Date(2025, 12, 1, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("batch %+v", b)
	}
	// Saving again under the name replaces it.
	if _, err := a.Save(ctx, "legacy", legacy); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Save(ctx, "other", &History{Deployments: []Deployment{prod("d-1", 0, 5, StatusSucceeded, "")}}); err != nil {
		t.Fatal(err)
	}
	bs, err := a.Batches(ctx)
	if err != nil || len(bs) != 2 || bs[0].Name != "legacy" {
		t.Fatalf("batches %+v %v", bs, err)
	}
	// The legacy batch for January: old-1 and its commit, which was made
	// before the range but is named by the deployment.
	h, err := a.Batch("legacy").History(ctx, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Deployments) != 1 || h.Deployments[0].ID != "old-1" || len(h.Changes) != 1 {
		t.Errorf("january %+v", h)
	}
	if _, err := a.Batch("nope").History(ctx, time.Time{}, time.Now()); err == nil {
		t.Error("missing batch accepted")
	}
	// Measured through Measure, merged with skiff's own source.
	live := SourceFunc(func(ctx context.Context, from, to time.Time) (*History, error) { return storyHistory(), nil })
	r, err := Measure(ctx, Merge(live, a), Query{Days: 90}, opts(at(60)))
	if err != nil {
		t.Fatal(err)
	}
	// The story's 3 attempts, old-1 (10 Jan) and old-2 (10 Feb), not d-1 of
	// "other" (the story has a d-1 too: the live record wins).
	if g := r.Overall; g.DeploymentFrequency.Attempted != 5 || g.ChangeFailRate.Count != 2 {
		t.Errorf("merged: %+v %+v warnings %q", g.DeploymentFrequency, g.ChangeFailRate, r.Warnings)
	}
	if err := a.Delete(ctx, "legacy"); err != nil {
		t.Fatal(err)
	}
	if bs, _ := a.Batches(ctx); len(bs) != 1 {
		t.Errorf("after delete %+v", bs)
	}
	h, _ = a.History(ctx, time.Time{}, time.Now())
	if len(h.Deployments) != 1 {
		t.Errorf("after delete %+v", h)
	}
}
