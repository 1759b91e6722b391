"""CPU time is the program's own, in both isolations (bwrap's PID namespace hides it from wait4)."""

import signal

import pytest

from stages.sandbox import Limits, Sandbox, SandboxParams

pytestmark = [pytest.mark.runtime, pytest.mark.root, pytest.mark.serial]

BUSY = "x = 0\nfor i in range(3 * 10**6):\n    x += i\n"


@pytest.mark.parametrize("isolation", ["bwrap", "rlimits"])
def test_cpu_time_is_measured_and_exit_status_kept(isolation):
    sb = Sandbox(SandboxParams(isolation=isolation))
    busy = sb.run(["/usr/bin/python3", "busy.py"], files={"busy.py": BUSY}, limits=Limits(wall_s=30))
    assert busy.exit_code == 0 and busy.isolation == isolation
    assert busy.cpu_s > 0.05 and busy.cpu_s <= busy.wall_s + 0.05
    idle = sb.run(["/bin/sh", "-c", "sleep 0.3; exit 3"], limits=Limits(wall_s=30))
    assert idle.exit_code == 3 and idle.cpu_s < 0.1 and idle.wall_s >= 0.3
    crash = sb.run(["/bin/sh", "-c", "kill -SEGV $$"], limits=Limits(wall_s=30))
    assert crash.exit_code is None and crash.signal == signal.SIGSEGV


def test_cpu_limit_ends_a_busy_loop_and_reports_its_time():
    sb = Sandbox(SandboxParams(isolation="bwrap"))
    r = sb.run(["/usr/bin/python3", "-c", "while True: pass"], limits=Limits(wall_s=30, cpu_s=1))
    assert not r.timed_out and r.signal in (signal.SIGXCPU, signal.SIGKILL)
    assert 0.9 <= r.cpu_s <= 2.1
