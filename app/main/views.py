"""Landing page, each role's home page, language choice."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user

from app.urls import safe_next_url

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    return render_template("main/index.html")


@bp.get("/accueil")
def home():
    """Each role's own home page, listing its entry points."""
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login", next=request.path))
    return render_template("main/home.html")


@bp.post("/langue")
def set_language():
    lang = request.form.get("lang", "")
    if lang not in current_app.config["LANGUAGES"]:
        abort(400)
    session["lang"] = lang
    return redirect(safe_next_url(request.form.get("next")) or url_for("main.index"))


@bp.get("/accessibilite")
def accessibility():
    return render_template("main/accessibility.html")


@bp.get("/donnees-personnelles")
def privacy():
    return render_template("main/privacy.html")
