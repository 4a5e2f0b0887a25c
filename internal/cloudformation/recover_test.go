package cloudformation_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/skiff-dev/skiff/internal/cloudformation"
	"github.com/skiff-dev/skiff/internal/cloudformation/provider"
	"github.com/skiff-dev/skiff/internal/store"
)

// manyThings is a template of n independent fakes, the ones from slowFrom on
// slow to create.
func manyThings(n, slowFrom int, value string) string {
	var b strings.Builder
	b.WriteString("Parameters: {V: {Type: String, Default: x}}\nResources:\n")
	for i := 0; i < n; i++ {
		v := "!Ref V"
		if i >= slowFrom {
			v = "slow"
		}
		fmt.Fprintf(&b, "  R%03d: {Type: Test::Fake::Thing, Properties: {Value: %s}}\n", i, v)
	}
	return b.String()
}

// restart closes the engine the way a crash would leave it (operations stop
// mid-way, nothing more is recorded) and starts a new engine on the same
// store and the same "cloud" (the fake's items).
func restart(t *testing.T, h *harness) *harness {
	h.e.Close()
	reg := provider.NewRegistry()
	reg.Register(h.fake)
	e2 := cloudformation.New(cloudformation.Deps{Store: h.st, Providers: reg})
	for _, p := range e2.Providers() {
		reg.Register(p)
	}
	t.Cleanup(e2.Close)
	if err := e2.Start(h.ctx); err != nil {
		t.Fatal(err)
	}
	return &harness{t: t, e: e2, fake: h.fake, st: h.st, ctx: h.ctx}
}

func openSQLite(t *testing.T) store.Store {
	s, err := store.OpenSQLite(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestCrashDuringCreateRollsBackWithoutOrphans(t *testing.T) {
	h := newHarness(t, openSQLite(t))
	h.fake.Delay = time.Hour
	h.fake.Started = make(chan string, 100)
	id, err := h.e.CreateStack(h.ctx, cloudformation.CreateStackInput{StackName: "crash", TemplateBody: manyThings(40, 30, "")})
	if err != nil {
		t.Fatal(err)
	}
	<-h.fake.Started // a slow create is in flight
	// The fast creates run beside it; crash once some have finished.
	for deadline := time.Now().Add(10 * time.Second); len(h.fake.IDs()) == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("nothing created before the crash")
		}
	}
	h2 := restart(t, h)
	h2.e.Wait(h2.ctx, id)
	st := h2.stack("crash")
	if st.Status != "ROLLBACK_COMPLETE" {
		t.Fatalf("after restart: %s (%s)", st.Status, st.StatusReason)
	}
	if ids := h.fake.IDs(); len(ids) != 0 {
		t.Fatalf("orphaned resources after recovery: %v", ids)
	}
	evs := strings.Join(h2.events("crash"), "\n")
	if !strings.Contains(evs, "CREATE_FAILED") || !strings.Contains(evs, "crash ROLLBACK_IN_PROGRESS") {
		t.Fatalf("events do not show the interrupted create and its rollback:\n%s", evs)
	}
}

func TestCrashDuringUpdateRollsBackToPreviousState(t *testing.T) {
	h := newHarness(t, openSQLite(t))
	h.fake.Delay = time.Hour
	h.fake.Started = make(chan string, 100)
	id := h.create("up", manyThings(20, 100, ""))
	before := h.fake.IDs()
	// Update every value; add a slow new resource that hangs.
	body := manyThings(20, 100, "") + "  Slow: {Type: Test::Fake::Thing, Properties: {Value: slow}}\n"
	if _, err := h.e.UpdateStack(h.ctx, cloudformation.UpdateStackInput{StackName: "up", TemplateBody: body, Parameters: kv([]string{"V=y"})}); err != nil {
		t.Fatal(err)
	}
	<-h.fake.Started
	h2 := restart(t, h)
	h2.e.Wait(h2.ctx, id)
	st := h2.stack("up")
	if st.Status != "UPDATE_ROLLBACK_COMPLETE" {
		t.Fatalf("after restart: %s (%s)", st.Status, st.StatusReason)
	}
	if after := h.fake.IDs(); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("resources %v, want %v", after, before)
	}
	for _, id := range before {
		if v := h.fake.Items[id]["Value"]; v != "x" {
			t.Fatalf("%s value %v after rollback, want x", id, v)
		}
	}
	if st.Parameters[0].Value != "x" {
		t.Fatalf("parameter after rollback %+v", st.Parameters)
	}
}
