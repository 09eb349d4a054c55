from flask import Blueprint

bp = Blueprint("booking", __name__, url_prefix="/accueils")
from app.booking import allocation_views  # noqa: E402,F401  (allocation by draw pages)
