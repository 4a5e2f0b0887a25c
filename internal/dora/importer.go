package dora

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Import formats.
const (
	FormatJSON = "json"
	FormatCSV  = "csv"
)

// ImportError lists every problem an import found, each with its line.
type ImportError struct {
	Format   string
	Problems []Problem
}

// Problem is one bad line (Line 0: the whole input).
type Problem struct {
	Line int
	Msg  string
}

func (p Problem) String() string {
	if p.Line == 0 {
		return p.Msg
	}
	return fmt.Sprintf("line %d: %s", p.Line, p.Msg)
}

// maxProblems bounds the problems Error lists.
const maxProblems = 20

func (e *ImportError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "import %s: %d problem%s", e.Format, len(e.Problems), pluralS(len(e.Problems)))
	for i, p := range e.Problems {
		if i == maxProblems {
			fmt.Fprintf(&b, "\n  … and %d more", len(e.Problems)-maxProblems)
			break
		}
		b.WriteString("\n  " + p.String())
	}
	return b.String()
}

// Import reads a history from outside skiff — deployments, commits and
// incidents a team recorded before — in JSON or CSV, validates all of it
// and returns it, or an *ImportError naming every bad line. format is
// "json", "csv", or "" to tell by the first character ('{' is JSON).
//
// JSON is one object with three optional arrays whose elements have the
// fields (and JSON names) of Change, Deployment and Incident; times are
// RFC 3339; unknown fields are errors:
//
//	{"changes":     [{"id": "a1b2…", "repository": "web", "commitTime": "2026-03-02T09:00:00Z"}],
//	 "deployments": [{"id": "d-1", "application": "web", "environment": "production",
//	                  "start": "2026-03-02T10:00:00Z", "end": "2026-03-02T10:05:00Z",
//	                  "status": "Succeeded", "revision": "a1b2…", "commits": ["a1b2…"]}],
//	 "incidents":   [{"id": "inc-7", "application": "web", "start": "…", "end": "…", "deployment": "d-1"}]}
//
// CSV holds one kind of record, named by its first column (comma
// separated, a header row, column names case-insensitive; lists are
// separated by spaces, ';' or '|'; booleans are true/false, yes/no, 1/0):
//
//	deployment_id, application, environment, group, stage, pipeline,
//	execution, start, end, status, repository, revision, commits, rollback,
//	rollback_of, rolled_back_by, trigger, fix, caused_by, tags (k=v;k=v),
//	and per-row commit columns commit_id, commit_time, author_time,
//	commit_author, commit_message: rows with the same deployment_id are one
//	deployment (its columns must agree or be empty), each row adding one
//	commit, so an export with one row per deployed commit (DevLake's
//	cicd_deployment_commits) imports as it is.
//
//	commit_id, commit_time, author_time, push_time, repository, author,
//	message, parents
//
//	incident_id, start, end, application, environment, source, deployment
//
// Required: a deployment's id, application, one of environment, group or
// stage, status, and end unless the status is InProgress; a commit's id
// and commit_time or author_time; an incident's id and start. Statuses are
// Succeeded, Failed, Stopped, RolledBack, InProgress (also success,
// failure, cancelled, rolled_back …); triggers push, manual, rollback.
func Import(r io.Reader, format string) (*History, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read import: %w", err)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a spreadsheet's byte-order mark
	switch strings.ToLower(format) {
	case "":
		if t := bytes.TrimLeft(data, " \t\r\n"); len(t) > 0 && t[0] == '{' {
			return importJSON(data)
		}
		return importCSV(data)
	case FormatJSON:
		return importJSON(data)
	case FormatCSV:
		return importCSV(data)
	}
	return nil, fmt.Errorf("import format %q: want json or csv", format)
}

// lineAt is the 1-based line of a byte offset.
func lineAt(data []byte, off int64) int {
	off = max(0, min(off, int64(len(data))))
	return bytes.Count(data[:off], []byte("\n")) + 1
}

func importJSON(data []byte) (*History, error) {
	e := &ImportError{Format: FormatJSON}
	h := &History{}
	dec := json.NewDecoder(bytes.NewReader(data))
	syntax := func(err error) (*History, error) {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			e.Problems = append(e.Problems, Problem{lineAt(data, se.Offset), "JSON syntax: " + se.Error()})
		} else if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			e.Problems = append(e.Problems, Problem{lineAt(data, int64(len(data))), "JSON ends early"})
		} else {
			e.Problems = append(e.Problems, Problem{lineAt(data, dec.InputOffset()), err.Error()})
		}
		return nil, e
	}
	tok, err := dec.Token()
	if err != nil {
		return syntax(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		e.Problems = append(e.Problems, Problem{1, `want a JSON object {"changes": […], "deployments": […], "incidents": […]}`})
		return nil, e
	}
	lines := map[string]map[string]int{"changes": {}, "deployments": {}, "incidents": {}}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return syntax(err)
		}
		key, _ := tok.(string)
		keyLine := lineAt(data, dec.InputOffset())
		if _, ok := lines[key]; !ok {
			e.Problems = append(e.Problems, Problem{keyLine, fmt.Sprintf("unknown key %q (want changes, deployments, incidents)", key)})
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return syntax(err)
			}
			continue
		}
		if tok, err = dec.Token(); err != nil {
			return syntax(err)
		}
		if d, ok := tok.(json.Delim); !ok || d != '[' {
			e.Problems = append(e.Problems, Problem{keyLine, fmt.Sprintf("%s: want an array", key)})
			return nil, e
		}
		for dec.More() {
			// The element starts at the first non-blank, non-comma byte
			// after the previous token.
			start := dec.InputOffset()
			for start < int64(len(data)) && strings.IndexByte(" \t\r\n,", data[start]) >= 0 {
				start++
			}
			line := lineAt(data, start)
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return syntax(err)
			}
			var problems []string
			var id string
			switch key {
			case "changes":
				var c Change
				if problems = strictDecode(raw, &c); problems == nil {
					problems, id = c.problems(), c.ID
					h.Changes = append(h.Changes, c)
				}
			case "deployments":
				var d Deployment
				if problems = strictDecode(raw, &d); problems == nil {
					d.Status = normalizeStatus(string(d.Status))
					if t, ok := normalizeTrigger(string(d.Trigger)); ok {
						d.Trigger = t
					}
					problems, id = append(problems, d.problems()...), d.ID
					h.Deployments = append(h.Deployments, d)
				}
			case "incidents":
				var in Incident
				if problems = strictDecode(raw, &in); problems == nil {
					problems, id = in.problems(), in.ID
					h.Incidents = append(h.Incidents, in)
				}
			}
			for _, p := range problems {
				e.Problems = append(e.Problems, Problem{line, key[:len(key)-1] + ": " + p})
			}
			if id != "" {
				if first, dup := lines[key][id]; dup {
					e.Problems = append(e.Problems, Problem{line, fmt.Sprintf("%s id %q already used on line %d", key[:len(key)-1], id, first)})
				} else {
					lines[key][id] = line
				}
			}
		}
		if _, err := dec.Token(); err != nil { // ]
			return syntax(err)
		}
	}
	if _, err := dec.Token(); err != nil { // }
		return syntax(err)
	}
	if len(e.Problems) > 0 {
		return nil, e
	}
	return h, nil
}

// strictDecode decodes one element, refusing unknown fields, and explains
// a failure in words.
func strictDecode(raw []byte, v any) []string {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		return nil
	}
	var te *json.UnmarshalTypeError
	var pe *time.ParseError
	switch {
	case errors.As(err, &te):
		return []string{fmt.Sprintf("%s: want a %s, not a JSON %s", te.Field, te.Type, te.Value)}
	case errors.As(err, &pe):
		return []string{fmt.Sprintf("time %q: want RFC 3339, e.g. 2026-03-01T09:30:00Z", pe.Value)}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return []string{strings.TrimPrefix(err.Error(), "json: ")}
	}
	return []string{strings.TrimPrefix(err.Error(), "json: ")}
}

var statusWords = map[string]Status{
	"succeeded": StatusSucceeded, "success": StatusSucceeded, "successful": StatusSucceeded, "ok": StatusSucceeded,
	"failed": StatusFailed, "failure": StatusFailed, "error": StatusFailed,
	"stopped": StatusStopped, "cancelled": StatusStopped, "canceled": StatusStopped, "aborted": StatusStopped,
	"rolledback": StatusRolledBack, "rolled_back": StatusRolledBack, "rolled back": StatusRolledBack, "rolled-back": StatusRolledBack,
	"inprogress": StatusInProgress, "in_progress": StatusInProgress, "in progress": StatusInProgress, "running": StatusInProgress,
}

// normalizeStatus maps a status word to a Status; an unknown one is kept
// (the record's validation names it).
func normalizeStatus(s string) Status {
	if st, ok := statusWords[strings.ToLower(strings.TrimSpace(s))]; ok {
		return st
	}
	return Status(s)
}

func normalizeTrigger(s string) (Trigger, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "unknown":
		return TriggerUnknown, true
	case "push", "webhook", "commit", "source":
		return TriggerPush, true
	case "manual", "user":
		return TriggerManual, true
	case "rollback", "auto_rollback", "automatic_rollback", "autorollback", "alarm":
		return TriggerRollback, true
	}
	return Trigger(s), false
}

// csvColumns are the columns each kind of CSV accepts (aliases map to the
// canonical name).
var csvColumns = map[string][]string{
	"deployment_id": {"deployment_id", "application", "environment", "group", "stage", "pipeline", "execution",
		"start", "end", "status", "repository", "revision", "commits", "rollback", "rollback_of", "rolled_back_by",
		"trigger", "fix", "caused_by", "tags", "commit_id", "commit_time", "author_time", "commit_author", "commit_message"},
	"commit_id":   {"commit_id", "commit_time", "author_time", "push_time", "repository", "author", "message", "parents"},
	"incident_id": {"incident_id", "start", "end", "application", "environment", "source", "deployment"},
}

var csvAliases = map[string]string{
	"deployment_group": "group", "env": "environment", "app": "application",
	"started": "start", "start_time": "start", "ended": "end", "end_time": "end", "finished": "end", "finished_date": "end",
	"result": "status", "commit_sha": "commit_id", "sha": "commit_id", "committed_at": "commit_time",
	"deployment_id_attributed": "deployment",
}

func importCSV(data []byte) (*History, error) {
	e := &ImportError{Format: FormatCSV}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			e.Problems = append(e.Problems, Problem{0, "empty input: want a header row naming the columns"})
		} else {
			e.Problems = append(e.Problems, Problem{csvLine(err, 1), csvMsg(err)})
		}
		return nil, e
	}
	seenCol := map[string]bool{}
	for i, name := range header {
		name = strings.ToLower(strings.TrimSpace(name))
		name = strings.NewReplacer(" ", "_", "-", "_").Replace(name)
		if a, ok := csvAliases[name]; ok {
			name = a
		}
		if seenCol[name] {
			e.Problems = append(e.Problems, Problem{1, fmt.Sprintf("column %q appears twice", name)})
		}
		seenCol[name] = true
		header[i] = name
	}
	kind := header[0]
	allowed, ok := csvColumns[kind]
	if !ok {
		e.Problems = append(e.Problems, Problem{1, fmt.Sprintf("first column %q: want deployment_id, commit_id or incident_id (it names the kind of record)", kind)})
		return nil, e
	}
	for _, name := range header {
		if !slices.Contains(allowed, name) {
			e.Problems = append(e.Problems, Problem{1, fmt.Sprintf("unknown column %q for %s rows (want %s)",
				name, strings.TrimSuffix(kind, "_id"), strings.Join(allowed, ", "))})
		}
	}
	if len(e.Problems) > 0 {
		return nil, e
	}
	type csvRow struct {
		line int
		col  map[string]string
	}
	var rows []csvRow
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			e.Problems = append(e.Problems, Problem{csvLine(err, 0), csvMsg(err)})
			var pe *csv.ParseError
			if errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrFieldCount) {
				continue
			}
			return nil, e // a quoting error: the rest cannot be trusted
		}
		line, _ := cr.FieldPos(0)
		col := map[string]string{}
		for i, v := range rec {
			col[header[i]] = strings.TrimSpace(v)
		}
		rows = append(rows, csvRow{line, col})
	}
	add := func(line int, msgs ...string) {
		for _, m := range msgs {
			e.Problems = append(e.Problems, Problem{line, m})
		}
	}
	h := &History{}
	ids := map[string]int{} // id → first line
	dupID := func(line int, what, id string) {
		if id == "" {
			return
		}
		if first, dup := ids[id]; dup {
			add(line, fmt.Sprintf("%s id %q already used on line %d", what, id, first))
		} else {
			ids[id] = line
		}
	}
	switch kind {
	case "commit_id":
		for _, r := range rows {
			p := &rowParser{row: r.col}
			c := Change{
				ID: r.col["commit_id"], Repository: r.col["repository"], Author: r.col["author"], Message: r.col["message"],
				CommitTime: p.time("commit_time"), AuthorTime: p.time("author_time"), PushTime: p.time("push_time"),
				Parents: splitList(r.col["parents"]),
			}
			add(r.line, p.problems...)
			add(r.line, p.rest(c.problems())...)
			dupID(r.line, "commit", c.ID)
			h.Changes = append(h.Changes, c)
		}
	case "incident_id":
		for _, r := range rows {
			p := &rowParser{row: r.col}
			in := Incident{
				ID: r.col["incident_id"], Application: r.col["application"], Environment: r.col["environment"],
				Source: r.col["source"], Start: p.time("start"), End: p.time("end"), Deployment: r.col["deployment"],
			}
			add(r.line, p.problems...)
			add(r.line, p.rest(in.problems())...)
			dupID(r.line, "incident", in.ID)
			h.Incidents = append(h.Incidents, in)
		}
	case "deployment_id":
		// Rows with the same deployment_id are one deployment: the first
		// row's columns, filled in by later rows, each row adding its
		// commit.
		type group struct {
			line    int
			col     map[string]string
			from    map[string]int // column → line that set it
			commits []string
		}
		var order []*group
		byID := map[string]*group{}
		commitLine := map[string]int{}
		for _, r := range rows {
			id := r.col["deployment_id"]
			g := byID[id]
			if g == nil || id == "" {
				g = &group{line: r.line, col: map[string]string{}, from: map[string]int{}}
				order = append(order, g)
				if id != "" {
					byID[id] = g
				}
			}
			for _, k := range allowed {
				if v := r.col[k]; v != "" && !isCommitColumn(k) {
					if cur := g.col[k]; cur != "" && cur != v {
						add(r.line, fmt.Sprintf("deployment %q: %s is %q here but %q on line %d", id, k, v, cur, g.from[k]))
					} else if cur == "" {
						g.col[k], g.from[k] = v, r.line
					}
				}
			}
			cid := r.col["commit_id"]
			if cid == "" {
				if r.col["commit_time"] != "" || r.col["author_time"] != "" || r.col["commit_author"] != "" || r.col["commit_message"] != "" {
					add(r.line, "commit columns are set but commit_id is empty")
				}
				continue
			}
			if !slices.Contains(g.commits, cid) {
				g.commits = append(g.commits, cid)
			}
			p := &rowParser{row: r.col}
			c := Change{ID: cid, Repository: r.col["repository"], Author: r.col["commit_author"], Message: r.col["commit_message"],
				CommitTime: p.time("commit_time"), AuthorTime: p.time("author_time")}
			add(r.line, p.problems...)
			add(r.line, prefixed("commit "+cid+":", p.rest(c.problems()))...)
			if first, seen := commitLine[cid]; !seen {
				commitLine[cid] = r.line
				h.Changes = append(h.Changes, c)
			} else if prev := findChange(h.Changes, cid); prev != nil && !prev.CommitTime.Equal(c.CommitTime) {
				add(r.line, fmt.Sprintf("commit %q has commit_time %s here but %s on line %d",
					cid, r.col["commit_time"], prev.CommitTime.Format(time.RFC3339), first))
			}
		}
		for _, g := range order {
			p := &rowParser{row: g.col}
			d, problems := parseDeploymentRow(g.col, p)
			for _, c := range g.commits {
				if !slices.Contains(d.Commits, c) {
					d.Commits = append(d.Commits, c)
				}
			}
			add(g.line, p.problems...)
			add(g.line, problems...)
			add(g.line, p.rest(d.problems())...)
			h.Deployments = append(h.Deployments, d)
		}
	}
	if len(e.Problems) > 0 {
		sort.SliceStable(e.Problems, func(i, j int) bool { return e.Problems[i].Line < e.Problems[j].Line })
		return nil, e
	}
	return h, nil
}

func isCommitColumn(k string) bool {
	switch k {
	case "commit_id", "commit_time", "author_time", "commit_author", "commit_message":
		return true
	}
	return false
}

func findChange(cs []Change, id string) *Change {
	for i := range cs {
		if cs[i].ID == id {
			return &cs[i]
		}
	}
	return nil
}

func prefixed(what string, ps []string) []string {
	var out []string
	for _, p := range ps {
		out = append(out, what+" "+p)
	}
	return out
}

// parseDeploymentRow builds a deployment from a CSV row; the field
// problems that validation cannot see (a bad boolean, trigger or tag) are
// returned, bad times are in p.problems.
func parseDeploymentRow(row map[string]string, p *rowParser) (Deployment, []string) {
	var problems []string
	d := Deployment{
		ID: row["deployment_id"], Application: row["application"], Environment: row["environment"],
		Group: row["group"], Stage: row["stage"], Pipeline: row["pipeline"], Execution: row["execution"],
		Start: p.time("start"), End: p.time("end"), Repository: row["repository"], Revision: row["revision"],
		Commits: splitList(row["commits"]), Rollback: p.bool("rollback"), RollbackOf: row["rollback_of"],
		RolledBackBy: row["rolled_back_by"], Fix: p.bool("fix"), CausedBy: splitList(row["caused_by"]),
	}
	d.Status = normalizeStatus(row["status"])
	if t, ok := normalizeTrigger(row["trigger"]); ok {
		d.Trigger = t
	} else {
		problems = append(problems, fmt.Sprintf("trigger %q: want push, manual or rollback", row["trigger"]))
	}
	if s := row["tags"]; s != "" {
		d.Tags = map[string]string{}
		for _, kv := range splitList(s) {
			k, v, ok := strings.Cut(kv, "=")
			if !ok || k == "" {
				problems = append(problems, fmt.Sprintf("tags %q: want key=value pairs separated by ';'", s))
				break
			}
			d.Tags[k] = v
		}
	}
	return d, problems
}

// rowParser reads typed columns and collects their problems.
type rowParser struct {
	row      map[string]string
	problems []string
	badTime  bool
}

// rest drops a record's time problems when a time column did not parse:
// "start is required" after "start \"x\": want RFC 3339" says nothing new.
func (p *rowParser) rest(problems []string) []string {
	if !p.badTime {
		return problems
	}
	var out []string
	for _, s := range problems {
		if !strings.HasPrefix(s, "start ") && !strings.HasPrefix(s, "end ") && !strings.HasPrefix(s, "commitTime ") {
			out = append(out, s)
		}
	}
	return out
}

func (p *rowParser) time(col string) time.Time {
	s := p.row[col]
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		p.badTime = true
		p.problems = append(p.problems, fmt.Sprintf("%s %q: want RFC 3339 with a zone, e.g. 2026-03-01T09:30:00Z", col, s))
	}
	return t
}

func (p *rowParser) bool(col string) bool {
	switch strings.ToLower(p.row[col]) {
	case "", "false", "no", "0", "n", "f":
		return false
	case "true", "yes", "1", "y", "t":
		return true
	}
	p.problems = append(p.problems, fmt.Sprintf("%s %q: want true or false", col, p.row[col]))
	return false
}

func splitList(s string) []string {
	f := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ';' || r == '|' || r == '\t' })
	if len(f) == 0 {
		return nil
	}
	return f
}

func csvLine(err error, def int) int {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Line
	}
	return def
}

func csvMsg(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		if errors.Is(pe.Err, csv.ErrFieldCount) {
			return "wrong number of fields (the header has a different count)"
		}
		return "CSV: " + pe.Err.Error() + " (column " + strconv.Itoa(pe.Column) + ")"
	}
	return err.Error()
}
