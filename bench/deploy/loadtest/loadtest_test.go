package loadtest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

func TestRunCountsAndRate(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1)%10 == 0 {
			w.WriteHeader(500)
			w.Write([]byte("bad\n"))
			return
		}
		w.Write([]byte("ok\nmore"))
	}))
	defer srv.Close()
	res, err := Run(context.Background(), Config{URL: srv.URL, Rate: 200, Duration: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests < 80 || res.Requests > 110 {
		t.Fatalf("requests %d, want about 100", res.Requests)
	}
	if res.Non2xx != res.Codes[500] || res.Non2xx == 0 || res.Errors != 0 {
		t.Fatalf("%v", res)
	}
	if res.Bodies["ok"] == 0 || res.Bodies["bad"] != res.Non2xx || res.LastBody != "ok" {
		t.Fatalf("bodies %v last %q", res.Bodies, res.LastBody)
	}
	if res.P50 <= 0 || res.P99 < res.P50 || res.Max < res.P99 || res.FirstFailure.IsZero() {
		t.Fatalf("%v", res)
	}
	t.Log(res)
}

func TestRunErrorsAndCancel(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	res, err := Run(ctx, Config{URL: "http://127.0.0.1:1/", Rate: 50})
	if err != nil {
		t.Fatal(err)
	}
	if res.Errors == 0 || res.Errors != res.Requests || res.Failed() != res.Errors {
		t.Fatalf("%v", res)
	}
	if _, err := Run(ctx, Config{}); err == nil {
		t.Fatal("no URL accepted")
	}
}
