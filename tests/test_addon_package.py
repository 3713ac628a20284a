"""The .ankiaddon written by the build: Anki's layout, manifest, no caches, identical bytes, and
plain modules that import without Anki's GUI."""
from __future__ import annotations

import json
import subprocess
import sys
import zipfile

from conftest import ROOT

from builder import addon_package


def test_build_writes_the_addon(built_package):
    dist, _, _ = built_package
    path = dist / "genai-interview-prep.ankiaddon"
    assert path.is_file()
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        manifest = json.loads(zf.read("manifest.json"))
        assert zf.testzip() is None
        assert zf.read("__init__.py") == (ROOT / "addon" / "__init__.py").read_bytes()
    for required in ("manifest.json", "__init__.py", "config.json", "config.md", "panel/links.py",
                     "panel/controller.py", "panel/dock.py", "panel/view.py", "panel/preview.py",
                     "common/sanitize.py", "dashboard/stats.py", "dashboard/report.py", "report.py",
                     "core/settings.py", "core/notetypes.json",
                     "core/__init__.py", "core/texsafe.py", "core/tex_allowlist.json",
                     "core/topic_names.py", "core/topic_names.json"):
        assert required in names, required
    top = {n.split("/")[0] for n in names if "/" in n}
    assert top == {p.name for p in (ROOT / "addon").iterdir() if p.is_dir() and p.name not in addon_package._SKIP_DIRS}, \
        "files sit at the root (no top folder), subpackages keep their folders"
    assert not any("__pycache__" in n or n.endswith((".pyc", ".pyo")) or n == "meta.json" for n in names)
    assert names[0] == "manifest.json" and names[1:] == sorted(names[1:])
    assert manifest["package"] == "genai_interview_prep" and manifest["name"]
    assert int(manifest["min_point_version"]) >= 231000
    assert manifest["human_version"] and manifest["homepage"].startswith("https://")
    assert json.loads(zf_read(path, "config.json")) == json.loads((ROOT / "addon" / "config.json").read_text())


def zf_read(path, name):
    with zipfile.ZipFile(path) as zf:
        return zf.read(name)


def test_package_is_deterministic_and_skips_caches(tmp_path):
    addon = tmp_path / "addon"
    import shutil
    shutil.copytree(ROOT / "addon", addon, ignore=shutil.ignore_patterns("__pycache__"))
    a = addon_package.build(tmp_path / "a", addon_dir=addon).read_bytes()
    (addon / "__pycache__").mkdir()
    (addon / "__pycache__" / "links.cpython-311.pyc").write_bytes(b"junk")
    (addon / "stray.pyc").write_bytes(b"junk")
    (addon / "meta.json").write_text('{"config": {}}')
    import os
    import time
    os.utime(addon / "panel" / "links.py", (time.time() + 100, time.time() + 100))  # mtimes never reach the zip
    b = addon_package.build(tmp_path / "b", addon_dir=addon).read_bytes()
    assert a == b
    (addon / "panel" / "links.py").write_text((addon / "panel" / "links.py").read_text() + "\n# changed\n")
    assert addon_package.build(tmp_path / "c", addon_dir=addon).read_bytes() != a


def test_manifest_is_checked(tmp_path):
    bad = tmp_path / "manifest.json"
    bad.write_text(json.dumps({"package": "x", "name": "y", "min_point_version": 230600}))
    import pytest
    with pytest.raises(ValueError, match="min_point_version"):
        addon_package.build(tmp_path / "out", manifest=bad)
    bad.write_text(json.dumps({"name": "y", "min_point_version": 231000}))
    with pytest.raises(ValueError, match="package"):
        addon_package.build(tmp_path / "out", manifest=bad)
    assert not (tmp_path / "out" / addon_package.FILE_NAME).exists()


def test_plain_modules_import_without_the_gui(tmp_path, built_package):
    """Install the packed add-on under its package name and import its plain modules with aqt blocked."""
    dist, _, _ = built_package
    target = tmp_path / "addons21" / "genai_interview_prep"
    with zipfile.ZipFile(dist / "genai-interview-prep.ankiaddon") as zf:
        zf.extractall(target)
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('aqt', 'PyQt6', '_aqt'):\n"
        "            raise ImportError('GUI blocked: ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "import importlib, types\n"
        f"pkg = types.ModuleType('genai_interview_prep'); pkg.__path__ = [{str(target)!r}]\n"
        "sys.modules['genai_interview_prep'] = pkg\n"
        "for m in ('core.settings', 'common.sanitize', 'panel', 'panel.links', 'panel.view', 'dashboard',\n"
        "          'dashboard.view', 'dashboard.stats', 'dashboard.readiness', 'dashboard.report', 'core.texsafe'):\n"
        "    importlib.import_module('genai_interview_prep.' + m)\n"
        "from genai_interview_prep.core import texsafe\n"
        "assert texsafe.find_forbidden('\\\\(\\\\href{javascript:x}{y}\\\\)') == ['\\\\href']\n"
        "from genai_interview_prep.panel import links, view as panel_html\n"
        "d = links.PanelData(kind='qa', side='question', topic='RAG', message=links.REVEAL_MESSAGE)\n"
        "print(panel_html.render(d, {}))\n"
        "assert not any(k.split('.')[0] in ('aqt', 'PyQt6') for k in sys.modules)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "Reveal the answer" in proc.stdout and "RAG" in proc.stdout


def test_package_ships_the_taxonomy_display_names(built_package, tmp_path):
    # the add-on cannot read decks/topics.yaml: the build writes its names into core/topic_names.json
    from addon.core import topic_names
    from builder.topics import load_taxonomy
    dist, _, _ = built_package
    tax = load_taxonomy(ROOT / "decks" / "topics.yaml")
    shipped = topic_names.parse(zf_read(dist / "genai-interview-prep.ankiaddon", "core/topic_names.json").decode())
    assert shipped == {p.lower(): tax.name(p) for p in tax.paths}
    assert topic_names.display_name("GenAI::Ethics_Safety::Bias_Fairness", shipped) == "Bias & fairness"
    assert topic_names.display_name("genai::ethics_safety::bias_fairness", shipped) == "Bias & fairness"
    # another deck's tags read as words; no JSON file in the source folder (one definition: topics.yaml)
    assert topic_names.display_name("Physics::Quantum_Mechanics", shipped) == "Quantum Mechanics"
    assert not (ROOT / "addon" / "core" / "topic_names.json").exists()
    # a build from another taxonomy ships that taxonomy's names
    other = addon_package.build(tmp_path, topic_names={"GenAI::X_Y": "Ex why"})
    assert topic_names.parse(zf_read(other, "core/topic_names.json").decode()) == {"genai::x_y": "Ex why"}
    assert topic_names.parse("not json") == {} and topic_names.parse('{"format": 2, "names": {}}') == {}
