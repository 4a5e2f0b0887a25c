package elbv2

import (
	"context"
	"errors"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httputil"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// The data plane: one http.Server per listener, one httputil.ReverseProxy
// (with Rewrite) per listener, and one keep-alive pooled transport per
// load balancer (transport.go).

// lbRuntime is a load balancer's live side.
type lbRuntime struct {
	arn       string
	fullName  string
	dnsName   string
	settings  atomic.Pointer[lbSettings]
	transport atomic.Pointer[targetTransport]
	m         lbCounters
	// pairs are the per-target-group counters; guarded by Engine.mu
	// (the hot path reaches them through route tables, never the map).
	pairs map[string]*pairMetrics
}

// lbSettings are the load balancer attributes the proxy reads.
type lbSettings struct {
	idleTimeout  time.Duration
	xffMode      string // append, preserve, remove
	xffPort      bool
	preserveHost bool
	http2        bool
}

func newLBRuntime(rec *LoadBalancer) *lbRuntime {
	rt := &lbRuntime{arn: rec.ARN, fullName: rec.FullName(), dnsName: rec.DNSName(), pairs: map[string]*pairMetrics{}}
	rt.apply(rec)
	return rt
}

// apply publishes the load balancer's attributes to the proxy. A new idle
// timeout gets a new transport (its ResponseHeaderTimeout is the idle
// timeout); the old one's idle connections are closed.
func (rt *lbRuntime) apply(rec *LoadBalancer) {
	a := rec.Attributes
	s := &lbSettings{
		idleTimeout:  time.Duration(atoiDefault(a["idle_timeout.timeout_seconds"], 60)) * time.Second,
		xffMode:      a["routing.http.xff_header_processing.mode"],
		xffPort:      a["routing.http.xff_client_port.enabled"] == "true",
		preserveHost: a["routing.http.preserve_host_header.enabled"] == "true",
		http2:        a["routing.http2.enabled"] != "false",
	}
	old := rt.settings.Swap(s)
	if old != nil && old.idleTimeout == s.idleTimeout {
		return
	}
	// No response headers within the idle timeout is ALB's 504.
	prev := rt.transport.Swap(newTargetTransport(s.idleTimeout))
	if prev != nil {
		prev.close()
	}
}

func (rt *lbRuntime) RoundTrip(r *http.Request) (*http.Response, error) {
	return rt.transport.Load().RoundTrip(r)
}

func (rt *lbRuntime) closeIdle() {
	if t := rt.transport.Load(); t != nil {
		t.close()
	}
}

// listenerMeta is what a request needs to know about its listener.
type listenerMeta struct {
	port     int
	protocol string   // HTTP or HTTPS
	scheme   string   // http or https
	portVals []string // X-Forwarded-Port value (shared, read-only)
	protoVal []string // X-Forwarded-Proto value (shared, read-only)
}

// listenerData is a listener's request handler.
type listenerData struct {
	e      *Engine
	lb     *lbRuntime
	meta   atomic.Pointer[listenerMeta]
	routes atomic.Pointer[routeTable]
	proxy  *httputil.ReverseProxy
}

func newListenerData(e *Engine, lb *lbRuntime, l *Listener) *listenerData {
	d := &listenerData{e: e, lb: lb}
	d.setMeta(l)
	d.routes.Store(&routeTable{def: &compiledAction{kind: actFixed, fixed: &fixedAction{status: 503}}})
	d.proxy = &httputil.ReverseProxy{
		Rewrite:        d.rewrite,
		Transport:      lb,
		BufferPool:     bufPool,
		ModifyResponse: d.modifyResponse,
		ErrorHandler:   d.errorHandler,
		ErrorLog:       log.New(io.Discard, "", 0),
	}
	return d
}

func (d *listenerData) setMeta(l *Listener) {
	scheme := strings.ToLower(l.Protocol)
	d.meta.Store(&listenerMeta{
		port: l.Port, protocol: l.Protocol, scheme: scheme,
		portVals: []string{strconv.Itoa(l.Port)}, protoVal: []string{scheme},
	})
}

// bufPool lends ReverseProxy its 32 KB copy buffers. A buffered channel
// rather than a sync.Pool: putting a []byte into a sync.Pool allocates a
// slice header on every request.
var bufPool = &bytePool{ch: make(chan []byte, 256)}

type bytePool struct{ ch chan []byte }

func (b *bytePool) Get() []byte {
	select {
	case buf := <-b.ch:
		return buf
	default:
		return make([]byte, 32<<10)
	}
}

func (b *bytePool) Put(buf []byte) {
	select {
	case b.ch <- buf:
	default:
	}
}

// proxyState travels with one forwarded request (in its context) from
// target selection to Rewrite, ModifyResponse and ErrorHandler.
type proxyState struct {
	d        *listenerData
	meta     *listenerMeta
	g        *fwdGroup
	f        *forwardAction
	b        *backend
	addr     string
	scheme   string
	sticky   bool
	stickTTL time.Duration
	start    time.Time
}

type stateKey struct{}

// maxXFF is the most X-Forwarded-For addresses ALB accepts (463 beyond).
const maxXFF = 30

func (d *listenerData) ServeHTTP(w http.ResponseWriter, r *http.Request) { d.handle(w, r, nil) }

// handle serves one request; fc is the fast-path connection it came on
// (fastpath.go), nil for the http.Server.
func (d *listenerData) handle(w http.ResponseWriter, r *http.Request, fc *fastConn) {
	if xff := r.Header["X-Forwarded-For"]; len(xff) > 0 && countXFF(xff) > maxXFF {
		d.elbError(w, 463)
		return
	}
	act := d.routes.Load().route(r)
	switch act.kind {
	case actFixed:
		d.writeFixed(w, act.fixed)
	case actRedirect:
		d.writeRedirect(w, r, act.redirect)
	case actForward:
		d.forward(w, r, act.fwd, fc)
	}
}

func countXFF(vals []string) int {
	n := 0
	for _, v := range vals {
		n += strings.Count(v, ",") + 1
	}
	return n
}

func (d *listenerData) forward(w http.ResponseWriter, r *http.Request, f *forwardAction, fc *fastConn) {
	g := f.pick(r)
	if g == nil {
		d.elbError(w, http.StatusServiceUnavailable) // every weight is zero
		return
	}
	b, sticky := g.tg.pick(r)
	if b == nil {
		d.elbError(w, http.StatusServiceUnavailable) // no registered targets
		return
	}
	addr := b.addr.Load()
	if addr == nil {
		d.elbError(w, http.StatusServiceUnavailable)
		return
	}
	cfg := g.tg.cfg.Load()
	st := &proxyState{}
	if fc != nil {
		st = &fc.st // one per connection: no allocation per request
	}
	*st = proxyState{d: d, meta: d.meta.Load(), g: g, f: f, b: b, addr: *addr, scheme: cfg.scheme,
		sticky: sticky, stickTTL: cfg.stickyTTL, start: time.Now()}
	g.pm.requests.Add(1)
	b.inflight.Add(1)
	defer b.inflight.Add(-1)
	if fc != nil {
		fc.forward(st, r)
		return
	}
	d.proxy.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), stateKey{}, st)))
}

// pick chooses a routable target, honouring lb_cookie stickiness; sticky
// reports that the response must (re)set the AWSALB cookie.
func (rt *tgRuntime) pick(r *http.Request) (b *backend, sticky bool) {
	p := rt.pool.Load()
	if len(p.targets) == 0 {
		return nil, false
	}
	cfg := rt.cfg.Load()
	if p.byCookie != nil {
		if c, err := r.Cookie(cookieTarget); err == nil {
			if b := p.byCookie[c.Value]; b != nil {
				return b, true
			}
		}
		return cfg.sel.Select(p, r), true
	}
	return cfg.sel.Select(p, r), false
}

func (d *listenerData) rewrite(pr *httputil.ProxyRequest) {
	st := pr.In.Context().Value(stateKey{}).(*proxyState)
	d.setForwarded(st, pr.Out, pr.In.RemoteAddr, pr.In.Header["X-Forwarded-For"], pr.In.Header.Get("X-Amzn-Trace-Id"))
}

// setForwarded points out at its target and sets what ALB adds to a
// forwarded request: the Host port, X-Forwarded-For/Proto/Port and
// X-Amzn-Trace-Id. remote, prior and traceIn are the client's address,
// X-Forwarded-For and X-Amzn-Trace-Id.
func (d *listenerData) setForwarded(st *proxyState, out *http.Request, remote string, prior []string, traceIn string) {
	out.URL.Scheme = st.scheme
	out.URL.Host = st.addr
	set := d.lb.settings.Load()
	meta := st.meta
	// Without routing.http.preserve_host_header, ALB appends the listener
	// port to a Host header that has none (unless it is the scheme's
	// default port).
	if !set.preserveHost && out.Host != "" && !hasPort(out.Host) &&
		!(meta.scheme == "http" && meta.port == 80) && !(meta.scheme == "https" && meta.port == 443) {
		out.Host = out.Host + ":" + meta.portVals[0]
	}
	switch set.xffMode {
	case "preserve":
		if prior != nil {
			out.Header["X-Forwarded-For"] = prior
		}
	case "remove":
	default: // append
		client := r2client(remote, set.xffPort)
		if len(prior) > 0 {
			client = strings.Join(prior, ", ") + ", " + client
		}
		out.Header["X-Forwarded-For"] = []string{client}
	}
	out.Header["X-Forwarded-Proto"] = meta.protoVal
	out.Header["X-Forwarded-Port"] = meta.portVals
	out.Header["X-Amzn-Trace-Id"] = []string{traceHeader(traceIn, st.start)}
}

func hasPort(host string) bool {
	i := strings.LastIndexByte(host, ':')
	return i >= 0 && !strings.Contains(host[i:], "]")
}

// r2client is the client address for X-Forwarded-For: the IP, with the
// port when routing.http.xff_client_port.enabled is set.
func r2client(remote string, withPort bool) string {
	if withPort {
		return remote
	}
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		return remote
	}
	return host
}

// traceHeader returns the X-Amzn-Trace-Id ALB forwards: a new
// Root=1-<epoch hex>-<24 hex> when the request has no Root field,
// otherwise the request's fields with a new Self field first (replacing
// an existing Self).
func traceHeader(in string, now time.Time) string {
	var buf [128]byte
	b := buf[:0]
	if in == "" {
		b = append(b, "Root="...)
		return string(appendTraceID(b, now))
	}
	if !strings.Contains(in, "Root=") {
		b = append(b, "Root="...)
		b = appendTraceID(b, now)
		b = append(b, ';')
		return string(append(b, in...))
	}
	b = append(b, "Self="...)
	b = appendTraceID(b, now)
	for f := range strings.SplitSeq(in, ";") {
		f = strings.TrimSpace(f)
		if f == "" || strings.HasPrefix(f, "Self=") {
			continue
		}
		b = append(b, ';')
		b = append(b, f...)
	}
	return string(b)
}

const hexDigits = "0123456789abcdef"

// appendTraceID appends 1-<8 hex digits of epoch seconds>-<24 random hex
// digits>.
func appendTraceID(b []byte, now time.Time) []byte {
	var buf [35]byte
	buf[0], buf[1] = '1', '-'
	sec := uint32(now.Unix())
	for i := 7; i >= 0; i-- {
		buf[2+i] = hexDigits[sec&0xf]
		sec >>= 4
	}
	buf[10] = '-'
	a, c := rand.Uint64(), rand.Uint32()
	for i := range 16 {
		buf[11+i] = hexDigits[a&0xf]
		a >>= 4
	}
	for i := range 8 {
		buf[27+i] = hexDigits[c&0xf]
		c >>= 4
	}
	return append(b, buf[:]...)
}

// Stickiness cookies, as ALB names them.
const (
	cookieTarget     = "AWSALB"
	cookieTargetCORS = "AWSALBCORS"
	cookieGroup      = "AWSALBTG"
	cookieGroupCORS  = "AWSALBTGCORS"
)

func (d *listenerData) modifyResponse(resp *http.Response) error {
	d.recordResponse(resp.Request.Context().Value(stateKey{}).(*proxyState), resp)
	return nil
}

// recordResponse counts a target's response and sets the stickiness
// cookies.
func (d *listenerData) recordResponse(st *proxyState, resp *http.Response) {
	st.g.pm.status(resp.StatusCode)
	st.g.pm.rt.add(time.Since(st.start).Microseconds())
	if st.sticky {
		exp := time.Now().Add(st.stickTTL).UTC().Format(http.TimeFormat)
		resp.Header.Add("Set-Cookie", cookieTarget+"="+st.b.cookie+"; Expires="+exp+"; Path=/")
		resp.Header.Add("Set-Cookie", cookieTargetCORS+"="+st.b.cookie+"; Expires="+exp+"; Path=/; SameSite=None")
	}
	if st.f.sticky {
		exp := time.Now().Add(time.Duration(st.f.stickyTTL) * time.Second).UTC().Format(http.TimeFormat)
		resp.Header.Add("Set-Cookie", cookieGroup+"="+st.g.cookie+"; Expires="+exp+"; Path=/")
		resp.Header.Add("Set-Cookie", cookieGroupCORS+"="+st.g.cookie+"; Expires="+exp+"; Path=/; SameSite=None")
	}
}

func (d *listenerData) errorHandler(w http.ResponseWriter, r *http.Request, err error) {
	st, _ := r.Context().Value(stateKey{}).(*proxyState)
	d.proxyFailed(w, st, proxyErrorStatus(r, err), err)
}

// proxyFailed answers a request that could not be forwarded with status
// (proxyErrorStatus) and counts target connection errors.
func (d *listenerData) proxyFailed(w http.ResponseWriter, st *proxyState, status int, err error) {
	if st != nil && status == http.StatusBadGateway && isConnError(err) {
		st.g.pm.connErrors.Add(1)
	}
	d.elbError(w, status)
}

// proxyErrorStatus maps an error from forwarding a request to the status
// ALB answers with. Every proxy error goes through here.
func proxyErrorStatus(r *http.Request, err error) int {
	switch {
	case r.Context().Err() != nil:
		// The client closed the connection before the target answered:
		// ALB logs 460 (nobody is left to read it).
		return 460
	case errors.Is(err, context.DeadlineExceeded), isTimeout(err):
		// No response within the idle timeout, or the connection to the
		// target could not be made in time: 504 Gateway Timeout.
		return http.StatusGatewayTimeout
	default:
		// Refused or reset connections, a target that closed the
		// connection, a malformed response: 502 Bad Gateway.
		return http.StatusBadGateway
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func isConnError(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial" || errors.Is(err, syscall.ECONNREFUSED)
}

// elbError writes a response generated by the load balancer itself, with
// ALB's page and headers, and counts it.
func (d *listenerData) elbError(w http.ResponseWriter, status int) {
	m := &d.lb.m
	switch {
	case status >= 500:
		m.elb5xx.Add(1)
		switch status {
		case 500:
			m.elb500.Add(1)
		case 502:
			m.elb502.Add(1)
		case 503:
			m.elb503.Add(1)
		case 504:
			m.elb504.Add(1)
		}
	case status >= 400:
		m.elb4xx.Add(1)
	}
	if status == 460 {
		return // the client is gone
	}
	text := http.StatusText(status)
	title := strconv.Itoa(status)
	if text != "" {
		title += " " + text
	}
	body := "<html>\r\n<head><title>" + title + "</title></head>\r\n<body>\r\n<center><h1>" + title + "</h1></center>\r\n</body>\r\n</html>\r\n"
	h := w.Header()
	h.Set("Server", "awselb/2.0")
	h.Set("Content-Type", "text/html")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	io.WriteString(w, body)
}

func (d *listenerData) writeFixed(w http.ResponseWriter, f *fixedAction) {
	m := &d.lb.m
	m.fixed.Add(1)
	switch f.status / 100 {
	case 4:
		m.elb4xx.Add(1)
	case 5:
		m.elb5xx.Add(1)
	}
	h := w.Header()
	h.Set("Server", "awselb/2.0")
	h.Set("Content-Type", f.contentType)
	h.Set("Content-Length", strconv.Itoa(len(f.body)))
	w.WriteHeader(f.status)
	w.Write(f.body)
}

func (d *listenerData) writeRedirect(w http.ResponseWriter, r *http.Request, rc *RedirectConfig) {
	d.lb.m.redirect.Add(1)
	meta := d.meta.Load()
	status := http.StatusMovedPermanently
	if rc.StatusCode == "HTTP_302" {
		status = http.StatusFound
	}
	title := strconv.Itoa(status) + " " + http.StatusText(status)
	body := "<html>\r\n<head><title>" + title + "</title></head>\r\n<body>\r\n<center><h1>" + title + "</h1></center>\r\n</body>\r\n</html>\r\n"
	h := w.Header()
	h.Set("Server", "awselb/2.0")
	h.Set("Location", redirectLocation(rc, r, meta.protocol, meta.port))
	h.Set("Content-Type", "text/html")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	io.WriteString(w, body)
}
