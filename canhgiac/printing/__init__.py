"""Printed handouts: leaflets, pocket cards, posters, paper quizzes, answer keys and
certificates, rendered to PDF from the same catalog as the web pages (see docs/printing.md).

Modules: ``qr`` (links and vector QR codes), ``handouts`` (what exists and its context),
``render`` (WeasyPrint, offline, with fit checks), ``pack`` (the whole pack, the disk cache and
manifest.json), ``commands`` (`canhgiac print`). WeasyPrint is imported only when rendering.
"""

from .handouts import FORMATS, KINDS, Handout, Job, handouts_for, job_for, parse_name
from .pack import PdfCache, build_pack, get_or_render
from .qr import build_url, check_public_url, check_src_label, qr_svg
from .render import PrintError, render_job

__all__ = [
    "FORMATS",
    "KINDS",
    "Handout",
    "Job",
    "PdfCache",
    "PrintError",
    "build_pack",
    "build_url",
    "check_public_url",
    "check_src_label",
    "get_or_render",
    "handouts_for",
    "job_for",
    "parse_name",
    "qr_svg",
    "render_job",
]
