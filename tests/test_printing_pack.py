"""The whole print pack and `canhgiac print`: every handout in both languages, manifest.json
checked against the PDFs themselves, the disk cache (a rebuild with nothing changed renders
nothing; a change re-renders only what depends on it), and the command's messages and exit
codes. The pack is built once per module on two worker processes."""

from __future__ import annotations

import json
import shutil
from io import BytesIO
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from test_printing_render import decode_qr, normalise, page_sizes_mm, pdf_fonts, pdf_text

from canhgiac.content import load_catalog
from canhgiac.printing import render
from canhgiac.printing.commands import print_command
from canhgiac.printing.handouts import FORMATS
from canhgiac.printing.pack import MANIFEST, PdfCache, build_pack

from conftest import DEMO_CONTENT

PUBLIC = "https://canhgiac.example.org"
SRC = "cho-giao-phong"
KINDS = {"leaflet", "card", "poster", "quiz-sheet", "answer-key", "certificate"}
SIZES_MM = {
    "A4": (210.0, 297.0),
    "A4 landscape": (297.0, 210.0),
    "A5": (148.0, 210.0),
    "A3": (297.0, 420.0),
}


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("print-cache")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, cache_dir: Path):
    """The demo pack, built cold on two worker processes."""
    out = tmp_path_factory.mktemp("pack")
    catalog = load_catalog(DEMO_CONTENT)[0]
    ticks: list[str] = []
    result = build_pack(
        catalog,
        out,
        public_url=PUBLIC,
        src=SRC,
        cache=PdfCache(cache_dir),
        workers=2,
        progress=lambda handout: ticks.append(handout.name),
    )
    return result, out, ticks


@pytest.fixture(scope="module")
def manifest(built) -> list[dict]:
    _result, out, _ticks = built
    return json.loads((out / MANIFEST).read_text(encoding="utf-8"))


def copy_content(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(DEMO_CONTENT, root)
    return root


# --- The pack and its manifest ------------------------------------------------------------


def test_pack_has_every_handout_in_both_languages(built, manifest) -> None:
    result, out, ticks = built
    assert result.errors == []
    # 2 lessons x 5 lesson formats + 2 quizzes x 3 quiz formats, in vi and en.
    assert result.rendered == len(manifest) == len(ticks) == 32
    assert result.cached == 0
    assert {e["kind"] for e in manifest} == KINDS
    assert {e["lang"] for e in manifest} == {"vi", "en"}
    files = sorted(str(p.relative_to(out)) for p in out.rglob("*.pdf"))
    assert files == sorted(e["file"] for e in manifest)
    assert "vi/demo-otp_leaflet-a4_vi.pdf" in files
    assert "en/demo-qr_answer-key_en.pdf" in files


def test_manifest_entries_have_exactly_the_documented_fields(manifest) -> None:
    for entry in manifest:
        target = "lesson" if entry["kind"] in ("leaflet", "card", "poster") else "quiz"
        assert set(entry) == {"file", "kind", "lang", target, "page_size", "pages", "qr_url"}
        assert entry[target] in ("demo-otp", "demo-qr")


def expected_qr(entry: dict) -> str | None:
    if entry["kind"] in ("answer-key", "certificate"):
        return None
    if "quiz" in entry:
        return f"{PUBLIC}/q/{entry['quiz']}?src={SRC}"
    # The demo-otp lesson has a quiz; demo-qr has none, so its handouts lead to the lesson.
    if entry["lesson"] == "demo-otp":
        return f"{PUBLIC}/q/demo-otp?src={SRC}"
    return f"{PUBLIC}/l/demo-qr?src={SRC}"


def test_manifest_agrees_with_the_pdfs(built, manifest) -> None:
    _result, out, _ticks = built
    for entry in manifest:
        pdf = (out / entry["file"]).read_bytes()
        sizes = page_sizes_mm(pdf)
        assert len(sizes) == entry["pages"], entry
        assert set(sizes) == {SIZES_MM[entry["page_size"]]}, entry
        assert entry["qr_url"] == expected_qr(entry), entry
        if entry["kind"] == "leaflet" and entry["page_size"] == "A4 landscape":
            assert entry["pages"] == 2
        if entry["kind"] in ("card", "poster", "certificate"):
            assert entry["pages"] == 1


@pytest.mark.parametrize(
    "file",
    ["vi/demo-otp_leaflet-a4_vi.pdf", "en/demo-qr_card_en.pdf", "vi/demo-qr_poster-a3_vi.pdf",
     "en/demo-otp_quiz-sheet_en.pdf"],
)  # fmt: skip
def test_qr_codes_decode_to_the_manifest_url(built, manifest, file: str) -> None:
    _result, out, _ticks = built
    entry = next(e for e in manifest if e["file"] == file)
    codes = decode_qr((out / file).read_bytes())
    assert codes and set(codes) == {entry["qr_url"]}


def test_every_font_of_every_file_is_embedded(built, manifest) -> None:
    _result, out, _ticks = built
    for entry in manifest:
        fonts = pdf_fonts(out / entry["file"])
        assert fonts and all(f["emb"] == "yes" for f in fonts), (entry["file"], fonts)


def test_each_section_text_is_in_the_pdf(built) -> None:
    _result, out, _ticks = built
    catalog = load_catalog(DEMO_CONTENT)[0]
    lesson = catalog.lessons["demo-qr"]
    for fmt in ("leaflet-a4", "leaflet-a5"):
        for lang in ("vi", "en"):
            text = pdf_text(out / lang / f"demo-qr_{fmt}_{lang}.pdf")
            for name in ("red_flags", "do", "dont", "if_happened", "report"):
                for item in getattr(lesson, name):
                    assert normalise(item.get(lang)) in text, (fmt, lang, name)


# --- The cache ------------------------------------------------------------------------------


def test_a_rebuild_with_nothing_changed_renders_nothing(built, manifest, cache_dir) -> None:
    _result, out, _ticks = built
    before = {p: p.read_bytes() for p in out.rglob("*.pdf")}
    renders = render.RENDER_COUNT
    again = build_pack(
        load_catalog(DEMO_CONTENT)[0],
        out,
        public_url=PUBLIC,
        src=SRC,
        cache=PdfCache(cache_dir),
        workers=1,  # in this process, so that RENDER_COUNT would see any render
    )
    assert renders == render.RENDER_COUNT
    assert (again.rendered, again.cached, again.errors) == (0, 32, [])
    assert again.entries == manifest
    assert {p: p.read_bytes() for p in out.rglob("*.pdf")} == before


def test_a_changed_lesson_rerenders_only_its_handouts(tmp_path: Path, cache_dir: Path) -> None:
    root = copy_content(tmp_path)
    path = root / "lessons" / "demo-qr.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("Quét mã QR an toàn", "Quét mã QR cẩn thận"),
        encoding="utf-8",
    )
    result = build_pack(
        load_catalog(root)[0],
        tmp_path / "out",
        public_url=PUBLIC,
        src=SRC,
        cache=PdfCache(cache_dir),
        workers=1,
    )
    # The five lesson formats in two languages; the quizzes and the other lesson are cached.
    assert (result.rendered, result.cached) == (10, 22)
    assert "Quét mã QR cẩn thận" in pdf_text(tmp_path / "out/vi/demo-qr_poster-a4_vi.pdf")


def test_another_src_label_rerenders_only_handouts_with_a_code(tmp_path: Path, cache_dir) -> None:
    cache = PdfCache(tmp_path / "cache")
    shutil.copytree(cache_dir, cache.folder)
    result = build_pack(
        load_catalog(DEMO_CONTENT)[0],
        tmp_path / "out",
        public_url=PUBLIC,
        src="truong-thcs",
        languages=("vi",),
        cache=cache,
        workers=2,
    )
    # In Vietnamese: 10 lesson handouts and 2 quiz sheets carry a code; the answer keys and
    # certificates do not, and come from the cache.
    assert (result.rendered, result.cached) == (12, 4)
    assert decode_qr((tmp_path / "out/vi/demo-otp_card_vi.pdf").read_bytes())[0] == (
        f"{PUBLIC}/q/demo-otp?src=truong-thcs"
    )


def test_fewer_languages_remove_the_stale_files(built, tmp_path: Path, cache_dir) -> None:
    _result, out, _ticks = built
    copy = tmp_path / "pack"
    shutil.copytree(out, copy)
    result = build_pack(
        load_catalog(DEMO_CONTENT)[0],
        copy,
        public_url=PUBLIC,
        src=SRC,
        languages=("vi",),
        cache=PdfCache(cache_dir),
    )
    assert result.rendered == 0
    assert not list((copy / "en").glob("*.pdf"))
    assert len(json.loads((copy / MANIFEST).read_text())) == 16


def test_cache_prune_keeps_the_most_recent(tmp_path: Path, cache_dir: Path) -> None:
    cache = PdfCache(tmp_path / "cache")
    shutil.copytree(cache_dir, cache.folder)
    count = len(list(cache.folder.glob("*.json")))
    assert cache.prune(keep=5) == count - 5
    assert len(list(cache.folder.glob("*.pdf"))) == 5


# --- `canhgiac print` ---------------------------------------------------------------------


@pytest.fixture
def cli_env(monkeypatch, tmp_path: Path, cache_dir: Path) -> dict[str, str]:
    for name in ("CANHGIAC_PUBLIC_URL", "CANHGIAC_CONTENT", "CANHGIAC_LANGUAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CANHGIAC_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("CANHGIAC_PRINT_CACHE", str(cache_dir))
    return {}


def run(*args: str):
    return CliRunner().invoke(print_command, list(args), catch_exceptions=False)


def test_cli_builds_the_pack_from_the_cache(cli_env, tmp_path: Path) -> None:
    out = tmp_path / "pack"
    result = run(
        "--out", str(out), "--content", str(DEMO_CONTENT), "--public-url", PUBLIC, "--src", SRC
    )
    assert result.exit_code == 0, result.output
    assert f"wrote 32 PDFs to {out} (0 rendered, 32 from the cache)" in result.stdout
    assert f"manifest: {out / MANIFEST}" in result.stdout
    assert "Printing 32 handouts" in result.stderr
    assert len(json.loads((out / MANIFEST).read_text())) == 32


def small_content(tmp_path: Path) -> Path:
    """Content with one short lesson and no quiz: five handouts per language."""
    root = copy_content(tmp_path)
    for path in (root / "quizzes").glob("*.yaml"):
        path.unlink()
    (root / "lessons" / "demo-otp.yaml").unlink()
    return root


def test_cli_without_public_url_warns_loudly_but_prints(cli_env, tmp_path: Path) -> None:
    out = tmp_path / "pack"
    result = run("--out", str(out), "--content", str(small_content(tmp_path)), "--lang", "vi")
    assert result.exit_code == 0, result.output
    assert "WARNING: no PUBLIC_URL is set: the QR codes will point at http://127.0.0.1:5000" in (
        result.stderr
    )
    assert "!!!!!!!!!!" in result.stderr
    entries = json.loads((out / MANIFEST).read_text())
    assert {e["qr_url"] for e in entries} == {"http://127.0.0.1:5000/l/demo-qr"}


def test_cli_strict_refuses_no_or_private_public_url(cli_env, tmp_path: Path) -> None:
    out = tmp_path / "pack"
    for extra in ([], ["--public-url", "http://192.168.1.10:5000"]):
        result = run("--out", str(out), "--content", str(DEMO_CONTENT), "--strict", *extra)
        assert result.exit_code == 1
        assert "ERROR:" in result.stderr
        assert "canhgiac print: not printing with --strict" in result.stderr
        assert "Traceback" not in result.output
        assert not out.exists()
    result = run("--out", str(out), "--content", str(DEMO_CONTENT), "--public-url",
                 "http://192.168.1.10:5000", "--lang", "xx")  # fmt: skip
    assert "WARNING: PUBLIC_URL http://192.168.1.10:5000 is a local or private address" in (
        result.stderr
    )


def test_cli_public_url_from_the_configuration(cli_env, monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CANHGIAC_PUBLIC_URL", "https://from-config.example.org/")
    out = tmp_path / "pack"
    result = run("--out", str(out), "--content", str(small_content(tmp_path)), "--lang", "en",
                 "--strict")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "WARNING" not in result.stderr
    entries = json.loads((out / MANIFEST).read_text())
    assert {e["qr_url"] for e in entries} == {"https://from-config.example.org/l/demo-qr"}
    assert {e["lang"] for e in entries} == {"en"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--src", "Chợ Giáo Phòng"], "--src: the src label 'Chợ Giáo Phòng' is not valid"),
        (["--lang", "vi,fr"], "--lang: 'fr' is not one of the site's languages (vi, en)"),
        (["--public-url", "ftp://example.org"], "is not a web address"),
        (["--content", "/nonexistent/content"], "the content folder /nonexistent/content"),
    ],
)
def test_cli_bad_options_exit_1_with_a_message(cli_env, tmp_path: Path, args, message) -> None:
    base = ["--out", str(tmp_path / "pack"), "--public-url", PUBLIC, "--content", str(DEMO_CONTENT)]
    result = run(*base, *args)
    assert result.exit_code == 1
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_cli_content_errors_exit_1(cli_env, tmp_path: Path) -> None:
    root = copy_content(tmp_path)
    (root / "lessons" / "demo-qr.yaml").write_text("id: demo-qr\ntitle: [\n", encoding="utf-8")
    result = run("--out", str(tmp_path / "pack"), "--content", str(root), "--public-url", PUBLIC)
    assert result.exit_code == 1
    assert "lessons/demo-qr.yaml:" in result.stderr
    assert "the content has errors" in result.stderr


def test_cli_overflow_fails_naming_the_lesson_and_writes_no_manifest(
    cli_env, tmp_path: Path
) -> None:
    root = small_content(tmp_path)
    path = root / "lessons" / "demo-qr.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    long = "Kẻ gian dán mã QR của chúng lên mã của quán, rồi nhận tiền thay chủ quán. " * 12
    data["red_flags"] = [{"vi": f"{n}. {long}", "en": f"{n}. {long}"} for n in range(6)]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "pack"
    result = run("--out", str(out), "--content", str(root), "--public-url", PUBLIC, "--lang", "vi")
    assert result.exit_code == 1, result.output
    assert "error: lesson 'demo-qr': the A4 leaflet (vi) does not fit on two sides" in (
        result.stderr
    )
    assert "no manifest was written" in result.stderr
    assert not (out / MANIFEST).exists()
    assert "Traceback" not in result.output


def test_every_format_is_in_the_pack(manifest) -> None:
    sizes = {(e["kind"], e["page_size"]) for e in manifest}
    assert sizes == {(f.kind, f.page_size) for f in FORMATS.values()}


def test_pdfs_open_with_pypdf(built, manifest) -> None:
    from pypdf import PdfReader

    _result, out, _ticks = built
    for entry in manifest:
        reader = PdfReader(BytesIO((out / entry["file"]).read_bytes()))
        assert len(reader.pages) == entry["pages"]
