//go:build !unix

package elbv2

import (
	"errors"
	"net"
	"time"
)

// connAlive waits a millisecond for a close or unasked data.
func connAlive(c net.Conn) bool {
	c.SetReadDeadline(time.Now().Add(time.Millisecond))
	var buf [1]byte
	_, err := c.Read(buf[:])
	c.SetReadDeadline(time.Time{})
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// clientClosed reports whether the peer has closed the connection (where
// a non-blocking peek is not available, it is taken to be open).
func clientClosed(c net.Conn) bool { return false }
