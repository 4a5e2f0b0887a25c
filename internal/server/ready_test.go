package server

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// Until Start has finished, the health check says so with 503 and an API
// request waits rather than reach an engine that has not started; after
// it, both go through.
func TestNotReadyUntilStarted(t *testing.T) {
	s, err := New(Options{Addr: "127.0.0.1:0", DataDir: t.TempDir(), TimeScale: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s.Shutdown(ctx)
	})
	h := s.route(http.NewServeMux())
	rec := httptest.NewRecorder()
	s.health(rec, httptest.NewRequest("GET", "/_skiff/health", nil))
	var body map[string]any
	json.Unmarshal(rec.Body.Bytes(), &body)
	if rec.Code != http.StatusServiceUnavailable || body["status"] != "starting" {
		t.Fatalf("health before Start: %d %s", rec.Code, rec.Body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/", nil).WithContext(ctx))
	if rec.Body.Len() != 0 {
		t.Fatalf("an API request was answered before Start: %d %s", rec.Code, rec.Body)
	}

	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	rec = httptest.NewRecorder()
	s.health(rec, httptest.NewRequest("GET", "/_skiff/health", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("health after Start: %d %s", rec.Code, rec.Body)
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/", nil))
	if rec.Code == http.StatusOK || rec.Body.Len() == 0 {
		t.Fatalf("an unsigned API request after Start: %d %s", rec.Code, rec.Body)
	}
}
