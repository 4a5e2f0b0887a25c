package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/skiff-dev/skiff/internal/datadir"
	"github.com/spf13/cobra"
)

func newGitCredentialsCmd() *cobra.Command {
	var dataDir, user string
	cmd := &cobra.Command{
		Use:   "git-credentials",
		Short: "Issue static HTTPS git credentials for skiff's CodeCommit repositories",
		Long: `Issue a username and password that plain git can use for skiff's CodeCommit
repositories (no AWS CLI needed). As on AWS, they are service-specific
credentials of an IAM user (created if missing), made with
iam create-service-specific-credential. At most two exist per user.

The AWS CLI's credential helper works too, without static credentials:

    git config --global credential.helper '!aws codecommit credential-helper --ignore-host-check $@'
    git config --global credential.UseHttpPath true`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			cfg, err := clientConfig(ctx, dataDir, "")
			if err != nil {
				return err
			}
			name, password, err := issueGitCredentials(ctx, cfg, user)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "username: %s\npassword: %s\n\n", name, password)
			fmt.Fprintf(w, "The password is shown only now. To let git remember it:\n")
			fmt.Fprintf(w, "    git config --global credential.helper store\n")
			fmt.Fprintf(w, "and enter the username and password at the first clone or push.\n")
			return nil
		},
	}
	cmd.Flags().StringVar(&dataDir, "data", datadir.Default(), "data directory of the running skiff")
	cmd.Flags().StringVar(&user, "user", "git", "IAM user the credentials belong to (created if missing)")
	return cmd
}

// issueGitCredentials creates IAM user (unless it exists) and a
// CodeCommit service-specific credential for it, as
// iam create-service-specific-credential does.
func issueGitCredentials(ctx context.Context, cfg aws.Config, user string) (username, password string, err error) {
	c := iam.NewFromConfig(cfg)
	_, err = c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(user)})
	var exists *iamtypes.EntityAlreadyExistsException
	if err != nil && !errors.As(err, &exists) {
		return "", "", errors.New(apiMessage(err))
	}
	out, err := c.CreateServiceSpecificCredential(ctx, &iam.CreateServiceSpecificCredentialInput{
		UserName: aws.String(user), ServiceName: aws.String("codecommit.amazonaws.com")})
	if err != nil {
		return "", "", errors.New(apiMessage(err))
	}
	cr := out.ServiceSpecificCredential
	return aws.ToString(cr.ServiceUserName), aws.ToString(cr.ServicePassword), nil
}
