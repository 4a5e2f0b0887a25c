package elbv2

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/skiff-dev/skiff/internal/store"
)

func TestForwardRoundRobin(t *testing.T) {
	f := newFixture(t)
	lb := f.lb("web")
	tg := f.tg("blue")
	a, b := newBackend(t, "a", nil), newBackend(t, "b", nil)
	f.register(tg.ARN, a, b)
	_, base := f.listener(lb.ARN, 80, forward(tg.ARN))
	f.waitHealthy(tg.ARN)
	seen := map[string]int{}
	for range 20 {
		resp, body := get(t, base+"/")
		if resp.StatusCode != 200 {
			t.Fatalf("status %d: %s", resp.StatusCode, body)
		}
		seen[body]++
	}
	if seen["a"] != 10 || seen["b"] != 10 {
		t.Fatalf("round robin: %v", seen)
	}
}

func TestProxyErrors(t *testing.T) {
	f := newFixture(t)
	lb := f.lb("errs")
	empty := f.tg("empty")
	down := f.tg("down")
	slow := f.tg("slow")
	l, base := f.listener(lb.ARN, 80, forward(empty.ARN))
	for _, r := range []struct {
		pri  int
		path string
		tg   string
	}{{1, "/down", down.ARN}, {2, "/slow", slow.ARN}} {
		if _, err := f.e.CreateRule(f.ctx, CreateRuleInput{ListenerARN: l.ARN, Priority: r.pri,
			Conditions: []Condition{cnd("path-pattern", r.path)}, Actions: forward(r.tg)}); err != nil {
			t.Fatal(err)
		}
	}
	// A target whose port nobody listens on: fail-open sends traffic to it.
	dead := newBackend(t, "dead", nil)
	dt := dead.target()
	dead.srv.Close()
	if err := f.e.RegisterTargets(f.ctx, down.ARN, []Target{dt}); err != nil {
		t.Fatal(err)
	}
	// A target slower than the idle timeout (1 s).
	sb := newBackend(t, "slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(2500 * time.Millisecond):
		case <-r.Context().Done():
		}
	})
	f.register(slow.ARN, sb)
	f.waitHealthy(slow.ARN)
	must[[]Attribute](t)(f.e.ModifyLoadBalancerAttributes(f.ctx, lb.ARN, []Attribute{{"idle_timeout.timeout_seconds", "1"}}))

	for _, c := range []struct {
		path   string
		status int
	}{{"/", 503}, {"/down", 502}, {"/slow", 504}} {
		resp, body := get(t, base+c.path)
		if resp.StatusCode != c.status {
			t.Errorf("%s: status %d, want %d", c.path, resp.StatusCode, c.status)
		}
		want := fmt.Sprintf("<title>%d %s</title>", c.status, http.StatusText(c.status))
		if !strings.Contains(body, want) || resp.Header.Get("Server") != "awselb/2.0" || resp.Header.Get("Content-Type") != "text/html" {
			t.Errorf("%s: ALB error page expected, got %v %q", c.path, resp.Header, body)
		}
	}
	// Every weight zero: 503 too.
	zero := weighted(map[string]int{empty.ARN: 0})
	if _, err := f.e.ModifyListener(f.ctx, ModifyListenerInput{ARN: l.ARN, DefaultActions: zero}); err != nil {
		t.Fatal(err)
	}
	if resp, _ := get(t, base+"/"); resp.StatusCode != 503 {
		t.Errorf("zero weights: %d", resp.StatusCode)
	}
	// More than 30 X-Forwarded-For addresses: 463.
	xff := strings.TrimSuffix(strings.Repeat("10.0.0.1, ", 31), ", ")
	if resp, _ := get(t, base+"/", "X-Forwarded-For", xff); resp.StatusCode != 463 {
		t.Errorf("long XFF: %d", resp.StatusCode)
	}
}

func TestProxyErrorStatus(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	for _, c := range []struct {
		name string
		r    *http.Request
		err  error
		want int
	}{
		{"refused", r, &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}, 502},
		{"eof", r, io.ErrUnexpectedEOF, 502},
		{"deadline", r, context.DeadlineExceeded, 504},
		{"timeout", r, &net.OpError{Op: "read", Err: timeoutErr{}}, 504},
		{"client gone", r.WithContext(gone), context.Canceled, 460},
	} {
		if got := proxyErrorStatus(c.r, c.err); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func TestFixedAndRedirect(t *testing.T) {
	f := newFixture(t)
	lb := f.lb("fr")
	l, base := f.listener(lb.ARN, 80, []Action{{Type: "fixed-response", Fixed: &FixedResponse{StatusCode: "418", ContentType: "application/json", MessageBody: `{"teapot":true}`}}})
	if _, err := f.e.CreateRule(f.ctx, CreateRuleInput{ListenerARN: l.ARN, Priority: 1, Conditions: []Condition{cnd("path-pattern", "/old/*")},
		Actions: []Action{{Type: "redirect", Redirect: &RedirectConfig{Protocol: "HTTPS", Port: "443", Host: "#{host}", Path: "/new/#{path}", Query: "#{query}", StatusCode: "HTTP_302"}}}}); err != nil {
		t.Fatal(err)
	}
	resp, body := get(t, base+"/anything")
	if resp.StatusCode != 418 || body != `{"teapot":true}` || resp.Header.Get("Content-Type") != "application/json" || resp.Header.Get("Server") != "awselb/2.0" {
		t.Fatalf("fixed: %d %v %q", resp.StatusCode, resp.Header, body)
	}
	resp, _ = get(t, base+"/old/page?a=1", "Host", "shop.example.com")
	if resp.StatusCode != 302 || resp.Header.Get("Location") != "https://shop.example.com/new/old/page?a=1" {
		t.Fatalf("redirect: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

var traceRE = regexp.MustCompile(`^1-[0-9a-f]{8}-[0-9a-f]{24}$`)

func TestForwardedHeaders(t *testing.T) {
	f := newFixture(t)
	lb := f.lb("hdrs")
	tg := f.tg("hdrs")
	var last atomic.Pointer[http.Request]
	b := newBackend(t, "echo", func(w http.ResponseWriter, r *http.Request) { last.Store(r) })
	f.register(tg.ARN, b)
	_, base := f.listener(lb.ARN, 8080, forward(tg.ARN))
	f.waitHealthy(tg.ARN)

	get(t, base+"/x")
	r := last.Load()
	if r.Header.Get("X-Forwarded-For") != "127.0.0.1" || r.Header.Get("X-Forwarded-Proto") != "http" || r.Header.Get("X-Forwarded-Port") != "8080" {
		t.Fatalf("forwarded headers: %v", r.Header)
	}
	// A Host header with a port passes unchanged.
	if r.Host != strings.TrimPrefix(base, "http://") {
		t.Fatalf("host %q", r.Host)
	}
	root, ok := strings.CutPrefix(r.Header.Get("X-Amzn-Trace-Id"), "Root=")
	if !ok || !traceRE.MatchString(root) {
		t.Fatalf("trace id %q", r.Header.Get("X-Amzn-Trace-Id"))
	}
	if epoch, _ := strconv.ParseInt(root[2:10], 16, 64); time.Since(time.Unix(epoch, 0)) > time.Minute {
		t.Fatalf("trace epoch %s", root[2:10])
	}

	// Appending to X-Forwarded-For; extending a trace with Self; without
	// preserve_host_header the listener port is appended to a bare Host.
	get(t, base+"/x", "X-Forwarded-For", "203.0.113.7, 10.0.0.1", "X-Amzn-Trace-Id", "Self=1-00000000-000000000000000000000000;Root=1-67891233-abcdef012345678912345678;CalledFrom=app", "Host", "example.com")
	r = last.Load()
	if got := r.Header.Get("X-Forwarded-For"); got != "203.0.113.7, 10.0.0.1, 127.0.0.1" {
		t.Fatalf("xff append: %q", got)
	}
	if r.Host != "example.com:8080" {
		t.Fatalf("host %q", r.Host)
	}
	parts := strings.Split(r.Header.Get("X-Amzn-Trace-Id"), ";")
	if len(parts) != 3 || !strings.HasPrefix(parts[0], "Self=") || !traceRE.MatchString(parts[0][5:]) ||
		parts[1] != "Root=1-67891233-abcdef012345678912345678" || parts[2] != "CalledFrom=app" || parts[0] == "Self=1-00000000-000000000000000000000000" {
		t.Fatalf("trace extension %q", r.Header.Get("X-Amzn-Trace-Id"))
	}

	// preserve / remove modes, client port, preserved host.
	must[[]Attribute](t)(f.e.ModifyLoadBalancerAttributes(f.ctx, lb.ARN, []Attribute{
		{"routing.http.xff_header_processing.mode", "preserve"}, {"routing.http.preserve_host_header.enabled", "true"}}))
	get(t, base+"/x", "X-Forwarded-For", "203.0.113.7", "Host", "example.com")
	if r = last.Load(); r.Header.Get("X-Forwarded-For") != "203.0.113.7" || r.Host != "example.com" {
		t.Fatalf("preserve: %q %q", r.Header.Get("X-Forwarded-For"), r.Host)
	}
	must[[]Attribute](t)(f.e.ModifyLoadBalancerAttributes(f.ctx, lb.ARN, []Attribute{{"routing.http.xff_header_processing.mode", "remove"}}))
	get(t, base+"/x", "X-Forwarded-For", "203.0.113.7")
	if r = last.Load(); r.Header["X-Forwarded-For"] != nil {
		t.Fatalf("remove: %q", r.Header.Get("X-Forwarded-For"))
	}
	must[[]Attribute](t)(f.e.ModifyLoadBalancerAttributes(f.ctx, lb.ARN, []Attribute{
		{"routing.http.xff_header_processing.mode", "append"}, {"routing.http.xff_client_port.enabled", "true"}}))
	get(t, base+"/x")
	if r = last.Load(); !regexp.MustCompile(`^127\.0\.0\.1:\d+$`).MatchString(r.Header.Get("X-Forwarded-For")) {
		t.Fatalf("client port: %q", r.Header.Get("X-Forwarded-For"))
	}
}

func TestTraceHeader(t *testing.T) {
	now := time.Unix(0x67891233, 0)
	if got := traceHeader("", now); !regexp.MustCompile(`^Root=1-67891233-[0-9a-f]{24}$`).MatchString(got) {
		t.Fatalf("new: %q", got)
	}
	if got := traceHeader("Root=1-5759e988-bd862e3fe1be46a994272793", now); !regexp.MustCompile(`^Self=1-67891233-[0-9a-f]{24};Root=1-5759e988-bd862e3fe1be46a994272793$`).MatchString(got) {
		t.Fatalf("extend: %q", got)
	}
	if got := traceHeader("Foo=bar", now); !regexp.MustCompile(`^Root=1-67891233-[0-9a-f]{24};Foo=bar$`).MatchString(got) {
		t.Fatalf("no root: %q", got)
	}
}

func TestWebSocketPassThrough(t *testing.T) {
	f := newFixture(t)
	lb := f.lb("ws")
	tg := f.tg("ws")
	b := newBackend(t, "ws", func(w http.ResponseWriter, r *http.Request) {
		if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
			w.WriteHeader(400)
			return
		}
		conn, rw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		rw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
		rw.Flush()
		io.Copy(conn, rw) // echo until the client closes
	})
	f.register(tg.ARN, b)
	_, base := f.listener(lb.ARN, 80, forward(tg.ARN))
	f.waitHealthy(tg.ARN)
	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(c, "GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 101 || !strings.EqualFold(resp.Header.Get("Upgrade"), "websocket") {
		t.Fatalf("upgrade: %d %v", resp.StatusCode, resp.Header)
	}
	for _, msg := range []string{"hello", "world"} {
		io.WriteString(c, msg)
		buf := make([]byte, len(msg))
		if _, err := io.ReadFull(br, buf); err != nil || string(buf) != msg {
			t.Fatalf("echo %q: %q %v", msg, buf, err)
		}
	}
}

func TestH2C(t *testing.T) {
	f := newFixture(t)
	lb := f.lb("h2c")
	tg := f.tg("h2c")
	var proto atomic.Value
	b := newBackend(t, "h2", func(w http.ResponseWriter, r *http.Request) { proto.Store(r.Proto); io.WriteString(w, "ok") })
	f.register(tg.ARN, b)
	_, base := f.listener(lb.ARN, 80, forward(tg.ARN))
	f.waitHealthy(tg.ARN)
	tr := &http.Transport{Protocols: new(http.Protocols)}
	tr.Protocols.SetUnencryptedHTTP2(true)
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.ProtoMajor != 2 || string(body) != "ok" || proto.Load() != "HTTP/1.1" {
		t.Fatalf("h2c: %s %q target saw %v", resp.Proto, body, proto.Load())
	}
}

func TestDraining(t *testing.T) {
	f := newFixture(t)
	lb := f.lb("drain")
	// 100 s scaled by 0.01: draining lasts one second.
	tg := f.tg("drain", Attribute{"deregistration_delay.timeout_seconds", "100"})
	release := make(chan struct{})
	entered := make(chan struct{}, 1)
	a := newBackend(t, "a", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			entered <- struct{}{}
			<-release
		}
		io.WriteString(w, "a")
	})
	bb := newBackend(t, "b", nil)
	f.register(tg.ARN, a)
	_, base := f.listener(lb.ARN, 80, forward(tg.ARN))
	f.waitHealthy(tg.ARN)

	// An in-flight request on a.
	done := make(chan string, 1)
	go func() {
		resp, body := get(t, base+"/slow")
		done <- fmt.Sprintf("%d %s", resp.StatusCode, body)
	}()
	<-entered
	f.register(tg.ARN, bb)
	f.waitHealthy(tg.ARN)
	start := time.Now()
	if err := f.e.DeregisterTargets(f.ctx, tg.ARN, []Target{a.target()}); err != nil {
		t.Fatal(err)
	}
	hs := must[[]TargetHealth](t)(f.e.DescribeTargetHealth(f.ctx, tg.ARN, []Target{a.target()}))
	if hs[0].State != StateDraining || hs[0].Reason != ReasonDeregistrationInProgress || hs[0].Description != "Target deregistration is in progress" {
		t.Fatalf("draining: %+v", hs[0])
	}
	inflight := must[map[string]int64](t)(f.e.InFlight(f.ctx, tg.ARN))
	if inflight[targetKey(a.target().ID, a.target().Port)] != 1 {
		t.Fatalf("in flight %v", inflight)
	}
	// No new requests reach a.
	before := a.hits.get()
	for range 10 {
		if _, body := get(t, base+"/"); body != "b" {
			t.Fatalf("new request went to %q", body)
		}
	}
	if a.hits.get() != before {
		t.Fatal("draining target got new requests")
	}
	close(release)
	if got := <-done; got != "200 a" {
		t.Fatalf("in-flight request: %s", got)
	}
	if err := f.e.WaitDrained(f.ctx, tg.ARN, []Target{a.target()}); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 900*time.Millisecond {
		t.Fatalf("drained after %v, before the scaled delay", d)
	}
	hs = must[[]TargetHealth](t)(f.e.TargetHealth(f.ctx, tg.ARN))
	if len(hs) != 1 || hs[0].Target != bb.target() {
		t.Fatalf("after drain: %+v", hs)
	}
	if err := f.e.WaitDrained(f.ctx, tg.ARN, []Target{bb.target()}); !ErrInvalidTarget.Is(err) {
		t.Fatalf("WaitDrained on a registered target: %v", err)
	}
}

func TestStickySessions(t *testing.T) {
	f := newFixture(t)
	lb := f.lb("sticky")
	tg := f.tg("sticky", Attribute{"stickiness.enabled", "true"}, Attribute{"stickiness.lb_cookie.duration_seconds", "120"})
	a, b := newBackend(t, "a", nil), newBackend(t, "b", nil)
	f.register(tg.ARN, a, b)
	_, base := f.listener(lb.ARN, 80, forward(tg.ARN))
	f.waitHealthy(tg.ARN)
	resp, first := get(t, base+"/")
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "AWSALB" {
			cookie = c
		}
	}
	if cookie == nil || len(resp.Cookies()) != 2 || time.Until(cookie.Expires) < 100*time.Second {
		t.Fatalf("cookies %v", resp.Header["Set-Cookie"])
	}
	for range 10 {
		if _, body := get(t, base+"/", "Cookie", "AWSALB="+cookie.Value); body != first {
			t.Fatalf("sticky request went to %q, first to %q", body, first)
		}
	}
	// Without the cookie round robin alternates.
	_, x := get(t, base+"/")
	_, y := get(t, base+"/")
	if x == y {
		t.Fatalf("without cookie: %q %q", x, y)
	}
	// Group stickiness across a weighted forward.
	tg2 := f.tg("sticky2")
	c := newBackend(t, "c", nil)
	f.register(tg2.ARN, c)
	l2, base2 := f.listener(lb.ARN, 81, weighted(map[string]int{tg.ARN: 1, tg2.ARN: 1}))
	f.waitHealthy(tg2.ARN)
	sticky := weighted(map[string]int{tg.ARN: 1, tg2.ARN: 1})
	sticky[0].Forward.Stickiness, sticky[0].Forward.StickinessSeconds = true, 300
	if _, err := f.e.ModifyListener(f.ctx, ModifyListenerInput{ARN: l2.ARN, DefaultActions: sticky}); err != nil {
		t.Fatal(err)
	}
	var group *http.Cookie
	for group == nil {
		resp, body := get(t, base2+"/")
		if body != "c" {
			continue
		}
		for _, ck := range resp.Cookies() {
			if ck.Name == "AWSALBTG" {
				group = ck
			}
		}
		if group == nil {
			t.Fatalf("no AWSALBTG cookie: %v", resp.Header["Set-Cookie"])
		}
	}
	for range 20 {
		if _, body := get(t, base2+"/", "Cookie", "AWSALBTG="+group.Value); body != "c" {
			t.Fatalf("group stickiness broken: %q", body)
		}
	}
}

func TestLeastOutstandingRequests(t *testing.T) {
	f := newFixture(t)
	lb := f.lb("lor")
	tg := f.tg("lor", Attribute{"load_balancing.algorithm.type", "least_outstanding_requests"})
	release := make(chan struct{})
	var slowIn atomic.Int32
	slow := newBackend(t, "slow", func(w http.ResponseWriter, r *http.Request) {
		slowIn.Add(1)
		<-release
		io.WriteString(w, "slow")
	})
	fast := newBackend(t, "fast", nil)
	f.register(tg.ARN, slow, fast)
	_, base := f.listener(lb.ARN, 80, forward(tg.ARN))
	f.waitHealthy(tg.ARN)
	// Park requests until one is stuck on the slow target.
	var wg sync.WaitGroup
	defer func() { close(release); wg.Wait() }()
	for slowIn.Load() == 0 {
		wg.Add(1)
		go func() { defer wg.Done(); get(t, base+"/") }()
		time.Sleep(20 * time.Millisecond)
	}
	for range 20 {
		if _, body := get(t, base+"/"); body != "fast" {
			t.Fatalf("least outstanding sent a request to %q", body)
		}
	}
	if _, err := f.e.ModifyTargetGroupAttributes(f.ctx, tg.ARN, []Attribute{{"slow_start.duration_seconds", "30"}}); !ErrInvalidConfigurationRequest.Is(err) {
		t.Fatalf("slow start with least outstanding requests: %v", err)
	}
}

func TestHTTPSListener(t *testing.T) {
	f := newFixture(t)
	lb := f.lb("tls")
	l, err := f.e.CreateListener(f.ctx, CreateListenerInput{LoadBalancerARN: lb.ARN, Protocol: "HTTPS", Port: 443,
		Certificates: []Certificate{{ARN: "arn:aws:acm:us-east-1:123456789012:certificate/abc"}}, DefaultActions: fixed("200", "secure")})
	if err != nil {
		t.Fatal(err)
	}
	if l.SslPolicy != "ELBSecurityPolicy-2016-08" {
		t.Fatalf("ssl policy %q", l.SslPolicy)
	}
	addr, _ := f.e.ListenerAddr(l.ARN)
	tr := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, ForceAttemptHTTP2: true}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Get("https://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "secure" || resp.ProtoMajor != 2 || resp.TLS.PeerCertificates[0].DNSNames[0] != lb.DNSName() {
		t.Fatalf("https: %s %q %v", resp.Proto, body, resp.TLS.PeerCertificates[0].DNSNames)
	}
	if _, err := f.e.CreateListener(f.ctx, CreateListenerInput{LoadBalancerARN: lb.ARN, Protocol: "HTTPS", Port: 8443, DefaultActions: fixed("200", "x")}); !ErrValidation.Is(err) {
		t.Fatalf("HTTPS without certificate: %v", err)
	}
}

func TestInstanceTargets(t *testing.T) {
	var addr atomic.Value // instance id → "host:port" of a loopback server
	resolve := func(_ context.Context, id string) (string, int, error) {
		m, _ := addr.Load().(map[string]string)
		a, ok := m[id]
		if !ok {
			return "", 0, fmt.Errorf("instance %s is not running", id)
		}
		host, port, _ := net.SplitHostPort(a)
		p, _ := strconv.Atoi(port)
		return host, p, nil
	}
	f := newFixtureWith(t, store.NewMemory(), Options{ResolveInstance: resolve})
	b1, b2 := newBackend(t, "i-1", nil), newBackend(t, "i-1 restarted", nil)
	addr.Store(map[string]string{"i-1": strings.TrimPrefix(b1.srv.URL, "http://")})
	lb := f.lb("inst")
	tg, err := f.e.CreateTargetGroup(f.ctx, CreateTargetGroupInput{Name: "inst", Protocol: "HTTP", Port: 80, VpcID: "vpc-1", HealthCheck: fastHC})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.e.RegisterTargets(f.ctx, tg.ARN, []Target{{ID: "i-2"}}); !ErrInvalidTarget.Is(err) || !strings.Contains(err.Error(), "not in a running state") {
		t.Fatalf("unknown instance: %v", err)
	}
	if err := f.e.RegisterTargets(f.ctx, tg.ARN, []Target{{ID: "i-1"}}); err != nil {
		t.Fatal(err)
	}
	_, base := f.listener(lb.ARN, 80, forward(tg.ARN))
	f.waitHealthy(tg.ARN)
	if _, body := get(t, base+"/"); body != "i-1" {
		t.Fatalf("instance target: %q", body)
	}
	hs := must[[]TargetHealth](t)(f.e.TargetHealth(f.ctx, tg.ARN))
	if hs[0].Target.ID != "i-1" || hs[0].Target.Port != 80 || hs[0].HealthCheckPort != "80" {
		t.Fatalf("health %+v", hs[0])
	}
	// The instance moves: the next health check round picks up its new
	// address.
	addr.Store(map[string]string{"i-1": strings.TrimPrefix(b2.srv.URL, "http://")})
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, body := get(t, base+"/"); body == "i-1 restarted" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("new instance address not picked up")
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The instance stops: unused with Target.InvalidState.
	addr.Store(map[string]string{})
	f.waitState(tg.ARN, Target{ID: "i-1", Port: 80}, StateUnused, ReasonInvalidState)
}

func TestStaleKeepAlive(t *testing.T) {
	f := newFixture(t)
	lb := f.lb("stale")
	tg := f.tg("stale")
	// A target that drops idle keep-alive connections after 30 ms.
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, "ok")
	}))
	srv.Config.IdleTimeout = 30 * time.Millisecond
	srv.Start()
	t.Cleanup(srv.Close)
	be := &backend_{srv: srv}
	f.register(tg.ARN, be)
	_, base := f.listener(lb.ARN, 80, forward(tg.ARN))
	f.waitHealthy(tg.ARN)
	for _, wait := range []time.Duration{0, 100 * time.Millisecond, 100 * time.Millisecond, 1200 * time.Millisecond} {
		time.Sleep(wait)
		if resp, body := get(t, base+"/"); resp.StatusCode != 200 {
			t.Fatalf("GET after %v idle: %d %s", wait, resp.StatusCode, body)
		}
	}
	// A POST with a body cannot be replayed; after a long idle period
	// the connection is probed before it is reused.
	time.Sleep(1200 * time.Millisecond)
	resp, err := testClient.Post(base+"/", "text/plain", strings.NewReader("payload"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("POST after idle: %d %s", resp.StatusCode, body)
	}
}

func TestConnAlive(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			buf := make([]byte, 1)
			c.Read(buf) // the client's "close me"
			c.Close()
		}
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if !connAlive(c) {
		t.Fatal("open connection reported dead")
	}
	c.Write([]byte("x"))
	deadline := time.Now().Add(10 * time.Second)
	for connAlive(c) {
		if time.Now().After(deadline) {
			t.Fatal("closed connection reported alive")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// rawTarget accepts connections and answers every request with fn.
func rawTarget(t *testing.T, fn func(c net.Conn)) Target {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				if _, err := http.ReadRequest(br); err != nil {
					return
				}
				fn(c)
			}()
		}
	}()
	a := ln.Addr().(*net.TCPAddr)
	return Target{ID: "127.0.0.1", Port: a.Port}
}

func TestBadTargets(t *testing.T) {
	f := newFixture(t)
	lb := f.lb("bad")
	garbage := f.tg("garbage")
	hangup := f.tg("hangup")
	l, base := f.listener(lb.ARN, 80, forward(garbage.ARN))
	if _, err := f.e.CreateRule(f.ctx, CreateRuleInput{ListenerARN: l.ARN, Priority: 1, Conditions: []Condition{cnd("path-pattern", "/hangup")}, Actions: forward(hangup.ARN)}); err != nil {
		t.Fatal(err)
	}
	// Health checks fail against both, so traffic fails open to them.
	must[any](t)(nil, f.e.RegisterTargets(f.ctx, garbage.ARN, []Target{rawTarget(t, func(c net.Conn) { io.WriteString(c, "SPDY/9 what\r\n\r\n") })}))
	must[any](t)(nil, f.e.RegisterTargets(f.ctx, hangup.ARN, []Target{rawTarget(t, func(c net.Conn) {})}))
	for path, want := range map[string]int{"/": 502, "/hangup": 502} {
		if resp, body := get(t, base+path); resp.StatusCode != want {
			t.Errorf("%s: %d %s", path, resp.StatusCode, body)
		}
	}
}

func TestHealthCheckPortNumber(t *testing.T) {
	f := newFixture(t)
	lb := f.lb("hcport")
	traffic := newBackend(t, "traffic", nil)
	health := newHealthTarget(t)
	hp := (&backend_{srv: health.srv}).target().Port
	tg, err := f.e.CreateTargetGroup(f.ctx, CreateTargetGroupInput{Name: "hcport", Protocol: "HTTP", Port: 80, VpcID: "vpc-1", TargetType: "ip",
		HealthCheck: HealthCheckInput{Port: itoa(hp), Path: "/healthz", Interval: ip(5), Timeout: ip(2), Healthy: ip(2), Unhealthy: ip(2)}})
	if err != nil {
		t.Fatal(err)
	}
	f.register(tg.ARN, traffic)
	f.listener(lb.ARN, 80, forward(tg.ARN))
	th := f.waitState(tg.ARN, traffic.target(), StateHealthy, "")
	if th.HealthCheckPort != itoa(hp) {
		t.Fatalf("health check port %q", th.HealthCheckPort)
	}
	health.status.Store(500)
	f.waitState(tg.ARN, traffic.target(), StateUnhealthy, ReasonResponseCodeMismatch)
}
