// Package codecommit serves AWS CodeCommit: the CodeCommit_20150413
// awsJson 1.1 API, git's smart HTTP protocol for a plain git (clone,
// fetch, push) at <endpoint>/v1/repos/<name>, push events for other
// services, and the AWS::CodeCommit::Repository CloudFormation resource.
//
// # Git hosting
//
// Repositories are bare git repositories in reposDir, one per repository,
// named by repository id (<uuid>.git) so a rename never moves files. The
// git binary does the git work. GitHandler runs `git upload-pack` and
// `git receive-pack` with --stateless-rpc itself rather than going
// through `git http-backend` (CGI), because skiff has to control the
// moment a push is acknowledged:
//
//   - the push's request body is read completely (spooled to memory or an
//     unlinked temporary file) before git sees it, so a client that dies
//     mid-transfer never reaches receive-pack and the repository stays as
//     it was;
//   - receive-pack then runs under a per-repository lock (pushes to one
//     repository, API commits and branch changes are serialized; clones
//     and fetches are not): it writes and fsyncs the objects first
//     (core.fsync=all) and updates the refs last, each ref through git's
//     lock-file-and-rename, all refs in one transaction for
//     `git push --atomic` (receive.advertiseAtomic);
//   - skiff compares the refs before and after, records one push event per
//     changed ref in the store (with the refs snapshot and the default
//     branch) in one transaction, and only then sends receive-pack's
//     report to the client. What git was told is pushed is therefore
//     durable in both the repository and the store and survives kill -9.
//     If skiff dies after receive-pack updated refs but before the events
//     were committed, the client sees a failed push and the next push (or
//     the next start) finds refs that differ from the stored snapshot and
//     records them as events with Source "recovered";
//   - receive-pack is not killed when the client disconnects after sending
//     the body (a killed receive-pack would leave ref lock files); stale
//     lock files are removed at start, before any git runs.
//
// With http-backend the acknowledgement would leave before skiff could
// record anything, and recording would need hooks calling back into skiff.
// Every git process runs with the user's and the system's git
// configuration ignored, in its own process group that is killed as a
// whole when its time limit (2 minutes for plumbing, 30 for a transfer)
// passes; on Linux each also dies with skiff (PR_SET_PDEATHSIG, see
// proc.go), so a killed skiff leaves no git behind.
//
// A repository starts empty with no default branch; the first branch
// pushed or committed becomes the default branch (main or master when the
// first push has several), and HEAD follows the default branch so clones
// check it out. Deleting the default branch by a push makes another branch
// the default.
//
// # Authentication
//
// Git authenticates with HTTP Basic: the AWS CLI credential helper's SigV4
// password (username = access key id, password = <yyyymmddThhmmss>Z<hex
// signature> over "GIT\n<path>\n\nhost:<host without port>\n\nhost\n",
// service codecommit, within 15 minutes of the server clock), or static
// HTTPS git credentials from CreateGitCredentials (stored as salted
// hashes). See auth.go. Requests without credentials get 401 with
// WWW-Authenticate: Basic realm="skiff", so git asks its credential
// helper; wrong credentials get 403.
//
// # State
//
//	codecommit.repos     <account>/<region>/<name>            repository metadata
//	codecommit.ids       <repositoryId>                       → <account>/<region>/<name>
//	codecommit.refs      <repositoryId>                       refs as of the last recorded event
//	codecommit.events    <repositoryId>/<unix nanos>/<seq>    push events
//	codecommit.gitcreds  <credential id>                      static git credentials (hashed)
package codecommit
