// Command skiff runs the AWS DevOps toolchain on your own machine.
package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

func main() {
	if err := newRootCmd().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "skiff:", err)
		os.Exit(1)
	}
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "skiff",
		Short: "The AWS DevOps toolchain on your own machine",
		Long: `skiff runs CloudFormation, S3, SSM, Secrets Manager, IAM, STS and more on
your own machine, speaking the AWS APIs so the official AWS CLI, SDKs and CDK
output work against it unchanged.

Start it with "skiff up", then point AWS tools at it with eval "$(skiff env)".`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newUpCmd(), newEnvCmd(), newStackCmd(), newCDKCmd(), newGitCredentialsCmd(), newDemoCmd(), newBuildCmd(), newPipelineCmd(), newDeployCmd(), newInstancesCmd(), newDoraCmd(), newVersionCmd())
	return root
}
