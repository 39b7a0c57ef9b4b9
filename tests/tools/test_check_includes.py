"""scripts/check_includes.py: passes on the tree, fails on an upward include (in `make test`)."""
import pathlib
import shutil
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "check_includes.py"


def run(src):
    return subprocess.run([sys.executable, str(SCRIPT), str(src)], capture_output=True, text=True)


def test_tree_has_no_upward_include():
    r = run(ROOT / "src")
    assert r.returncode == 0, r.stderr


def test_an_upward_include_fails(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(ROOT / "src" / "kernels", src / "kernels")
    shutil.copytree(ROOT / "src" / "util", src / "util")
    assert run(src).returncode == 0
    # kernels/ reaching up into runner/: the cycle the backend seam removed.
    (src / "kernels" / "backend.h").write_text('#include "runner/batch_inputs.h"\n' +
                                               (src / "kernels" / "backend.h").read_text())
    r = run(src)
    assert r.returncode == 1
    assert "kernels/ includes runner/" in r.stderr


def test_tests_may_reach_up(tmp_path):
    src = tmp_path / "src"
    (src / "kernels").mkdir(parents=True)
    (src / "kernels" / "x_test.cc").write_text('#include "runner/batch_inputs.h"\n')
    assert run(src).returncode == 0
