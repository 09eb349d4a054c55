"""The sites (accueils de loisirs) and their staff: kernel tables read by every domain."""
from __future__ import annotations

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.extensions import db
from app.families.models import Commune


class Site(db.Model):
    """An accueil de loisirs (leisure centre). Its activities (`Site.activities`) are booking's: booking
    adds that relationship from app/booking/models.py, so that the kernel names no domain."""

    __tablename__ = "site"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(150), unique=True)
    address: Mapped[str] = mapped_column(String(300), default="")
    commune_insee: Mapped[str] = mapped_column(ForeignKey("commune.insee"))
    opening_hours: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    school_zone: Mapped[str] = mapped_column(String(1), default="C")

    commune: Mapped[Commune] = relationship()

    @property
    def full_address(self) -> str:
        from app.formats import postal_address

        return postal_address(self.address, self.commune.name if self.commune else "")


class SiteStaff(db.Model):
    """A director's or animator's scope: the sites they work at."""

    __tablename__ = "site_staff"
    __table_args__ = (UniqueConstraint("user_id", "site_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), index=True)

    user: Mapped[User] = relationship()
    site: Mapped[Site] = relationship()
