package elbv2

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// targetTransport is the load balancer's HTTP/1.1 client to its targets:
// keep-alive connections pooled per target address, and a round trip that
// runs entirely on the calling goroutine (write the request, read the
// response headers). net/http.Transport hands every request to a writer
// and a reader goroutine per connection; on a small machine those context
// switches cost about a fifth of a proxied request's CPU time, so the
// proxy (still httputil.ReverseProxy) uses this RoundTripper instead.
//
// What it does not do, because targets of an Application Load Balancer
// are HTTP/1.1 servers on the same network: HTTP/2, proxies, compression,
// cookies, redirects. A request body is written in full before the
// response is read.
type targetTransport struct {
	// headerTimeout bounds the wait for response headers (the load
	// balancer's idle timeout, ALB's 504).
	headerTimeout time.Duration
	dialer        net.Dialer
	tlsConfig     *tls.Config

	mu     sync.Mutex
	idle   map[string][]*targetConn // by host:port (plain HTTP)
	idleS  map[string][]*targetConn // by host:port (HTTPS)
	closed bool
}

const (
	maxIdlePerTarget = 1024
	idleConnTimeout  = 90 * time.Second
	// probeAfter: a connection idle longer than this is checked for a
	// close from the target before reuse (servers commonly drop idle
	// keep-alive connections after 5 s or more).
	probeAfter = time.Second
)

func newTargetTransport(headerTimeout time.Duration) *targetTransport {
	return &targetTransport{
		headerTimeout: headerTimeout,
		dialer:        net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}, // ALB's target connection timeout
		tlsConfig:     &tls.Config{InsecureSkipVerify: true},                              // ALB does not verify target certificates
		idle:          map[string][]*targetConn{},
		idleS:         map[string][]*targetConn{},
	}
}

type targetConn struct {
	t         *targetTransport
	host      string
	tls       bool
	c         net.Conn
	br        *bufio.Reader
	bw        *bufio.Writer
	idleSince time.Time
}

func (t *targetTransport) pool(tlsConn bool) map[string][]*targetConn {
	if tlsConn {
		return t.idleS
	}
	return t.idle
}

// get returns an idle connection to host, or nil.
func (t *targetTransport) get(host string, tlsConn bool) *targetConn {
	for {
		t.mu.Lock()
		p := t.pool(tlsConn)
		list := p[host]
		if len(list) == 0 {
			t.mu.Unlock()
			return nil
		}
		pc := list[len(list)-1]
		list[len(list)-1] = nil
		p[host] = list[:len(list)-1]
		t.mu.Unlock()
		if time.Since(pc.idleSince) < probeAfter || pc.alive() {
			return pc
		}
		pc.c.Close()
	}
}

// alive reports whether an idle connection is still open: the target has
// neither closed it nor sent anything unasked.
func (pc *targetConn) alive() bool {
	if pc.br.Buffered() > 0 {
		return false
	}
	c := pc.c
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	return connAlive(c)
}

func (t *targetTransport) put(pc *targetConn) {
	now := time.Now()
	pc.idleSince = now
	t.mu.Lock()
	p := t.pool(pc.tls)
	list := p[pc.host]
	// The oldest idle connection is at the bottom; retire it once it has
	// been idle too long.
	if len(list) > 0 && now.Sub(list[0].idleSince) > idleConnTimeout {
		list[0].c.Close()
		list = list[1:]
	}
	if t.closed || len(list) >= maxIdlePerTarget {
		p[pc.host] = list
		t.mu.Unlock()
		pc.c.Close()
		return
	}
	p[pc.host] = append(list, pc)
	t.mu.Unlock()
}

// CloseIdleConnections closes every idle connection; in-use ones are
// closed when their response ends.
func (t *targetTransport) CloseIdleConnections() {
	t.mu.Lock()
	var all []*targetConn
	for _, p := range []map[string][]*targetConn{t.idle, t.idleS} {
		for h, list := range p {
			all = append(all, list...)
			delete(p, h)
		}
	}
	t.mu.Unlock()
	for _, pc := range all {
		pc.c.Close()
	}
}

// close retires the transport: idle connections close now, busy ones
// when their response ends.
func (t *targetTransport) close() {
	t.mu.Lock()
	t.closed = true
	t.mu.Unlock()
	t.CloseIdleConnections()
}

func (t *targetTransport) dial(ctx context.Context, host string, tlsConn bool) (*targetConn, error) {
	c, err := t.dialer.DialContext(ctx, "tcp", host)
	if err != nil {
		return nil, err
	}
	if tlsConn {
		tc := tls.Client(c, t.tlsConfig)
		if err := tc.HandshakeContext(ctx); err != nil {
			c.Close()
			return nil, err
		}
		c = tc
	}
	return &targetConn{t: t, host: host, tls: tlsConn, c: c, br: bufio.NewReaderSize(c, 4096), bw: bufio.NewWriterSize(c, 4096)}, nil
}

// writeError marks a failure before the request was fully sent.
type writeError struct{ err error }

func (e *writeError) Error() string { return e.err.Error() }
func (e *writeError) Unwrap() error { return e.err }

func (t *targetTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	host, tlsConn := req.URL.Host, req.URL.Scheme == "https"
	for attempt := 0; ; attempt++ {
		pc := t.get(host, tlsConn)
		reused := pc != nil
		if pc == nil {
			var err error
			if pc, err = t.dial(ctx, host, tlsConn); err != nil {
				return nil, err
			}
		}
		resp, err := pc.roundTrip(req)
		if err == nil {
			return resp, nil
		}
		pc.c.Close()
		// A reused connection the target had already closed: send the
		// request again on a new one when that is safe — nothing was
		// delivered, or the request can be replayed.
		if reused && attempt < 3 && ctx.Err() == nil && retryable(req, err) {
			continue
		}
		return nil, err
	}
}

func retryable(req *http.Request, err error) bool {
	var we *writeError
	if errors.As(err, &we) && (req.Body == nil || req.Body == http.NoBody) {
		return true
	}
	if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, syscall.ECONNRESET) && !errors.Is(err, syscall.EPIPE) {
		return false
	}
	if req.Body != nil && req.Body != http.NoBody {
		return false
	}
	switch req.Method {
	case "GET", "HEAD", "OPTIONS", "TRACE":
		return true
	}
	return req.Header["Idempotency-Key"] != nil || req.Header["X-Idempotency-Key"] != nil
}

func (pc *targetConn) roundTrip(req *http.Request) (*http.Response, error) {
	if err := req.Write(pc.bw); err != nil {
		return nil, &writeError{err}
	}
	if err := pc.bw.Flush(); err != nil {
		return nil, &writeError{err}
	}
	// A client that goes away does not abort the target's request: as in
	// ALB, the target's response is awaited (up to the idle timeout) and
	// then discarded, and the request is logged as 460.
	if pc.t.headerTimeout > 0 {
		pc.c.SetReadDeadline(time.Now().Add(pc.t.headerTimeout))
	}
	resp, err := http.ReadResponse(pc.br, req)
	// Interim responses (100 Continue, 103 Early Hints) are not relayed.
	for err == nil && resp.StatusCode >= 100 && resp.StatusCode < 200 && resp.StatusCode != http.StatusSwitchingProtocols {
		resp, err = http.ReadResponse(pc.br, req)
	}
	if err != nil {
		return nil, err
	}
	if pc.t.headerTimeout > 0 {
		pc.c.SetReadDeadline(time.Time{})
	}
	if resp.StatusCode == http.StatusSwitchingProtocols {
		// ReverseProxy needs a read-write body to splice an upgraded
		// connection (WebSocket).
		resp.Body = &upgradeBody{pc: pc}
		return resp, nil
	}
	resp.Body = &targetBody{rc: resp.Body, pc: pc, reuse: !resp.Close && !req.Close}
	return resp, nil
}

// targetBody returns its connection to the pool when the body has been
// read to the end, and closes it when the body is abandoned.
type targetBody struct {
	rc    io.ReadCloser
	pc    *targetConn
	reuse bool
	done  atomic.Bool
}

func (b *targetBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if err == io.EOF && b.done.CompareAndSwap(false, true) {
		if b.reuse {
			b.pc.t.put(b.pc)
		} else {
			b.pc.c.Close()
		}
	}
	return n, err
}

func (b *targetBody) Close() error {
	if b.done.CompareAndSwap(false, true) {
		b.pc.c.Close()
	}
	return nil
}

type upgradeBody struct {
	pc   *targetConn
	once sync.Once
}

func (b *upgradeBody) Read(p []byte) (int, error)  { return b.pc.br.Read(p) }
func (b *upgradeBody) Write(p []byte) (int, error) { return b.pc.c.Write(p) }
func (b *upgradeBody) Close() error {
	b.once.Do(func() { b.pc.c.Close() })
	return nil
}
