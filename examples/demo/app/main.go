// Command demoapp is the small web service skiff's demo deploys: it greets
// visitors on / and reports its health on /health.
//
// It listens on $PORT (the CodeDeploy instance's port). "demoapp -check URL"
// exits 0 when URL answers 200, so the deployment's ValidateService hook
// needs no curl.
package main

import (
	"fmt"
	"log"
	"net/http"
	"os"
	"time"
)

func main() {
	if len(os.Args) == 3 && os.Args[1] == "-check" {
		os.Exit(check(os.Args[2]))
	}
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	srv := &http.Server{Addr: "127.0.0.1:" + port, Handler: routes(), ReadHeaderTimeout: 5 * time.Second}
	log.Printf("demoapp %s listening on %s", Version, srv.Addr)
	log.Fatal(srv.ListenAndServe())
}

func routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {
		msg, err := Greeting(r.URL.Query().Get("name"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		fmt.Fprintln(w, msg)
	})
	return mux
}

// check probes url until it answers 200, for up to 10 seconds.
func check(url string) int {
	c := &http.Client{Timeout: time.Second}
	for deadline := time.Now().Add(10 * time.Second); ; {
		resp, err := c.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return 0
			}
			err = fmt.Errorf("status %s", resp.Status)
		}
		if time.Now().After(deadline) {
			fmt.Fprintf(os.Stderr, "%s: %v\n", url, err)
			return 1
		}
		time.Sleep(200 * time.Millisecond)
	}
}
