package elbv2

import (
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// Routing: a listener's rules and default actions compiled into an
// immutable routeTable, published through an atomic pointer and replaced
// whenever a rule, the default actions or a forward weight changes.
// Evaluation is ALB's: rules by ascending priority, the first whose
// conditions all match wins; otherwise the default action. Within one
// condition the values are alternatives (OR); conditions combine with AND.

type routeTable struct {
	rules []compiledRule
	def   *compiledAction
}

type compiledRule struct {
	priority int
	conds    []cond
	act      *compiledAction
}

type actionKind uint8

const (
	actForward actionKind = iota + 1
	actRedirect
	actFixed
)

type compiledAction struct {
	kind     actionKind
	fwd      *forwardAction
	redirect *RedirectConfig
	fixed    *fixedAction
}

type fixedAction struct {
	status      int
	contentType string
	body        []byte
}

// forwardAction is a weighted set of target groups. Weights are fixed for
// the table's lifetime; SetForwardWeights publishes a new table.
type forwardAction struct {
	groups    []fwdGroup
	total     int
	sticky    bool // group-level stickiness (AWSALBTG cookie)
	stickyTTL int  // seconds
}

type fwdGroup struct {
	tg     *tgRuntime
	weight int
	pm     *pairMetrics
	cookie string
}

// pick chooses a target group by weight (or by the group stickiness
// cookie). It returns nil when every weight is zero.
func (f *forwardAction) pick(r *http.Request) *fwdGroup {
	if f.sticky {
		if c, err := r.Cookie(cookieGroup); err == nil {
			for i := range f.groups {
				if g := &f.groups[i]; g.cookie == c.Value && g.weight > 0 {
					return g
				}
			}
		}
	}
	if len(f.groups) == 1 {
		if f.total == 0 {
			return nil
		}
		return &f.groups[0]
	}
	if f.total == 0 {
		return nil
	}
	n := rand.IntN(f.total)
	for i := range f.groups {
		if n < f.groups[i].weight {
			return &f.groups[i]
		}
		n -= f.groups[i].weight
	}
	return nil
}

// matchInput holds what conditions read from a request, parsed lazily.
type matchInput struct {
	r         *http.Request
	query     url.Values
	queryDone bool
	ip        netip.Addr
	ipDone    bool
}

func (m *matchInput) host() string {
	h := m.r.Host
	if i := strings.LastIndexByte(h, ':'); i >= 0 && !strings.Contains(h[i:], "]") {
		h = h[:i]
	}
	return h
}

func (m *matchInput) queryValues() url.Values {
	if !m.queryDone {
		m.query, _ = url.ParseQuery(m.r.URL.RawQuery)
		m.queryDone = true
	}
	return m.query
}

func (m *matchInput) clientIP() netip.Addr {
	if !m.ipDone {
		m.ip = clientAddr(m.r)
		m.ipDone = true
	}
	return m.ip
}

func clientAddr(r *http.Request) netip.Addr {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		host, _, _ := net.SplitHostPort(r.RemoteAddr)
		a, _ := netip.ParseAddr(host)
		return a.Unmap()
	}
	return ap.Addr().Unmap()
}

// route finds the action for r.
func (t *routeTable) route(r *http.Request) *compiledAction {
	if len(t.rules) == 0 {
		return t.def
	}
	m := matchInput{r: r}
next:
	for i := range t.rules {
		for _, c := range t.rules[i].conds {
			if !c.match(&m) {
				continue next
			}
		}
		return t.rules[i].act
	}
	return t.def
}

// cond is one compiled rule condition.
type cond interface {
	match(m *matchInput) bool
}

// pathCond: path-pattern, case-sensitive, on the path only.
type pathCond []string

func (c pathCond) match(m *matchInput) bool {
	p := m.r.URL.Path
	for _, pat := range c {
		if wildcard(pat, p, false) {
			return true
		}
	}
	return false
}

// hostCond: host-header, case-insensitive, without the port.
type hostCond []string

func (c hostCond) match(m *matchInput) bool {
	h := m.host()
	for _, pat := range c {
		if wildcard(pat, h, true) {
			return true
		}
	}
	return false
}

// headerCond: http-header, the name case-insensitive (canonical), values
// case-insensitive with wildcards; any value of the header may match.
type headerCond struct {
	name     string
	patterns []string
}

func (c headerCond) match(m *matchInput) bool {
	for _, v := range m.r.Header[c.name] {
		for _, pat := range c.patterns {
			if wildcard(pat, v, true) {
				return true
			}
		}
	}
	return false
}

// methodCond: http-request-method, exact and case-sensitive.
type methodCond []string

func (c methodCond) match(m *matchInput) bool {
	for _, v := range c {
		if m.r.Method == v {
			return true
		}
	}
	return false
}

// queryCond: query-string key/value pairs, case-insensitive with
// wildcards; an empty key matches any key.
type queryCond []QueryPair

func (c queryCond) match(m *matchInput) bool {
	q := m.queryValues()
	for _, pair := range c {
		for k, vs := range q {
			if pair.Key != "" && !wildcard(pair.Key, k, true) {
				continue
			}
			for _, v := range vs {
				if wildcard(pair.Value, v, true) {
					return true
				}
			}
		}
	}
	return false
}

// sourceIPCond: source-ip CIDRs against the connection's address (not
// X-Forwarded-For).
type sourceIPCond []netip.Prefix

func (c sourceIPCond) match(m *matchInput) bool {
	ip := m.clientIP()
	for _, p := range c {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// wildcard matches s against pattern, where * matches any run of
// characters (including none) and ? exactly one. fold makes the
// comparison ASCII case-insensitive. It does not allocate.
func wildcard(pattern, s string, fold bool) bool {
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && (pattern[p] == '?' || eqByte(pattern[p], s[i], fold)):
			p++
			i++
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case star >= 0:
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

func eqByte(a, b byte, fold bool) bool {
	if a == b {
		return true
	}
	if !fold {
		return false
	}
	if 'A' <= a && a <= 'Z' {
		a += 'a' - 'A'
	}
	if 'A' <= b && b <= 'Z' {
		b += 'a' - 'A'
	}
	return a == b
}

// compileConditions turns validated conditions into matchers.
func compileConditions(cs []Condition) []cond {
	out := make([]cond, 0, len(cs))
	for _, c := range cs {
		switch c.Field {
		case "path-pattern":
			out = append(out, pathCond(c.Values))
		case "host-header":
			out = append(out, hostCond(c.Values))
		case "http-header":
			out = append(out, headerCond{name: http.CanonicalHeaderKey(c.Header), patterns: c.Values})
		case "http-request-method":
			out = append(out, methodCond(c.Values))
		case "query-string":
			out = append(out, queryCond(c.Query))
		case "source-ip":
			var ps []netip.Prefix
			for _, v := range c.Values {
				if p, err := netip.ParsePrefix(v); err == nil {
					ps = append(ps, p.Masked())
				}
			}
			out = append(out, sourceIPCond(ps))
		}
	}
	// Cheap checks first: they decide most mismatches without parsing the
	// query string or the client address.
	sort.SliceStable(out, func(i, j int) bool { return condCost(out[i]) < condCost(out[j]) })
	return out
}

func condCost(c cond) int {
	switch c.(type) {
	case methodCond:
		return 0
	case hostCond, pathCond:
		return 1
	case headerCond:
		return 2
	case sourceIPCond:
		return 3
	}
	return 4
}

// redirectLocation builds a redirect action's Location from the request,
// substituting #{protocol}, #{host}, #{port}, #{path} and #{query}.
func redirectLocation(rc *RedirectConfig, r *http.Request, listenerProto string, listenerPort int) string {
	proto := strings.ToLower(listenerProto)
	host := (&matchInput{r: r}).host()
	port := strconv.Itoa(listenerPort)
	path := strings.TrimPrefix(r.URL.EscapedPath(), "/")
	query := r.URL.RawQuery
	sub := func(s, def string) string {
		if s == "" {
			s = def
		}
		if !strings.Contains(s, "#{") {
			return s
		}
		return strings.NewReplacer("#{protocol}", proto, "#{host}", host, "#{port}", port, "#{path}", path, "#{query}", query).Replace(s)
	}
	outProto := strings.ToLower(sub(rc.Protocol, "#{protocol}"))
	outHost := sub(rc.Host, "#{host}")
	outPort := sub(rc.Port, "#{port}")
	outPath := sub(rc.Path, "/#{path}")
	outQuery := sub(rc.Query, "#{query}")
	var b strings.Builder
	b.WriteString(outProto)
	b.WriteString("://")
	b.WriteString(outHost)
	if !(outProto == "http" && outPort == "80") && !(outProto == "https" && outPort == "443") {
		b.WriteByte(':')
		b.WriteString(outPort)
	}
	if !strings.HasPrefix(outPath, "/") {
		b.WriteByte('/')
	}
	b.WriteString(outPath)
	if outQuery != "" {
		b.WriteByte('?')
		b.WriteString(outQuery)
	}
	return b.String()
}
