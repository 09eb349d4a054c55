"""Every spreadsheet export, read the way French spreadsheet users and analysts read it.

One writer (app/exports.py) serves every export. Here:
- the writer itself: `;`, BOM, decimal comma, formula-safe text, typed .xlsx cells;
- every export route of the URL map (any rule ending in .csv or .xlsx, so a new export cannot
  escape): pandas reads each table into the columns it claims, the workbook holds one sheet per
  table with the same columns, and a child, a household, a site and a Relais named like formulas
  reach no cell unescaped.
"""
from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import openpyxl
import pandas
import pytest
from sqlalchemy import select, update

from app.exports import Table, safe_text, to_csv, to_xlsx

EVIL = "=cmd|' /C calc'!A0"
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


# ----------------------------------------------------------------- the writer


def test_formula_triggers_are_neutralised_and_other_text_kept():
    for text in (EVIL, "+33 6 12", "-1+1", "@SUM(A1)", "\tx", "\rx"):
        assert safe_text(text) == "'" + text
    for text in ("Bessières", "O'Brien", "1+1", " =x", ""):
        assert safe_text(text) == text


def test_csv_is_what_french_excel_expects():
    table = Table("t", "Essai", ["Enfant", "Montant (€)", "Date", "Heure", "Présent", "Vide"])
    table.add("Léa Bessières", Decimal("-12.50"), date(2026, 3, 4), datetime(2026, 7, 1, 6, 30, tzinfo=UTC),
              True, None)
    table.add(EVIL, Decimal("3"), None, None, False, "a;b\"c")
    body = to_csv(table)
    assert body.startswith(b"\xef\xbb\xbf")  # BOM
    text = body.decode("utf-8-sig")
    assert text.split("\r\n")[0] == "Enfant;Montant (€);Date;Heure;Présent;Vide"
    assert text.split("\r\n")[1] == "Léa Bessières;-12,50;2026-03-04;2026-07-01 08:30:00;oui;"  # Paris time
    frame = pandas.read_csv(io.BytesIO(body), sep=";", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert list(frame.columns) == ["Enfant", "Montant (€)", "Date", "Heure", "Présent", "Vide"]
    assert frame.iloc[1].tolist() == ["'" + EVIL, "3", "", "", "non", "a;b\"c"]
    numbers = pandas.read_csv(io.BytesIO(body), sep=";", encoding="utf-8-sig", decimal=",")
    assert numbers["Montant (€)"].tolist() == [-12.5, 3.0]


def test_a_row_of_the_wrong_width_is_refused():
    table = Table("t", "Essai", ["A", "B"])
    with pytest.raises(ValueError):
        table.add(1)


def test_workbook_has_one_typed_sheet_per_table_and_no_formula():
    first = Table("a", "Lignes: mars/2026", ["Enfant", "Montant"])
    first.add(EVIL, Decimal("12.50"))
    second = Table("b", "Total", ["Total"])
    second.add(Decimal("12.50"))
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx([first, second])))
    assert book.sheetnames == ["Lignes  mars 2026", "Total"]
    sheet = book["Lignes  mars 2026"]
    assert sheet["A2"].value == "'" + EVIL and sheet["A2"].data_type == "s"
    assert sheet["B2"].value == 12.5 and sheet["B2"].data_type == "n"


# ----------------------------------------------------------------- every export route

# Per endpoint: who downloads it (a role of the security world), the query string, and per table
# (in workbook order) its slug and the columns it claims.
STATEMENT_TABLES = [
    ("lignes", ["Date", "Enfant", "Prestation", "Type", "Détail", "Prix unitaire (€)", "Part facturée (%)",
                "Montant (€)"]),
    ("total", ["Relevé", "Mois", "Foyer", "Total (€)"]),
]
EXPORTS = {
    "billing.statement_csv": ("parent_a", {}, STATEMENT_TABLES),
    "billing.caf_report_csv": ("director_x", {}, [
        ("synthese", ["Accueil", "Mois", "Rubrique", "Type d'accueil", "Catégorie", "Enfants", "Heures réalisées"]),
        ("detail", ["Date", "Enfant", "Type d'accueil", "Tranche d'âge", "Régime", "Créneaux",
                    "Heures prévues", "Heures retenues"]),
        ("total", ["Accueil", "Mois", "Enfants", "Heures réalisées"]),
    ]),
    "billing.caf_psu_export": ("director_x", {}, [
        ("psu", ["Structure", "Mois", "Enfants", "Demandes", "Heures réalisées", "Heures facturées"]),
    ]),
    "booking.allocation_export": ("director_x", {}, [
        ("seances", ["Date", "Séance", "Tranche d'âge", "Places", "Demandes", "Confirmées", "Liste d'attente",
                     "Refusées"]),
        ("tirage", ["Numéro de tirage", "Critères remplis", "Demandes", "Obtenues"]),
        ("regles", ["Règles de priorité, dans l'ordre", "Graine du tirage"]),
    ]),
    "inclusion.aeeh_csv": ("director_x", {"month": "2026-03"}, [
        ("complement-inclusif", ["Mois", "Accueil", "Enfants bénéficiaires de l'AEEH", "Heures réalisées",
                                 "Complément inclusif (€)"]),
    ]),
    "inclusion.audit_csv": ("admin", {}, [
        ("journal", ["Date et heure (Paris)", "N° de l'auteur", "Auteur", "Rôle", "N° de l'enfant", "Action", "Objet",
                     "Détail"]),
    ]),
    "payments.unpaid": ("admin", {}, [
        ("impayes", ["Facture", "Foyer", "Mois", "Échéance", "Jours de retard", "Montant (€)", "Payé (€)",
                     "Reste dû (€)", "État"]),
    ]),
    "payments.journal": ("admin", {}, [
        ("paiements", ["Date", "Heure", "Facture", "Foyer", "Moyen", "Référence", "Montant (€)"]),
        ("totaux", ["Jour", "Moyen", "Nombre", "Montant (€)"]),
    ]),
    "ram.observatory_csv": ("ram_staff", {"first_month": "2026-03", "last_month": "2026-04"}, [
        ("observatoire", ["Mois", "Relais", "Demandes reçues", "Demandes satisfaites", "Demandes en attente",
                          "Places libres moins de 3 ans", "Places libres 3 ans et plus",
                          "Demandes en horaires atypiques", "Assistantes maternelles en horaires atypiques"]),
    ]),
}
# Exports chosen by a query parameter on a page's own URL: (endpoint, role, URL, tables).
PAGE_EXPORTS = [("billing.provisional", "parent_a", "/facturation/provisoire", STATEMENT_TABLES)]
# Where the world's formula-like names must show up (escaped): proves the check sees them.
CARRIES_EVIL = {("billing.statement_csv", "lignes"), ("billing.caf_report_csv", "detail"),
                ("inclusion.audit_csv", "journal"), ("ram.observatory_csv", "observatoire"),
                ("billing.caf_report_csv", "synthese"), ("inclusion.aeeh_csv", "complement-inclusif"),
                ("billing.caf_psu_export", "psu")}


def _export_rules(app):
    return [r for r in app.url_map.iter_rules() if r.rule.endswith((".csv", ".xlsx"))]


def test_every_export_route_is_checked_here(app):
    assert {r.endpoint for r in _export_rules(app)} == set(EXPORTS)
    # Every export offers its workbook beside its CSV.
    for endpoint in EXPORTS:
        suffixes = {r.rule.rsplit(".", 1)[1] for r in _export_rules(app) if r.endpoint == endpoint}
        assert suffixes == {"csv", "xlsx"}, endpoint


def _poison_world(world) -> None:
    """Give formula-like names to what the exports show: a child, a household, a site, a Relais,
    the audit trail's labels. Statements are frozen at closing, so their stored names too."""
    from app.billing.models import Statement, StatementLine
    from app.extensions import db
    from app.families.models import Child
    from app.inclusion.models import AuditEntry
    from app.occasional.models import OccasionalProvider
    from app.ram.models import Relais
    from app.sites.models import Site

    db.session.execute(update(Child).values(first_name=EVIL, last_name="-2+3"))
    db.session.execute(update(StatementLine).values(child_name=EVIL))
    db.session.execute(update(Statement).values(household_name="@SUM(A1:A9)"))
    db.session.execute(update(Site).where(Site.id == world.ids["site_id"]).values(name="+33 Accueil X"))
    db.session.execute(update(Relais).values(name="-Relais\tévil"))
    db.session.execute(update(OccasionalProvider).values(name="=1+2 Multi-accueil"))
    db.session.execute(update(AuditEntry).values(actor_label=EVIL, detail="\r=1+1"))
    db.session.commit()
    assert db.session.scalar(select(Child.first_name).limit(1)) == EVIL


def _url(rule, world, query: dict) -> str:
    import re
    from urllib.parse import urlencode

    def value(match):
        name = match.group(2)
        if name == "month":
            return "2026-03"
        return str(world.ids[name])

    path = re.sub(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>", value, rule.rule)
    return path + ("?" + urlencode(query) if query else "")


def _check_csv(body: bytes, columns: list[str], where: str) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf"), f"{where}: no BOM"
    frame = pandas.read_csv(io.BytesIO(body), sep=";", encoding="utf-8-sig", dtype=str, keep_default_na=False,
                            on_bad_lines="error")
    assert list(frame.columns) == columns, where
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert all(len(row) == len(columns) for row in rows), f"{where}: rows of another width"
    for row in rows:
        for cell in row:
            assert not cell.startswith(TRIGGERS), f"{where}: unescaped cell {cell!r}"
    return rows


def _check_xlsx(body: bytes, tables, where: str) -> None:
    sheets = pandas.read_excel(io.BytesIO(body), sheet_name=None, dtype=str, keep_default_na=False)
    assert [list(frame.columns) for frame in sheets.values()] == [columns for _slug, columns in tables], where
    book = openpyxl.load_workbook(io.BytesIO(body))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{where}: formula in {sheet.title}!{cell.coordinate}"
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(TRIGGERS), f"{where}: unescaped {cell.value!r}"


def test_every_export_reads_into_its_columns_and_carries_no_formula(app, login_as):
    from tests.security.world import build_world

    world = build_world()
    _poison_world(world)
    clients = {}

    def client(role):
        if role not in clients:
            clients[role] = login_as(world.users[role])
        return clients[role]

    seen_evil = set()
    checked = 0
    for rule in _export_rules(app):
        role, query, tables = EXPORTS[rule.endpoint]
        where = f"{rule.endpoint} {rule.rule}"
        if rule.rule.endswith(".xlsx"):
            response = client(role).get(_url(rule, world, query))
            assert response.status_code == 200, where
            assert response.mimetype.endswith("spreadsheetml.sheet"), where
            _check_xlsx(response.data, tables, where)
            checked += 1
            continue
        for slug, columns in tables:
            response = client(role).get(_url(rule, world, {**query, "tableau": slug}))
            assert response.status_code == 200, f"{where} {slug}"
            assert response.headers["Content-Type"] == "text/csv; charset=utf-8", where
            assert "attachment" in response.headers["Content-Disposition"]
            rows = _check_csv(response.data, columns, f"{where} {slug}")
            if any(cell.startswith("'") and cell[1:].startswith(TRIGGERS) for row in rows for cell in row):
                seen_evil.add((rule.endpoint, slug))
            checked += 1
        # The first table is the default one.
        default = client(role).get(_url(rule, world, query)).data.decode("utf-8-sig").split("\r\n")[0]
        assert default == ";".join(tables[0][1]), where
    for endpoint, role, url, tables in PAGE_EXPORTS:
        for slug, columns in tables:
            response = client(role).get(f"{url}?format=csv&tableau={slug}")
            assert response.status_code == 200, f"{endpoint} {slug}"
            _check_csv(response.data, columns, f"{endpoint} {slug}")
        _check_xlsx(client(role).get(f"{url}?format=xlsx").data, tables, endpoint)
    assert checked == sum(len(t) + 1 for _r, _q, t in EXPORTS.values())
    assert seen_evil >= CARRIES_EVIL, CARRIES_EVIL - seen_evil


def test_an_unknown_table_is_not_found(app, login_as):
    from tests.security.world import build_world

    world = build_world()
    response = login_as(world.users["director_x"]).get(
        f"/accueils/tirages/{world.ids['period_id']}/export.csv?tableau=inconnu")
    assert response.status_code == 404
