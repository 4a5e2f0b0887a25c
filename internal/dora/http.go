package dora

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Path is where the lead mounts Handler: GET /_skiff/dora.
const Path = "/_skiff/dora"

// Handler serves reports as JSON (WriteJSON's document) for GET requests:
//
//	GET /_skiff/dora?app=web&pipeline=web-pipeline&window=30d&explain=1
//	GET /_skiff/dora?from=2026-03-01&to=2026-03-31&tz=Europe/Paris
//
// Parameters (all optional): app, pipeline, window (7d, 30d, 90d, any
// <n>d or <n>w; default 30d), from and to (a custom range, RFC 3339 or a
// date; a date as "to" includes that day), tz (an IANA zone for day and
// week boundaries; default opts.Location), explain (1 or true). A bad
// parameter is 400 with {"error": "..."}; a failing source is 500.
func Handler(src Source, opts Options) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			writeError(w, http.StatusMethodNotAllowed, fmt.Errorf("method %s not allowed", r.Method))
			return
		}
		o := opts
		q, loc, err := ParseQuery(r.URL.Query(), o.normalized().Location)
		if err != nil {
			writeError(w, http.StatusBadRequest, err)
			return
		}
		o.Location = loc
		rep, err := Measure(r.Context(), src, q, o)
		if err != nil {
			status := http.StatusInternalServerError
			var qe *queryError
			if errors.As(err, &qe) {
				status = http.StatusBadRequest
			}
			writeError(w, status, err)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		WriteJSON(w, rep)
	})
}

// ParseQuery reads a query from URL parameters (Handler's, which a CLI
// can reuse): app, pipeline, window, from, to, tz, explain. It returns the
// query and the location to cut days in (tz, else def).
func ParseQuery(v url.Values, def *time.Location) (Query, *time.Location, error) {
	var q Query
	for k := range v {
		switch k {
		case "app", "application", "pipeline", "window", "from", "to", "tz", "explain":
		default:
			return q, nil, &queryError{fmt.Errorf("unknown parameter %q (want app, pipeline, window, from, to, tz, explain)", k)}
		}
	}
	loc := def
	if tz := v.Get("tz"); tz != "" {
		l, err := time.LoadLocation(tz)
		if err != nil {
			return q, nil, &queryError{fmt.Errorf("tz %q: not a known time zone", tz)}
		}
		loc = l
	}
	q.Application = v.Get("app")
	if q.Application == "" {
		q.Application = v.Get("application")
	}
	q.Pipeline = v.Get("pipeline")
	if s := v.Get("window"); s != "" {
		n, err := ParseWindow(s)
		if err != nil {
			return q, nil, &queryError{err}
		}
		q.Days = n
	}
	var err error
	if s := v.Get("from"); s != "" {
		if q.From, err = ParseBound(s, loc, false); err != nil {
			return q, nil, &queryError{fmt.Errorf("from: %w", err)}
		}
	}
	if s := v.Get("to"); s != "" {
		if q.To, err = ParseBound(s, loc, true); err != nil {
			return q, nil, &queryError{fmt.Errorf("to: %w", err)}
		}
	}
	if (!q.From.IsZero() || !q.To.IsZero()) && v.Get("window") != "" {
		return q, nil, &queryError{errors.New("give either window or from/to, not both")}
	}
	switch strings.ToLower(v.Get("explain")) {
	case "", "0", "false", "no":
	case "1", "true", "yes":
		q.Explain = true
	default:
		return q, nil, &queryError{fmt.Errorf("explain %q: want 1 or 0", v.Get("explain"))}
	}
	return q, loc, nil
}

// queryError is a problem with the request, not the source.
type queryError struct{ err error }

func (e *queryError) Error() string { return e.err.Error() }
func (e *queryError) Unwrap() error { return e.err }

func writeError(w http.ResponseWriter, status int, err error) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
}
