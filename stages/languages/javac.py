"""Java: javac in long-lived JVMs outside the sandbox, one fresh compilation per program, so a run pays for
`java` only (javac alone is ~0.5 CPU s a program here, most of it JVM and compiler start-up).

Each request compiles one program exactly as the reference build does (`Java.compile_argv`, inside the
sandbox): the same JDK's javac (`com.sun.tools.javac.Main`, what the `javac` launcher calls), the same options
and heap, in a directory holding only the program, which is its class path and source path as the work dir is
for the reference. Class files and the source go into the work dir; `java` runs them in the sandbox.

Why this runs no untrusted code: javac executes code named by its input only through annotation processors
(and plugins, named on its command line), and `-proc:none` loads none (the reference finds none either: its
class path holds only the program). Compiling may still exhaust time or memory: each compile has the compile
wall limit and the reference's heap, and whatever is not a clean answer (0: compiled, 1: compile errors) ends
the JVM and falls back to the reference build, so the verdict is the sandbox's own.
"""

from __future__ import annotations

import logging
import os
import select
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from stages.common import scratch_dir
from stages.languages.base import CompileError
from stages.languages.builds import Build, artefact, reference, tool_key

if TYPE_CHECKING:
    from stages.languages.java import Java
    from stages.sandbox import Limits, Sandbox

log = logging.getLogger(__name__)

SOURCE = "Problem.java"
DIAGNOSTICS = ".javac-diagnostics"
# Reads a directory a line, compiles <dir>/Problem.java (class files next to it, as without -d), writes javac's output to <dir>/DIAGNOSTICS and
# its exit code as a line.
_SERVICE = r"""
import java.io.*;
import java.nio.charset.StandardCharsets;

public class JavacService {
    public static void main(String[] args) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, "UTF-8");
        String dir;
        while ((dir = in.readLine()) != null) {
            StringWriter text = new StringWriter();
            int code;
            try (PrintWriter writer = new PrintWriter(text)) {
                code = com.sun.tools.javac.Main.compile(new String[] {
                    "-proc:none", "-encoding", "UTF-8", "-cp", dir, dir + "/%SOURCE%"}, writer);
            } catch (Throwable t) {
                code = -1;
            }
            try (Writer err = new OutputStreamWriter(
                    new FileOutputStream(dir + "/%DIAGNOSTICS%"), StandardCharsets.UTF_8)) {
                err.write(text.toString());
            }
            out.println(code);
        }
    }
}
""".replace("%SOURCE%", SOURCE).replace("%DIAGNOSTICS%", DIAGNOSTICS)


class ServiceFailed(Exception):
    """The JVM gave no clean answer (start-up failure, crash, timeout, an exit code javac uses for trouble)."""


class _Service:
    """One JVM compiling one program at a time."""

    def __init__(self, java: str, jvm_flags: tuple[str, ...], classes: Path) -> None:
        self.home = scratch_dir("polyforge-javac-")
        env = {"PATH": os.path.dirname(java), "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "HOME": str(self.home)}
        try:
            self.proc = subprocess.Popen(
                [java, *jvm_flags, "-XX:+DisableAttachMechanism", "-cp", str(classes), "JavacService"],
                cwd=self.home,
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
                encoding="utf-8",
            )
        except OSError:
            shutil.rmtree(self.home, ignore_errors=True)
            raise

    def compile(self, program: str, timeout_s: float) -> tuple[int, str, dict[str, bytes]]:
        work = Path(tempfile.mkdtemp(prefix="p-", dir=self.home))
        try:
            (work / SOURCE).write_text(program, encoding="utf-8")
            assert self.proc.stdin is not None and self.proc.stdout is not None
            try:
                self.proc.stdin.write(f"{work}\n")
                self.proc.stdin.flush()
                ready, _, _ = select.select([self.proc.stdout], [], [], timeout_s)
                line = self.proc.stdout.readline() if ready else ""
            except OSError as exc:
                raise ServiceFailed(f"javac service: {exc}") from exc
            if not line.strip().lstrip("-").isdigit():
                raise ServiceFailed(f"javac service gave no answer within {timeout_s:g} s")
            code = int(line)
            if code not in (0, 1):
                raise ServiceFailed(f"javac exited {code}")
            text = (work / DIAGNOSTICS).read_text(encoding="utf-8", errors="replace")
            # As the reference prints them: relative to the work dir.
            text = text.replace(f"{work}/", "")
            files = {
                str(path.relative_to(work)): path.read_bytes()
                for path in sorted(work.rglob("*"))
                if path.is_file() and path.name != DIAGNOSTICS
            }
            return code, text, files
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.home, ignore_errors=True)


class JavacPool:
    """Services for concurrent callers of one process (threads): an idle one, else a new one."""

    def __init__(self) -> None:
        self._idle: list[_Service] = []
        self._lock = threading.Lock()
        self._pid = os.getpid()

    def compile(
        self, program: str, *, java: str, jvm_flags: tuple[str, ...], classes: Path, timeout_s: float
    ) -> tuple[int, str, dict[str, bytes]]:
        """(javac's exit code, 0 or 1; its diagnostics; the work dir's files: source and class files).
        `classes`: the compiled service."""
        with self._lock:
            if self._pid != os.getpid():  # a forked child: the services' pipes are the parent's
                self._idle, self._pid = [], os.getpid()
            service = self._idle.pop() if self._idle else None
        if service is None or not service.alive():
            if service is not None:
                service.close()
            try:
                service = _Service(java, jvm_flags, classes)
            except OSError as exc:
                raise ServiceFailed(f"javac service did not start: {exc}") from exc
        try:
            result = service.compile(program, timeout_s)
        except BaseException:
            service.close()
            raise
        with self._lock:
            self._idle.append(service)
        return result

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for service in idle:
            service.close()


pool = JavacPool()


def build(lang: Java, program: str, sandbox: Sandbox, limits: Limits) -> Build:
    """The program compiled by the service: its class files, nothing to compile in the sandbox. Compile errors
    raise CompileError (a compile-phase SyntaxError, as the reference's); anything else unusual gives the
    reference build."""
    from stages.sandbox.engine import SCRUBBED_PATH
    from stages.sandbox.runtimes import resolve

    compiler = resolve(lang.compile_argv(lang.program_file)[0], SCRUBBED_PATH)
    java = os.path.join(os.path.dirname(os.path.realpath(compiler)), "java") if compiler else None
    if compiler is None or java is None or not os.access(java, os.X_OK) or lang.program_file != SOURCE:
        return reference(lang, program)
    # The reference's heap and stacks (a compile that runs out of either fails alike); C1 only: a service
    # compiles tens to thousands of programs, too few for C2 to pay for itself.
    flags = tuple(f for f in lang.jvm_flags if f.startswith(("-Xmx", "-Xss"))) + (
        "-XX:+UseSerialGC",
        "-XX:TieredStopAtLevel=1",
    )
    try:
        classes = service_classes(compiler, sandbox)
        code, text, files = pool.compile(
            program, java=java, jvm_flags=flags, classes=classes, timeout_s=limits.compile_wall_s
        )
    except (ServiceFailed, OSError, subprocess.SubprocessError) as exc:
        log.debug("java: %s; compiling this program in the sandbox", exc)
        return reference(lang, program)
    if code != 0:
        raise CompileError(text)
    return Build(files=files, compile_argv=None)


def service_classes(javac: str, sandbox: Sandbox) -> Path:
    """The service compiled once per host by `javac` (our own source, nothing of a program)."""

    def make(work: Path) -> None:
        (work / "JavacService.java").write_text(_SERVICE)
        subprocess.run(
            [javac, "-encoding", "UTF-8", "JavacService.java"],
            cwd=work,
            env={"PATH": os.path.dirname(javac), "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "HOME": str(work)},
            capture_output=True,
            timeout=120,
            check=True,
        )

    return artefact(sandbox, f"javac-service-{tool_key(javac, _SERVICE)}", make)
