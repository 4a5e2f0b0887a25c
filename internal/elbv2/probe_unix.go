//go:build unix

package elbv2

import (
	"net"
	"syscall"
)

// connAlive peeks at the socket without blocking: a closed connection
// reads as end of file, a live idle one would block.
func connAlive(c net.Conn) bool {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return true
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	alive := false
	var buf [1]byte
	rerr := rc.Read(func(fd uintptr) bool {
		// nil error: end of file (closed) or unasked data; both retire
		// the connection.
		_, _, err := syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		alive = err == syscall.EAGAIN || err == syscall.EWOULDBLOCK
		return true // never wait for readiness
	})
	return rerr == nil && alive
}

// clientClosed reports whether the peer has closed the connection: a
// non-blocking peek reads end of file (data waiting, or nothing yet,
// means open).
func clientClosed(c net.Conn) bool {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return true
	}
	closed := false
	var buf [1]byte
	rerr := rc.Read(func(fd uintptr) bool {
		n, _, err := syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		closed = err == nil && n == 0 || err != nil && err != syscall.EAGAIN && err != syscall.EWOULDBLOCK && err != syscall.EINTR
		return true // never wait for readiness
	})
	return rerr != nil || closed
}
