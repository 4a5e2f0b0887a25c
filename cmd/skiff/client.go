package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/skiff-dev/skiff/internal/datadir"
	"golang.org/x/term"
)

// clientConfig is an AWS SDK configuration for the skiff serving dataDir.
func clientConfig(ctx context.Context, dataDir, region string) (aws.Config, error) {
	id, err := datadir.ReadIdentity(dataDir)
	if errors.Is(err, fs.ErrNotExist) {
		return aws.Config{}, fmt.Errorf("no skiff data in %s: start skiff with `skiff up --data %s`", dataDir, dataDir)
	}
	if err != nil {
		return aws.Config{}, err
	}
	ep, err := datadir.ReadEndpoint(dataDir)
	if err != nil {
		return aws.Config{}, fmt.Errorf("skiff is not running for %s: start it with `skiff up --data %s`", dataDir, dataDir)
	}
	hc := &http.Client{Timeout: 60 * time.Second}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, ep+"/_skiff/health", nil)
	resp, err := hc.Do(req)
	if err != nil {
		return aws.Config{}, fmt.Errorf("skiff at %s does not answer (%v): start it with `skiff up --data %s`", ep, err, dataDir)
	}
	resp.Body.Close()
	if region == "" {
		region = os.Getenv("AWS_REGION")
	}
	if region == "" {
		region = datadir.DefaultRegion
	}
	return aws.Config{
		Region:       region,
		Credentials:  credentials.NewStaticCredentialsProvider(id.AccessKeyID, id.SecretAccessKey, ""),
		BaseEndpoint: aws.String(ep),
		HTTPClient:   hc,
	}, nil
}

// isTerminal reports whether f is an interactive terminal.
func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }
