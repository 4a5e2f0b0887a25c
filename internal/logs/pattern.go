package logs

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
)

// The filter pattern language of metric filters, subscription filters,
// FilterLogEvents and Live Tail, as the CloudWatch Logs user guide
// ("Filter pattern syntax") documents it:
//
//   - empty: every event.
//   - terms: `ERROR ARGUMENTS` (all present), `?ERROR ?WARN` (any; "?"
//     terms are ignored when mixed with others), `ERROR -DEBUG`
//     (exclusions), `"exact phrase"`; `""` and `" "` match everything.
//     Terms are case-sensitive and match anywhere in the message.
//   - regex: `%AUTHORI[SZ]ED%`, with the documented character set (no
//     parentheses, ASCII only).
//   - JSON: `{ $.level = "error" && ($.latency > 100 || $.user.id = 1) }`
//     with =, !=, <, <=, >, >= on strings (with * wildcards or %regex%)
//     and numbers, IS NULL|TRUE|FALSE, NOT EXISTS, array indexes
//     ($.a[0]), wildcards ($.a[*], $.*) and bracketed names
//     ($.['cluster.name']). A selector that names an object or array, or
//     nothing, does not match a comparison; a message that is not a JSON
//     object matches no JSON pattern.
//   - space-delimited: `[ip, user, ..., status_code = 5* || status_code =
//     404, bytes > 1000]`. Fields split on spaces; "…" and […] are one
//     field each (without the quotes or brackets). "..." stands for any
//     number of fields. Without "...", the last field takes the rest of
//     the line when the message has more fields than the pattern.

// FilterPattern is a compiled filter pattern.
type FilterPattern struct {
	match func(msg string) bool
}

// Match reports whether a log message matches.
func (p *FilterPattern) Match(msg string) bool {
	if p == nil || p.match == nil {
		return true
	}
	return p.match(msg)
}

func invalidPattern(detail string) error {
	if detail == "" {
		return ErrInvalidParameter.New("Invalid filter pattern")
	}
	return ErrInvalidParameter.New("Invalid filter pattern: %s", detail)
}

// ParseFilterPattern compiles a filter pattern; a malformed one is an
// InvalidParameterException.
func ParseFilterPattern(src string) (*FilterPattern, error) {
	s := strings.TrimSpace(src)
	switch {
	case s == "":
		return &FilterPattern{}, nil
	case s[0] == '{':
		if !strings.HasSuffix(s, "}") {
			return nil, invalidPattern("missing closing '}'")
		}
		p := &jsonParser{lex: lexer{s: s[1 : len(s)-1]}}
		expr, err := p.parse()
		if err != nil {
			return nil, err
		}
		return &FilterPattern{match: func(msg string) bool { return matchJSON(expr, msg) }}, nil
	case s[0] == '[':
		if !strings.HasSuffix(s, "]") {
			return nil, invalidPattern("missing closing ']'")
		}
		dp, err := parseDelimited(s[1 : len(s)-1])
		if err != nil {
			return nil, err
		}
		return &FilterPattern{match: dp.match}, nil
	case len(s) >= 2 && s[0] == '%' && s[len(s)-1] == '%' && !strings.ContainsAny(s[1:len(s)-1], "%"):
		re, err := compileRegex(s[1 : len(s)-1])
		if err != nil {
			return nil, err
		}
		return &FilterPattern{match: re.MatchString}, nil
	}
	return parseTerms(s)
}

var bracesSpace = regexp.MustCompile(`\{(\d*),\s+(\d*)\}`)

// compileRegex checks a %…% regex against the documented character set
// and compiles it.
func compileRegex(body string) (*regexp.Regexp, error) {
	if body == "" {
		return nil, invalidPattern("empty regular expression")
	}
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte(":_#=@/;,- ^$?[]{}|\\*+.", c) >= 0:
		default:
			return nil, invalidPattern("character '" + string(c) + "' is not supported in a regular expression")
		}
	}
	// "{m, n}" is documented with a space; RE2 wants "{m,n}".
	body = bracesSpace.ReplaceAllString(body, "{$1,$2}")
	re, err := regexp.Compile(body)
	if err != nil {
		return nil, invalidPattern("invalid regular expression")
	}
	return re, nil
}

// --- terms ---

func parseTerms(s string) (*FilterPattern, error) {
	var and, or, not []string
	matchAll := false
	for i := 0; i < len(s); {
		c := s[i]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			i++
			continue
		}
		kind := byte(0)
		if c == '?' || c == '-' {
			kind = c
			i++
			if i >= len(s) || s[i] == ' ' {
				return nil, invalidPattern("missing term after '" + string(c) + "'")
			}
		}
		var term string
		if s[i] == '"' {
			t, n, ok := readQuoted(s[i:])
			if !ok {
				return nil, invalidPattern("unterminated quoted term")
			}
			term, i = t, i+n
			if strings.TrimSpace(term) == "" {
				matchAll = true
				continue
			}
		} else {
			j := i
			for j < len(s) && s[j] != ' ' && s[j] != '\t' && s[j] != '\n' && s[j] != '\r' {
				j++
			}
			term, i = s[i:j], j
		}
		switch kind {
		case '?':
			or = append(or, term)
		case '-':
			not = append(not, term)
		default:
			and = append(and, term)
		}
	}
	if len(and) > 0 || len(not) > 0 {
		or = nil // "?" terms mixed with others are ignored
	}
	if matchAll && len(and) == 0 && len(or) == 0 && len(not) == 0 {
		return &FilterPattern{}, nil
	}
	return &FilterPattern{match: func(msg string) bool {
		for _, t := range and {
			if !strings.Contains(msg, t) {
				return false
			}
		}
		for _, t := range not {
			if strings.Contains(msg, t) {
				return false
			}
		}
		if len(or) == 0 {
			return true
		}
		for _, t := range or {
			if strings.Contains(msg, t) {
				return true
			}
		}
		return false
	}}, nil
}

// readQuoted reads a "…" string at the start of s (with \" and \\
// escapes) and returns its content and length.
func readQuoted(s string) (string, int, bool) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if i+1 < len(s) && (s[i+1] == '"' || s[i+1] == '\\') {
				b.WriteByte(s[i+1])
				i++
				continue
			}
			b.WriteByte('\\')
		case '"':
			return b.String(), i + 1, true
		default:
			b.WriteByte(s[i])
		}
	}
	return "", 0, false
}

// --- values compared against JSON properties and delimited fields ---

type valueKind int

const (
	valString valueKind = iota // with * wildcards
	valNumber
	valRegex
)

type value struct {
	kind valueKind
	text string
	num  float64
	re   *regexp.Regexp
	glob []string // text split on '*' when it has wildcards
}

func newValue(text string, quoted bool) (value, error) {
	v := value{kind: valString, text: text}
	if !quoted {
		if len(text) >= 2 && text[0] == '%' && text[len(text)-1] == '%' {
			re, err := compileRegex(text[1 : len(text)-1])
			if err != nil {
				return v, err
			}
			v.kind, v.re = valRegex, re
			return v, nil
		}
		if !strings.Contains(text, "*") {
			if f, err := strconv.ParseFloat(text, 64); err == nil {
				v.kind, v.num = valNumber, f
				return v, nil
			}
		}
	}
	if strings.Contains(text, "*") {
		v.glob = strings.Split(text, "*")
	}
	return v, nil
}

// matchText compares a string with the value for equality.
func (v *value) matchText(s string) bool {
	switch v.kind {
	case valRegex:
		return v.re.MatchString(s)
	case valNumber:
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return f == v.num
		}
		return s == v.text
	}
	if v.glob == nil {
		return s == v.text
	}
	return globMatch(v.glob, s)
}

// globMatch matches s against pattern parts split on '*'.
func globMatch(parts []string, s string) bool {
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	last := len(parts) - 1
	for _, p := range parts[1:last] {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return strings.HasSuffix(s, parts[last])
}

// compare applies op to a number.
func compareNum(op string, a, b float64) bool {
	switch op {
	case "=":
		return a == b
	case "!=":
		return a != b
	case ">":
		return a > b
	case "<":
		return a < b
	case ">=":
		return a >= b
	case "<=":
		return a <= b
	}
	return false
}

// --- lexer shared by JSON and delimited patterns ---

type lexer struct {
	s string
	i int
}

func (l *lexer) skip() {
	for l.i < len(l.s) && (l.s[l.i] == ' ' || l.s[l.i] == '\t' || l.s[l.i] == '\n' || l.s[l.i] == '\r') {
		l.i++
	}
}

func (l *lexer) eof() bool { l.skip(); return l.i >= len(l.s) }

func (l *lexer) peek(tok string) bool {
	l.skip()
	return strings.HasPrefix(l.s[l.i:], tok)
}

func (l *lexer) accept(tok string) bool {
	if l.peek(tok) {
		l.i += len(tok)
		return true
	}
	return false
}

// keyword accepts a case-insensitive word followed by a non-word byte.
func (l *lexer) keyword(w string) bool {
	l.skip()
	if len(l.s)-l.i < len(w) || !strings.EqualFold(l.s[l.i:l.i+len(w)], w) {
		return false
	}
	if j := l.i + len(w); j < len(l.s) && isWordByte(l.s[j]) {
		return false
	}
	l.i += len(w)
	return true
}

func isWordByte(c byte) bool {
	return c == '_' || c == '-' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func (l *lexer) op() string {
	l.skip()
	for _, op := range []string{"!=", ">=", "<=", "=", ">", "<"} {
		if strings.HasPrefix(l.s[l.i:], op) {
			l.i += len(op)
			return op
		}
	}
	return ""
}

// value reads a comparison operand: "quoted", %regex% or a bare word.
func (l *lexer) value() (value, error) {
	l.skip()
	if l.i >= len(l.s) {
		return value{}, invalidPattern("missing value")
	}
	switch l.s[l.i] {
	case '"':
		t, n, ok := readQuoted(l.s[l.i:])
		if !ok {
			return value{}, invalidPattern("unterminated string")
		}
		l.i += n
		return newValue(t, true)
	case '%':
		j := strings.IndexByte(l.s[l.i+1:], '%')
		if j < 0 {
			return value{}, invalidPattern("unterminated regular expression")
		}
		t := l.s[l.i : l.i+j+2]
		l.i += j + 2
		return newValue(t, false)
	}
	j := l.i
	for j < len(l.s) {
		c := l.s[j]
		if c == ' ' || c == '\t' || c == ')' || c == ',' || strings.HasPrefix(l.s[j:], "&&") || strings.HasPrefix(l.s[j:], "||") {
			break
		}
		j++
	}
	if j == l.i {
		return value{}, invalidPattern("missing value")
	}
	t := l.s[l.i:j]
	l.i = j
	return newValue(t, false)
}

// --- JSON patterns ---

type jsonExpr interface{}

type jsonAnd struct{ a, b jsonExpr }
type jsonOr struct{ a, b jsonExpr }

type selStep struct {
	name  string
	index int
	kind  int // 0 name, 1 index, 2 wildcard
}

type jsonCond struct {
	sel []selStep
	op  string // comparison, "IS", "NOTEXISTS"
	val value
	is  string // NULL, TRUE, FALSE
}

type jsonParser struct{ lex lexer }

func (p *jsonParser) parse() (jsonExpr, error) {
	e, err := p.or()
	if err != nil {
		return nil, err
	}
	if !p.lex.eof() {
		return nil, invalidPattern("unexpected '" + p.lex.s[p.lex.i:] + "'")
	}
	return e, nil
}

func (p *jsonParser) or() (jsonExpr, error) {
	a, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.lex.accept("||") {
		b, err := p.and()
		if err != nil {
			return nil, err
		}
		a = jsonOr{a, b}
	}
	return a, nil
}

func (p *jsonParser) and() (jsonExpr, error) {
	a, err := p.unary()
	if err != nil {
		return nil, err
	}
	for p.lex.accept("&&") {
		b, err := p.unary()
		if err != nil {
			return nil, err
		}
		a = jsonAnd{a, b}
	}
	return a, nil
}

func (p *jsonParser) unary() (jsonExpr, error) {
	if p.lex.accept("(") {
		e, err := p.or()
		if err != nil {
			return nil, err
		}
		if !p.lex.accept(")") {
			return nil, invalidPattern("missing ')'")
		}
		return e, nil
	}
	return p.cond()
}

func (p *jsonParser) cond() (jsonExpr, error) {
	l := &p.lex
	if !l.accept("$") {
		return nil, invalidPattern("expected a property selector starting with '$'")
	}
	c := &jsonCond{}
	wild := 0
	for {
		switch {
		case l.i < len(l.s) && l.s[l.i] == '.':
			l.i++
			if l.i < len(l.s) && l.s[l.i] == '[' {
				continue
			}
			if l.i < len(l.s) && l.s[l.i] == '*' {
				l.i++
				c.sel = append(c.sel, selStep{kind: 2})
				wild++
				continue
			}
			j := l.i
			for j < len(l.s) && !strings.ContainsRune(" \t.[]()=!<>&|", rune(l.s[j])) {
				j++
			}
			if j == l.i {
				return nil, invalidPattern("empty property name")
			}
			c.sel = append(c.sel, selStep{name: l.s[l.i:j]})
			l.i = j
			continue
		case l.i < len(l.s) && l.s[l.i] == '[':
			l.i++
			end := strings.IndexByte(l.s[l.i:], ']')
			if end < 0 {
				return nil, invalidPattern("missing ']'")
			}
			in := strings.TrimSpace(l.s[l.i : l.i+end])
			l.i += end + 1
			switch {
			case in == "*":
				c.sel = append(c.sel, selStep{kind: 2})
				wild++
			case len(in) >= 2 && (in[0] == '\'' || in[0] == '"') && in[len(in)-1] == in[0]:
				c.sel = append(c.sel, selStep{name: in[1 : len(in)-1]})
			default:
				n, err := strconv.Atoi(in)
				if err != nil || n < 0 {
					return nil, invalidPattern("invalid array index '" + in + "'")
				}
				c.sel = append(c.sel, selStep{kind: 1, index: n})
			}
			continue
		}
		break
	}
	if len(c.sel) == 0 {
		return nil, invalidPattern("empty property selector")
	}
	if wild > 1 {
		return nil, invalidPattern("only one wildcard is allowed in a property selector")
	}
	switch {
	case l.keyword("IS"):
		switch {
		case l.keyword("NULL"):
			c.is = "NULL"
		case l.keyword("TRUE"):
			c.is = "TRUE"
		case l.keyword("FALSE"):
			c.is = "FALSE"
		default:
			return nil, invalidPattern("IS takes NULL, TRUE or FALSE")
		}
		c.op = "IS"
		return c, nil
	case l.keyword("NOT"):
		if !l.keyword("EXISTS") {
			return nil, invalidPattern("expected EXISTS after NOT")
		}
		c.op = "NOTEXISTS"
		return c, nil
	}
	c.op = l.op()
	if c.op == "" {
		return nil, invalidPattern("expected a comparison operator")
	}
	v, err := l.value()
	if err != nil {
		return nil, err
	}
	if c.op != "=" && c.op != "!=" && v.kind != valNumber {
		return nil, invalidPattern("operator " + c.op + " needs a number")
	}
	c.val = v
	return c, nil
}

func matchJSON(expr jsonExpr, msg string) bool {
	t := strings.TrimSpace(msg)
	if t == "" || t[0] != '{' {
		return false
	}
	d := json.NewDecoder(strings.NewReader(t))
	d.UseNumber()
	var doc any
	if err := d.Decode(&doc); err != nil {
		return false
	}
	return evalJSON(expr, doc)
}

func evalJSON(expr jsonExpr, doc any) bool {
	switch x := expr.(type) {
	case jsonAnd:
		return evalJSON(x.a, doc) && evalJSON(x.b, doc)
	case jsonOr:
		return evalJSON(x.a, doc) || evalJSON(x.b, doc)
	case *jsonCond:
		vals := selectJSON(doc, x.sel)
		switch x.op {
		case "NOTEXISTS":
			return len(vals) == 0
		case "IS":
			for _, v := range vals {
				switch {
				case x.is == "NULL" && v == nil, x.is == "TRUE" && v == true, x.is == "FALSE" && v == false:
					return true
				}
			}
			return false
		}
		for _, v := range vals {
			if x.compare(v) {
				return true
			}
		}
	}
	return false
}

func selectJSON(v any, sel []selStep) []any {
	if len(sel) == 0 {
		return []any{v}
	}
	st, rest := sel[0], sel[1:]
	switch st.kind {
	case 0:
		if m, ok := v.(map[string]any); ok {
			if c, ok := m[st.name]; ok {
				return selectJSON(c, rest)
			}
		}
	case 1:
		if a, ok := v.([]any); ok && st.index < len(a) {
			return selectJSON(a[st.index], rest)
		}
	case 2:
		var out []any
		switch x := v.(type) {
		case []any:
			for _, c := range x {
				out = append(out, selectJSON(c, rest)...)
			}
		case map[string]any:
			for _, c := range x {
				out = append(out, selectJSON(c, rest)...)
			}
		}
		return out
	}
	return nil
}

// compare tests one selected JSON value; objects, arrays and nulls never
// match a comparison.
func (c *jsonCond) compare(v any) bool {
	var text string
	var num float64
	isNum := false
	switch x := v.(type) {
	case string:
		text = x
	case json.Number:
		text = x.String()
		f, err := x.Float64()
		if err != nil {
			return false
		}
		num, isNum = f, true
	case bool:
		text = strconv.FormatBool(x)
	default:
		return false
	}
	if c.val.kind == valNumber {
		if !isNum {
			if c.op == "=" {
				return text == c.val.text
			}
			if c.op == "!=" {
				return text != c.val.text
			}
			return false
		}
		return compareNum(c.op, num, c.val.num)
	}
	eq := c.val.matchText(text)
	if c.op == "!=" {
		return !eq
	}
	return eq
}

// --- space-delimited patterns ---

type delimCmp struct {
	field string
	op    string
	val   value
}

// delimExpr is a field's condition: an OR of ANDs of comparisons.
type delimExpr [][]delimCmp

type delimField struct {
	ellipsis bool
	name     string
	cond     delimExpr
}

type delimPattern struct {
	fields   []delimField
	ellipsis bool
}

func parseDelimited(body string) (*delimPattern, error) {
	specs, err := splitFields(body)
	if err != nil {
		return nil, err
	}
	dp := &delimPattern{}
	for _, spec := range specs {
		spec = strings.TrimSpace(spec)
		if spec == "..." {
			if n := len(dp.fields); n == 0 || !dp.fields[n-1].ellipsis {
				dp.fields = append(dp.fields, delimField{ellipsis: true})
			}
			dp.ellipsis = true
			continue
		}
		l := &lexer{s: spec}
		name := readName(l)
		if name == "" {
			return nil, invalidPattern("a field needs a name: '" + spec + "'")
		}
		f := delimField{name: name}
		if !l.eof() {
			l.i = 0
			f.cond, err = parseDelimCond(l)
			if err != nil {
				return nil, err
			}
		}
		dp.fields = append(dp.fields, f)
	}
	if len(dp.fields) == 0 {
		return nil, invalidPattern("no fields")
	}
	return dp, nil
}

func readName(l *lexer) string {
	l.skip()
	j := l.i
	for j < len(l.s) && (isWordByte(l.s[j]) || l.s[j] == '.' || l.s[j] == '$' || l.s[j] == '@') {
		j++
	}
	n := l.s[l.i:j]
	l.i = j
	return n
}

func parseDelimCond(l *lexer) (delimExpr, error) {
	var out delimExpr
	var conj []delimCmp
	for {
		name := readName(l)
		if name == "" {
			return nil, invalidPattern("expected a field name in '" + l.s + "'")
		}
		op := l.op()
		if op == "" {
			return nil, invalidPattern("expected a comparison operator in '" + l.s + "'")
		}
		v, err := l.value()
		if err != nil {
			return nil, err
		}
		if op != "=" && op != "!=" && v.kind != valNumber {
			return nil, invalidPattern("operator " + op + " needs a number")
		}
		conj = append(conj, delimCmp{field: name, op: op, val: v})
		switch {
		case l.accept("&&"):
		case l.accept("||"):
			out = append(out, conj)
			conj = nil
		case l.eof():
			return append(out, conj), nil
		default:
			return nil, invalidPattern("unexpected '" + l.s[l.i:] + "'")
		}
	}
}

// splitFields splits a delimited pattern on commas outside quotes and
// %regex%.
func splitFields(s string) ([]string, error) {
	var out []string
	start, inQ, inR := 0, false, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case inQ:
			if c == '\\' {
				i++
			} else if c == '"' {
				inQ = false
			}
		case inR:
			if c == '%' {
				inR = false
			}
		case c == '"':
			inQ = true
		case c == '%':
			inR = true
		case c == ',':
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	if inQ || inR {
		return nil, invalidPattern("unterminated string or regular expression")
	}
	return append(out, s[start:]), nil
}

// msgField is one field of a space-delimited message.
type msgField struct {
	text  string
	start int // offset in the message
}

func splitMessage(msg string) []msgField {
	var out []msgField
	for i := 0; i < len(msg); {
		c := msg[i]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			i++
			continue
		}
		var close byte
		switch c {
		case '"':
			close = '"'
		case '[':
			close = ']'
		}
		if close != 0 {
			j := strings.IndexByte(msg[i+1:], close)
			if j >= 0 {
				out = append(out, msgField{text: msg[i+1 : i+1+j], start: i})
				i += j + 2
				continue
			}
		}
		j := i
		for j < len(msg) && msg[j] != ' ' && msg[j] != '\t' && msg[j] != '\n' && msg[j] != '\r' {
			j++
		}
		out = append(out, msgField{text: msg[i:j], start: i})
		i = j
	}
	return out
}

// delimSteps bounds the bindings one message may try (patterns with
// several "..." could otherwise take time exponential in the fields).
const delimSteps = 100_000

func (dp *delimPattern) match(msg string) bool {
	fs := splitMessage(msg)
	bind := make(map[string]string, len(dp.fields))
	steps := delimSteps
	return dp.bindFrom(msg, fs, 0, 0, bind, &steps)
}

func (dp *delimPattern) bindFrom(msg string, fs []msgField, pi, fi int, bind map[string]string, steps *int) bool {
	if *steps--; *steps < 0 {
		return false
	}
	if pi == len(dp.fields) {
		return fi == len(fs) && dp.check(bind)
	}
	f := dp.fields[pi]
	if f.ellipsis {
		for k := fi; k <= len(fs); k++ {
			if dp.bindFrom(msg, fs, pi+1, k, bind, steps) {
				return true
			}
		}
		return false
	}
	if fi >= len(fs) {
		return false
	}
	if pi == len(dp.fields)-1 && !dp.ellipsis && fi < len(fs)-1 {
		// The last field takes the rest of the line.
		bind[f.name] = strings.TrimSpace(msg[fs[fi].start:])
		return dp.check(bind)
	}
	bind[f.name] = fs[fi].text
	return dp.bindFrom(msg, fs, pi+1, fi+1, bind, steps)
}

func (dp *delimPattern) check(bind map[string]string) bool {
	for _, f := range dp.fields {
		if f.ellipsis || f.cond == nil {
			continue
		}
		if !f.cond.eval(bind) {
			return false
		}
	}
	return true
}

func (e delimExpr) eval(bind map[string]string) bool {
	for _, conj := range e {
		ok := true
		for _, c := range conj {
			if !c.eval(bind) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func (c delimCmp) eval(bind map[string]string) bool {
	s, ok := bind[c.field]
	if !ok {
		return false
	}
	if c.val.kind == valNumber {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			switch c.op {
			case "=":
				return s == c.val.text
			case "!=":
				return s != c.val.text
			}
			return false
		}
		return compareNum(c.op, f, c.val.num)
	}
	eq := c.val.matchText(s)
	if c.op == "!=" {
		return !eq
	}
	return eq
}
