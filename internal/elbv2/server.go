package elbv2

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"strconv"
	"time"
)

// listenerServer is a bound listener: its socket and HTTP server.
type listenerServer struct {
	srv  *http.Server
	fast *fastServer // plain HTTP: the fast path in front of srv
	ln   net.Listener
	addr string      // the real local address, host:port
	stop func() bool // unhooks the close on the engine's context
}

func (s *listenerServer) close() {
	s.stop()
	s.shutdown()
}

func (s *listenerServer) shutdown() {
	if s.fast != nil {
		s.fast.close()
	}
	s.srv.Close()
}

// localPort is where a listener port is served (Options.PortMap).
func (e *Engine) localPort(port int) int {
	if p, ok := e.opts.PortMap[port]; ok {
		return p
	}
	return port
}

// bindLocked starts serving a listener (after Start). The listener binds
// BindHost on its mapped port; when that fails (privileged or taken
// port) it falls back to a free port and logs the substitution. The
// serving goroutine ends when the server is closed: by DeleteListener,
// a rebind, Close, or the end of Start's context.
func (e *Engine) bindLocked(ls *lnState) {
	if !e.running || e.closed || ls.srv != nil {
		return
	}
	l := ls.rec
	want := e.localPort(l.Port)
	ln, err := net.Listen("tcp", net.JoinHostPort(e.opts.BindHost, strconv.Itoa(want)))
	if err != nil {
		e.log.Warn("listener port unavailable, serving on a free port instead",
			"listener", l.ARN, "port", l.Port, "local_port", want, "err", err)
		ln, err = net.Listen("tcp", net.JoinHostPort(e.opts.BindHost, "0"))
		if err != nil {
			e.log.Error("cannot serve listener", "listener", l.ARN, "err", err)
			return
		}
	}
	lb := ls.lb.rt
	set := lb.settings.Load()
	protos := new(http.Protocols)
	protos.SetHTTP1(true)
	if set.http2 {
		protos.SetUnencryptedHTTP2(true) // h2c with prior knowledge
		protos.SetHTTP2(true)
	}
	m := &lb.m
	srv := &http.Server{
		Handler:           ls.data,
		Protocols:         protos,
		ReadHeaderTimeout: 60 * time.Second,
		IdleTimeout:       set.idleTimeout,
		ErrorLog:          log.New(io.Discard, "", 0),
		ConnState: func(c net.Conn, s http.ConnState) {
			switch s {
			case http.StateNew:
				if _, ok := c.(*handoffConn); ok {
					return // counted when the fast path accepted it
				}
				m.newConns.Add(1)
				m.openConns.Add(1)
			case http.StateClosed, http.StateHijacked:
				m.openConns.Add(-1)
			}
		},
	}
	ls.srv = &listenerServer{srv: srv, ln: ln, addr: ln.Addr().String()}
	var serveLn net.Listener
	if l.Protocol == "HTTPS" {
		cert, err := selfSigned(lb.dnsName)
		if err != nil {
			ln.Close()
			ls.srv = nil
			e.log.Error("cannot make a certificate for listener", "listener", l.ARN, "err", err)
			return
		}
		nextProtos := []string{"http/1.1"}
		if set.http2 {
			nextProtos = []string{"h2", "http/1.1"}
		}
		serveLn = tls.NewListener(&countingListener{Listener: ln, m: m}, &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: nextProtos})
	} else {
		// Plain HTTP: the fast path serves HTTP/1.1 and hands the rest
		// to srv (fastpath.go).
		ls.srv.fast = newFastServer(ls.data, ln)
		serveLn = ls.srv.fast.handoff
	}
	// The server stops when the engine's context ends (or at Close).
	lsrv := ls.srv
	lsrv.stop = context.AfterFunc(e.ctx, lsrv.shutdown)
	e.log.Info("load balancer listener serving", "listener", l.ARN, "port", l.Port, "address", lsrv.addr)
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		srv.Serve(serveLn) // returns when the server is closed
	}()
	if lsrv.fast != nil {
		e.wg.Add(1)
		go func() {
			defer e.wg.Done()
			lsrv.fast.serve() // returns when the listener is closed
		}()
	}
}

// countingListener counts bytes on client connections (ProcessedBytes).
type countingListener struct {
	net.Listener
	m *lbCounters
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: c, m: l.m}, nil
}

type countingConn struct {
	net.Conn
	m *lbCounters
}

func (c *countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.m.bytes.Add(int64(n))
	}
	return n, err
}

func (c *countingConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	if n > 0 {
		c.m.bytes.Add(int64(n))
	}
	return n, err
}

// CloseWrite keeps half-close working for the HTTP server.
func (c *countingConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// selfSigned makes the certificate HTTPS listeners serve: skiff records
// the listener's ACM certificate ARNs but has no ACM, so it presents a
// self-signed certificate for the load balancer's DNS name and loopback.
func selfSigned(dnsName string) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: dnsName, Organization: []string{"skiff"}},
		DNSNames:     []string{dnsName, "localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}

// ListenerAddr returns the local address (host:port) a listener is
// served on, and false when it is not served (unknown, or the engine is
// not started).
func (e *Engine) ListenerAddr(listenerARN string) (string, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	ls := e.listeners[listenerARN]
	if ls == nil || ls.srv == nil {
		return "", false
	}
	return ls.srv.addr, true
}
