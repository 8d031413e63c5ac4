"""scripts/check-layers.py refuses includes that go up or sideways and accepts the tree's own."""
import pathlib
import subprocess
import sys
import tempfile
import unittest

SCRIPT = pathlib.Path(__file__).resolve().parents[2] / "scripts" / "check-layers.py"


def run(root):
    return subprocess.run([sys.executable, str(SCRIPT), str(root)], capture_output=True, text=True)


def tree(files):
    d = tempfile.TemporaryDirectory()
    for rel, text in files.items():
        p = pathlib.Path(d.name) / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return d


class CheckLayersTest(unittest.TestCase):
    def test_an_include_downwards_is_fine(self):
        with tree({"reconcilers/apply/a.cpp": '#include "kube/client.h"\n#include "reconcilers/render/render.h"\n'}) as d:
            self.assertEqual(run(d).returncode, 0)

    def test_kube_including_the_controller_fails_and_names_the_line(self):
        with tree({"kube/client.cpp": '// x\n#include "controller/manager.h"\n'}) as d:
            r = run(d)
            self.assertEqual(r.returncode, 1)
            self.assertIn("kube/client.cpp:2", r.stdout)

    def test_render_including_apply_fails(self):
        with tree({"reconcilers/render/render.cpp": '#include "reconcilers/apply/applier.h"\n'}) as d:
            self.assertEqual(run(d).returncode, 1)

    def test_render_including_the_cluster_client_fails(self):
        with tree({"reconcilers/render/render.cpp": '#include "kube/client.h"\n'}) as d:
            self.assertEqual(run(d).returncode, 1)

    def test_the_engine_knows_no_istio(self):
        with tree({"template/engine.cpp": '#include "reconcilers/api/labels.h"\n'}) as d:
            self.assertEqual(run(d).returncode, 1)


if __name__ == "__main__":
    unittest.main()
