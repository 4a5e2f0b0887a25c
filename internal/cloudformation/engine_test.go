package cloudformation_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/cloudformation"
	"github.com/skiff-dev/skiff/internal/cloudformation/cfntest"
	"github.com/skiff-dev/skiff/internal/cloudformation/provider"
	"github.com/skiff-dev/skiff/internal/store"
)

type harness struct {
	t    *testing.T
	e    *cloudformation.Engine
	fake *cfntest.Fake
	st   store.Store
	ctx  context.Context
}

func newHarness(t *testing.T, st store.Store) *harness {
	if st == nil {
		st = store.NewMemory()
	}
	fake := cfntest.New()
	reg := provider.NewRegistry()
	reg.Register(fake)
	e := cloudformation.New(cloudformation.Deps{Store: st, Providers: reg, Settle: 10 * time.Millisecond})
	for _, p := range e.Providers() {
		reg.Register(p)
	}
	t.Cleanup(e.Close)
	ctx := awsctx.With(context.Background(), awsctx.Scope{AccountID: "123456789012", Region: "us-east-1"})
	return &harness{t: t, e: e, fake: fake, st: st, ctx: ctx}
}

func (h *harness) create(name, body string, params ...string) string {
	h.t.Helper()
	id, err := h.e.CreateStack(h.ctx, cloudformation.CreateStackInput{StackName: name, TemplateBody: body, Parameters: kv(params)})
	if err != nil {
		h.t.Fatalf("CreateStack: %v", err)
	}
	h.e.Wait(h.ctx, id)
	return id
}

func kv(params []string) []cloudformation.ParamInput {
	var out []cloudformation.ParamInput
	for _, p := range params {
		k, v, _ := strings.Cut(p, "=")
		out = append(out, cloudformation.ParamInput{Key: k, Value: v})
	}
	return out
}

func (h *harness) stack(name string) *cloudformation.Stack {
	h.t.Helper()
	s, err := h.e.DescribeStacks(h.ctx, name)
	if err != nil {
		h.t.Fatalf("DescribeStacks %s: %v", name, err)
	}
	return s[0]
}

func (h *harness) events(name string) []string {
	h.t.Helper()
	evs, _, err := h.e.StackEvents(h.ctx, name, "", 1000)
	if err != nil {
		h.t.Fatal(err)
	}
	var out []string
	for i := len(evs) - 1; i >= 0; i-- {
		out = append(out, evs[i].LogicalID+" "+evs[i].Status)
	}
	return out
}

const twoThings = `
Parameters:
  V: {Type: String, Default: one}
Resources:
  A:
    Type: Test::Fake::Thing
    Properties: {Value: !Ref V}
  B:
    Type: Test::Fake::Thing
    Properties:
      Value: !Sub "${A}-${A.Echo}"
Outputs:
  AName: {Value: !Ref A, Export: {Name: shared-a}}
  BEcho: {Value: !GetAtt B.Echo}
`

func TestCreateUpdateDelete(t *testing.T) {
	h := newHarness(t, nil)
	h.create("web", twoThings)
	st := h.stack("web")
	if st.Status != "CREATE_COMPLETE" {
		t.Fatalf("status %s (%s)", st.Status, st.StatusReason)
	}
	_, res, _ := h.e.StackResources(h.ctx, "web")
	a := res[0].PhysicalID
	if !strings.HasPrefix(a, "web-A-") || len(a) != len("web-A-")+12 {
		t.Fatalf("generated name %q", a)
	}
	if got := st.Outputs[1].Value; got != a+"-one" {
		t.Fatalf("B echo = %q", got)
	}
	want := []string{"web CREATE_IN_PROGRESS", "A CREATE_IN_PROGRESS", "A CREATE_IN_PROGRESS", "A CREATE_COMPLETE",
		"B CREATE_IN_PROGRESS", "B CREATE_IN_PROGRESS", "B CREATE_COMPLETE", "web CREATE_COMPLETE"}
	if got := h.events("web"); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("events\n got %v\nwant %v", got, want)
	}
	// In-place update of A propagates to B through the Sub.
	if _, err := h.e.UpdateStack(h.ctx, cloudformation.UpdateStackInput{StackName: "web", UsePreviousTemplate: true, Parameters: kv([]string{"V=two"})}); err != nil {
		t.Fatal(err)
	}
	h.e.Wait(h.ctx, st.ID)
	st = h.stack("web")
	if st.Status != "UPDATE_COMPLETE" || st.Outputs[1].Value != a+"-two" {
		t.Fatalf("after update: %s %v", st.Status, st.Outputs)
	}
	// Nothing changed → AWS's error.
	_, err := h.e.UpdateStack(h.ctx, cloudformation.UpdateStackInput{StackName: "web", UsePreviousTemplate: true, Parameters: kv([]string{"V=two"})})
	if err == nil || !strings.Contains(err.Error(), "No updates are to be performed.") {
		t.Fatalf("no-op update: %v", err)
	}
	if err := h.e.DeleteStack(h.ctx, "web", nil, ""); err != nil {
		t.Fatal(err)
	}
	h.e.Wait(h.ctx, st.ID)
	if ids := h.fake.IDs(); len(ids) != 0 {
		t.Fatalf("left behind: %v", ids)
	}
	if _, err := h.e.DescribeStacks(h.ctx, "web"); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("describe deleted by name: %v", err)
	}
	if s, err := h.e.DescribeStacks(h.ctx, st.ID); err != nil || s[0].Status != "DELETE_COMPLETE" {
		t.Fatalf("describe deleted by id: %v", err)
	}
	if exports, _ := h.e.Exports(h.ctx); len(exports) != 0 {
		t.Fatalf("exports left: %v", exports)
	}
}

func TestReplacementCreatesNewThenDeletesOld(t *testing.T) {
	h := newHarness(t, nil)
	body := `
Parameters: {N: {Type: String}}
Resources:
  A: {Type: Test::Fake::Thing, Properties: {Name: !Ref N, Value: x}}
  B: {Type: Test::Fake::Thing, Properties: {Value: !Ref A}}
`
	id := h.create("rep", body, "N=first")
	h.e.UpdateStack(h.ctx, cloudformation.UpdateStackInput{StackName: "rep", UsePreviousTemplate: true, Parameters: kv([]string{"N=second"})})
	h.e.Wait(h.ctx, id)
	if st := h.stack("rep"); st.Status != "UPDATE_COMPLETE" {
		t.Fatalf("status %s: %s", st.Status, st.StatusReason)
	}
	ids := h.fake.IDs()
	if len(ids) != 2 || !contains(ids, "second") || contains(ids, "first") {
		t.Fatalf("items after replacement: %v", ids)
	}
	// B was repointed to the new A.
	_, res, _ := h.e.StackResources(h.ctx, "rep")
	if v := h.fake.Items[res[1].PhysicalID]["Value"]; v != "second" {
		t.Fatalf("B value %v", v)
	}
	ev := strings.Join(h.events("rep"), "\n")
	for _, want := range []string{"rep UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "A DELETE_COMPLETE", "rep UPDATE_COMPLETE"} {
		if !strings.Contains(ev, want) {
			t.Errorf("events lack %q:\n%s", want, ev)
		}
	}
}

func TestCreateFailureRollsBackEverything(t *testing.T) {
	h := newHarness(t, nil)
	body := `
Resources:
  Good: {Type: Test::Fake::Thing, Properties: {Value: ok}}
  Bad: {Type: Test::Fake::Thing, Properties: {Value: fail-create}, DependsOn: Good}
  After: {Type: Test::Fake::Thing, Properties: {Value: ok}, DependsOn: Bad}
`
	h.create("fails", body)
	st := h.stack("fails")
	if st.Status != "ROLLBACK_COMPLETE" {
		t.Fatalf("status %s", st.Status)
	}
	if ids := h.fake.IDs(); len(ids) != 0 {
		t.Fatalf("orphans: %v", ids)
	}
	ev := h.events("fails")
	joined := strings.Join(ev, "\n")
	for _, want := range []string{"Bad CREATE_FAILED", "fails CREATE_FAILED", "fails ROLLBACK_IN_PROGRESS", "Good DELETE_COMPLETE", "fails ROLLBACK_COMPLETE"} {
		if !strings.Contains(joined, want) {
			t.Errorf("events lack %q:\n%s", want, joined)
		}
	}
	if strings.Contains(joined, "After ") {
		t.Errorf("dependent of the failed resource was touched:\n%s", joined)
	}
	evs, _, _ := h.e.StackEvents(h.ctx, "fails", "", 100)
	for _, e := range evs {
		if e.LogicalID == "fails" && e.Status == "ROLLBACK_IN_PROGRESS" && e.Reason != "The following resource(s) failed to create: [Bad]. Rollback requested by user." {
			t.Errorf("rollback reason %q", e.Reason)
		}
	}
	// A stack in ROLLBACK_COMPLETE keeps its name until deleted.
	if _, err := h.e.CreateStack(h.ctx, cloudformation.CreateStackInput{StackName: "fails", TemplateBody: body}); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("recreate: %v", err)
	}
}

func TestOnFailureDoNothingAndDelete(t *testing.T) {
	h := newHarness(t, nil)
	body := `Resources: {Bad: {Type: Test::Fake::Thing, Properties: {Value: fail-create}}, Good: {Type: Test::Fake::Thing, Properties: {Value: a}}}`
	id, _ := h.e.CreateStack(h.ctx, cloudformation.CreateStackInput{StackName: "keep", TemplateBody: body, OnFailure: "DO_NOTHING"})
	h.e.Wait(h.ctx, id)
	if st := h.stack("keep"); st.Status != "CREATE_FAILED" {
		t.Fatalf("DO_NOTHING: %s", st.Status)
	}
	id, _ = h.e.CreateStack(h.ctx, cloudformation.CreateStackInput{StackName: "gone", TemplateBody: body, OnFailure: "DELETE"})
	h.e.Wait(h.ctx, id)
	if s, _ := h.e.DescribeStacks(h.ctx, id); s[0].Status != "DELETE_COMPLETE" {
		t.Fatalf("DELETE: %s", s[0].Status)
	}
}

func TestUpdateFailureRollsBack(t *testing.T) {
	h := newHarness(t, nil)
	body := `
Parameters: {V: {Type: String}, N: {Type: String}}
Resources:
  A: {Type: Test::Fake::Thing, Properties: {Name: !Ref N, Value: base}}
  B: {Type: Test::Fake::Thing, Properties: {Value: !Ref V}}
  C: {Type: Test::Fake::Thing, Properties: {Value: !Sub "${B}-c"}}
`
	id := h.create("upd", body, "V=v1", "N=n1")
	before := h.fake.IDs()
	// A is replaced (new name), B fails to update: everything returns.
	h.e.UpdateStack(h.ctx, cloudformation.UpdateStackInput{StackName: "upd", UsePreviousTemplate: true, Parameters: kv([]string{"V=fail-update", "N=n2"})})
	h.e.Wait(h.ctx, id)
	st := h.stack("upd")
	if st.Status != "UPDATE_ROLLBACK_COMPLETE" {
		t.Fatalf("status %s (%s)", st.Status, st.StatusReason)
	}
	if after := h.fake.IDs(); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("resources after rollback %v, before %v", after, before)
	}
	if st.Parameters[1].Value != "n1" && st.Parameters[0].Value != "v1" {
		t.Fatalf("parameters not restored: %+v", st.Parameters)
	}
	_, res, _ := h.e.StackResources(h.ctx, "upd")
	if v := h.fake.Items[res[1].PhysicalID]["Value"]; v != "v1" {
		t.Fatalf("B value after rollback %v", v)
	}
	// The stack can be updated again.
	h.e.UpdateStack(h.ctx, cloudformation.UpdateStackInput{StackName: "upd", UsePreviousTemplate: true, Parameters: kv([]string{"V=v2", "N=n1"})})
	h.e.Wait(h.ctx, id)
	if st := h.stack("upd"); st.Status != "UPDATE_COMPLETE" {
		t.Fatalf("second update %s: %s", st.Status, st.StatusReason)
	}
}

func TestRemovedResourceDeletedInCleanupAndRetainPolicies(t *testing.T) {
	h := newHarness(t, nil)
	id := h.create("rm", `
Resources:
  Keep: {Type: Test::Fake::Thing, Properties: {Value: k}}
  Drop: {Type: Test::Fake::Thing, Properties: {Value: d}}
  Kept: {Type: Test::Fake::Thing, DeletionPolicy: Retain, Properties: {Value: r}}
`)
	h.e.UpdateStack(h.ctx, cloudformation.UpdateStackInput{StackName: "rm", TemplateBody: `
Resources:
  Keep: {Type: Test::Fake::Thing, Properties: {Value: k}}
`})
	h.e.Wait(h.ctx, id)
	if st := h.stack("rm"); st.Status != "UPDATE_COMPLETE" {
		t.Fatalf("status %s: %s", st.Status, st.StatusReason)
	}
	if n := len(h.fake.IDs()); n != 2 {
		t.Fatalf("after removing Drop and Kept (retained): %v", h.fake.IDs())
	}
	_, res, _ := h.e.StackResources(h.ctx, "rm")
	if len(res) != 1 || res[0].LogicalID != "Keep" {
		t.Fatalf("resources %v", res)
	}
}

func TestChangeSetPlan(t *testing.T) {
	h := newHarness(t, nil)
	body := `
Parameters: {V: {Type: String}, N: {Type: String}}
Resources:
  A: {Type: Test::Fake::Thing, Properties: {Name: !Ref N, Value: a}}
  B: {Type: Test::Fake::Thing, Properties: {Value: !Ref A}}
  C: {Type: Test::Fake::Thing, Properties: {Value: !Ref V}}
  Old: {Type: Test::Fake::Thing, Properties: {Value: o}}
`
	id := h.create("cs", body, "V=1", "N=n1")
	newBody := strings.Replace(body, "  Old: {Type: Test::Fake::Thing, Properties: {Value: o}}\n", "  New: {Type: Test::Fake::Thing, Properties: {Value: n}}\n", 1)
	csID, _, err := h.e.CreateChangeSet(h.ctx, cloudformation.CreateChangeSetInput{StackName: "cs", ChangeSetName: "one", TemplateBody: newBody,
		Parameters: kv([]string{"V=2", "N=n2"})})
	if err != nil {
		t.Fatal(err)
	}
	cs, err := h.e.DescribeChangeSet(h.ctx, "", csID)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]cloudformation.Change{}
	for _, c := range cs.Changes {
		got[c.LogicalID] = c
	}
	check := func(id, action, repl string) cloudformation.Change {
		c, ok := got[id]
		if !ok || c.Action != action || c.Replacement != repl {
			t.Errorf("%s: %+v, want %s/%s", id, c, action, repl)
		}
		return c
	}
	a := check("A", "Modify", "True")
	if a.Details[0].ChangeSource != "ParameterReference" || a.Details[0].CausingEntity != "N" || a.Details[0].RequiresRecreation != "Always" {
		t.Errorf("A detail %+v", a.Details[0])
	}
	b := check("B", "Modify", "False")
	if b.Details[0].Evaluation != "Dynamic" || b.Details[0].ChangeSource != "ResourceReference" || b.Details[0].CausingEntity != "A" {
		t.Errorf("B detail %+v", b.Details[0])
	}
	check("C", "Modify", "False")
	check("New", "Add", "")
	if c := check("Old", "Remove", ""); c.PolicyAction != "Delete" {
		t.Errorf("Old policy action %q", c.PolicyAction)
	}
	if cs.Status != "CREATE_COMPLETE" || cs.ExecutionStatus != "AVAILABLE" {
		t.Fatalf("status %s/%s", cs.Status, cs.ExecutionStatus)
	}
	if err := h.e.ExecuteChangeSet(h.ctx, "", csID, false, ""); err != nil {
		t.Fatal(err)
	}
	h.e.Wait(h.ctx, id)
	if st := h.stack("cs"); st.Status != "UPDATE_COMPLETE" {
		t.Fatalf("after execute: %s %s", st.Status, st.StatusReason)
	}
	cs, _ = h.e.DescribeChangeSet(h.ctx, "", csID)
	if cs.ExecutionStatus != "EXECUTE_COMPLETE" {
		t.Fatalf("execution status %s", cs.ExecutionStatus)
	}
	// Same template and parameters again: FAILED with AWS's reason.
	csID, _, err = h.e.CreateChangeSet(h.ctx, cloudformation.CreateChangeSetInput{StackName: "cs", ChangeSetName: "two", TemplateBody: newBody,
		Parameters: kv([]string{"V=2", "N=n2"})})
	if err != nil {
		t.Fatal(err)
	}
	cs, _ = h.e.DescribeChangeSet(h.ctx, "", csID)
	if cs.Status != "FAILED" || !strings.Contains(cs.StatusReason, "didn't contain changes") {
		t.Fatalf("no-change change set: %s %q", cs.Status, cs.StatusReason)
	}
}

func TestCreateChangeSetOnNewStackIsReviewInProgress(t *testing.T) {
	h := newHarness(t, nil)
	csID, sid, err := h.e.CreateChangeSet(h.ctx, cloudformation.CreateChangeSetInput{StackName: "fresh", ChangeSetName: "c1", ChangeSetType: "CREATE",
		TemplateBody: `Resources: {A: {Type: Test::Fake::Thing, Properties: {Value: a}}}`})
	if err != nil {
		t.Fatal(err)
	}
	if st := h.stack("fresh"); st.Status != "REVIEW_IN_PROGRESS" {
		t.Fatalf("status %s", st.Status)
	}
	if err := h.e.ExecuteChangeSet(h.ctx, "fresh", "c1", false, ""); err != nil {
		t.Fatal(err)
	}
	h.e.Wait(h.ctx, sid)
	if st := h.stack("fresh"); st.Status != "CREATE_COMPLETE" {
		t.Fatalf("after execute %s", st.Status)
	}
	_ = csID
}

func TestDrift(t *testing.T) {
	h := newHarness(t, nil)
	h.create("dr", `
Resources:
  Same: {Type: Test::Fake::Thing, Properties: {Value: s, Tags: [{Key: a, Value: "1"}, {Key: b, Value: "2"}]}}
  Changed: {Type: Test::Fake::Thing, Properties: {Value: before}}
  Gone: {Type: Test::Fake::Thing, Properties: {Value: g}}
`)
	_, res, _ := h.e.StackResources(h.ctx, "dr")
	ids := map[string]string{}
	for _, r := range res {
		ids[r.LogicalID] = r.PhysicalID
	}
	h.fake.Set(ids["Changed"], "Value", "after")
	h.fake.Set(ids["Same"], "Tags", []any{map[string]any{"Key": "b", "Value": "2"}, map[string]any{"Key": "a", "Value": "1"}})
	h.fake.Set(ids["Same"], "Other", "not in template")
	h.fake.Remove(ids["Gone"])
	did, err := h.e.DetectStackDrift(h.ctx, "dr", nil)
	if err != nil {
		t.Fatal(err)
	}
	d, _ := h.e.DriftDetectionStatus(h.ctx, did)
	if d.Status != "DETECTION_COMPLETE" || d.StackDrift != "DRIFTED" || d.DriftedCount != 2 {
		t.Fatalf("detection %+v", d)
	}
	_, drifts, _ := h.e.ResourceDrifts(h.ctx, "dr", []string{"MODIFIED"})
	if len(drifts) != 1 || drifts[0].LogicalID != "Changed" {
		t.Fatalf("modified: %+v", drifts)
	}
	diff := drifts[0].Drift.Differences
	if len(diff) != 1 || diff[0].Path != "/Value" || diff[0].Expected != "before" || diff[0].Actual != "after" || diff[0].Type != "NOT_EQUAL" {
		t.Fatalf("differences %+v", diff)
	}
	_, all, _ := h.e.ResourceDrifts(h.ctx, "dr", nil)
	status := map[string]string{}
	for _, x := range all {
		status[x.LogicalID] = x.Drift.Status
	}
	if status["Same"] != "IN_SYNC" || status["Gone"] != "DELETED" {
		t.Fatalf("statuses %v", status)
	}
}

func TestValidationErrorsCreateNothing(t *testing.T) {
	h := newHarness(t, nil)
	cases := []struct{ body, want string }{
		{`Resources: {A: {Type: AWS::Nope::Thing}, B: {Type: AWS::Nope::Thing}}`, "Unrecognized resource types: [AWS::Nope::Thing]"},
		{`Resources: {A: {Type: Test::Fake::Thing, Properties: {Value: !Ref Missing}}}`, "Missing"},
		{`Resources: {A: {Type: Test::Fake::Thing, Properties: {Value: !Ref B}}, B: {Type: Test::Fake::Thing, Properties: {Value: !Ref A}}}`, "Circular dependency"},
		{"Resources:\n  A: [unclosed", "YAML"},
		{`Parameters: {P: {Type: String, AllowedValues: [a, b]}}
Resources: {A: {Type: Test::Fake::Thing, Properties: {Value: !Ref P}}}`, "P"},
	}
	for _, c := range cases {
		_, err := h.e.CreateStack(h.ctx, cloudformation.CreateStackInput{StackName: "bad", TemplateBody: c.body, Parameters: kv([]string{"P=c"})})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("body %q: err %v, want %q", c.body, err, c.want)
		}
	}
	if stacks, _ := h.e.ListStacks(h.ctx, nil); len(stacks) != 0 {
		t.Fatalf("stacks created by invalid requests: %d", len(stacks))
	}
}

func TestExportsAndImports(t *testing.T) {
	h := newHarness(t, nil)
	h.create("producer", twoThings)
	cid := h.create("consumer", `Resources: {X: {Type: Test::Fake::Thing, Properties: {Value: !ImportValue shared-a}}}`)
	if st := h.stack("consumer"); st.Status != "CREATE_COMPLETE" {
		t.Fatalf("consumer %s: %s", st.Status, st.StatusReason)
	}
	if imps, _ := h.e.Imports(h.ctx, "shared-a"); len(imps) != 1 || imps[0] != "consumer" {
		t.Fatalf("imports %v", imps)
	}
	pid := h.stack("producer").ID
	h.e.DeleteStack(h.ctx, "producer", nil, "")
	h.e.Wait(h.ctx, pid)
	if st := h.stack("producer"); st.Status != "DELETE_FAILED" || !strings.Contains(st.StatusReason, "Cannot delete export shared-a as it is in use by consumer") {
		t.Fatalf("producer delete: %s %q", st.Status, st.StatusReason)
	}
	h.e.DeleteStack(h.ctx, "consumer", nil, "")
	h.e.Wait(h.ctx, cid)
	h.e.DeleteStack(h.ctx, "producer", nil, "")
	h.e.Wait(h.ctx, pid)
	if s, _ := h.e.DescribeStacks(h.ctx, pid); s[0].Status != "DELETE_COMPLETE" {
		t.Fatalf("producer: %s", s[0].Status)
	}
}

func TestStackPolicyBlocksReplacement(t *testing.T) {
	h := newHarness(t, nil)
	id := h.create("pol", `
Parameters: {N: {Type: String}}
Resources: {DB: {Type: Test::Fake::Thing, Properties: {Name: !Ref N, Value: v}}}`, "N=db1")
	pol := `{"Statement":[{"Effect":"Allow","Action":"Update:*","Principal":"*","Resource":"*"},
	{"Effect":"Deny","Action":"Update:Replace","Principal":"*","Resource":"LogicalResourceId/DB"}]}`
	if err := h.e.SetStackPolicy(h.ctx, "pol", pol); err != nil {
		t.Fatal(err)
	}
	h.e.UpdateStack(h.ctx, cloudformation.UpdateStackInput{StackName: "pol", UsePreviousTemplate: true, Parameters: kv([]string{"N=db2"})})
	h.e.Wait(h.ctx, id)
	st := h.stack("pol")
	if st.Status != "UPDATE_ROLLBACK_COMPLETE" {
		t.Fatalf("status %s", st.Status)
	}
	if ids := h.fake.IDs(); fmt.Sprint(ids) != "[db1]" {
		t.Fatalf("items %v", ids)
	}
	if !strings.Contains(strings.Join(h.events("pol"), "\n"), "DB UPDATE_FAILED") {
		t.Fatalf("events %v", h.events("pol"))
	}
}

func TestTerminationProtection(t *testing.T) {
	h := newHarness(t, nil)
	h.create("tp", `Resources: {A: {Type: Test::Fake::Thing, Properties: {Value: a}}}`)
	h.e.SetTerminationProtection(h.ctx, "tp", true)
	if err := h.e.DeleteStack(h.ctx, "tp", nil, ""); err == nil || !strings.Contains(err.Error(), "TerminationProtection") {
		t.Fatalf("delete protected: %v", err)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestResourceWithoutPropertiesIsNotUpdated(t *testing.T) {
	h := newHarness(t, nil)
	id := h.create("np", `Resources: {H: {Type: AWS::CloudFormation::WaitConditionHandle}}
Outputs: {O: {Value: a}}`)
	h.e.UpdateStack(h.ctx, cloudformation.UpdateStackInput{StackName: "np", TemplateBody: `Resources: {H: {Type: AWS::CloudFormation::WaitConditionHandle}}
Outputs: {O: {Value: b}}`})
	h.e.Wait(h.ctx, id)
	for _, ev := range h.events("np") {
		if strings.HasPrefix(ev, "H UPDATE") {
			t.Fatalf("unchanged resource was updated: %v", h.events("np"))
		}
	}
	if st := h.stack("np"); st.Status != "UPDATE_COMPLETE" || st.Outputs[0].Value != "b" {
		t.Fatalf("%s %v", st.Status, st.Outputs)
	}
}
