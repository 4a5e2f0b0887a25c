package elbv2

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// rawConn opens a client connection to a listener for hand-written
// requests.
func rawConn(t *testing.T, base string) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(10 * time.Second))
	return c, bufio.NewReader(c)
}

func readResp(t *testing.T, br *bufio.Reader, method string) (*http.Response, string) {
	t.Helper()
	resp, err := http.ReadResponse(br, &http.Request{Method: method})
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp, string(body)
}

// TestFastPathHTTP11 covers the fast path's HTTP/1.1 handling: request
// bodies (length and chunked), streamed chunked responses flushed as they
// come, trailers, HEAD, pipelining, Connection: close, hop-by-hop and
// forwarding headers.
func TestFastPathHTTP11(t *testing.T) {
	f := newFixture(t)
	lb := f.lb("fast")
	tg := f.tg("fast")
	step := make(chan struct{})
	be := newBackend(t, "fast", func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/echo":
			body, _ := io.ReadAll(r.Body)
			w.Header().Set("X-Method", r.Method)
			w.Header().Set("X-Te", strings.Join(r.TransferEncoding, ","))
			w.Header().Set("X-Hop", r.Header.Get("X-Hop")+"|"+r.Header.Get("Keep-Alive")+"|"+r.Header.Get("X-Forwarded-Host"))
			w.Header().Set("X-Query", r.URL.RawQuery)
			w.Header().Set("X-Ua", r.Header.Get("User-Agent"))
			w.Write(body)
		case "/stream":
			w.Header().Set("Trailer", "X-Sum")
			io.WriteString(w, "first\n")
			w.(http.Flusher).Flush()
			<-step // the first part must reach the client before this
			io.WriteString(w, "second\n")
			w.Header().Set("X-Sum", "42")
		case "/head":
			w.Header().Set("Content-Length", "5")
		default:
			io.WriteString(w, "ok")
		}
	})
	f.register(tg.ARN, be)
	_, base := f.listener(lb.ARN, 80, forward(tg.ARN))
	f.waitHealthy(tg.ARN)
	c, br := rawConn(t, base)

	// A request body with Content-Length, and hop-by-hop headers.
	io.WriteString(c, "POST /echo?a=1&b=2;c=3 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: keep-alive, X-Hop\r\nX-Hop: drop\r\nKeep-Alive: timeout=5\r\nX-Forwarded-Host: evil\r\n\r\nhello")
	resp, body := readResp(t, br, "POST")
	if resp.StatusCode != 200 || body != "hello" || resp.Header.Get("X-Method") != "POST" {
		t.Fatalf("post: %d %q %v", resp.StatusCode, body, resp.Header)
	}
	if got := resp.Header.Get("X-Hop"); got != "||" {
		t.Fatalf("hop-by-hop or X-Forwarded-Host headers forwarded: %q", got)
	}
	if got := resp.Header.Get("X-Query"); got != "a=1" {
		t.Fatalf("query with a semicolon not cleaned: %q", got)
	}
	if got := resp.Header.Get("X-Ua"); got != "" {
		t.Fatalf("a user agent was added: %q", got)
	}

	// A chunked request body.
	io.WriteString(c, "PUT /echo HTTP/1.1\r\nHost: x\r\nUser-Agent: raw\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n")
	resp, body = readResp(t, br, "PUT")
	if resp.StatusCode != 200 || body != "abcdefg" || resp.Header.Get("X-Te") != "chunked" || resp.Header.Get("X-Ua") != "raw" {
		t.Fatalf("chunked request: %d %q %v", resp.StatusCode, body, resp.Header)
	}

	// A streamed response: the first chunk arrives before the target
	// writes the second; the trailer follows the body.
	io.WriteString(c, "GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(br, &http.Request{Method: "GET"})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.TransferEncoding) == 0 || resp.TransferEncoding[0] != "chunked" {
		t.Fatalf("stream not chunked: %v %v", resp.TransferEncoding, resp.Header)
	}
	line, err := bufio.NewReader(resp.Body).ReadString('\n')
	if err != nil || line != "first\n" {
		t.Fatalf("first part: %q %v", line, err)
	}
	close(step)
	rest, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(rest) != "second\n" || resp.Trailer.Get("X-Sum") != "42" {
		t.Fatalf("rest %q trailer %v", rest, resp.Trailer)
	}

	// HEAD: headers only. Then two pipelined requests, the second asking
	// to close.
	io.WriteString(c, "HEAD /head HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, body = readResp(t, br, "HEAD")
	if resp.StatusCode != 200 || body != "" || resp.ContentLength != 5 {
		t.Fatalf("head: %d %q %d", resp.StatusCode, body, resp.ContentLength)
	}
	io.WriteString(c, "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	for i := range 2 {
		resp, body = readResp(t, br, "GET")
		if resp.StatusCode != 200 || body != "ok" || resp.Header.Get("Date") == "" {
			t.Fatalf("pipelined %d: %d %q %v", i, resp.StatusCode, body, resp.Header)
		}
		if i == 1 && !resp.Close {
			t.Fatal("no Connection: close")
		}
	}
	if _, err := br.ReadByte(); err != io.EOF {
		t.Fatalf("connection left open after Connection: close: %v", err)
	}
}

// TestFastPathHandOff checks requests the fast path leaves to net/http:
// HTTP/1.0, Expect: 100-continue, a huge head, a malformed request; and
// that a connection keeps working after it was handed off.
func TestFastPathHandOff(t *testing.T) {
	f := newFixture(t)
	lb := f.lb("handoff")
	tg := f.tg("handoff")
	be := newBackend(t, "b", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		io.WriteString(w, r.Method+" "+string(body))
	})
	f.register(tg.ARN, be)
	_, base := f.listener(lb.ARN, 80, forward(tg.ARN))
	f.waitHealthy(tg.ARN)

	c, br := rawConn(t, base)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if resp, body := readResp(t, br, "GET"); resp.StatusCode != 200 || body != "GET " {
		t.Fatalf("first: %d %q", resp.StatusCode, body)
	}
	io.WriteString(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != 100 {
		t.Fatalf("100 continue: %v %v", resp, err)
	}
	io.WriteString(c, "data")
	if resp, body := readResp(t, br, "POST"); resp.StatusCode != 200 || body != "POST data" {
		t.Fatalf("after continue: %d %q", resp.StatusCode, body)
	}
	big := strings.Repeat("v", 8000)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: "+big+"\r\n\r\n")
	if resp, body := readResp(t, br, "GET"); resp.StatusCode != 200 || body != "GET " {
		t.Fatalf("big head: %d %q", resp.StatusCode, body)
	}

	c2, br2 := rawConn(t, base)
	io.WriteString(c2, "GET / HTTP/1.0\r\nHost: x\r\n\r\n")
	if resp, body := readResp(t, br2, "GET"); resp.StatusCode != 200 || body != "GET " {
		t.Fatalf("HTTP/1.0: %d %q", resp.StatusCode, body)
	}

	for _, bad := range []string{
		"GET / HTTP/1.1\r\n\r\n",                           // no Host
		"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",     // two
		"GET / HTTP/1.1\r\nHost: x\r\nBad Name: v\r\n\r\n", // invalid field name
		"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: x\r\n\r\n",
	} {
		c, br := rawConn(t, base)
		io.WriteString(c, bad)
		resp, err := http.ReadResponse(br, nil)
		if err != nil || resp.StatusCode != 400 {
			t.Errorf("%q: %v %v", bad, resp, err)
		}
	}
}
