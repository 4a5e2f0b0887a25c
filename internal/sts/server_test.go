package sts_test

import (
	"net/http/httptest"
	"testing"

	"github.com/skiff-dev/skiff/internal/awswire"
)

func newServer(t *testing.T, g *awswire.Gateway) string {
	ts := httptest.NewServer(g)
	t.Cleanup(ts.Close)
	return ts.URL
}
