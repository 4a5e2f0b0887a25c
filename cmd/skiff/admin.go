package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/skiff-dev/skiff/internal/datadir"
)

// admin is a client of skiff's own JSON API (server.AdminPrefix): the views
// that have no AWS API.
type admin struct {
	base, token, region string
	hc                  *http.Client
}

func newAdmin(dataDir, region string) (*admin, error) {
	id, err := datadir.ReadIdentity(dataDir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no skiff data in %s: start skiff with `skiff up --data %s`", dataDir, dataDir)
	}
	if err != nil {
		return nil, err
	}
	ep, err := datadir.ReadEndpoint(dataDir)
	if err != nil {
		return nil, fmt.Errorf("skiff is not running for %s: start it with `skiff up --data %s`", dataDir, dataDir)
	}
	if region == "" {
		region = os.Getenv("AWS_REGION")
	}
	return &admin{base: ep, token: id.SecretAccessKey, region: region, hc: &http.Client{Timeout: 2 * time.Minute}}, nil
}

// do sends a request to path (under /_skiff/api/ unless it starts with
// "/"); in (when not nil) is the JSON body, or an io.Reader sent as it is;
// out receives the JSON answer.
func (a *admin) do(ctx context.Context, method, path string, q url.Values, in, out any) error {
	if q == nil {
		q = url.Values{}
	}
	if a.region != "" {
		q.Set("region", a.region)
	}
	u := a.base + path
	if !strings.HasPrefix(path, "/") {
		u = a.base + "/_skiff/api/" + path
	}
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var body io.Reader = http.NoBody
	if r, ok := in.(io.Reader); ok {
		body = r
	} else if in != nil {
		var buf bytes.Buffer
		if err := json.NewEncoder(&buf).Encode(in); err != nil {
			return err
		}
		body = &buf
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+a.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := a.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("skiff does not answer: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var e struct{ Error string }
		if json.NewDecoder(resp.Body).Decode(&e) == nil && e.Error != "" {
			return errors.New(e.Error)
		}
		return fmt.Errorf("%s %s: %s", method, path, resp.Status)
	}
	if out == nil {
		return nil
	}
	return json.NewDecoder(resp.Body).Decode(out)
}
