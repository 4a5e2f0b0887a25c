package dora

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestHandler(t *testing.T) {
	var asked [2]time.Time
	src := SourceFunc(func(ctx context.Context, from, to time.Time) (*History, error) {
		asked = [2]time.Time{from, to}
		return storyHistory(), nil
	})
	h := Handler(src, opts(at(60)))

	get := func(query string) (*httptest.ResponseRecorder, map[string]any) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, Path+query, nil))
		var body map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatalf("%s: body %q: %v", query, rec.Body, err)
		}
		return rec, body
	}

	rec, body := get("?app=web&window=7d&explain=1")
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("%d %v", rec.Code, rec.Header())
	}
	var r Report
	if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	if r.Schema != Schema || r.Window.Label != "7d" || r.Filter.Application != "web" || r.Explain == nil ||
		r.Overall.ChangeFailRate.Count != 1 || r.Overall.DeploymentFrequency.Successful != 2 {
		t.Errorf("report %+v", r)
	}
	// History was read from the lookback (90 days) before the window to a
	// fix window (24 h) after it.
	if want := r.Window.From.Add(-90 * 24 * time.Hour); !asked[0].Equal(want) || !asked[1].Equal(r.Window.To.Add(24*time.Hour)) {
		t.Errorf("asked %v, window %v–%v", asked, r.Window.From, r.Window.To)
	}
	if _, ok := body["explain"]; !ok {
		t.Error("no explain")
	}

	_, body = get("?from=2026-03-02&to=2026-03-02&tz=Asia/Tokyo")
	w := body["window"].(map[string]any)
	if w["label"] != "custom" || w["timeZone"] != "Asia/Tokyo" || w["from"] != "2026-03-02T00:00:00+09:00" || w["to"] != "2026-03-03T00:00:00+09:00" {
		t.Errorf("window %v", w)
	}
	if _, ok := body["explain"]; ok {
		t.Error("explain without explain=1")
	}

	for _, q := range []string{"?window=soon", "?tz=Mars/Olympus", "?from=yesterday", "?colour=red", "?window=7d&from=2026-03-01",
		"?from=2026-03-05&to=2026-03-01", "?explain=maybe"} {
		rec, body := get(q)
		if rec.Code != 400 || body["error"] == "" {
			t.Errorf("%s: %d %v", q, rec.Code, body)
		}
	}

	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, Path, nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", rec.Code)
	}

	failing := Handler(SourceFunc(func(context.Context, time.Time, time.Time) (*History, error) {
		return nil, errors.New("store closed")
	}), opts(at(60)))
	rec = httptest.NewRecorder()
	failing.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, Path, nil))
	if rec.Code != 500 || !strings.Contains(rec.Body.String(), "read history: store closed") {
		t.Errorf("failing source: %d %s", rec.Code, rec.Body)
	}
}

func TestParseWindow(t *testing.T) {
	for in, want := range map[string]int{"7d": 7, "30d": 30, "90D": 90, "2w": 14, "45": 45} {
		if got, err := ParseWindow(in); err != nil || got != want {
			t.Errorf("%s: %d %v", in, got, err)
		}
	}
	for _, in := range []string{"", "0d", "-3d", "1y", "d"} {
		if _, err := ParseWindow(in); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}

func TestRenderCompare(t *testing.T) {
	a := compute(t, storyHistory(), Query{Days: 7}, opts(at(60)))
	b := compute(t, &History{}, Query{Days: 7}, opts(at(60)))
	var out strings.Builder
	if err := RenderCompare(&out, a, b, "skiff", "legacy"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"METRIC", "SKIFF", "LEGACY", "Change fail rate", "33.3% (1 of 3) medium", "no deployments"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("missing %q in\n%s", want, out.String())
		}
	}
}
