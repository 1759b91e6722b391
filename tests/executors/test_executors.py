from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from exec_tasks import fail_on_three, logged_square, make_scratch, sandbox_uid, square_after_sleep

from stages.common import CommonParams
from stages.executors import UnhashableItem, content_key, make_executor
from stages.executors.local import LocalExecutor

pytestmark = [pytest.mark.runtime]


@pytest.fixture
def common(tmp_path: Path) -> CommonParams:
    return CommonParams(cache_dir=str(tmp_path / "cache"), workers=2)


def test_local_map_keeps_item_order_when_tasks_finish_out_of_order(common: CommonParams) -> None:
    items = [(i, 0.2 if i % 3 == 0 else 0.0) for i in range(12)]
    with make_executor(common) as ex:
        assert isinstance(ex, LocalExecutor)
        assert list(ex.map(square_after_sleep, items)) == [i * i for i in range(12)]


def test_map_pulls_items_lazily_within_its_window(common: CommonParams) -> None:
    pulled = []

    def items():
        for i in range(1000):
            pulled.append(i)
            yield (i, 0.0)

    with make_executor(common) as ex:
        results = ex.map(square_after_sleep, items())
        first = [next(results) for _ in range(5)]
        assert first == [0, 1, 4, 9, 16]
        assert len(pulled) <= 5 + ex.window
        results.close()


def test_cache_resumes_without_recomputing_and_recomputes_only_changed_items(
    common: CommonParams, tmp_path: Path
) -> None:
    log = tmp_path / "calls.log"
    items = [{"x": x, "log": str(log)} for x in range(6)]
    by_x = {"key": lambda item: item["x"]}
    with make_executor(common) as ex:
        first = list(ex.map(logged_square, items, cache="squares", **by_x))
    assert sorted(log.read_text().split()) == [str(x) for x in range(6)]
    log.write_text("")
    with make_executor(common) as ex:
        again = list(ex.map(logged_square, items, cache="squares", **by_x))
        assert again == first  # stored results, pids included: nothing ran
        assert log.read_text() == ""
        changed = items[:5] + [{"x": 7, "log": str(log)}]
        out = list(ex.map(logged_square, changed, cache="squares", **by_x))
    assert [r["square"] for r in out] == [0, 1, 4, 9, 16, 49]
    assert log.read_text().split() == ["7"]
    assert (Path(common.cache_dir) / "executor" / "squares.sqlite").exists()


def test_a_failing_task_raises_its_own_exception_naming_the_item(common: CommonParams) -> None:
    with make_executor(common) as ex, pytest.raises(ValueError, match="bad value 3") as info:
        list(ex.map(fail_on_three, range(6)))
    assert "item #3" in " ".join(getattr(info.value, "__notes__", []))


def test_scratch_dirs_made_in_workers_are_gone_when_the_pool_closes(common: CommonParams) -> None:
    """Workers leave by os._exit, skipping atexit: their linters' and compilers' temp dirs must still go."""
    with make_executor(common) as executor:
        made = list(executor.map(make_scratch, [f"polyforge-test-{os.getpid()}-{i}-" for i in range(4)]))
        assert all(Path(p).is_dir() for p in made)
    assert not any(Path(p).exists() for p in made)


def test_content_key_is_canonical_and_rejects_opaque_items() -> None:
    assert content_key({"b": 1, "a": (1, 2)}) == content_key({"a": [1, 2], "b": 1})
    assert content_key({"a": 1}) != content_key({"a": 2})
    with pytest.raises(UnhashableItem, match="pass key="):
        content_key(object())


def test_each_local_worker_runs_sandboxed_programs_under_its_own_uid(common: CommonParams) -> None:
    if os.geteuid() != 0:
        pytest.skip("uid switching needs root")
    with make_executor(common) as ex:
        pairs = list(ex.map(sandbox_uid, range(8)))
    uids_by_worker: dict[int, set[int]] = {}
    for pid, uid in pairs:
        uids_by_worker.setdefault(pid, set()).add(uid)
    all_uids = [u for s in uids_by_worker.values() for u in s]
    assert all(uid != 0 for uid in all_uids)
    assert len(all_uids) == len(set(all_uids))  # no uid shared between two workers


@pytest.fixture(scope="module")
def local_ray():
    ray = pytest.importorskip("ray", reason="ray is not installed (pip install 'polyforge[ray]')")
    here = str(Path(__file__).parent)
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        log_to_driver=False,
        runtime_env={"env_vars": {"PYTHONPATH": os.pathsep.join([here, *sys.path])}},
    )
    yield ray
    ray.shutdown()


def test_ray_executor_matches_local_results_in_order(local_ray, tmp_path: Path) -> None:
    common = CommonParams(cache_dir=str(tmp_path / "cache"), executor="ray", workers=2)
    items = [(i, 0.1 if i % 4 == 0 else 0.0) for i in range(10)]
    with make_executor(common) as ex:
        assert ex.name == "ray"
        assert list(ex.map(square_after_sleep, items)) == [i * i for i in range(10)]
        with pytest.raises(ValueError, match="bad value 3"):
            list(ex.map(fail_on_three, range(5)))
    assert local_ray.is_initialized()  # it joined the test's instance, so it must not shut it down


def test_ray_executor_resumes_from_the_same_cache(local_ray, tmp_path: Path) -> None:
    common = CommonParams(cache_dir=str(tmp_path / "cache"), executor="ray", workers=2)
    log = tmp_path / "calls.log"
    items = [{"x": x, "log": str(log)} for x in range(4)]
    with make_executor(common) as ex:
        first = list(ex.map(logged_square, items, cache="sq", key=lambda i: i["x"]))
    log.write_text("")
    with make_executor(common) as ex:
        assert list(ex.map(logged_square, items, cache="sq", key=lambda i: i["x"])) == first
    assert log.read_text() == ""
