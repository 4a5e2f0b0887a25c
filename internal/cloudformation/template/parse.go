package template

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// Size limits CloudFormation applies to template bodies. The caller checks
// them because only it knows whether the body came inline or from a URL.
const (
	MaxBodyBytes    = 51200
	MaxURLBodyBytes = 1000000
)

const (
	// maxDepth bounds nesting so hostile input cannot exhaust the stack.
	maxDepth = 1000
	// maxNodes bounds the size of the converted tree, which matters for YAML
	// aliases: a small document can otherwise expand exponentially.
	maxNodes = 1000000
)

type position struct{ line, col int }

// Parse reads a JSON or YAML template body. Syntax errors, duplicate keys and
// a non-object document are reported here; everything else is left to
// Validate so that all structural problems can be reported together.
func Parse(body []byte) (*Template, error) {
	var (
		raw   any
		pos   = map[string]position{}
		order = map[string][]string{}
		err   error
	)
	body = bytes.TrimPrefix(body, []byte("\ufeff"))
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) > 0 && trimmed[0] == '{' {
		raw, err = parseJSON(body, pos, order)
		if err != nil && looksLikeYAMLFlow(trimmed) {
			// "{Resources: {...}}" is a YAML flow mapping, not broken JSON.
			pos, order = map[string]position{}, map[string][]string{}
			if yraw, yerr := parseYAML(body, pos, order); yerr == nil {
				raw, err = yraw, nil
			}
		}
	} else {
		raw, err = parseYAML(body, pos, order)
	}
	if err != nil {
		return nil, err
	}
	m, ok := raw.(map[string]any)
	if !ok {
		return nil, Diagnostics{{Message: "Template format error: unsupported structure."}}
	}
	return build(m, pos, order), nil
}

// ---------------------------------------------------------------- JSON

// looksLikeYAMLFlow reports whether a body starting with '{' has an
// unquoted first key, which JSON never has.
func looksLikeYAMLFlow(b []byte) bool {
	rest := bytes.TrimLeft(b[1:], " \t\r\n")
	return len(rest) > 0 && rest[0] != '"' && rest[0] != '}'
}

type jsonConv struct {
	data  []byte
	dec   *json.Decoder
	pos   map[string]position
	order map[string][]string
	nodes int
	// cursor: the line and column of offset curOff. Offsets are asked for
	// in increasing order while parsing, so positions are found by moving
	// forward from the last one (linear in the body, not quadratic).
	curOff, curLine, curCol int
}

// lineCol returns the 1-based line and column (in runes) of off.
func (c *jsonConv) lineCol(off int) (int, int) {
	if off < c.curOff || c.curLine == 0 {
		if off < c.curOff {
			return offsetToLineCol(c.data, off)
		}
		c.curOff, c.curLine, c.curCol = 0, 1, 1
	}
	if off > len(c.data) {
		off = len(c.data)
	}
	for c.curOff < off {
		r, size := utf8.DecodeRune(c.data[c.curOff:])
		if r == '\n' {
			c.curLine, c.curCol = c.curLine+1, 1
		} else {
			c.curCol++
		}
		c.curOff += size
	}
	return c.curLine, c.curCol
}

func parseJSON(body []byte, pos map[string]position, order map[string][]string) (any, error) {
	c := &jsonConv{data: body, pos: pos, order: order}
	c.dec = json.NewDecoder(bytes.NewReader(body))
	c.dec.UseNumber()
	v, err := c.value("", 0)
	if err != nil {
		return nil, err
	}
	// Anything but whitespace after the document is malformed.
	if _, err := c.dec.Token(); err != io.EOF {
		return nil, c.syntaxErr(c.skip(int(c.dec.InputOffset())), "")
	}
	return v, nil
}

// skip moves past whitespace and the separators that Token() consumes
// silently, so the result is the offset where the next token starts.
func (c *jsonConv) skip(off int) int {
	for off < len(c.data) {
		switch c.data[off] {
		case ' ', '\t', '\r', '\n', ',', ':':
			off++
		default:
			return off
		}
	}
	return off
}

func (c *jsonConv) syntaxErr(off int, detail string) error {
	line, col := offsetToLineCol(c.data, off)
	msg := "Template format error: JSON not well-formed."
	if detail != "" {
		msg += " " + detail
	}
	return Diagnostics{{Message: msg, Line: line, Col: col}}
}

func (c *jsonConv) tokenErr(err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return c.syntaxErr(int(se.Offset), "")
	}
	return c.syntaxErr(len(c.data), "")
}

func (c *jsonConv) value(path string, depth int) (any, error) {
	start := c.skip(int(c.dec.InputOffset()))
	if _, ok := c.pos[path]; !ok {
		l, col := c.lineCol(start)
		c.pos[path] = position{l, col}
	}
	c.nodes++
	if depth > maxDepth || c.nodes > maxNodes {
		return nil, c.syntaxErr(start, "Template is nested too deeply or is too large.")
	}
	tok, err := c.dec.Token()
	if err != nil {
		return nil, c.tokenErr(err)
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			m := map[string]any{}
			var keys []string
			for c.dec.More() {
				kstart := c.skip(int(c.dec.InputOffset()))
				ktok, err := c.dec.Token()
				if err != nil {
					return nil, c.tokenErr(err)
				}
				k, ok := ktok.(string)
				if !ok {
					return nil, c.syntaxErr(kstart, "")
				}
				child := joinPath(path, k)
				if _, dup := m[k]; dup {
					l, col := offsetToLineCol(c.data, kstart)
					return nil, Diagnostics{{Message: fmt.Sprintf("Template format error: JSON not well-formed. Duplicate key '%s'", k), Line: l, Col: col}}
				}
				l, col := c.lineCol(kstart)
				c.pos[child] = position{l, col}
				v, err := c.value(child, depth+1)
				if err != nil {
					return nil, err
				}
				m[k] = v
				keys = append(keys, k)
			}
			if _, err := c.dec.Token(); err != nil {
				return nil, c.tokenErr(err)
			}
			if depth <= 2 {
				c.order[path] = keys
			}
			return m, nil
		case '[':
			list := []any{}
			for i := 0; c.dec.More(); i++ {
				v, err := c.value(joinPath(path, strconv.Itoa(i)), depth+1)
				if err != nil {
					return nil, err
				}
				list = append(list, v)
			}
			if _, err := c.dec.Token(); err != nil {
				return nil, c.tokenErr(err)
			}
			return list, nil
		}
		return nil, c.syntaxErr(start, "")
	default:
		return t, nil // string, json.Number, bool or nil
	}
}

func offsetToLineCol(data []byte, off int) (int, int) {
	if off > len(data) {
		off = len(data)
	}
	if off < 0 {
		off = 0
	}
	line := 1 + bytes.Count(data[:off], []byte{'\n'})
	lineStart := bytes.LastIndexByte(data[:off], '\n') + 1
	return line, 1 + utf8.RuneCount(data[lineStart:off])
}

// ---------------------------------------------------------------- YAML

var yamlLineRe = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

func parseYAML(body []byte, pos map[string]position, order map[string][]string) (raw any, err error) {
	var doc yaml.Node
	func() {
		// The YAML library is third-party code fed hostile input; a panic in
		// it must become a template error, not take the server down.
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("%v", r)
			}
		}()
		err = yaml.Unmarshal(body, &doc)
	}()
	if err != nil {
		return nil, yamlSyntaxError(body, err)
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		// An empty document: CloudFormation treats it as a template without
		// a Resources section, which Validate reports.
		return map[string]any{}, nil
	}
	c := &yamlConv{pos: pos, order: order, active: map[*yaml.Node]bool{}}
	return c.conv(doc.Content[0], "", 0)
}

func yamlSyntaxError(body []byte, err error) error {
	msg := err.Error()
	d := Diagnostic{Message: "Template format error: YAML not well-formed."}
	line := 0
	if m := yamlLineRe.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
	}
	// The library often reports the line where the enclosing construct
	// started rather than where parsing failed; the first line at which a
	// growing prefix of the document stops parsing is more precise.
	if l := firstFailingLine(body); l > 0 {
		line = l
	}
	if line > 0 {
		d.Line, d.Col = line, firstColumn(body, line)
	}
	return Diagnostics{d}
}

func yamlParses(b []byte) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	var n yaml.Node
	return yaml.Unmarshal(b, &n) == nil
}

// firstFailingLine binary-searches the shortest line prefix of body that
// fails to parse, returning its last line (0 if none does).
func firstFailingLine(body []byte) int {
	var ends []int // byte offset of the end of each line
	for i, c := range body {
		if c == '\n' {
			ends = append(ends, i+1)
		}
	}
	if len(ends) == 0 || ends[len(ends)-1] != len(body) {
		ends = append(ends, len(body))
	}
	if len(ends) > 200000 || yamlParses(body) {
		return 0
	}
	lo, hi := 0, len(ends)-1 // invariant: prefix ends[hi] fails
	for lo < hi {
		mid := (lo + hi) / 2
		if yamlParses(body[:ends[mid]]) {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return hi + 1
}

// firstColumn returns the column of the first non-blank character of a line;
// the YAML library reports only lines, and the start of the offending line's
// content is the most useful column we can give.
func firstColumn(body []byte, line int) int {
	lines := bytes.Split(body, []byte{'\n'})
	if line < 1 || line > len(lines) {
		return 1
	}
	l := lines[line-1]
	trimmed := bytes.TrimLeft(l, " \t")
	return 1 + utf8.RuneCount(l[:len(l)-len(trimmed)])
}

type yamlConv struct {
	pos    map[string]position
	order  map[string][]string
	nodes  int
	active map[*yaml.Node]bool // aliases being expanded, to refuse cycles
}

func (c *yamlConv) fail(n *yaml.Node, detail string) error {
	msg := "Template format error: YAML not well-formed."
	if detail != "" {
		msg += " " + detail
	}
	return Diagnostics{{Message: msg, Line: n.Line, Col: n.Column}}
}

func (c *yamlConv) setPos(path string, n *yaml.Node) {
	if _, ok := c.pos[path]; !ok {
		c.pos[path] = position{n.Line, n.Column}
	}
}

// functionKey maps a short-form tag to its long-form key, "" if the tag is
// not a CloudFormation function tag.
func functionKey(tag string) string {
	if !strings.HasPrefix(tag, "!") || strings.HasPrefix(tag, "!!") || len(tag) < 2 {
		return ""
	}
	name := tag[1:]
	switch name {
	case "Ref", "Condition":
		return name
	}
	return "Fn::" + name
}

func (c *yamlConv) conv(n *yaml.Node, path string, depth int) (any, error) {
	c.nodes++
	if depth > maxDepth || c.nodes > maxNodes {
		return nil, c.fail(n, "Template is nested too deeply or is too large.")
	}
	c.setPos(path, n)
	if n.Kind == yaml.AliasNode {
		if n.Alias == nil || c.active[n.Alias] {
			return nil, c.fail(n, "Anchor refers to itself.")
		}
		c.active[n.Alias] = true
		defer delete(c.active, n.Alias)
		return c.conv(n.Alias, path, depth+1)
	}
	if fk := functionKey(n.Tag); fk != "" {
		inner := path + "/" + fk
		if path == "" {
			inner = fk
		}
		c.setPos(inner, n)
		var v any
		if n.Kind == yaml.ScalarNode {
			v = n.Value // tagged scalars are always strings
			if fk == "Fn::GetAtt" {
				if i := strings.IndexByte(n.Value, '.'); i >= 0 {
					v = []any{n.Value[:i], n.Value[i+1:]}
				}
			}
		} else {
			var err error
			v, err = c.untagged(n, inner, depth)
			if err != nil {
				return nil, err
			}
		}
		return map[string]any{fk: v}, nil
	}
	return c.untagged(n, path, depth)
}

func (c *yamlConv) untagged(n *yaml.Node, path string, depth int) (any, error) {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return c.conv(n.Content[0], path, depth+1)
	case yaml.SequenceNode:
		list := make([]any, 0, len(n.Content))
		for i, item := range n.Content {
			v, err := c.conv(item, joinPath(path, strconv.Itoa(i)), depth+1)
			if err != nil {
				return nil, err
			}
			list = append(list, v)
		}
		return list, nil
	case yaml.MappingNode:
		return c.mapping(n, path, depth)
	case yaml.ScalarNode:
		return scalarValue(n), nil
	case yaml.AliasNode:
		return c.conv(n, path, depth+1)
	}
	return nil, c.fail(n, "")
}

func (c *yamlConv) keyOf(k *yaml.Node) (string, bool) {
	for i := 0; k.Kind == yaml.AliasNode && k.Alias != nil && i < 100; i++ {
		k = k.Alias
	}
	if k.Kind != yaml.ScalarNode {
		return "", false
	}
	return k.Value, true
}

func (c *yamlConv) mapping(n *yaml.Node, path string, depth int) (any, error) {
	m := map[string]any{}
	var keys []string
	if len(n.Content)%2 != 0 {
		return nil, c.fail(n, "")
	}
	// Explicit keys win over merged ones wherever they appear, so collect
	// them first.
	explicit := map[string]bool{}
	for i := 0; i < len(n.Content); i += 2 {
		kn := n.Content[i]
		if kn.Kind == yaml.ScalarNode && kn.ShortTag() == "!!merge" {
			continue
		}
		k, ok := c.keyOf(kn)
		if !ok {
			return nil, c.fail(kn, "Mapping keys must be strings.")
		}
		if explicit[k] {
			return nil, c.fail(kn, fmt.Sprintf("Duplicate key '%s'", k))
		}
		explicit[k] = true
	}
	for i := 0; i < len(n.Content); i += 2 {
		kn, vn := n.Content[i], n.Content[i+1]
		if kn.Kind == yaml.ScalarNode && kn.ShortTag() == "!!merge" {
			merged, mkeys, err := c.mergeSources(vn, path, depth)
			if err != nil {
				return nil, err
			}
			for j, mm := range merged {
				for _, k := range mkeys[j] {
					if explicit[k] {
						continue
					}
					if _, done := m[k]; done {
						continue
					}
					m[k] = mm[k]
					keys = append(keys, k)
				}
			}
			continue
		}
		k, _ := c.keyOf(kn)
		child := joinPath(path, k)
		c.pos[child] = position{kn.Line, kn.Column}
		v, err := c.conv(vn, child, depth+1)
		if err != nil {
			return nil, err
		}
		m[k] = v
		keys = append(keys, k)
	}
	if depth <= 2 {
		c.order[path] = keys
	}
	return m, nil
}

// mergeSources converts the value of a YAML merge key (<<), which is a
// mapping or a sequence of mappings, returning each map with its key order.
func (c *yamlConv) mergeSources(vn *yaml.Node, path string, depth int) ([]map[string]any, [][]string, error) {
	var srcs []*yaml.Node
	target := vn
	for i := 0; target.Kind == yaml.AliasNode && target.Alias != nil && i < 100; i++ {
		target = target.Alias
	}
	if target.Kind == yaml.SequenceNode {
		srcs = target.Content
	} else {
		srcs = []*yaml.Node{vn}
	}
	var maps []map[string]any
	var orders [][]string
	for _, s := range srcs {
		v, err := c.conv(s, path, depth+1)
		if err != nil {
			return nil, nil, err
		}
		mm, ok := v.(map[string]any)
		if !ok {
			return nil, nil, c.fail(s, "Merge keys must refer to mappings.")
		}
		keys := sortedKeys(mm)
		real := s
		for i := 0; real.Kind == yaml.AliasNode && real.Alias != nil && i < 100; i++ {
			real = real.Alias
		}
		if real.Kind == yaml.MappingNode {
			keys = keys[:0]
			for i := 0; i+1 < len(real.Content); i += 2 {
				if k, ok := c.keyOf(real.Content[i]); ok {
					if _, in := mm[k]; in {
						keys = append(keys, k)
					}
				}
			}
		}
		maps = append(maps, mm)
		orders = append(orders, keys)
	}
	return maps, orders, nil
}

var jsonNumberRe = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$`)

// scalarValue converts a plain YAML scalar to the generic value model.
// Numbers keep their literal text (as json.Number) so that "1.10" stays
// "1.10" when it later becomes a string property.
func scalarValue(n *yaml.Node) any {
	switch n.ShortTag() {
	case "!!null":
		return nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err == nil {
			return b
		}
		return n.Value
	case "!!int", "!!float":
		if jsonNumberRe.MatchString(n.Value) {
			return json.Number(n.Value)
		}
		// Digit strings with leading zeros (account IDs!) stay strings;
		// other YAML-only spellings (0x1F, +5, 1_000) become decimal.
		if strings.TrimLeft(n.Value, "+-0123456789") == "" {
			if s := strings.TrimPrefix(n.Value, "+"); jsonNumberRe.MatchString(s) {
				return json.Number(s)
			}
			return n.Value
		}
		if i, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 64); err == nil {
			return json.Number(strconv.FormatInt(i, 10))
		}
		if f, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64); err == nil && !isInfOrNaN(f) {
			return json.Number(strconv.FormatFloat(f, 'g', -1, 64))
		}
		return n.Value
	default:
		// !!str, !!timestamp (AWSTemplateFormatVersion: 2010-09-09),
		// !!binary and unknown tags keep the literal text.
		return n.Value
	}
}

func isInfOrNaN(f float64) bool { return math.IsInf(f, 0) || math.IsNaN(f) }
