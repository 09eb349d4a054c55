"""Inclusion demo data, idempotent (looked up by natural keys; running it twice changes nothing).

Assumes the booking demo sites exist (none: no template is made) and the
families demo child flagged needs_particular_care (absent: skipped).
"""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from app.extensions import db, utcnow
from app.families.models import Child
from app.inclusion.adaptation import DEFAULT_TEMPLATE
from app.inclusion.models import AdaptationTemplateStep, ChildNeeds, PlanStatus, PlanVersion, ReceptionPlan
from app.sites.models import Site
from app.transactions import use_case


@use_case
def load_demo() -> list[str]:
    lines: list[str] = []
    sites = list(db.session.scalars(select(Site).order_by(Site.id)))
    for site in sites:
        exists = db.session.scalar(select(AdaptationTemplateStep.id).where(AdaptationTemplateStep.site_id == site.id))
        if exists is None:
            for position, (label, arrival, pickup, parent, meal) in enumerate(DEFAULT_TEMPLATE, start=1):
                db.session.add(AdaptationTemplateStep(site_id=site.id, position=position, label=label,
                                                      arrival=arrival, pickup=pickup, with_parent=parent,
                                                      with_meal=meal))
            lines.append(f"Adaptation steps for {site.name}")
    child = db.session.scalar(select(Child).where(Child.needs_particular_care.is_(True)).order_by(Child.id))
    if child is None:
        lines.append("No demo child needing particular care: inclusion needs and plan skipped.")
        return lines
    if db.session.scalar(select(ChildNeeds.id).where(ChildNeeds.child_id == child.id)) is None:
        db.session.add(ChildNeeds(
            child_id=child.id, needs_particular_care=True, has_pai=True,
            allergies="Allergie aux fruits à coque (noix, noisettes, amandes) : PAI signé avec le médecin scolaire.",
            diet="Aucun fruit à coque ; goûters vérifiés ou fournis par la famille.",
            medication="Stylo d'adrénaline et antihistaminique dans la trousse PAI (suit l'enfant en sortie).",
            emergency_protocol="Gonflement, gêne respiratoire : stylo d'adrénaline dans la cuisse, appeler le 15, "
                               "prévenir les parents.",
            what_helps="Lui dire à l'avance ce qui est au menu ; il sait reconnaître les emballages."))
        lines.append(f"Needs declared for {child.first_name} (PAI, nut allergy)")
    if sites and db.session.scalar(select(ReceptionPlan.id).where(ReceptionPlan.child_id == child.id)) is None:
        site = sites[0]
        now = utcnow()
        plan = ReceptionPlan(child_id=child.id, site_id=site.id)
        db.session.add(plan)
        db.session.add(PlanVersion(
            plan=plan, number=1, status=PlanStatus.ACTIVE, referent="Animatrice référente de l'accueil",
            extra_staff=0, extra_staff_hours=Decimal("0"),
            adapt_meals="Repas sans fruits à coque, vérifié avec la cuisine centrale ; place fixe à table.",
            adapt_outings="La trousse PAI part à chaque sortie avec l'animatrice référente.",
            emergency_protocol="Stylo d'adrénaline, appeler le 15, prévenir les parents.",
            medication="Adrénaline auto-injectable (2 stylos), antihistaminique.",
            goals="Participer à tous les ateliers cuisine avec des recettes adaptées.",
            shared_at=now, parent_ack_at=now, director_ack_at=now, activated_at=now))
        lines.append(f"Active reception plan for {child.first_name} at {site.name}")
    return lines
