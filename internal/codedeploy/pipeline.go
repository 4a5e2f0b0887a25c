package codedeploy

import "context"

// DeployFromPipeline starts a deployment for CodePipeline's CodeDeploy
// deploy action (configuration ApplicationName and DeploymentGroupName;
// the input artifact is a zip in the artifact store). ctx carries the
// pipeline's account and region. Wait for the result with WaitDeployment.
func (e *Engine) DeployFromPipeline(ctx context.Context, app, group string, revision S3Location) (string, error) {
	if revision.BundleType == "" {
		revision.BundleType = "zip"
	}
	rev := revision
	return e.CreateDeployment(ctx, CreateDeploymentInput{ApplicationName: app, DeploymentGroupName: group,
		Revision: &RevisionLocation{RevisionType: "S3", S3Location: &rev}, Description: "Deployment created by CodePipeline"})
}

// PipelineResult waits for a deployment started by DeployFromPipeline and
// reports it as the pipeline action sees it: succeeded, and a summary
// (the error code and message of a failed or stopped deployment).
func (e *Engine) PipelineResult(ctx context.Context, id string) (succeeded bool, summary string, err error) {
	d, err := e.WaitDeployment(ctx, id)
	if err != nil {
		return false, "", err
	}
	if d.Status == StatusSucceeded {
		return true, "Deployment " + id + " succeeded", nil
	}
	summary = "Deployment " + id + " " + d.Status
	if ei := d.ErrorInformation; ei != nil {
		summary += ": " + ei.Code + ": " + ei.Message
	}
	return false, summary, nil
}
