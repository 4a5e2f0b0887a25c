package dora

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Query selects what a report covers.
type Query struct {
	// Days is a window of the last Days calendar days in the report's
	// location, today included (7, 30, 90 or any other). 0 means 30 unless
	// From is set.
	Days int
	// From and To are a custom range [From, To); they override Days. To
	// zero means now.
	From, To time.Time
	// Application and Pipeline restrict the report to one application or
	// pipeline; empty means all.
	Application string
	Pipeline    string
	// Explain fills Report.Explain with the events behind every number.
	Explain bool
}

// Window is the resolved period of a report.
type Window struct {
	// Label is "7d", "30d", "90d" ("<n>d") or "custom".
	Label string `json:"label"`
	// From and To bound the window [From, To), in the report's location.
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	// TimeZone is the IANA name of the location days and weeks are cut in.
	TimeZone string `json:"timeZone"`
	// Days is the number of calendar days the window touches.
	Days int `json:"days"`
	// Weeks is the number of whole 7-day weeks, counted back from the
	// window's last day, that the median deployment days per week is
	// taken over (1 for a window shorter than a week).
	Weeks int `json:"weeks"`

	loc   *time.Location
	dates []time.Time // local midnight of each day the window touches
}

// Contains reports whether t falls in the window.
func (w *Window) Contains(t time.Time) bool {
	return !t.IsZero() && !t.Before(w.From) && t.Before(w.To)
}

// ParseWindow parses a window length: "7d", "30d", "90d", any "<n>d" or
// "<n>w" (weeks), or a bare number of days. It returns the days.
func ParseWindow(in string) (int, error) {
	s := strings.TrimSpace(strings.ToLower(in))
	mult := 1
	switch {
	case strings.HasSuffix(s, "d"):
		s = strings.TrimSuffix(s, "d")
	case strings.HasSuffix(s, "w"):
		s, mult = strings.TrimSuffix(s, "w"), 7
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 || n > 3660/mult {
		return 0, fmt.Errorf("window %q: want a number of days such as 7d, 30d or 90d", in)
	}
	return n * mult, nil
}

// ParseBound parses a range bound: RFC 3339 ("2026-03-01T09:00:00Z"), or a
// date ("2026-03-01") in loc. A date as an upper bound (end true) means the
// end of that day, so from=2026-03-01&to=2026-03-31 covers all of March.
func ParseBound(s string, loc *time.Location, end bool) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	t, err := time.ParseInLocation(time.DateOnly, s, loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("time %q: want RFC 3339 (2026-03-01T09:30:00Z) or a date (2026-03-01)", s)
	}
	if end {
		t = t.AddDate(0, 0, 1)
	}
	return t, nil
}

// resolve turns a query into a window.
func resolve(q Query, now time.Time, loc *time.Location) (Window, error) {
	w := Window{loc: loc, TimeZone: loc.String()}
	switch {
	case !q.From.IsZero() || !q.To.IsZero():
		if q.From.IsZero() {
			return w, errors.New("a custom range needs a start (from)")
		}
		w.Label, w.From, w.To = "custom", q.From.In(loc), q.To
		if w.To.IsZero() {
			w.To = now
		}
		w.To = w.To.In(loc)
		if !w.From.Before(w.To) {
			return w, fmt.Errorf("range start %s is not before its end %s", w.From.Format(time.RFC3339), w.To.Format(time.RFC3339))
		}
	default:
		days := q.Days
		if days == 0 {
			days = 30
		}
		if days < 0 {
			return w, fmt.Errorf("window of %d days", days)
		}
		n := now.In(loc)
		today := time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, loc)
		w.Label, w.From, w.To = fmt.Sprintf("%dd", days), today.AddDate(0, 0, -(days-1)), n
		if !w.From.Before(w.To) { // now is exactly midnight of a 1-day window
			w.To = today.AddDate(0, 0, 1)
		}
	}
	// The calendar days the window touches; AddDate keeps midnight across
	// daylight-saving changes (a day may be 23 or 25 hours).
	f := w.From
	for d := time.Date(f.Year(), f.Month(), f.Day(), 0, 0, 0, 0, loc); d.Before(w.To); d = d.AddDate(0, 0, 1) {
		w.dates = append(w.dates, d)
	}
	w.Days = len(w.dates)
	w.Weeks = len(w.dates) / 7
	if w.Weeks == 0 {
		w.Weeks = 1
	}
	return w, nil
}

// weeks groups the window's days into 7-day weeks counted back from its
// last day; a leftover of fewer than 7 days at the start is dropped (a
// partial week would pull the median down), unless the window is shorter
// than a week. Each week is a set of dates (YYYY-MM-DD).
func (w *Window) weeks() [][]string {
	var out [][]string
	n := len(w.dates)
	for end := n; end > 0; end -= 7 {
		start := end - 7
		if start < 0 {
			if len(out) > 0 {
				break
			}
			start = 0
		}
		var wk []string
		for _, d := range w.dates[start:end] {
			wk = append(wk, d.Format(time.DateOnly))
		}
		out = append(out, wk)
	}
	return out
}

// day is the calendar date of t in the window's location.
func (w *Window) day(t time.Time) string { return t.In(w.loc).Format(time.DateOnly) }
