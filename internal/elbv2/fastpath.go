package elbv2

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The HTTP/1.1 fast path. A plain-HTTP listener accepts its connections
// itself and serves ordinary HTTP/1.1 requests on them without net/http's
// server and httputil.ReverseProxy: read a request (http.ReadRequest),
// route it, rewrite it in place, send it to the target (targetTransport),
// write the response. That skips what a proxy does not need per request —
// the server's background read goroutine and its deadline juggling, a
// cancelable context, the clone of the request and its headers — which
// was most of the load balancer's own CPU time per request.
//
// Anything else goes to the listener's http.Server, which keeps the
// connection from then on: h2c (HTTP/2 with prior knowledge), HTTP/1.0,
// upgrades (WebSocket), Expect: 100-continue, request heads that do not
// fit the read buffer, and heads with anything net/http would reject or
// treat specially (obsolete line folding, bare LF line ends, control
// characters, a missing or repeated Host). The hand-off happens at a
// request boundary, before anything of the request is consumed.
// HTTPS listeners use the http.Server alone.

// fastServer accepts a plain-HTTP listener's connections.
type fastServer struct {
	d       *listenerData
	m       *lbCounters
	ln      net.Listener
	handoff *handoffListener

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
}

func newFastServer(d *listenerData, ln net.Listener) *fastServer {
	return &fastServer{d: d, m: &d.lb.m, ln: ln, handoff: newHandoffListener(ln.Addr()),
		conns: map[net.Conn]struct{}{}}
}

// serve accepts connections until the listener is closed.
func (s *fastServer) serve() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			s.mu.Lock()
			closed := s.closed
			s.mu.Unlock()
			if closed {
				return
			}
			time.Sleep(5 * time.Millisecond) // out of file descriptors, and the like
			continue
		}
		if !s.track(c) {
			c.Close()
			return
		}
		s.m.newConns.Add(1)
		s.m.openConns.Add(1)
		go s.serveConn(c)
	}
}

func (s *fastServer) track(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.conns[c] = struct{}{}
	return true
}

func (s *fastServer) untrack(c net.Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// close stops accepting and cuts the connections the fast path is
// serving (the http.Server closes those it was handed).
func (s *fastServer) close() {
	s.mu.Lock()
	s.closed = true
	conns := s.conns
	s.conns = map[net.Conn]struct{}{}
	s.mu.Unlock()
	s.ln.Close()
	s.handoff.Close()
	for c := range conns {
		c.Close()
	}
}

// fastConn is one client connection on the fast path.
type fastConn struct {
	s      *fastServer
	raw    net.Conn // the TCP connection (liveness probe)
	c      net.Conn // raw, counting bytes
	br     *bufio.Reader
	bw     *bufio.Writer
	remote string
	// closeAfter: the connection closes after the current response.
	closeAfter bool
	st         proxyState
	rw         fastResponse
}

func (s *fastServer) serveConn(raw net.Conn) {
	c := &countingConn{Conn: raw, m: s.m}
	fc := &fastConn{s: s, raw: raw, c: c, remote: raw.RemoteAddr().String(),
		br: bufio.NewReaderSize(c, 4096), bw: bufio.NewWriterSize(c, 4096)}
	fc.rw.fc = fc
	handedOff := fc.loop()
	s.untrack(raw)
	if handedOff {
		return
	}
	raw.Close()
	s.m.openConns.Add(-1)
}

// loop serves requests until the connection ends (false) or is handed to
// the http.Server (true).
func (fc *fastConn) loop() bool {
	for {
		if idle := fc.s.d.lb.settings.Load().idleTimeout; idle > 0 {
			fc.raw.SetReadDeadline(time.Now().Add(idle))
		}
		ok, handoff := fc.scanHead()
		if handoff {
			return fc.s.handoff.give(&handoffConn{Conn: fc.c, br: fc.br})
		}
		if !ok {
			return false
		}
		req, err := http.ReadRequest(fc.br)
		if err != nil {
			fc.bw.WriteString("HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request")
			fc.bw.Flush()
			return false
		}
		if req.Body != http.NoBody {
			// A body may take longer than the idle timeout to arrive.
			fc.raw.SetReadDeadline(time.Time{})
		}
		req.RemoteAddr = fc.remote
		fc.closeAfter = req.Close
		fc.rw.reset()
		body := req.Body
		fc.s.d.handle(&fc.rw, req, fc)
		if !fc.rw.done {
			// Nothing was answered (the client is gone, 460).
			return false
		}
		if body != http.NoBody && !drainBody(body) {
			return false
		}
		if fc.closeAfter {
			return false
		}
	}
}

// maxDrain is how much of a request body the target left unread is
// discarded to keep the connection (net/http's server does the same).
const maxDrain = 256 << 10

// drainBody discards what is left of a request body and reports whether
// the connection can carry another request.
func drainBody(body io.ReadCloser) bool {
	_, err := io.CopyN(io.Discard, body, maxDrain)
	body.Close()
	return err == io.EOF || errors.Is(err, http.ErrBodyReadAfterClose)
}

// scanHead waits for the next request head and checks that the fast path
// can serve it. ok false: the connection is over (closed, idle timeout).
func (fc *fastConn) scanHead() (ok, handoff bool) {
	br := fc.br
	if _, err := br.Peek(1); err != nil {
		return false, false
	}
	for {
		buf, _ := br.Peek(br.Buffered())
		if end := headEnd(buf); end >= 0 {
			return true, !plainHead(buf[:end])
		} else if end == -2 {
			return true, true // bare LF line ends
		}
		if br.Buffered() >= br.Size() {
			return true, true // a head larger than the buffer
		}
		if _, err := br.Peek(br.Buffered() + 1); err != nil {
			return false, false
		}
	}
}

// headEnd is the length of the head up to its last CRLF (the blank line
// excluded), -1 when incomplete, -2 when a line ends in a bare LF.
func headEnd(buf []byte) int {
	for i := 0; i < len(buf); i++ {
		if buf[i] != '\n' {
			continue
		}
		if i == 0 || buf[i-1] != '\r' {
			return -2
		}
		// buf[i-1:i+1] is CRLF; a blank line follows?
		if i+2 < len(buf) && buf[i+1] == '\r' && buf[i+2] == '\n' {
			return i + 1
		}
		if i+1 < len(buf) && buf[i+1] == '\n' {
			return -2
		}
	}
	return -1
}

// plainHead reports whether a request head (CRLF-terminated lines) is an
// ordinary HTTP/1.1 request the fast path serves: exactly one Host, no
// Upgrade or Expect, no line folding, no control characters.
func plainHead(head []byte) bool {
	line, rest, _ := cutCRLF(head)
	if len(line) < len("GET / HTTP/1.1") || !strings.HasSuffix(string(line), " HTTP/1.1") ||
		strings.HasPrefix(string(line), "PRI ") || !printable(line) {
		return false
	}
	hosts := 0
	for len(rest) > 0 {
		line, rest, _ = cutCRLF(rest)
		if len(line) == 0 || line[0] == ' ' || line[0] == '\t' || !printable(line) {
			return false
		}
		colon := strings.IndexByte(string(line), ':')
		if colon <= 0 || !isToken(line[:colon]) {
			return false
		}
		switch name := line[:colon]; len(name) {
		case 4:
			if asciiEqualFold(name, "host") {
				hosts++
			}
		case 6:
			if asciiEqualFold(name, "expect") {
				return false
			}
		case 7:
			if asciiEqualFold(name, "upgrade") {
				return false
			}
		}
	}
	return hosts == 1
}

func cutCRLF(b []byte) (line, rest []byte, ok bool) {
	for i := 0; i+1 < len(b); i++ {
		if b[i] == '\r' && b[i+1] == '\n' {
			return b[:i], b[i+2:], true
		}
	}
	return b, nil, false
}

// printable: no control characters other than horizontal tab.
func printable(b []byte) bool {
	for _, c := range b {
		if c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// isToken: a valid header field name (RFC 9110 token characters).
func isToken(b []byte) bool {
	for _, c := range b {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}

func asciiEqualFold(b []byte, lower string) bool {
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// forward sends a routed request to its target and relays the response.
// The request is rewritten in place, as httputil.ReverseProxy (Rewrite)
// and rewrite() would produce it.
func (fc *fastConn) forward(st *proxyState, in *http.Request) {
	d := st.d
	h := in.Header
	prior := h["X-Forwarded-For"]
	var traceIn string
	if v := h["X-Amzn-Trace-Id"]; len(v) > 0 {
		traceIn = v[0]
	}
	trailers := headerHasToken(h["Te"], "trailers")
	removeHopByHop(h)
	delete(h, "Forwarded")
	delete(h, "X-Forwarded-For")
	delete(h, "X-Forwarded-Host")
	delete(h, "X-Forwarded-Proto")
	if trailers {
		h["Te"] = []string{"trailers"}
	}
	if _, ok := h["User-Agent"]; !ok {
		h["User-Agent"] = []string{""} // no Go default User-Agent
	}
	in.URL.RawQuery = cleanQuery(in.URL.RawQuery)
	in.Close = false
	if in.ContentLength == 0 {
		in.Body = nil
	} else {
		// The transport closes the body it sent; the connection drains
		// what the target left unread (loop), within limits.
		in.Body = &noCloseBody{r: in.Body}
	}
	d.setForwarded(st, in, in.RemoteAddr, prior, traceIn)

	resp, err := d.lb.RoundTrip(in)
	if err != nil {
		status := proxyErrorStatus(in, err)
		if fc.clientGone() {
			status = 460
		}
		d.proxyFailed(&fc.rw, st, status, err)
		return
	}
	d.recordResponse(st, resp)
	if resp.StatusCode == http.StatusSwitchingProtocols {
		// No upgrade was asked for (those go to the http.Server).
		resp.Body.Close()
		d.proxyFailed(&fc.rw, st, http.StatusBadGateway, errors.New("target switched protocols unasked"))
		return
	}
	removeHopByHop(resp.Header)
	fc.rw.done = true
	if !fc.writeResponse(in, resp) {
		fc.closeAfter = true
	}
}

// clientGone reports whether the client has closed its connection (the
// request ends as 460): a non-blocking peek reads end of file.
func (fc *fastConn) clientGone() bool {
	if fc.br.Buffered() > 0 {
		return false
	}
	fc.raw.SetReadDeadline(time.Time{})
	return clientClosed(fc.raw)
}

type noCloseBody struct{ r io.Reader }

func (b *noCloseBody) Read(p []byte) (int, error) { return b.r.Read(p) }
func (b *noCloseBody) Close() error               { return nil }

// writeResponse relays the target's response; false when the connection
// cannot carry another request (a write failed, or the target's body
// ended early).
func (fc *fastConn) writeResponse(req *http.Request, resp *http.Response) bool {
	bw := fc.bw
	code := resp.StatusCode
	bodyAllowed := req.Method != "HEAD" && code >= 200 && code != 204 && code != 304
	chunked := bodyAllowed && resp.ContentLength < 0
	flush := resp.ContentLength < 0 || isEventStream(resp.Header)
	writeStatusLine(bw, code)
	h := resp.Header
	if chunked && len(resp.Trailer) > 0 {
		keys := make([]string, 0, len(resp.Trailer))
		for k := range resp.Trailer {
			keys = append(keys, k)
		}
		h["Trailer"] = []string{strings.Join(keys, ", ")}
	}
	h.Write(bw)
	if bodyAllowed && resp.ContentLength >= 0 && h["Content-Length"] == nil {
		bw.WriteString("Content-Length: ")
		bw.WriteString(strconv.FormatInt(resp.ContentLength, 10))
		bw.WriteString("\r\n")
	}
	fc.endHead(h)
	if chunked {
		bw.WriteString("Transfer-Encoding: chunked\r\n")
	}
	bw.WriteString("\r\n")

	buf := bufPool.Get()
	defer bufPool.Put(buf)
	var n int64
	var werr error
	for {
		k, err := resp.Body.Read(buf)
		if k > 0 && bodyAllowed && werr == nil {
			n += int64(k)
			if chunked {
				bw.WriteString(strconv.FormatInt(int64(k), 16))
				bw.WriteString("\r\n")
				bw.Write(buf[:k])
				_, werr = bw.WriteString("\r\n")
			} else {
				_, werr = bw.Write(buf[:k])
			}
			if flush && werr == nil {
				werr = bw.Flush()
			}
			if werr != nil {
				break // the client is gone; Close below drops the target connection
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			// The target's body broke off: cut the client's response too.
			resp.Body.Close()
			bw.Flush()
			return false
		}
	}
	resp.Body.Close()
	if werr != nil {
		return false
	}
	if chunked {
		bw.WriteString("0\r\n")
		resp.Trailer.Write(bw)
		bw.WriteString("\r\n")
	}
	if err := bw.Flush(); err != nil {
		return false
	}
	return !bodyAllowed || resp.ContentLength < 0 || n == resp.ContentLength
}

// endHead adds what the server adds to every response head: Date when
// the response has none, and Connection: close when the connection ends
// after it.
func (fc *fastConn) endHead(h http.Header) {
	if h["Date"] == nil {
		fc.bw.WriteString("Date: ")
		fc.bw.WriteString(httpDate())
		fc.bw.WriteString("\r\n")
	}
	if fc.closeAfter {
		fc.bw.WriteString("Connection: close\r\n")
	}
}

func writeStatusLine(bw *bufio.Writer, code int) {
	bw.WriteString("HTTP/1.1 ")
	bw.WriteString(strconv.Itoa(code))
	bw.WriteByte(' ')
	if text := http.StatusText(code); text != "" {
		bw.WriteString(text)
	} else {
		bw.WriteString("status code ")
		bw.WriteString(strconv.Itoa(code))
	}
	bw.WriteString("\r\n")
}

func isEventStream(h http.Header) bool {
	v := h["Content-Type"]
	if len(v) == 0 {
		return false
	}
	ct, _, _ := strings.Cut(v[0], ";")
	return strings.EqualFold(strings.TrimSpace(ct), "text/event-stream")
}

// dateCache is the Date header value, formatted once a second.
var dateCache atomic.Pointer[cachedDate]

type cachedDate struct {
	sec int64
	s   string
}

func httpDate() string {
	now := time.Now()
	if c := dateCache.Load(); c != nil && c.sec == now.Unix() {
		return c.s
	}
	c := &cachedDate{sec: now.Unix(), s: now.UTC().Format(http.TimeFormat)}
	dateCache.Store(c)
	return c.s
}

// hopHeaders are the hop-by-hop headers a proxy does not forward
// (RFC 9110 section 7.6.1), in canonical form.
var hopHeaders = []string{"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate",
	"Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade"}

// removeHopByHop deletes the hop-by-hop headers and those the Connection
// header names.
func removeHopByHop(h http.Header) {
	for _, v := range h["Connection"] {
		for f := range strings.SplitSeq(v, ",") {
			if f = strings.TrimSpace(f); f != "" {
				delete(h, http.CanonicalHeaderKey(f))
			}
		}
	}
	for _, k := range hopHeaders {
		delete(h, k)
	}
}

func headerHasToken(vals []string, token string) bool {
	for _, v := range vals {
		for f := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(f), token) {
				return true
			}
		}
	}
	return false
}

// cleanQuery drops what the target could parse differently from the load
// balancer: a query with a semicolon or a malformed escape is re-encoded
// from the parameters that parse (as httputil.ReverseProxy does).
func cleanQuery(q string) string {
	for i := 0; i < len(q); i++ {
		switch q[i] {
		case ';':
			return reencodeQuery(q)
		case '%':
			if i+2 >= len(q) || !isHex(q[i+1]) || !isHex(q[i+2]) {
				return reencodeQuery(q)
			}
		}
	}
	return q
}

func reencodeQuery(q string) string {
	v, _ := url.ParseQuery(q)
	return v.Encode()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// fastResponse is the ResponseWriter for what the load balancer answers
// itself on the fast path (error pages, fixed responses, redirects): the
// writers set Content-Length, so the head goes out as given.
type fastResponse struct {
	fc   *fastConn
	h    http.Header
	done bool // a response was written
}

func (w *fastResponse) reset() {
	w.done = false
	if w.h != nil {
		clear(w.h)
	}
}

func (w *fastResponse) Header() http.Header {
	if w.h == nil {
		w.h = http.Header{}
	}
	return w.h
}

func (w *fastResponse) WriteHeader(code int) {
	if w.done {
		return
	}
	w.done = true
	bw := w.fc.bw
	writeStatusLine(bw, code)
	h := w.Header()
	h.Write(bw)
	w.fc.endHead(h)
	bw.WriteString("\r\n")
}

func (w *fastResponse) Write(p []byte) (int, error) {
	if !w.done {
		w.WriteHeader(http.StatusOK)
	}
	n, err := w.fc.bw.Write(p)
	if err == nil {
		err = w.fc.bw.Flush()
	}
	if err != nil {
		w.fc.closeAfter = true
	}
	return n, err
}

// handoffListener gives connections to the listener's http.Server.
type handoffListener struct {
	ch   chan net.Conn
	done chan struct{}
	once sync.Once
	addr net.Addr
}

func newHandoffListener(addr net.Addr) *handoffListener {
	return &handoffListener{ch: make(chan net.Conn), done: make(chan struct{}), addr: addr}
}

func (l *handoffListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.ch:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *handoffListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *handoffListener) Addr() net.Addr { return l.addr }

// give hands c to the server; true once the server owns it.
func (l *handoffListener) give(c *handoffConn) bool {
	select {
	case l.ch <- c:
		return true
	case <-l.done:
		return false
	}
}

// handoffConn is a connection handed to the http.Server: it first reads
// what the fast path had buffered. Its open-connection count is already
// taken (ConnState skips StateNew for it).
type handoffConn struct {
	net.Conn
	br *bufio.Reader
}

func (c *handoffConn) Read(p []byte) (int, error) {
	if c.br != nil {
		if c.br.Buffered() > 0 {
			return c.br.Read(p)
		}
		c.br = nil
	}
	return c.Conn.Read(p)
}

// CloseWrite keeps half-close working for the HTTP server.
func (c *handoffConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}
