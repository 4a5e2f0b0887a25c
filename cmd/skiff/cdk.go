package main

import (
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/skiff-dev/skiff/internal/datadir"
	"github.com/skiff-dev/skiff/internal/server"
	"github.com/spf13/cobra"
)

func newCDKCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "cdk", Short: "Helpers for CDK apps"}
	var dataDir, region, qualifier string
	boot := &cobra.Command{
		Use:   "bootstrap",
		Short: "Make a region ready for CDK output (bootstrap version parameter and assets bucket)",
		Long: `CDK templates read the SSM parameter /cdk-bootstrap/<qualifier>/version (their
CheckBootstrapVersion rule) and upload assets to the bucket
cdk-<qualifier>-assets-<account>-<region>. skiff creates both for us-east-1 and
the default qualifier when a data directory is first used; this command does it
for another region or qualifier.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			cfg, err := clientConfig(ctx, dataDir, region)
			if err != nil {
				return err
			}
			id, err := datadir.ReadIdentity(dataDir)
			if err != nil {
				return err
			}
			name := "/cdk-bootstrap/" + qualifier + "/version"
			if _, err := ssm.NewFromConfig(cfg).PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(name),
				Value: aws.String(server.CDKBootstrapVersion), Type: "String", Overwrite: aws.Bool(true)}); err != nil {
				return errors.New(apiMessage(err))
			}
			bucket := "cdk-" + qualifier + "-assets-" + id.AccountID + "-" + cfg.Region
			in := &s3.CreateBucketInput{Bucket: aws.String(bucket)}
			if cfg.Region != "us-east-1" {
				in.CreateBucketConfiguration = &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(cfg.Region)}
			}
			_, err = s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }).CreateBucket(ctx, in)
			var owned *s3types.BucketAlreadyOwnedByYou
			if err != nil && !errors.As(err, &owned) {
				return errors.New(apiMessage(err))
			}
			fmt.Fprintf(cmd.OutOrStdout(), "CDK bootstrap ready in %s: %s = %s, bucket %s\n", cfg.Region, name, server.CDKBootstrapVersion, bucket)
			return nil
		},
	}
	boot.Flags().StringVar(&dataDir, "data", datadir.Default(), "data directory of the running skiff")
	boot.Flags().StringVar(&region, "region", "", "region (default $AWS_REGION or us-east-1)")
	boot.Flags().StringVar(&qualifier, "qualifier", server.CDKQualifier, "bootstrap qualifier")
	cmd.AddCommand(boot)
	return cmd
}
