package template

import (
	"fmt"
	"sort"
	"strings"
)

// Diagnostic is one user-facing problem in a template. Path is the slash
// separated location inside the template (e.g. Resources/X/Properties/Y);
// Line and Col are 1-based source positions, zero when unknown.
type Diagnostic struct {
	Path    string
	Line    int
	Col     int
	Message string
}

func (d Diagnostic) Error() string {
	var b strings.Builder
	b.WriteString(d.Message)
	if d.Path != "" {
		b.WriteString(" at ")
		b.WriteString(d.Path)
	}
	if d.Line > 0 {
		fmt.Fprintf(&b, " (line %d, column %d)", d.Line, d.Col)
	}
	return b.String()
}

// Diagnostics is a list of problems; it is the error type returned by Parse
// and Validate so callers can inspect every problem individually.
type Diagnostics []Diagnostic

func (ds Diagnostics) Error() string {
	parts := make([]string, len(ds))
	for i, d := range ds {
		parts[i] = d.Error()
	}
	return strings.Join(parts, "; ")
}

// diags accumulates diagnostics, attaching positions from a template.
type diags struct {
	t    *Template
	list Diagnostics
	seen map[string]bool
}

func (d *diags) add(path, format string, args ...any) {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	key := path + "\x00" + msg
	if d.seen == nil {
		d.seen = map[string]bool{}
	}
	if d.seen[key] {
		return
	}
	d.seen[key] = true
	diag := Diagnostic{Path: path, Message: msg}
	if d.t != nil && path != "" {
		if l, c, ok := d.t.Pos(path); ok {
			diag.Line, diag.Col = l, c
		}
	}
	d.list = append(d.list, diag)
}

func (d *diags) err() error {
	if len(d.list) == 0 {
		return nil
	}
	return d.list
}

// errAt builds a single-diagnostic error for evaluation failures.
func (t *Template) errAt(path, format string, args ...any) error {
	d := diags{t: t}
	d.add(path, format, args...)
	return d.list
}

// joinPath appends one element to a slash separated template path.
func joinPath(path, elem string) string {
	if path == "" {
		return elem
	}
	return path + "/" + elem
}

func sortedKeys[M ~map[string]V, V any](m M) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func bracketList(names []string) string {
	return "[" + strings.Join(names, ", ") + "]"
}
