"""The home page: every topic with its lessons and quizzes."""

from __future__ import annotations

from flask import Blueprint, render_template

from .. import get_catalog
from .pages import shared_page

bp = Blueprint("home", __name__)


@bp.get("/")
def index() -> str:
    catalog = get_catalog()
    return shared_page(lambda: render_template("home.html", topics=list(catalog.topics())))
