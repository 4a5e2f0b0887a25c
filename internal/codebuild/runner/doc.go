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
// # Host runner (host.go)
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
// # Docker runner (docker.go)
//
// Docker runs each build in a container of the project's environment image
// on a Docker Engine, through the Engine API (github.com/moby/moby/client,
// the maintained successor of github.com/docker/docker/client; engines
// from API 1.40, Docker 19.03, on). NewDocker does not connect: Ping
// reports reachability and every Setup checks again.
//
//   - Setup pings the engine ("no Docker engine reachable at
//     unix:///var/run/docker.sock: ..."), inspects the image — it never
//     pulls: no registry need be reachable, and a missing image is
//     `CodeBuild image "x" is not present in the local Docker engine;
//     build or load it first (docker build/load/import)` — creates the
//     host directory (Dirs.HostRoot, under Docker.Dir) and starts a
//     container with it bind-mounted at /codebuild/output/src<digits>
//     (Dirs.BuildRoot), Docker.Dir/bin (codebuild-hash-files) read-only at
//     /codebuild/skiff/bin, labels skiff.managed=true, skiff.build=<BuildID>,
//     skiff.root=<HostRoot> and skiff.dir=<Docker.Dir>, and the name
//     skiff-<BuildID>-src<digits>. The engine turns a Setup error into a
//     PROVISIONING FAULT (BUILD_CONTAINER_UNABLE_TO_START) with the error
//     as the phase context's message.
//   - The image must be a Linux image with a POSIX /bin/sh; nothing else is
//     required of it. The container's entrypoint is replaced by
//     `/bin/sh -c 'while :; do read -r _ || sleep 3600 || exit 1; done'`
//     with stdin held open, so it waits without needing sleep (images
//     FROM scratch with a busybox have one, distroless ones may not) and
//     the image's own ENTRYPOINT/CMD never run. bash is found in the
//     image's PATH when a buildspec asks for it; an image without it
//     makes the command fail with ErrUnsupported (CLIENT_ERROR).
//   - Networking is the host's (NetworkMode "host", DockerOptions.Network
//     to change it): the engine injects AWS_ENDPOINT_URL=http://127.0.0.1:PORT
//     and inside a bridged container 127.0.0.1 would be the container
//     itself. On Docker Desktop (macOS, Windows) the engine's "host" is its
//     VM, so skiff must run there too (or use the host runner).
//   - Environment: each exec gets Command.Env on top of the image's ENV,
//     except PATH, HOME and LANG when they are the values the engine copied
//     from skiff's own environment (Deps.BaseEnv unset): the image's PATH
//     (plus /codebuild/skiff/bin) and the run-as user's HOME apply
//     instead. Values a project sets itself are kept.
//   - Run for a persistent (0.2) command starts, once per run-as user and
//     shell, an exec of the host runner's driver script with stdin
//     attached: the exec's stdin is the driver's command stream (fd 3),
//     and its output, stderr merged, goes through a LineSplitter with the
//     same markers. A small wrapper reports the shell's own end as a
//     marker, so an "exit" ends the command at once even when background
//     processes keep the exec's stream open. Non-persistent (0.1) commands
//     are one exec each (a new shell that starts in Command.Dir with
//     Command.Env), whose wrapper prints the status marker. Outputs of
//     several execs reach Spec.Output one line at a time. Run-as users
//     are exec users: a user missing from the image's /etc/passwd is
//     ErrUnsupported, checked once per user.
//   - Eval and Vars run the same small scripts as the host runner, writing
//     under the mounted state directory; skiff reads the files on the host.
//   - Kill removes the container with force, which ends every process in
//     it (daemons included) within about 100 ms; Run returns Killed.
//     Destroy closes the shells' stdin, removes the container and the
//     directory. Files a build created as root belong to root on the host:
//     when skiff itself is not root and cannot remove them, a short-lived
//     container of the same image chowns them back first.
//   - Leftover is {Runner: "docker", ID: container name, Root, Marker};
//     Reap removes that container and any labelled with the build (from
//     the marker's ARN) or its directory, then the directory, tolerating
//     what is already gone. Prune removes every container of the runner's
//     directory (at startup, before the engine starts: a crash during
//     Setup leaves no leftover).
//   - privilegedMode maps to a privileged container. A build then runs
//     its own dockerd inside (docker-in-docker, as on CodeBuild: `nohup
//     dockerd &` in install), isolated from skiff's engine; it needs an
//     image that has dockerd, and an engine allowed to create privileged
//     containers (rootless engines and some sandboxes are not).
//     DockerOptions.MountSocket instead (also) mounts the engine's own
//     socket at /var/run/docker.sock: faster and cache-sharing, but the
//     build controls skiff's engine (sibling containers; bind mounts it
//     asks for name paths on skiff's host, not in the build container).
//
// Measured on one machine (Docker 20.10, overlay2): container setup and
// teardown about 170 ms per build, a persistent-shell command about 1.6 ms
// (host runner: 0.2 ms), a new-shell command about 50 ms (an exec each).
//
// # Choosing a runner (select.go)
//
// Select(host, docker, policy) is a Runner that picks per build by
// Spec.Image: PolicyHost always the host, PolicyDocker always Docker,
// PolicyAuto (the default, "skiff up --build-runner auto|host|docker",
// parsed by ParsePolicy) the host for CodeBuild's curated images
// (aws/codebuild/..., public.ecr.aws/codebuild/..., or none), which the
// host runner stands in for, and Docker for any other image, so a custom
// image really runs in its image and a missing engine or image is a clear
// PROVISIONING failure. Reap goes to the runner the leftover names.
//
// A Kubernetes Job runner follows the same pattern with a pod (exec for
// commands, a volume for the directory, pod deletion for Kill/Destroy).
package runner
