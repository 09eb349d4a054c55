from flask import Blueprint

bp = Blueprint("occasional", __name__, url_prefix="/garde-ponctuelle")
