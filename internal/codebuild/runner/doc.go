// Package runner is where build commands run. The Runner interface is the
// lifecycle, as in Woodpecker's backends:
//
//	Setup   create the build's environment (a work directory; a container
//	        or pod for isolated runners)                       → Env
//	Run     start one command, stream its output lines to Spec.Output,
//	        wait for it and return its Result (start, tail, wait in one)
//	Kill    end every process of the build at once (stop, timeout)
//	Destroy tear everything down, on a context that outlives cancellation
//	Reap    after a restart, end what a build left behind (Leftover)
//
// A command that exits non-zero is a Result (ExitCode), never an error;
// errors are failures of the environment itself. The engine knows nothing
// about how a runner runs commands: everything it needs — the build's
// directory on the host (Dirs), the environment and shell of each command,
// Eval for shell-evaluated buildspec values (artifact names, cache keys)
// and Vars for exported variables — goes through this interface.
//
// # Host runner (this package)
//
// Runs commands on skiff's machine: a fresh directory per build under
// Host.Dir, process groups killed as a whole, and a sweep for processes
// that left the group (setsid daemons) by the build's marker variable
// (CODEBUILD_BUILD_ARN, inherited by everything the build starts). The
// persistent shell of a 0.2 build is a POSIX sh driver (host.go) fed
// commands over a pipe; the output pipe carries end-of-command markers so
// each command's output precedes its status. LineSplitter, shared with
// future runners, bounds memory however much a build prints.
//
// # A Docker runner
//
// A Docker runner (github.com/docker/docker/client) implements the same
// interface without engine changes:
//
//   - Setup creates the host directory (Dirs.HostRoot), inspects the image
//     (a missing image or unreachable engine is a clear Setup error; the
//     engine reports it as PROVISIONING FAULT), and creates and starts a
//     container from Spec.Image with the directory bind-mounted at
//     /codebuild/output/src<digits> (Dirs.BuildRoot), Privileged from
//     Spec.Privileged (docker-in-docker needs it; alternatively mount
//     /var/run/docker.sock, documented per project), labels
//     skiff.build=<BuildID>, and "sleep infinity" as its command.
//   - Run for a persistent command starts (once per user and shell) a
//     `docker exec -i` of the same driver script with the command pipe as
//     its stdin (the driver reads fd 3; the exec wraps it as
//     `sh -c 'exec 3<&0 0</dev/null; ...'`) and attaches its output to a
//     LineSplitter with the same markers; non-persistent commands are one
//     exec each, with Command.Env passed as the exec's environment.
//   - Eval and Vars run small scripts writing under the mounted state
//     directory, exactly as the host runner does.
//   - Kill and Destroy remove the container (force), which ends every
//     process in it; Reap removes containers labelled with the build and
//     its directory (Leftover.ID holds the container name).
//
// A Kubernetes Job runner follows the same pattern with a pod (exec for
// commands, a volume for the directory, pod deletion for Kill/Destroy).
package runner
