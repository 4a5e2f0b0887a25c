// Package codebuild serves AWS CodeBuild (awsJson 1.1, target prefix
// CodeBuild_20161006, signing name "codebuild") and runs the builds for
// real: projects, builds with CodeBuild's phases, report groups and
// reports, build batches, and the AWS::CodeBuild::Project and
// AWS::CodeBuild::ReportGroup resource providers.
//
// # Where things are
//
//	engine.go       Engine, New/Start/Close, the scheduler (queue, limits)
//	projects.go     project API and validation
//	builds.go       StartBuild and the build API; the stored build record
//	run.go          one build's execution: phases and their transitions
//	source.go       sources (CodeCommit, S3, pipeline artifacts, git) and the buildspec
//	env.go          environment variables and their precedence
//	outputs.go      artifacts, caches, S3 logs
//	reportgroups.go report groups, reports, test cases, coverage, trends
//	batches.go      build batches (buildspec batch: list, graph, matrix, fanout)
//	recover.go      restart recovery
//	logsink.go      the build log: masking, batching to CloudWatch Logs
//	wire.go         the awsJson operations
//	cfn.go          CloudFormation providers
//	buildspec/      the buildspec parser (golden and fuzz tested)
//	runner/         where commands run: the Runner interface and the host runner
//	artifacts/      file selection (globs, base-directory, symlinks), zip, safe unzip
//	reports/        JUnit, Cucumber, TestNG, NUnit 2/3, TRX, Cobertura, JaCoCo, Clover, SimpleCov
//
// # Dependencies
//
// The engine reaches other services only through the consumer-side
// interfaces in deps.go (Sources, Objects, Params, Secrets, Logs,
// Credentials); the server adapts its engines to them. Other skiff
// services use the exported engine API: StartBuild (with InputArtifacts,
// OutputArtifacts and Initiator for pipelines), BatchGetBuilds, GetBuild,
// StopBuild, WaitBuild, OnBuildComplete and ExportedVariables.
//
// # Store layout
//
//	codebuild.projects        <acct>/<region>/<name>                  → Project
//	codebuild.builds          <acct>/<region>/<project>:<uuid>        → buildRecord
//	codebuild.buildseq        <acct>/<region>/<seq:020>               → build id (ListBuilds)
//	codebuild.projectbuilds   <acct>/<region>/<project>/<seq:020>     → build id
//	codebuild.active          <build key> | batch|<batch key>         → unfinished (recovery)
//	codebuild.idempotency     <acct>/<region>/<token>                 → build key, input hash
//	codebuild.reportgroups    <acct>/<region>/<name>                  → ReportGroup
//	codebuild.reports         <acct>/<region>/<group>/<uuid>          → reportRecord
//	codebuild.reportseq       <acct>/<region>/<seq:020>               → report key
//	codebuild.testcases       <report key>/<n:08>                     → TestCase
//	codebuild.coverage        <report key>/<n:08>                     → CodeCoverage
//	codebuild.cachekeys       <acct>/<region>/<cache id>|<key>        → saved cache
//	codebuild.batches         <acct>/<region>/<project>:<uuid>        → batchRecord
//	codebuild.batchseq, codebuild.projectbatches                      → batch ids
//
// Every phase transition of a build is one committed Update of its record
// (the end of one phase and the start of the next go together), so
// BatchGetBuilds always shows what happened, and after a crash recovery
// knows which builds were running.
//
// # Phases
//
// SUBMITTED and QUEUED belong to the scheduler; PROVISIONING sets up the
// log stream, the service role's credentials and the runner environment;
// DOWNLOAD_SOURCE fetches sources, reads and parses the buildspec (an
// invalid one fails here with YAML_FILE_ERROR), resolves Parameter Store
// and Secrets Manager values and restores the cache; INSTALL, PRE_BUILD,
// BUILD and POST_BUILD run commands; UPLOAD_ARTIFACTS processes reports,
// uploads artifacts and saves the cache; FINALIZING tears the environment
// down on a context that outlives cancellation and uploads S3 logs;
// COMPLETED carries only its start time. Transitions follow CodeBuild: a
// failure in INSTALL or PRE_BUILD (or earlier) goes to FINALIZING; a BUILD
// failure still runs POST_BUILD (CODEBUILD_BUILD_SUCCEEDING=0) and
// UPLOAD_ARTIFACTS; a POST_BUILD failure still uploads; on-failure ABORT
// ends the build, CONTINUE goes on, RETRY[-n][-regex] reruns the phase.
// finally blocks run after a failed command; the phase succeeds only if
// both blocks do. Stop, timeout and shutdown end the process tree at once:
// the phase in progress becomes STOPPED, TIMED_OUT or FAULT and the build
// goes to FINALIZING.
//
// Restart: builds that were running end as FAULT — CodeBuild's status for
// failures of the service rather than of the build — with statusCode
// BUILD_INTERRUPTED and the reason in the interrupted phase's context,
// after the runner's Reap has ended their processes; queued builds are
// queued again; unfinished batches resume.
//
// # One shell instance (buildspec 0.2)
//
// The host runner runs every command of a 0.2 build in one long-lived
// shell: a small POSIX sh driver (see runner/host.go) reads each command
// from a pipe and evals it, so cd, exported and plain variables and shell
// functions carry over to later commands and later phases; it then writes
// "<token> <n> <status>" into the same output pipe, so the engine checks
// each command's exit status after everything the command printed. A
// command that ends the shell itself (exit 1, set -e, a syntax error under
// dash) is reported with the shell's exit status, and the next command
// gets a new shell that restores the exported variables and directory
// saved by an EXIT trap. Version 0.1 gives every command a new shell in
// CODEBUILD_SRC_DIR. A command costs about 0.1 ms of overhead this way.
//
// # Logs and masking
//
// Output is read line by line (lines longer than 64 KiB are split; a build
// that prints without newlines uses no more memory than one line), masked,
// and sent to CloudWatch Logs in batches as soon as the writer is free,
// with CodeBuild's "[Container] <time> ..." agent lines. Values resolved
// from Parameter Store and Secrets Manager (project, override or
// buildspec) are replaced by *** in every log line, phase context message,
// test case message and exported variable.
//
// # Host runner safety
//
// Each build gets a fresh directory ("src<digits>", like CodeBuild's
// /codebuild/output/src<digits>) and an environment of PATH and HOME plus
// what CodeBuild sets. Artifact, report and cache paths may not be absolute
// or contain "..", and symlinks pointing outside the source directory are
// refused; zip extraction (S3 sources, pipeline artifacts, caches) refuses
// entries that would land outside the destination.
package codebuild
