"""Invoices as PDF: the page's own HTML (payments/_invoice.html) laid out by WeasyPrint.

WeasyPrint needs Debian's pango (libpango-1.0-0, libpangoft2-1.0-0; `.ci/run` installs them).
It fetches nothing from the network: only the application's static files are read.
"""
from __future__ import annotations

from pathlib import Path

from flask import current_app, render_template

STYLESHEETS = ("css/invoice.css", "css/invoice-pdf.css")


def _static_only(url: str):
    """WeasyPrint's URL fetcher: the application's static files, nothing else."""
    from weasyprint.urls import default_url_fetcher

    static = Path(current_app.static_folder).resolve()
    if url.startswith("file://"):
        path = Path(url[len("file://"):]).resolve()
        if static in path.parents:
            return default_url_fetcher(url)
    raise ValueError(f"refused to fetch {url!r} while rendering a PDF")


def render_pdf(template: str, **context) -> bytes:
    from weasyprint import CSS, HTML

    static = Path(current_app.static_folder)
    html = render_template(template, **context)
    sheets = [CSS(filename=str(static / name), url_fetcher=_static_only) for name in STYLESHEETS]
    return HTML(string=html, base_url=str(static) + "/", url_fetcher=_static_only).write_pdf(stylesheets=sheets)


def invoice_pdf(invoice) -> bytes:
    return render_pdf("payments/invoice_pdf.html", invoice=invoice)
