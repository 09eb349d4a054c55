from flask import Blueprint

bp = Blueprint("inclusion", __name__, url_prefix="/inclusion")
