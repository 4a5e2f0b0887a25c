package cloudwatch

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Metric math: a parser for the expression language of GetMetricData and
// metric-math alarms, and an evaluator over sparse time series. Semantics
// follow the CloudWatch user guide ("Metric math syntax and functions"):
// missing values count as 0 in arithmetic between series, a division by
// zero drops the datapoint, functions of one series that summarize it
// (AVG, SUM, MIN, MAX, STDDEV, DATAPOINT_COUNT) return scalars and over an
// array of series return one series.

type tseries struct {
	id, label string
	ts        []int64   // ms, ascending
	vs        []float64 // same length as ts
	step      int64     // ms between datapoints
	nominal   float64   // the AWS period in seconds (PERIOD())
	isMetric  bool
	units     []string
}

type mkind int

const (
	kScalar mkind = iota
	kSeries
	kArray
	kWord
	kString
)

type mval struct {
	k    mkind
	s    float64
	ser  *tseries
	arr  []*tseries
	word string
}

// --- parser ---

type mnode interface{}

type (
	numNode  struct{ v float64 }
	strNode  struct{ s string }
	idNode   struct{ id string }
	wordNode struct{ w string }
	callNode struct {
		fn   string
		args []mnode
	}
	binNode struct {
		op   string
		l, r mnode
	}
	negNode struct{ x mnode }
	arrNode struct{ items []mnode }
)

type mtok struct {
	kind string // num, str, id, word, op, eof
	s    string
	pos  int
}

func lexExpr(src string) ([]mtok, error) {
	var out []mtok
	i := 0
	for i < len(src) {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c >= '0' && c <= '9' || (c == '.' && i+1 < len(src) && src[i+1] >= '0' && src[i+1] <= '9'):
			j := i
			for j < len(src) && (src[j] >= '0' && src[j] <= '9' || src[j] == '.') {
				j++
			}
			if j < len(src) && (src[j] == 'e' || src[j] == 'E') {
				k := j + 1
				if k < len(src) && (src[k] == '+' || src[k] == '-') {
					k++
				}
				if k < len(src) && src[k] >= '0' && src[k] <= '9' {
					j = k
					for j < len(src) && src[j] >= '0' && src[j] <= '9' {
						j++
					}
				}
			}
			out = append(out, mtok{"num", src[i:j], i})
			i = j
		case c == '"' || c == '\'' || strings.HasPrefix(src[i:], "“"):
			quote := string(c)
			start := i + 1
			if strings.HasPrefix(src[i:], "“") {
				quote = "”"
				start = i + len("“")
			}
			j := strings.Index(src[start:], quote)
			if j < 0 {
				return nil, fmt.Errorf("unterminated string at position %d", i)
			}
			out = append(out, mtok{"str", src[start : start+j], i})
			i = start + j + len(quote)
		case c == '_' || unicode.IsLetter(rune(c)):
			j := i
			for j < len(src) && (src[j] == '_' || unicode.IsLetter(rune(src[j])) || unicode.IsDigit(rune(src[j]))) {
				j++
			}
			w := src[i:j]
			if w[0] >= 'a' && w[0] <= 'z' {
				out = append(out, mtok{"id", w, i})
			} else {
				out = append(out, mtok{"word", w, i})
			}
			i = j
		default:
			two := ""
			if i+1 < len(src) {
				two = src[i : i+2]
			}
			switch two {
			case "==", "!=", "<=", ">=", "&&", "||":
				out = append(out, mtok{"op", two, i})
				i += 2
				continue
			}
			if strings.ContainsRune("+-*/^<>(),[]", rune(c)) {
				out = append(out, mtok{"op", string(c), i})
				i++
				continue
			}
			return nil, fmt.Errorf("unexpected character '%c' at position %d", c, i)
		}
	}
	return append(out, mtok{"eof", "", len(src)}), nil
}

type mparser struct {
	toks []mtok
	i    int
}

func parseExpr(src string) (mnode, error) {
	toks, err := lexExpr(src)
	if err != nil {
		return nil, err
	}
	p := &mparser{toks: toks}
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != "eof" {
		return nil, fmt.Errorf("unexpected '%s' at position %d", t.s, t.pos)
	}
	return n, nil
}

func (p *mparser) peek() mtok { return p.toks[p.i] }
func (p *mparser) next() mtok { t := p.toks[p.i]; p.i++; return t }

func (p *mparser) isOp(s ...string) (string, bool) {
	t := p.peek()
	for _, x := range s {
		if (t.kind == "op" && t.s == x) || (t.kind == "word" && t.s == x) {
			return x, true
		}
	}
	return "", false
}

func (p *mparser) or() (mnode, error) {
	l, err := p.and()
	if err != nil {
		return nil, err
	}
	for {
		if _, ok := p.isOp("||", "OR"); !ok {
			return l, nil
		}
		p.next()
		r, err := p.and()
		if err != nil {
			return nil, err
		}
		l = &binNode{"OR", l, r}
	}
}

func (p *mparser) and() (mnode, error) {
	l, err := p.cmp()
	if err != nil {
		return nil, err
	}
	for {
		if _, ok := p.isOp("&&", "AND"); !ok {
			return l, nil
		}
		p.next()
		r, err := p.cmp()
		if err != nil {
			return nil, err
		}
		l = &binNode{"AND", l, r}
	}
}

func (p *mparser) cmp() (mnode, error) {
	l, err := p.add()
	if err != nil {
		return nil, err
	}
	for {
		op, ok := p.isOp("==", "!=", "<=", ">=", "<", ">")
		if !ok {
			return l, nil
		}
		p.next()
		r, err := p.add()
		if err != nil {
			return nil, err
		}
		l = &binNode{op, l, r}
	}
}

func (p *mparser) add() (mnode, error) {
	l, err := p.mul()
	if err != nil {
		return nil, err
	}
	for {
		op, ok := p.isOp("+", "-")
		if !ok {
			return l, nil
		}
		p.next()
		r, err := p.mul()
		if err != nil {
			return nil, err
		}
		l = &binNode{op, l, r}
	}
}

func (p *mparser) mul() (mnode, error) {
	l, err := p.unary()
	if err != nil {
		return nil, err
	}
	for {
		op, ok := p.isOp("*", "/")
		if !ok {
			return l, nil
		}
		p.next()
		r, err := p.unary()
		if err != nil {
			return nil, err
		}
		l = &binNode{op, l, r}
	}
}

func (p *mparser) unary() (mnode, error) {
	if _, ok := p.isOp("-"); ok {
		p.next()
		x, err := p.unary()
		if err != nil {
			return nil, err
		}
		return &negNode{x}, nil
	}
	if _, ok := p.isOp("+"); ok {
		p.next()
		return p.unary()
	}
	return p.pow()
}

func (p *mparser) pow() (mnode, error) {
	b, err := p.primary()
	if err != nil {
		return nil, err
	}
	if _, ok := p.isOp("^"); ok {
		p.next()
		e, err := p.unary() // right associative
		if err != nil {
			return nil, err
		}
		return &binNode{"^", b, e}, nil
	}
	return b, nil
}

func (p *mparser) primary() (mnode, error) {
	t := p.next()
	switch t.kind {
	case "num":
		v, err := strconv.ParseFloat(t.s, 64)
		if err != nil {
			return nil, fmt.Errorf("invalid number '%s' at position %d", t.s, t.pos)
		}
		return &numNode{v}, nil
	case "str":
		return &strNode{t.s}, nil
	case "id":
		return &idNode{t.s}, nil
	case "word":
		if nt := p.peek(); nt.kind == "op" && nt.s == "(" {
			p.next()
			var args []mnode
			if nt := p.peek(); !(nt.kind == "op" && nt.s == ")") {
				for {
					a, err := p.or()
					if err != nil {
						return nil, err
					}
					args = append(args, a)
					if _, ok := p.isOp(","); ok {
						p.next()
						continue
					}
					break
				}
			}
			if ct := p.next(); !(ct.kind == "op" && ct.s == ")") {
				return nil, fmt.Errorf("expected ')' at position %d", ct.pos)
			}
			return &callNode{t.s, args}, nil
		}
		return &wordNode{t.s}, nil
	case "op":
		switch t.s {
		case "(":
			n, err := p.or()
			if err != nil {
				return nil, err
			}
			if ct := p.next(); !(ct.kind == "op" && ct.s == ")") {
				return nil, fmt.Errorf("expected ')' at position %d", ct.pos)
			}
			return n, nil
		case "[":
			var items []mnode
			for {
				a, err := p.or()
				if err != nil {
					return nil, err
				}
				items = append(items, a)
				if _, ok := p.isOp(","); ok {
					p.next()
					continue
				}
				break
			}
			if ct := p.next(); !(ct.kind == "op" && ct.s == "]") {
				return nil, fmt.Errorf("expected ']' at position %d", ct.pos)
			}
			return &arrNode{items}, nil
		}
	case "eof":
		return nil, fmt.Errorf("unexpected end of expression")
	}
	return nil, fmt.Errorf("unexpected '%s' at position %d", t.s, t.pos)
}

// idents returns the query ids an expression references.
func exprIDs(n mnode, out map[string]bool) {
	switch x := n.(type) {
	case *idNode:
		out[x.id] = true
	case *callNode:
		for _, a := range x.args {
			exprIDs(a, out)
		}
	case *binNode:
		exprIDs(x.l, out)
		exprIDs(x.r, out)
	case *negNode:
		exprIDs(x.x, out)
	case *arrNode:
		for _, a := range x.items {
			exprIDs(a, out)
		}
	}
}

// usesMetricsFunc reports whether the expression calls METRICS().
func usesMetricsFunc(n mnode) bool {
	switch x := n.(type) {
	case *callNode:
		if x.fn == "METRICS" {
			return true
		}
		for _, a := range x.args {
			if usesMetricsFunc(a) {
				return true
			}
		}
	case *binNode:
		return usesMetricsFunc(x.l) || usesMetricsFunc(x.r)
	case *negNode:
		return usesMetricsFunc(x.x)
	case *arrNode:
		for _, a := range x.items {
			if usesMetricsFunc(a) {
				return true
			}
		}
	}
	return false
}

// --- evaluation ---

// mathEnv resolves ids and the time grid of one evaluation.
type mathEnv struct {
	start, end int64   // ms, [start, end)
	step       int64   // default step of the grid (ms)
	nominal    float64 // default nominal period (s)
	scale      float64 // wall ms per AWS ms (1 for the API)
	metricIDs  []string
	resolve    func(id string) (mval, error)
}

func (env *mathEnv) eval(n mnode) (mval, error) {
	switch x := n.(type) {
	case *numNode:
		return mval{k: kScalar, s: x.v}, nil
	case *strNode:
		return mval{k: kString, word: x.s}, nil
	case *wordNode:
		return mval{k: kWord, word: x.w}, nil
	case *idNode:
		return env.resolve(x.id)
	case *negNode:
		v, err := env.eval(x.x)
		if err != nil {
			return mval{}, err
		}
		return env.arith("*", mval{k: kScalar, s: -1}, v)
	case *arrNode:
		var arr []*tseries
		for _, it := range x.items {
			v, err := env.eval(it)
			if err != nil {
				return mval{}, err
			}
			switch v.k {
			case kSeries:
				arr = append(arr, v.ser)
			case kArray:
				arr = append(arr, v.arr...)
			default:
				return mval{}, fmt.Errorf("array elements must be time series")
			}
		}
		return mval{k: kArray, arr: arr}, nil
	case *binNode:
		l, err := env.eval(x.l)
		if err != nil {
			return mval{}, err
		}
		r, err := env.eval(x.r)
		if err != nil {
			return mval{}, err
		}
		return env.arith(x.op, l, r)
	case *callNode:
		return env.call(x)
	}
	return mval{}, fmt.Errorf("invalid expression")
}

func opFunc(op string) func(a, b float64) float64 {
	b2f := func(b bool) float64 {
		if b {
			return 1
		}
		return 0
	}
	switch op {
	case "+":
		return func(a, b float64) float64 { return a + b }
	case "-":
		return func(a, b float64) float64 { return a - b }
	case "*":
		return func(a, b float64) float64 { return a * b }
	case "/":
		return func(a, b float64) float64 {
			if b == 0 {
				return math.NaN()
			}
			return a / b
		}
	case "^":
		return math.Pow
	case "==":
		return func(a, b float64) float64 { return b2f(a == b) }
	case "!=":
		return func(a, b float64) float64 { return b2f(a != b) }
	case "<":
		return func(a, b float64) float64 { return b2f(a < b) }
	case "<=":
		return func(a, b float64) float64 { return b2f(a <= b) }
	case ">":
		return func(a, b float64) float64 { return b2f(a > b) }
	case ">=":
		return func(a, b float64) float64 { return b2f(a >= b) }
	case "AND":
		return func(a, b float64) float64 { return b2f(a != 0 && b != 0) }
	case "OR":
		return func(a, b float64) float64 { return b2f(a != 0 || b != 0) }
	}
	return nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func (s *tseries) derive(label string) *tseries {
	return &tseries{id: s.id, label: label, step: s.step, nominal: s.nominal, units: s.units}
}

func (s *tseries) push(t int64, v float64) {
	if finite(v) {
		s.ts = append(s.ts, t)
		s.vs = append(s.vs, v)
	}
}

func mapSeries(s *tseries, f func(v float64) float64) *tseries {
	out := s.derive(s.label)
	for i, t := range s.ts {
		out.push(t, f(s.vs[i]))
	}
	return out
}

// zip combines two series over the union of their timestamps, a missing
// value counting as 0.
func zip(a, b *tseries, f func(x, y float64) float64) *tseries {
	out := a.derive(a.label)
	if b.step < out.step || out.step == 0 {
		out.step, out.nominal = b.step, b.nominal
	}
	i, j := 0, 0
	for i < len(a.ts) || j < len(b.ts) {
		switch {
		case j >= len(b.ts) || (i < len(a.ts) && a.ts[i] < b.ts[j]):
			out.push(a.ts[i], f(a.vs[i], 0))
			i++
		case i >= len(a.ts) || b.ts[j] < a.ts[i]:
			out.push(b.ts[j], f(0, b.vs[j]))
			j++
		default:
			out.push(a.ts[i], f(a.vs[i], b.vs[j]))
			i++
			j++
		}
	}
	return out
}

func (env *mathEnv) arith(op string, l, r mval) (mval, error) {
	f := opFunc(op)
	if f == nil {
		return mval{}, fmt.Errorf("unsupported operator %s", op)
	}
	switch {
	case l.k == kScalar && r.k == kScalar:
		v := f(l.s, r.s)
		return mval{k: kScalar, s: v}, nil
	case l.k == kSeries && r.k == kScalar:
		return mval{k: kSeries, ser: mapSeries(l.ser, func(v float64) float64 { return f(v, r.s) })}, nil
	case l.k == kScalar && r.k == kSeries:
		return mval{k: kSeries, ser: mapSeries(r.ser, func(v float64) float64 { return f(l.s, v) })}, nil
	case l.k == kSeries && r.k == kSeries:
		return mval{k: kSeries, ser: zip(l.ser, r.ser, f)}, nil
	case l.k == kArray && (r.k == kScalar || r.k == kSeries):
		out := make([]*tseries, len(l.arr))
		for i, s := range l.arr {
			v, err := env.arith(op, mval{k: kSeries, ser: s}, r)
			if err != nil {
				return mval{}, err
			}
			out[i] = v.ser
		}
		return mval{k: kArray, arr: out}, nil
	case r.k == kArray && (l.k == kScalar || l.k == kSeries):
		out := make([]*tseries, len(r.arr))
		for i, s := range r.arr {
			v, err := env.arith(op, l, mval{k: kSeries, ser: s})
			if err != nil {
				return mval{}, err
			}
			out[i] = v.ser
		}
		return mval{k: kArray, arr: out}, nil
	}
	return mval{}, fmt.Errorf("invalid operands for operator %s", op)
}

func (env *mathEnv) grid(step int64) []int64 {
	if step <= 0 {
		step = env.step
	}
	var out []int64
	for t := env.start; t < env.end; t += step {
		out = append(out, t)
	}
	return out
}

func seriesArg(v mval, fn string) (*tseries, error) {
	if v.k != kSeries {
		return nil, fmt.Errorf("%s expects a time series", fn)
	}
	return v.ser, nil
}

// elementwise applies f to S, TS or TS[].
func elementwise(v mval, fn string, f func(float64) float64) (mval, error) {
	switch v.k {
	case kScalar:
		return mval{k: kScalar, s: f(v.s)}, nil
	case kSeries:
		return mval{k: kSeries, ser: mapSeries(v.ser, f)}, nil
	case kArray:
		out := make([]*tseries, len(v.arr))
		for i, s := range v.arr {
			out[i] = mapSeries(s, f)
		}
		return mval{k: kArray, arr: out}, nil
	}
	return mval{}, fmt.Errorf("invalid argument to %s", fn)
}

// perSeries applies f to TS or to each TS of TS[].
func perSeries(v mval, fn string, f func(*tseries) *tseries) (mval, error) {
	switch v.k {
	case kSeries:
		return mval{k: kSeries, ser: f(v.ser)}, nil
	case kArray:
		out := make([]*tseries, len(v.arr))
		for i, s := range v.arr {
			out[i] = f(s)
		}
		return mval{k: kArray, arr: out}, nil
	}
	return mval{}, fmt.Errorf("%s expects a time series or an array of time series", fn)
}

func summarize(name string, vals []float64) (float64, bool) {
	if len(vals) == 0 {
		return 0, false
	}
	switch name {
	case "SUM":
		s := 0.0
		for _, v := range vals {
			s += v
		}
		return s, true
	case "AVG":
		s := 0.0
		for _, v := range vals {
			s += v
		}
		return s / float64(len(vals)), true
	case "MIN":
		m := math.Inf(1)
		for _, v := range vals {
			m = math.Min(m, v)
		}
		return m, true
	case "MAX":
		m := math.Inf(-1)
		for _, v := range vals {
			m = math.Max(m, v)
		}
		return m, true
	case "STDDEV":
		mean := 0.0
		for _, v := range vals {
			mean += v
		}
		mean /= float64(len(vals))
		ss := 0.0
		for _, v := range vals {
			ss += (v - mean) * (v - mean)
		}
		return math.Sqrt(ss / float64(len(vals))), true
	case "DATAPOINT_COUNT":
		return float64(len(vals)), true
	}
	return 0, false
}

// across combines an array per timestamp.
func across(name string, arr []*tseries) *tseries {
	out := &tseries{label: name}
	if len(arr) > 0 {
		out.step, out.nominal = arr[0].step, arr[0].nominal
	}
	tsSet := map[int64]bool{}
	for _, s := range arr {
		for _, t := range s.ts {
			tsSet[t] = true
		}
	}
	times := make([]int64, 0, len(tsSet))
	for t := range tsSet {
		times = append(times, t)
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	idx := make([]map[int64]float64, len(arr))
	for i, s := range arr {
		idx[i] = make(map[int64]float64, len(s.ts))
		for j, t := range s.ts {
			idx[i][t] = s.vs[j]
		}
	}
	zeroFill := name == "SUM" || name == "AVG"
	for _, t := range times {
		var vals []float64
		for i := range arr {
			v, ok := idx[i][t]
			if !ok {
				if name == "DATAPOINT_COUNT" || !zeroFill {
					continue
				}
				v = 0
			}
			vals = append(vals, v)
		}
		if v, ok := summarize(name, vals); ok {
			out.push(t, v)
		}
	}
	return out
}

func (env *mathEnv) call(c *callNode) (mval, error) {
	args := make([]mval, len(c.args))
	if c.fn != "METRICS" {
		for i, a := range c.args {
			v, err := env.eval(a)
			if err != nil {
				return mval{}, err
			}
			args[i] = v
		}
	}
	nargs := func(min, max int) error {
		if len(args) < min || len(args) > max {
			if min == max {
				return fmt.Errorf("%s takes %d argument(s)", c.fn, min)
			}
			return fmt.Errorf("%s takes %d to %d arguments", c.fn, min, max)
		}
		return nil
	}
	switch c.fn {
	case "METRICS":
		if len(c.args) > 1 {
			return mval{}, fmt.Errorf("METRICS takes at most one argument")
		}
		filter := ""
		if len(c.args) == 1 {
			s, ok := c.args[0].(*strNode)
			if !ok {
				return mval{}, fmt.Errorf("the argument of METRICS must be a string")
			}
			filter = s.s
		}
		var arr []*tseries
		for _, id := range env.metricIDs {
			if !strings.Contains(id, filter) {
				continue
			}
			v, err := env.resolve(id)
			if err != nil {
				return mval{}, err
			}
			arr = append(arr, v.ser)
		}
		return mval{k: kArray, arr: arr}, nil
	case "ABS", "CEIL", "FLOOR", "LOG", "LOG10":
		if err := nargs(1, 1); err != nil {
			return mval{}, err
		}
		f := map[string]func(float64) float64{"ABS": math.Abs, "CEIL": math.Ceil, "FLOOR": math.Floor, "LOG": math.Log, "LOG10": math.Log10}[c.fn]
		return elementwise(args[0], c.fn, f)
	case "AVG", "SUM", "MIN", "MAX", "STDDEV", "DATAPOINT_COUNT":
		if err := nargs(1, 1); err != nil {
			return mval{}, err
		}
		switch args[0].k {
		case kSeries:
			v, ok := summarize(c.fn, args[0].ser.vs)
			if !ok {
				v = math.NaN()
			}
			return mval{k: kScalar, s: v}, nil
		case kArray:
			return mval{k: kSeries, ser: across(c.fn, args[0].arr)}, nil
		}
		return mval{}, fmt.Errorf("%s expects a time series or an array of time series", c.fn)
	case "METRIC_COUNT":
		if err := nargs(1, 1); err != nil {
			return mval{}, err
		}
		if args[0].k != kArray {
			return mval{}, fmt.Errorf("METRIC_COUNT expects an array of time series")
		}
		return mval{k: kScalar, s: float64(len(args[0].arr))}, nil
	case "DIFF", "DIFF_TIME", "RATE", "RUNNING_SUM":
		if err := nargs(1, 1); err != nil {
			return mval{}, err
		}
		fn := c.fn
		return perSeries(args[0], fn, func(s *tseries) *tseries {
			out := s.derive(s.label)
			sum := 0.0
			for i, t := range s.ts {
				if fn == "RUNNING_SUM" {
					sum += s.vs[i]
					out.push(t, sum)
					continue
				}
				if i == 0 {
					continue
				}
				dt := float64(t-s.ts[i-1]) / 1000 / env.scale
				switch fn {
				case "DIFF":
					out.push(t, s.vs[i]-s.vs[i-1])
				case "DIFF_TIME":
					out.push(t, dt)
				case "RATE":
					if dt > 0 {
						out.push(t, (s.vs[i]-s.vs[i-1])/dt)
					}
				}
			}
			return out
		})
	case "FILL":
		if err := nargs(2, 2); err != nil {
			return mval{}, err
		}
		filler := args[1]
		if filler.k == kWord && filler.word != "REPEAT" && filler.word != "LINEAR" {
			return mval{}, fmt.Errorf("the second argument of FILL must be a number, a time series, REPEAT or LINEAR")
		}
		if filler.k == kArray || filler.k == kString {
			return mval{}, fmt.Errorf("the second argument of FILL must be a number, a time series, REPEAT or LINEAR")
		}
		return perSeries(args[0], "FILL", func(s *tseries) *tseries { return env.fill(s, filler) })
	case "FIRST", "LAST":
		if err := nargs(1, 1); err != nil {
			return mval{}, err
		}
		if args[0].k != kArray {
			return mval{}, fmt.Errorf("%s expects an array of time series", c.fn)
		}
		if len(args[0].arr) == 0 {
			return mval{k: kSeries, ser: &tseries{step: env.step, nominal: env.nominal}}, nil
		}
		if c.fn == "FIRST" {
			return mval{k: kSeries, ser: args[0].arr[0]}, nil
		}
		return mval{k: kSeries, ser: args[0].arr[len(args[0].arr)-1]}, nil
	case "IF":
		if err := nargs(2, 3); err != nil {
			return mval{}, err
		}
		return env.ifExpr(args)
	case "MINUTE", "HOUR", "DAY", "DATE", "MONTH", "YEAR", "EPOCH":
		if err := nargs(1, 1); err != nil {
			return mval{}, err
		}
		s, err := seriesArg(args[0], c.fn)
		if err != nil {
			return mval{}, err
		}
		out := s.derive(c.fn)
		for _, t := range env.grid(s.step) {
			tm := time.UnixMilli(t).UTC()
			var v float64
			switch c.fn {
			case "MINUTE":
				v = float64(tm.Minute())
			case "HOUR":
				v = float64(tm.Hour())
			case "DAY":
				v = float64((int(tm.Weekday())+6)%7 + 1) // Monday = 1
			case "DATE":
				v = float64(tm.Day())
			case "MONTH":
				v = float64(tm.Month())
			case "YEAR":
				v = float64(tm.Year())
			case "EPOCH":
				v = float64(t / 1000)
			}
			out.push(t, v)
		}
		return mval{k: kSeries, ser: out}, nil
	case "PERIOD":
		if err := nargs(1, 1); err != nil {
			return mval{}, err
		}
		s, err := seriesArg(args[0], "PERIOD")
		if err != nil {
			return mval{}, err
		}
		return mval{k: kScalar, s: s.nominal}, nil
	case "REMOVE_EMPTY":
		if err := nargs(1, 1); err != nil {
			return mval{}, err
		}
		if args[0].k != kArray {
			return mval{}, fmt.Errorf("REMOVE_EMPTY expects an array of time series")
		}
		var out []*tseries
		for _, s := range args[0].arr {
			if len(s.ts) > 0 {
				out = append(out, s)
			}
		}
		return mval{k: kArray, arr: out}, nil
	case "SLICE":
		if err := nargs(2, 3); err != nil {
			return mval{}, err
		}
		if args[0].k != kArray || args[1].k != kScalar || (len(args) == 3 && args[2].k != kScalar) {
			return mval{}, fmt.Errorf("SLICE expects an array of time series and one or two numbers")
		}
		arr := args[0].arr
		from, to := int(args[1].s), len(arr)
		if len(args) == 3 {
			to = int(args[2].s)
		}
		from, to = max(0, min(from, len(arr))), max(0, min(to, len(arr)))
		if from > to {
			from = to
		}
		return mval{k: kArray, arr: arr[from:to]}, nil
	case "SORT":
		if err := nargs(3, 4); err != nil {
			return mval{}, err
		}
		if args[0].k != kArray || args[1].k != kWord || args[2].k != kWord {
			return mval{}, fmt.Errorf("SORT expects an array, a function (AVG, MIN, MAX, SUM) and ASC or DESC")
		}
		fn, order := args[1].word, args[2].word
		if fn != "AVG" && fn != "MIN" && fn != "MAX" && fn != "SUM" {
			return mval{}, fmt.Errorf("SORT cannot sort by %s", fn)
		}
		if order != "ASC" && order != "DESC" {
			return mval{}, fmt.Errorf("the sort order must be ASC or DESC")
		}
		arr := append([]*tseries(nil), args[0].arr...)
		key := func(s *tseries) float64 {
			v, ok := summarize(fn, s.vs)
			if !ok {
				return math.Inf(-1)
			}
			return v
		}
		sort.SliceStable(arr, func(i, j int) bool {
			if order == "ASC" {
				return key(arr[i]) < key(arr[j])
			}
			return key(arr[i]) > key(arr[j])
		})
		if len(args) == 4 {
			if args[3].k != kScalar {
				return mval{}, fmt.Errorf("the SORT limit must be a number")
			}
			if n := int(args[3].s); n >= 0 && n < len(arr) {
				arr = arr[:n]
			}
		}
		return mval{k: kArray, arr: arr}, nil
	case "TIME_SERIES":
		if err := nargs(1, 1); err != nil {
			return mval{}, err
		}
		if args[0].k != kScalar {
			return mval{}, fmt.Errorf("TIME_SERIES expects a number")
		}
		out := &tseries{label: "TIME_SERIES", step: env.step, nominal: env.nominal}
		for _, t := range env.grid(env.step) {
			out.push(t, args[0].s)
		}
		return mval{k: kSeries, ser: out}, nil
	case "ANOMALY_DETECTION_BAND", "SEARCH", "INSIGHT_RULE_METRIC", "SERVICE_QUOTA", "LAMBDA", "SQL":
		return mval{}, fmt.Errorf("the function %s is not supported by skiff", c.fn)
	}
	return mval{}, fmt.Errorf("unrecognized function %s", c.fn)
}

// fill fills the missing grid points of s.
func (env *mathEnv) fill(s *tseries, filler mval) *tseries {
	out := s.derive(s.label)
	grid := env.grid(s.step)
	have := make(map[int64]float64, len(s.ts))
	for i, t := range s.ts {
		have[t] = s.vs[i]
	}
	var fillerAt map[int64]float64
	if filler.k == kSeries {
		fillerAt = make(map[int64]float64, len(filler.ser.ts))
		for i, t := range filler.ser.ts {
			fillerAt[t] = filler.ser.vs[i]
		}
	}
	// Grid points plus any off-grid actual points.
	all := append([]int64(nil), grid...)
	for _, t := range s.ts {
		if _, ok := binarySearch(grid, t); !ok {
			all = append(all, t)
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	for i, t := range all {
		if v, ok := have[t]; ok {
			out.push(t, v)
			continue
		}
		switch {
		case filler.k == kScalar:
			out.push(t, filler.s)
		case filler.k == kSeries:
			if v, ok := fillerAt[t]; ok {
				out.push(t, v)
			}
		case filler.word == "REPEAT":
			if v, ok := neighbor(s, t, -1); ok {
				out.push(t, v)
			} else if v, ok := neighbor(s, t, 1); ok {
				out.push(t, v)
			}
		case filler.word == "LINEAR":
			pi := sort.Search(len(s.ts), func(k int) bool { return s.ts[k] > t }) - 1
			ni := pi + 1
			switch {
			case pi >= 0 && ni < len(s.ts):
				t0, t1 := float64(s.ts[pi]), float64(s.ts[ni])
				f := (float64(t) - t0) / (t1 - t0)
				out.push(t, s.vs[pi]+f*(s.vs[ni]-s.vs[pi]))
			case pi >= 0:
				out.push(t, s.vs[pi])
			case ni < len(s.ts):
				out.push(t, s.vs[ni])
			}
		}
		_ = i
	}
	return out
}

func binarySearch(a []int64, t int64) (int, bool) {
	i := sort.Search(len(a), func(k int) bool { return a[k] >= t })
	return i, i < len(a) && a[i] == t
}

// neighbor returns the nearest actual value before (dir -1) or after (+1) t.
func neighbor(s *tseries, t int64, dir int) (float64, bool) {
	i := sort.Search(len(s.ts), func(k int) bool { return s.ts[k] >= t })
	if dir < 0 {
		if i-1 >= 0 {
			return s.vs[i-1], true
		}
		return 0, false
	}
	if i < len(s.ts) && s.ts[i] == t {
		i++
	}
	if i < len(s.ts) {
		return s.vs[i], true
	}
	return 0, false
}

// ifExpr implements IF(condition, trueValue[, falseValue]) as documented.
func (env *mathEnv) ifExpr(args []mval) (mval, error) {
	cond := args[0]
	tv := args[1]
	var fv *mval
	if len(args) == 3 {
		fv = &args[2]
	}
	for _, v := range args[1:] {
		if v.k != kScalar && v.k != kSeries {
			return mval{}, fmt.Errorf("IF values must be numbers or time series")
		}
	}
	if cond.k == kScalar {
		if cond.s != 0 {
			if tv.k == kScalar {
				return mval{}, fmt.Errorf("IF must return a time series")
			}
			return tv, nil
		}
		if fv == nil {
			return mval{k: kSeries, ser: &tseries{step: env.step, nominal: env.nominal}}, nil
		}
		if fv.k == kScalar {
			return mval{}, fmt.Errorf("IF must return a time series")
		}
		return *fv, nil
	}
	if cond.k != kSeries {
		return mval{}, fmt.Errorf("the IF condition must be a number or a time series")
	}
	c := cond.ser
	at := func(v mval) map[int64]float64 {
		if v.k != kSeries {
			return nil
		}
		m := make(map[int64]float64, len(v.ser.ts))
		for i, t := range v.ser.ts {
			m[t] = v.ser.vs[i]
		}
		return m
	}
	tAt := at(tv)
	var fAt map[int64]float64
	if fv != nil {
		fAt = at(*fv)
	}
	label := c.label
	if tv.k == kSeries {
		label = tv.ser.label
	}
	out := c.derive(label)
	for i, t := range c.ts {
		if c.vs[i] != 0 {
			if tv.k == kScalar {
				out.push(t, tv.s)
			} else if v, ok := tAt[t]; ok {
				out.push(t, v)
			} else {
				out.push(t, 0)
			}
			continue
		}
		if fv == nil {
			continue
		}
		if fv.k == kScalar {
			out.push(t, fv.s)
		} else if v, ok := fAt[t]; ok {
			out.push(t, v)
		}
	}
	return mval{k: kSeries, ser: out}, nil
}
