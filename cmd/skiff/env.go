package main

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/skiff-dev/skiff/internal/datadir"
	"github.com/spf13/cobra"
)

func newEnvCmd() *cobra.Command {
	var dataDir, region string
	cmd := &cobra.Command{
		Use:   "env",
		Short: "Print shell exports that point the AWS CLI and SDKs at skiff",
		Long: `Print shell exports (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
AWS_DEFAULT_REGION, AWS_REGION, AWS_ENDPOINT_URL) for the data directory's
account, so that

    eval "$(skiff env)"

makes the AWS CLI (v1 with a current botocore, v2 from 2.13) and the AWS SDKs
talk to skiff. The endpoint is the running server's; when none runs, the
default address.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := datadir.ReadIdentity(dataDir)
			if errors.Is(err, fs.ErrNotExist) {
				// First use: create the identity so the keys are stable
				// before the first `skiff up`.
				d, oerr := datadir.Open(dataDir)
				if oerr != nil {
					return oerr
				}
				id, err = d.Identity, nil
			}
			if err != nil {
				return fmt.Errorf("read identity in %s: %w", dataDir, err)
			}
			ep, err := datadir.ReadEndpoint(dataDir)
			if err != nil {
				ep = "http://" + datadir.DefaultAddr
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "export AWS_ACCESS_KEY_ID=%s\n", id.AccessKeyID)
			fmt.Fprintf(out, "export AWS_SECRET_ACCESS_KEY=%s\n", id.SecretAccessKey)
			fmt.Fprintf(out, "export AWS_DEFAULT_REGION=%s\n", region)
			fmt.Fprintf(out, "export AWS_REGION=%s\n", region)
			fmt.Fprintf(out, "export AWS_ENDPOINT_URL=%s\n", ep)
			fmt.Fprintln(out, "unset AWS_SESSION_TOKEN AWS_PROFILE")
			fmt.Fprintln(out, "export AWS_EC2_METADATA_DISABLED=true")
			return nil
		},
	}
	cmd.Flags().StringVar(&dataDir, "data", datadir.Default(), "data directory")
	cmd.Flags().StringVar(&region, "region", datadir.DefaultRegion, "region to export")
	return cmd
}
