// A small CDK app for skiff's end-to-end test: an SSM parameter, an S3
// bucket, a Secrets Manager secret and an IAM role. It synthesizes itself
// (app.synth()) into $CDK_OUTDIR, so no CDK CLI is needed.
const cdk = require('aws-cdk-lib');
const ssm = require('aws-cdk-lib/aws-ssm');
const s3 = require('aws-cdk-lib/aws-s3');
const sm = require('aws-cdk-lib/aws-secretsmanager');
const iam = require('aws-cdk-lib/aws-iam');

const app = new cdk.App({ outdir: process.env.CDK_OUTDIR || 'cdk.out' });
const stack = new cdk.Stack(app, 'SkiffCdkDemo', {
  description: 'skiff CDK end-to-end test stack',
});

const bucket = new s3.Bucket(stack, 'Artifacts', {
  versioned: true,
  removalPolicy: cdk.RemovalPolicy.DESTROY,
});

const param = new ssm.StringParameter(stack, 'Greeting', {
  parameterName: '/skiff-cdk/greeting',
  stringValue: 'hello from the CDK',
  description: 'a parameter made by the CDK',
});

const secret = new sm.Secret(stack, 'DbPassword', {
  generateSecretString: {
    secretStringTemplate: JSON.stringify({ username: 'app' }),
    generateStringKey: 'password',
    excludePunctuation: true,
    passwordLength: 24,
  },
});

const role = new iam.Role(stack, 'AppRole', {
  assumedBy: new iam.ServicePrincipal('codebuild.amazonaws.com'),
  description: 'role for the app',
});
bucket.grantRead(role);
param.grantRead(role);
secret.grantRead(role);

new cdk.CfnOutput(stack, 'BucketName', { value: bucket.bucketName });
new cdk.CfnOutput(stack, 'RoleArn', { value: role.roleArn });
new cdk.CfnOutput(stack, 'SecretArn', { value: secret.secretArn });

app.synth();
