"""read_phase() never commits someone else's writes: it refuses to start after an uncommitted one."""
import pytest

from app.extensions import db, read_phase
from tests.factories import make_user


def test_read_phase_refuses_to_start_after_an_uncommitted_write(app):
    user = make_user()
    db.session.commit()
    user.first_name = "Changé"
    with pytest.raises(RuntimeError, match="uncommitted"), read_phase():
        pass
    db.session.rollback()
    db.session.refresh(user)
    assert user.first_name != "Changé"  # nothing was committed behind the caller's back


def test_read_phase_refuses_after_a_flushed_write_too(app):
    user = make_user(commit=False)
    db.session.flush()  # written to the database, not committed
    with pytest.raises(RuntimeError, match="uncommitted"), read_phase():
        pass
    db.session.rollback()
    assert db.session.get(type(user), user.id) is None


def test_read_phase_starts_after_reads_and_after_a_commit(app):
    user = make_user()
    db.session.commit()
    db.session.get(type(user), user.id)  # a read-only transaction is simply ended
    with read_phase():
        assert db.session.get(type(user), user.id).email == user.email
    user.first_name = "Autre"
    db.session.commit()
    with read_phase():
        pass
