"""The floors hold: no stage imports another, the core imports nothing above it (tools/layers.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools import layers


def test_the_repository_keeps_its_floors() -> None:
    assert layers.violations() == []


def test_the_check_catches_a_stage_importing_a_stage_and_the_core_reaching_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "crawler").mkdir()
    (tmp_path / "crawler" / "spider.py").write_text(
        "from boligarkiv.extract.formats import html_pages\nfrom boligarkiv.models import Document\n", encoding="utf-8"
    )
    (tmp_path / "core").mkdir()
    (tmp_path / "core" / "models.py").write_text("import boligarkiv.nlp.analysis\n", encoding="utf-8")
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "cli.py").write_text(
        "import boligarkiv.nlp.analysis\nimport boligarkiv.web.app\n", encoding="utf-8"
    )
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "app.py").write_text("from nlp.analysis import analyse_text\n", encoding="utf-8")
    monkeypatch.setattr(layers, "ROOT", tmp_path)
    found = layers.violations()
    assert any("crawler/spider.py:1: stage crawler imports boligarkiv.extract.formats" in v for v in found)
    assert any("core/models.py:1: the core imports boligarkiv.nlp.analysis" in v for v in found)
    assert any("web/app.py:1: imports nlp.analysis by its folder name" in v for v in found)  # names are unique
    assert not any("cli.py" in v for v in found)  # the application floor may import anything
    assert len(found) == 3
