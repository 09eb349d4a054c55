from flask import Blueprint

bp = Blueprint("booking", __name__, url_prefix="/accueils")
