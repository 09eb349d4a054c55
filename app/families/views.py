from flask import Blueprint

bp = Blueprint("families", __name__, url_prefix="/foyer")
