"""Runs inside the sandbox (standalone: imports nothing from polyforge). One interpreter, one fork per snippet.

Reads job.json (then deletes it), checks each snippet's syntax as the file `prelude + "\\n" + snippet` would
compile, runs the prelude once, then forks one child per snippet. A child closes the protocol pipe, makes its
own process group, sets its CPU limit, runs the snippet in the prelude's namespace (a copy-on-write copy, so a
snippet cannot change what the next one sees) and reports one JSON line through a private pipe. The driver waits
on the child's pidfd up to the snippet's wall limit, then kills every other process of the sandbox uid
(`kill(-1)` spares the caller and PID 1), so nothing a snippet started survives into the next one.
Protocol lines on stdout carry the job's token; the driver is made non-dumpable so snippets (same uid) cannot
ptrace it or open its file descriptors through /proc.
"""

import atexit
import contextlib
import ctypes
import json
import os
import resource
import select
import signal
import sys
import threading
import time

SYNTAX_ERRORS = ("SyntaxError", "IndentationError", "TabError")


def classify(exc):
    if isinstance(exc, SystemExit):  # a snippet passes only by running to its end, never by exiting
        return "exception", "SystemExit"
    if isinstance(exc, AssertionError):
        return "assertion_error", "AssertionError"
    return "exception", type(exc).__name__


def main():
    # kill(-1) below would kill every process on the machine as root: the driver runs only as a sandbox uid.
    if os.geteuid() == 0:
        sys.exit("pyfast_driver: refusing to run as root (it kills every process of its uid after a snippet)")
    with open("job.json") as fh:
        job = json.load(fh)
    os.unlink("job.json")
    token = job.pop("token")
    proto = os.fdopen(os.dup(1), "w", buffering=1)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE = 0

    def say(obj):
        obj["token"] = token
        proto.write(json.dumps(obj) + "\n")

    prelude, path = job["prelude"], os.path.abspath(job["prelude_file"])
    snippets, start = job["snippets"], job["start"]
    codes = {}
    for i, snippet in enumerate(snippets, start):
        try:
            compile(prelude + "\n" + snippet, path, "exec")
            codes[i] = compile("\n" * (prelude.count("\n") + 1) + snippet, path, "exec")
        except (SyntaxError, ValueError, MemoryError, RecursionError) as exc:
            say({"index": i, "status": "syntax_error", "error": type(exc).__name__, "wall_s": 0.0})
    cov = None
    if job["cover"]:
        sys.path.insert(0, job["pylib"])
        import coverage

        cov = coverage.Coverage(data_file=None, include=[path], config_file=False, branch=False)
    namespace = {"__name__": "__main__", "__builtins__": __builtins__, "__file__": path}
    signal.signal(signal.SIGALRM, signal.SIG_DFL)  # a prelude that outlives a snippet's limit ends the driver
    signal.setitimer(signal.ITIMER_REAL, job["wall_s"])
    try:
        exec(compile(prelude, path, "exec"), namespace)
        signal.setitimer(signal.ITIMER_REAL, 0)
    except BaseException as exc:  # every snippet's own process would have ended here, the same way
        status, error = classify(exc)
        say({"prelude": "ended", "status": status, "error": error})
        return
    say({"prelude": "ok"})
    if cov is not None:
        # Started once, here: every child inherits a running tracer with no data yet (the driver itself runs no
        # prelude line from now on), which is far cheaper than starting coverage in each child.
        cov.start()
    for i in range(start, start + len(snippets)):
        if i in codes:
            say({"start": i})
            say(run_one(i, codes[i], namespace, cov, path, proto, job))


def run_one(index, code, namespace, cov, path, proto, job):
    read_end, write_end = os.pipe()
    began = time.monotonic()
    pid = os.fork()
    if pid == 0:
        os._exit(child(code, namespace, cov, path, proto, read_end, write_end, job))
    os.close(write_end)
    pidfd = os.pidfd_open(pid)
    ready, _, _ = select.select([pidfd], [], [], job["wall_s"])
    timed_out = not ready
    with contextlib.suppress(ProcessLookupError):
        os.kill(-1, signal.SIGKILL)  # everything the snippet started, wherever it went
    _, status = os.waitpid(pid, 0)
    wall = time.monotonic() - began
    os.close(pidfd)
    report = b""
    if not timed_out:
        os.set_blocking(read_end, False)
        try:
            report = os.read(read_end, 1 << 20)
        except BlockingIOError:
            report = b""
    os.close(read_end)
    result = {"index": index, "wall_s": round(wall, 6)}
    if timed_out:
        result.update(status="timeout", error="")
    elif os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        result.update(status="timeout" if sig == signal.SIGXCPU else "exception", error=f"signal {sig}")
    else:
        try:
            result.update(json.loads(report))
        except ValueError:  # exited without reporting (os._exit): it did not run to its end
            result.update(status="exception", error=f"exit {os.WEXITSTATUS(status)}")
    return result


def child(code, namespace, cov, path, proto, read_end, write_end, job):
    os.close(read_end)
    proto.close()
    os.setpgid(0, 0)
    cpu = job["cpu_s"]
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    os.chdir(job["scratch"])
    lines = []
    try:
        exec(code, namespace)
        status, error = "ok", ""
    except BaseException as exc:
        status, error = classify(exc)
    finally:
        if cov is not None:
            cov.stop()
            lines = sorted(cov.get_data().lines(path) or [])
    try:  # what interpreter shutdown would do: wait for non-daemon threads, run atexit hooks
        threading._shutdown()
        atexit._run_exitfuncs()
    except BaseException:
        pass
    os.write(write_end, json.dumps({"status": status, "error": error, "lines": lines}).encode())
    return 0


if __name__ == "__main__":
    main()
