from flask import Blueprint

bp = Blueprint("ram", __name__, url_prefix="/relais")
