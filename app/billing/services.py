"""Statements: charging rules, provisional statements, closing a month, reading statements.

Closing a month writes one frozen statement per household with activity and
records the month as closed, in one transaction. A closed month is never
rewritten: when a source later answers differently for one of its lines
(an absence justified afterwards, a booking cancelled by the centre), the
difference becomes an adjustment line on the statement of the next month
closed. Amounts are Decimal, rounded half up to the cent per line.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from flask import current_app
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app import clock, months, rules
from app.accounts.access import require
from app.accounts.models import User
from app.billing.access import Action
from app.billing.models import BillingMonth, LineKind, Statement, StatementLine
from app.billing.registry import BillingRules, LineDraft, money, statement_closed_hooks, statement_sources
from app.errors import Conflict, NotFound, ValidationFailed
from app.exports import Table
from app.extensions import db
from app.families.models import Household, HouseholdMember
from app.transactions import rollback, use_case

ZERO = Decimal("0.00")


# ---------------------------------------------------------------- months

def parse_month(value: str | date) -> tuple[date, date]:
    """(first day, last day) of "YYYY-MM" or of the month of a date. Raises ValidationFailed."""
    return months.parse_month(value)


def month_label(first: date) -> str:
    return str(format_date(first, "MMMM yyyy"))


def _previous_month(first: date) -> date:
    return (first.replace(day=1) - timedelta(days=1)).replace(day=1)


# ---------------------------------------------------------------- rules

CHARGE_LATE_CANCELLATIONS = rules.define(
    "billing.charge_late_cancellations", kind=bool, default=True,
    label=_l("Facturer les annulations hors délai"),
    source=_l("Règlement de fonctionnement des accueils de loisirs (délibération du conseil communautaire)"))
LATE_CANCELLATION_SHARE = rules.define(
    "billing.late_cancellation_share", kind=Decimal, default=Decimal("1.00"), minimum=Decimal("0"),
    maximum=Decimal("1"), unit=_l("part du prix (0 à 1)"),
    label=_l("Part du prix facturée pour une annulation hors délai"),
    source=_l("Règlement de fonctionnement des accueils de loisirs (délibération du conseil communautaire)"))
CHARGE_UNJUSTIFIED_ABSENCES = rules.define(
    "billing.charge_unjustified_absences", kind=bool, default=True,
    label=_l("Facturer les absences non justifiées"),
    source=_l("Règlement de fonctionnement des accueils de loisirs (délibération du conseil communautaire)"))
EARLIEST = date(2000, 1, 1)


def current_rules(on: date | None = None) -> BillingRules:
    """The charging rules in force on `on` (today by default): dated rules, see the settings page.

    A month is charged with the rules in force on its last day."""
    day = on or clock.today()
    return BillingRules(CHARGE_LATE_CANCELLATIONS.value(on=day), money(LATE_CANCELLATION_SHARE.value(on=day)),
                        CHARGE_UNJUSTIFIED_ABSENCES.value(on=day))


def _first_open_month() -> date:
    last_closed = db.session.scalar(select(BillingMonth.month).order_by(BillingMonth.month.desc()).limit(1))
    if last_closed is None:
        return EARLIEST
    return (last_closed.replace(day=28) + timedelta(days=4)).replace(day=1)


@use_case
def update_rules(user: User, *, charge_late_cancellations: bool, late_cancellation_share: Decimal,
                 charge_unjustified_absences: bool) -> BillingRules:
    """Change the charging rules for the months not closed yet (administrator).

    Records the three dated rules from the first month not closed yet; closed
    months keep the rules they were closed with. Raises Forbidden, ValidationFailed.
    """
    require(user, Action.MANAGE_BILLING)
    share = money(late_cancellation_share)
    if not ZERO <= share <= Decimal("1.00"):
        raise ValidationFailed(_("La part facturée doit être comprise entre 0 et 100 %."),
                               field="late_cancellation_percent")
    start = _first_open_month()
    note = str(_l("Réglages de facturation"))
    rules.set_value(CHARGE_LATE_CANCELLATIONS.key, bool(charge_late_cancellations), valid_from=start,
                    by_user_id=user.id, note=note)
    rules.set_value(LATE_CANCELLATION_SHARE.key, share, valid_from=start, by_user_id=user.id, note=note)
    rules.set_value(CHARGE_UNJUSTIFIED_ABSENCES.key, bool(charge_unjustified_absences), valid_from=start,
                    by_user_id=user.id, note=note)
    return current_rules(max(start, clock.today()))


def _rules_of(month: BillingMonth) -> BillingRules:
    return BillingRules(month.charge_late_cancellations, money(month.late_cancellation_share),
                        month.charge_unjustified_absences)


# ---------------------------------------------------------------- computing lines

def month_drafts(first: date, last: date, household_id: int | None, rules: BillingRules) -> list[LineDraft]:
    drafts: list[LineDraft] = []
    for source in statement_sources():
        drafts.extend(source(first, last, household_id, rules))
    return drafts


def _lookback_start(first: date) -> date:
    months = int(current_app.config.get("BILLING_ADJUSTMENT_LOOKBACK_MONTHS", 12))
    start = first
    for _i in range(months):
        start = _previous_month(start)
    return start


def adjustment_drafts(first: date, household_id: int | None = None) -> list[tuple[date, LineDraft]]:
    """Corrections of the closed months before `first`: (month concerned, adjustment draft).

    For each closed month (within BILLING_ADJUSTMENT_LOOKBACK_MONTHS), what
    its sources say now, under the rules the month was closed with, is
    compared with everything already billed for it (original lines and
    earlier adjustments), reference by reference.
    """
    closed = list(db.session.scalars(select(BillingMonth).where(
        BillingMonth.month < first, BillingMonth.month >= _lookback_start(first)).order_by(BillingMonth.month)))
    if not closed:
        return []
    # Statements of a deleted household are kept as records but never adjusted.
    query = (select(StatementLine, Statement.household_id).join(Statement)
             .where(StatementLine.concerns_month.in_([m.month for m in closed]),
                    Statement.household_id.is_not(None))
             .order_by(StatementLine.id))
    if household_id is not None:
        query = query.where(Statement.household_id == household_id)
    billed: dict[tuple[date, int, str], Decimal] = defaultdict(lambda: ZERO)
    last_line: dict[tuple[date, int, str], StatementLine] = {}
    for line, hh in db.session.execute(query):
        key = (line.concerns_month, hh, line.reference)
        billed[key] += line.amount
        if line.kind is not LineKind.ADJUSTMENT or key not in last_line:
            last_line[key] = line
    result = []
    for month in closed:
        month_first, month_last = parse_month(month.month)
        truth = {(month_first, d.household_id, d.reference): d
                 for d in month_drafts(month_first, month_last, household_id, _rules_of(month))}
        keys = sorted({k for k in billed if k[0] == month_first} | set(truth),
                      key=lambda k: (k[1], k[2]))
        for key in keys:
            due = truth[key].amount if key in truth else ZERO
            diff = money(due - billed.get(key, ZERO))
            if diff == ZERO:
                continue
            result.append((month_first, _adjustment(key, truth.get(key), last_line.get(key),
                                                    billed.get(key, ZERO), due, diff)))
    return result


def _adjustment(key: tuple[date, int, str], now: LineDraft | None, before: StatementLine | None, billed: Decimal, due: Decimal,
                diff: Decimal) -> LineDraft:
    month_first, household_id, reference = key
    base = now or before
    reason = now.detail if now is not None else _("prestation annulée")
    detail = _("Régularisation de %(month)s : facturé %(billed)s €, dû %(due)s € (%(reason)s)",
               month=month_label(month_first), billed=_fr(billed), due=_fr(due), reason=reason)
    return LineDraft(household_id=household_id, source=getattr(base, "source", "booking"), reference=reference,
                     kind=LineKind.ADJUSTMENT.value, day=getattr(base, "day", None),
                     child_name=getattr(base, "child_name", ""), label=getattr(base, "label", reference),
                     detail=detail, unit_price=None, share=None, amount=diff)


def _fr(amount: Decimal) -> str:
    return f"{money(amount):.2f}".replace(".", ",")


@dataclass
class StatementView:
    """A statement to show: frozen (statement set) or provisional (computed now)."""

    household: Household | None  # None once a purged household's frozen statement outlives it
    first: date
    last: date
    lines: list[Any] = field(default_factory=list)  # StatementLine or LineDraft (same attribute names)
    total: Decimal = ZERO
    statement: Statement | None = None
    adjustments_from: dict[Any, Any] = field(default_factory=dict)

    @property
    def frozen(self) -> bool:
        return self.statement is not None


def _order(draft: LineDraft) -> tuple[bool, date, str, str]:
    return (draft.kind == LineKind.ADJUSTMENT.value, draft.day or date.min, draft.child_name, draft.reference)


def _is_closed(first: date) -> bool:
    return db.session.scalar(select(BillingMonth.id).where(BillingMonth.month == first)) is not None


# ---------------------------------------------------------------- use cases

@dataclass
class CloseResult:
    month: date
    already_closed: bool
    statements: int
    total: Decimal


@use_case
def close_month(month: str | date, user: User | None = None, today: date | None = None) -> CloseResult:
    """Freeze a finished month: one statement per household with activity (lines or adjustments).

    Idempotent: a month already closed is left untouched and reported as such
    (also when two closings race: the unique month row decides). `user` is
    None for the command line; otherwise it must be an administrator.
    Raises Forbidden, ValidationFailed (bad month), Conflict (month not over,
    or a later month already closed).
    """
    if user is not None:
        require(user, Action.MANAGE_BILLING)
    first, last = parse_month(month)
    today = today or clock.today()
    existing = db.session.scalar(select(BillingMonth).where(BillingMonth.month == first))
    if existing is not None:
        result = CloseResult(first, True, existing.statements_count, existing.total)
        rollback()
        return result
    if last >= today:
        raise Conflict(_("Le mois de %(month)s n'est pas terminé : il ne peut pas encore être clôturé.",
                         month=month_label(first)), code="month_not_over")
    later = db.session.scalar(select(BillingMonth.month).where(BillingMonth.month > first).limit(1))
    if later is not None:
        raise Conflict(_("Le mois de %(month)s est déjà clôturé : un mois antérieur ne peut plus l'être.",
                         month=month_label(later)), code="later_month_closed")
    month_rules = current_rules(last)
    closing = BillingMonth(month=first, closed_by_id=user.id if user else None,
                           charge_late_cancellations=month_rules.charge_late_cancellations,
                           late_cancellation_share=month_rules.late_cancellation_share,
                           charge_unjustified_absences=month_rules.charge_unjustified_absences)
    db.session.add(closing)
    try:
        db.session.flush()
    except IntegrityError:
        rollback()
        existing = db.session.scalar(select(BillingMonth).where(BillingMonth.month == first))
        return CloseResult(first, True, existing.statements_count if existing else 0,
                           existing.total if existing else ZERO)
    by_household: dict[int, list[LineDraft]] = defaultdict(list)
    for draft in month_drafts(first, last, None, month_rules):
        by_household[draft.household_id].append(draft)
    adjustments = adjustment_drafts(first)
    for _concerns, draft in adjustments:
        by_household[draft.household_id].append(draft)
    concerns_of = {id(d): m for m, d in adjustments}
    households = {h.id: h for h in db.session.scalars(
        select(Household).where(Household.id.in_(list(by_household)))
        .options(selectinload(Household.commune), selectinload(Household.members)
                 .selectinload(HouseholdMember.user)))} if by_household else {}
    grand_total = ZERO
    for household_id in sorted(by_household):
        household = households[household_id]
        drafts = sorted(by_household[household_id], key=_order)
        statement = Statement(
            number=f"{first:%Y%m}-{household_id:06d}", household_id=household_id, month=first,
            household_name=household.name, household_address=_address(household),
            family_quotient=household.family_quotient,
            family_quotient_valid_until=household.family_quotient_valid_until,
            resident=household.is_resident, total=money(sum((d.amount for d in drafts), ZERO)))
        for position, d in enumerate(drafts, start=1):
            statement.lines.append(StatementLine(
                position=position, kind=LineKind(d.kind), source=d.source, reference=d.reference,
                concerns_month=concerns_of.get(id(d), first), day=d.day, child_name=d.child_name[:200],
                label=d.label[:300], detail=d.detail[:300], unit_price=d.unit_price, share=d.share,
                amount=money(d.amount)))
        db.session.add(statement)
        db.session.flush()
        for hook in statement_closed_hooks():
            hook(statement)
        grand_total += statement.total
        _notify_guardians(household, statement)
    closing.statements_count = len(by_household)
    closing.total = money(grand_total)
    return CloseResult(first, False, len(by_household), money(grand_total))


def _address(household: Household) -> str:
    commune = household.commune.name if household.commune else ""
    return ", ".join(part for part in (household.address, commune) if part)


def _notify_guardians(household: Household, statement: Statement) -> None:
    from app.notifications.outbox import notify

    for member in household.members:
        if member.user.active:
            notify("billing.statement_ready", member.user,
                   {"month": month_label(statement.month), "total": _fr(statement.total),
                    "path": f"/facturation/releves/{statement.id}"},
                   dedup_key=f"statement:{statement.number}:{member.user_id}")


def provisional_statement(user: User, month: str | date | None = None, today: date | None = None) -> StatementView:
    """The parent's statement of a month not closed yet, computed now (nothing written).

    Includes the adjustments the next closing would add. Raises NotFound
    (no household), Conflict (the month is closed: read its statement instead).
    """
    from app.booking.access import household_of

    household = household_of(user)
    if household is None:
        raise NotFound()
    first, last = parse_month(month or (today or clock.today()))
    if _is_closed(first):
        raise Conflict(_("Ce mois est clôturé : consultez son relevé."), code="month_closed")
    drafts = month_drafts(first, last, household.id, current_rules(last))
    drafts += [d for _m, d in adjustment_drafts(first, household.id)]
    drafts.sort(key=_order)
    view = StatementView(household, first, last, drafts, money(sum((d.amount for d in drafts), ZERO)))
    rollback()
    return view


def household_statements(user: User) -> list[Statement]:
    """The statements of the user's household, newest first (empty without a household)."""
    from app.booking.access import household_of

    household = household_of(user)
    if household is None:
        return []
    return list(db.session.scalars(select(Statement).where(Statement.household_id == household.id)
                                   .order_by(Statement.month.desc())))


def get_statement(user: User, statement_id: int) -> StatementView:
    """A frozen statement with its lines. Raises NotFound (another household's, or missing)."""
    statement = db.session.scalar(select(Statement).where(Statement.id == statement_id)
                                  .options(selectinload(Statement.lines), selectinload(Statement.household)))
    if statement is None:
        raise NotFound()
    require(user, Action.VIEW_STATEMENT, statement)
    first, last = parse_month(statement.month)
    return StatementView(statement.household, first, last, list(statement.lines), statement.total, statement)


def closed_months(user: User) -> list[BillingMonth]:
    require(user, Action.MANAGE_BILLING)
    return list(db.session.scalars(select(BillingMonth).order_by(BillingMonth.month.desc())))


def month_statements(user: User, month: str | date) -> tuple[date, list[Statement]]:
    """Every statement of a closed month (administrator). Raises Forbidden, ValidationFailed."""
    require(user, Action.MANAGE_BILLING)
    first, _last = parse_month(month)
    return first, list(db.session.scalars(select(Statement).where(Statement.month == first)
                                          .order_by(Statement.household_name, Statement.id)))


def closable_month(today: date | None = None) -> date:
    """The month a director would close now: the previous one."""
    return _previous_month((today or clock.today()).replace(day=1))


def statement_tables(view: StatementView) -> list[Table]:
    """The statement as two tables: its lines, and its total (never among the lines)."""
    lines = Table("lignes", _("Lignes"), [_("Date"), _("Enfant"), _("Prestation"), _("Type"), _("Détail"),
                                          _("Prix unitaire (€)"), _("Part facturée (%)"), _("Montant (€)")])
    for line in view.lines:
        kind = line.kind.value if hasattr(line.kind, "value") else line.kind
        lines.add(line.day, line.child_name, line.label, str(KIND_LABELS.get(kind, kind)), line.detail,
                  line.unit_price, (line.share * 100).normalize() if line.share is not None else None, line.amount)
    total = Table("total", _("Total"), [_("Relevé"), _("Mois"), _("Foyer"), _("Total (€)")])
    total.add(view.statement.number if view.statement else _("provisoire"), view.first.strftime("%Y-%m"),
              view.statement.household_name if view.statement else view.household.name if view.household else "",
              view.total)
    return [lines, total]


def _kind_labels() -> dict[str, Any]:
    from flask_babel import lazy_gettext as _l

    return {LineKind.BOOKING.value: _l("Séance"), LineKind.LATE_CANCELLATION.value: _l("Annulation hors délai"),
            LineKind.UNJUSTIFIED_ABSENCE.value: _l("Absence non justifiée"),
            LineKind.JUSTIFIED_ABSENCE.value: _l("Absence justifiée"),
            LineKind.ADJUSTMENT.value: _l("Régularisation"), LineKind.OTHER.value: _l("Autre")}


KIND_LABELS = _kind_labels()
