package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestGreeting(t *testing.T) {
	got, err := Greeting("skiff")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got, "Hello, skiff!") {
		t.Errorf("Greeting(skiff) = %q", got)
	}
}

func TestHealth(t *testing.T) {
	srv := httptest.NewServer(routes())
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/health")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || strings.TrimSpace(string(body)) != "ok" {
		t.Errorf("/health = %d %q", resp.StatusCode, body)
	}
}

// TestGreetingDefault is the test v2 lacked.
func TestGreetingDefault(t *testing.T) {
	got, err := Greeting("")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got, "Hello, world!") {
		t.Errorf("Greeting() = %q", got)
	}
}
