package elbv2

import (
	"math"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestWildcard(t *testing.T) {
	for _, c := range []struct {
		pattern, s string
		fold, want bool
	}{
		{"/img/*", "/img/a.png", false, true},
		{"/img/*", "/img/", false, true},
		{"/img/*", "/img", false, false},
		{"/img/*", "/IMG/a.png", false, false},
		{"*.png", "/a/b/c.png", false, true},
		{"/a?c", "/abc", false, true},
		{"/a?c", "/ac", false, false},
		{"/a*b*c", "/aXXbYYc", false, true},
		{"/a*b*c", "/aXXbYY", false, false},
		{"*", "", false, true},
		{"", "", false, true},
		{"", "x", false, false},
		{"*.example.com", "api.EXAMPLE.com", true, true},
		{"*.example.com", "example.com", true, false},
		{"www.example.???", "WWW.example.org", true, true},
		{"a**b", "ab", false, true},
		{"/exact", "/exact", false, true},
		{"/exact", "/exact/", false, false},
	} {
		if got := wildcard(c.pattern, c.s, c.fold); got != c.want {
			t.Errorf("wildcard(%q, %q, %v) = %v, want %v", c.pattern, c.s, c.fold, got, c.want)
		}
	}
}

func cnd(field string, values ...string) Condition { return Condition{Field: field, Values: values} }

func TestConditions(t *testing.T) {
	type req struct {
		method, target, host, remote string
		header                       [][2]string
	}
	r := func(x req) *http.Request {
		if x.method == "" {
			x.method = "GET"
		}
		h := httptest.NewRequest(x.method, x.target, nil)
		if x.host != "" {
			h.Host = x.host
		}
		if x.remote != "" {
			h.RemoteAddr = x.remote
		}
		for _, kv := range x.header {
			h.Header.Add(kv[0], kv[1])
		}
		return h
	}
	for _, c := range []struct {
		name  string
		conds []Condition
		req   req
		want  bool
	}{
		{"path match", []Condition{cnd("path-pattern", "/api/*")}, req{target: "/api/users?x=1"}, true},
		{"path ignores query", []Condition{cnd("path-pattern", "/api")}, req{target: "/api?x=1"}, true},
		{"path case-sensitive", []Condition{cnd("path-pattern", "/api/*")}, req{target: "/API/users"}, false},
		{"path any of values", []Condition{cnd("path-pattern", "/a", "/b/*")}, req{target: "/b/c"}, true},
		{"host case-insensitive", []Condition{cnd("host-header", "*.Example.com")}, req{target: "/", host: "API.example.COM"}, true},
		{"host ignores port", []Condition{cnd("host-header", "api.example.com")}, req{target: "/", host: "api.example.com:8080"}, true},
		{"host mismatch", []Condition{cnd("host-header", "api.example.com")}, req{target: "/", host: "www.example.com"}, false},
		{"header match", []Condition{{Field: "http-header", Header: "user-agent", Values: []string{"*Mobile*"}}}, req{target: "/", header: [][2]string{{"User-Agent", "Foo mobile Bar"}}}, true},
		{"header any value", []Condition{{Field: "http-header", Header: "X-Env", Values: []string{"canary"}}}, req{target: "/", header: [][2]string{{"X-Env", "prod"}, {"X-Env", "CANARY"}}}, true},
		{"header absent", []Condition{{Field: "http-header", Header: "X-Env", Values: []string{"*"}}}, req{target: "/"}, false},
		{"method exact", []Condition{cnd("http-request-method", "POST", "PUT")}, req{method: "PUT", target: "/"}, true},
		{"method case-sensitive", []Condition{cnd("http-request-method", "POST")}, req{method: "GET", target: "/"}, false},
		{"query pair", []Condition{{Field: "query-string", Query: []QueryPair{{Key: "version", Value: "v2*"}}}}, req{target: "/?Version=V2beta"}, true},
		{"query any key", []Condition{{Field: "query-string", Query: []QueryPair{{Value: "canary"}}}}, req{target: "/?track=canary"}, true},
		{"query mismatch", []Condition{{Field: "query-string", Query: []QueryPair{{Key: "a", Value: "1"}}}}, req{target: "/?a=2&b=1"}, false},
		{"query key wildcard", []Condition{{Field: "query-string", Query: []QueryPair{{Key: "fe?ture", Value: "on"}}}}, req{target: "/?feature=on"}, true},
		{"source ip v4", []Condition{cnd("source-ip", "10.0.0.0/8", "192.168.1.0/24")}, req{target: "/", remote: "192.168.1.7:5555"}, true},
		{"source ip miss", []Condition{cnd("source-ip", "10.0.0.0/8")}, req{target: "/", remote: "127.0.0.1:5555"}, false},
		{"source ip v6", []Condition{cnd("source-ip", "::1/128")}, req{target: "/", remote: "[::1]:5555"}, true},
		{"and of conditions", []Condition{cnd("path-pattern", "/api/*"), cnd("http-request-method", "POST")}, req{method: "GET", target: "/api/x"}, false},
		{"and all match", []Condition{cnd("path-pattern", "/api/*"), cnd("http-request-method", "GET"), cnd("host-header", "a.b")}, req{target: "/api/x", host: "a.b"}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := &matchInput{r: r(c.req)}
			got := true
			for _, cd := range compileConditions(c.conds) {
				got = got && cd.match(m)
			}
			if got != c.want {
				t.Fatalf("match = %v, want %v", got, c.want)
			}
		})
	}
}

func TestRoutePriorities(t *testing.T) {
	mk := func(status int) *compiledAction {
		return &compiledAction{kind: actFixed, fixed: &fixedAction{status: status}}
	}
	// Rules are kept sorted by priority: the first match wins, even when a
	// later rule is more specific.
	tbl := &routeTable{
		rules: []compiledRule{
			{priority: 1, conds: compileConditions([]Condition{cnd("path-pattern", "/api/*")}), act: mk(201)},
			{priority: 5, conds: compileConditions([]Condition{cnd("path-pattern", "/api/v2/*")}), act: mk(202)},
			{priority: 10, conds: compileConditions([]Condition{cnd("host-header", "admin.*")}), act: mk(203)},
		},
		def: mk(404),
	}
	for path, want := range map[string]int{"/api/v2/x": 201, "/api/x": 201, "/other": 404} {
		if got := tbl.route(httptest.NewRequest("GET", path, nil)).fixed.status; got != want {
			t.Errorf("%s → %d, want %d", path, got, want)
		}
	}
	r := httptest.NewRequest("GET", "/x", nil)
	r.Host = "admin.example.com"
	if got := tbl.route(r).fixed.status; got != 203 {
		t.Errorf("host rule → %d", got)
	}
}

func TestRulePriorityOrderThroughEngine(t *testing.T) {
	f := newFixture(t)
	lb := f.lb("prio")
	l, base := f.listener(lb.ARN, 80, fixed("404", "default"))
	for _, r := range []struct {
		pri  int
		path string
		body string
	}{{20, "/a/*", "twenty"}, {10, "/a/b/*", "ten"}, {30, "*", "thirty"}} {
		if _, err := f.e.CreateRule(f.ctx, CreateRuleInput{ListenerARN: l.ARN, Priority: r.pri,
			Conditions: []Condition{cnd("path-pattern", r.path)}, Actions: fixed("200", r.body)}); err != nil {
			t.Fatal(err)
		}
	}
	for path, want := range map[string]string{"/a/b/c": "ten", "/a/x": "twenty", "/zzz": "thirty"} {
		if _, body := get(t, base+path); body != want {
			t.Errorf("%s → %q, want %q", path, body, want)
		}
	}
	rules := must[[]RuleView](t)(f.e.DescribeRules(f.ctx, l.ARN, nil))
	if len(rules) != 4 || rules[0].Priority != "10" || rules[3].Priority != "default" || !rules[3].IsDefault {
		t.Fatalf("rules %+v", rules)
	}
	// Swap priorities 10 and 30 atomically: "*" now wins everything.
	if _, err := f.e.SetRulePriorities(f.ctx, []RulePriority{{rules[0].ARN, 30}, {rules[2].ARN, 10}}); err != nil {
		t.Fatal(err)
	}
	if _, body := get(t, base+"/a/b/c"); body != "thirty" {
		t.Errorf("after swap → %q", body)
	}
	if _, err := f.e.SetRulePriorities(f.ctx, []RulePriority{{rules[0].ARN, 20}}); !ErrPriorityInUse.Is(err) {
		t.Fatalf("conflict: %v", err)
	}
	if err := f.e.DeleteRule(f.ctx, rules[3].ARN); !ErrOperationNotPermitted.Is(err) {
		t.Fatalf("delete default rule: %v", err)
	}
}

func TestWeightDistribution(t *testing.T) {
	for _, c := range []struct{ weights []int }{{[]int{90, 10}}, {[]int{50, 50}}, {[]int{1, 2, 3}}, {[]int{0, 100}}, {[]int{999, 1}}} {
		f := &forwardAction{}
		for _, w := range c.weights {
			f.groups = append(f.groups, fwdGroup{weight: w})
			f.total += w
		}
		const n = 200000
		counts := make([]int, len(f.groups))
		r := httptest.NewRequest("GET", "/", nil)
		for range n {
			g := f.pick(r)
			for i := range f.groups {
				if g == &f.groups[i] {
					counts[i]++
				}
			}
		}
		for i, w := range c.weights {
			want := float64(n) * float64(w) / float64(f.total)
			// Within 5 standard deviations of the binomial.
			p := float64(w) / float64(f.total)
			tol := 5*math.Sqrt(n*p*(1-p)) + 1
			if math.Abs(float64(counts[i])-want) > tol {
				t.Errorf("weights %v: group %d got %d, want %.0f±%.0f", c.weights, i, counts[i], want, tol)
			}
		}
	}
	if (&forwardAction{groups: []fwdGroup{{weight: 0}}}).pick(httptest.NewRequest("GET", "/", nil)) != nil {
		t.Fatal("all-zero weights picked a group")
	}
}

func TestRedirectLocation(t *testing.T) {
	for _, c := range []struct {
		rc     RedirectConfig
		target string
		host   string
		want   string
	}{
		{RedirectConfig{Protocol: "HTTPS", Port: "443", Host: "#{host}", Path: "/#{path}", Query: "#{query}"}, "/a/b?x=1", "example.com", "https://example.com/a/b?x=1"},
		{RedirectConfig{Protocol: "#{protocol}", Port: "#{port}", Host: "new.example.com", Path: "/#{path}", Query: "#{query}"}, "/p", "old.example.com:80", "http://new.example.com/p"},
		{RedirectConfig{Protocol: "#{protocol}", Port: "8443", Host: "#{host}", Path: "/v2/#{path}", Query: "src=#{host}&#{query}"}, "/x?y=2", "h.io", "http://h.io:8443/v2/x?src=h.io&y=2"},
		{RedirectConfig{Protocol: "HTTP", Port: "#{port}", Host: "#{host}", Path: "/fixed", Query: ""}, "/x?y=2", "h.io", "http://h.io/fixed?y=2"},
	} {
		r := httptest.NewRequest("GET", c.target, nil)
		r.Host = c.host
		if got := redirectLocation(&c.rc, r, "HTTP", 80); got != c.want {
			t.Errorf("redirect %+v %s → %s, want %s", c.rc, c.target, got, c.want)
		}
	}
}
