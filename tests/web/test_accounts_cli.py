"""``muniops accounts``: create, list, disable (its sessions end), enable, password."""

from __future__ import annotations

import io

import pytest

from muniops.inventory import accounts
from muniops.inventory.db import Database
from muniops.inventory.errors import NotFound
from muniops.inventory.schemas import PersonCreate, SiteCreate
from muniops.inventory.sites import add_person, add_site
from tests.conftest import Cli


@pytest.fixture
def people(cli: Cli, db: Database) -> Cli:
    with db.write() as s:
        add_site(s, SiteCreate(name="District 1 Office", district="D1"), actor="t")
        add_person(s, PersonCreate(name="Sara Karimi", employee_id="E200",
                                   site="District 1 Office"), actor="t")
    return cli


def test_accounts_lifecycle(people: Cli, db: Database, monkeypatch: pytest.MonkeyPatch
                            ) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("a-long-password-1\n"))
    people.ok("accounts", "create", "sara", "--role", "liaison", "--district", "D1",
              "--person", "E200", "--password-stdin")
    rows = people.ok("accounts", "list", "--json").json()
    assert rows == [{"username": "sara", "person": "Sara Karimi", "role": "liaison",
                     "district": "D1", "source": "local", "team": "", "site": None,
                     "last_sign_in_at": None, "disabled_at": None}]
    with db.write() as s:
        account = accounts.verify_local(s, "sara", "a-long-password-1")
        plain = accounts.start_session(s, account, hours=1, address="127.0.0.1")
        assert account.password_hash and "a-long-password-1" not in account.password_hash
    people.ok("accounts", "disable", "sara")
    with db.read() as s:
        assert accounts.resume(s, plain) is None  # its session ended with it
    with db.write() as s, pytest.raises(accounts.SignInRefused):
        accounts.verify_local(s, "sara", "a-long-password-1")
    people.ok("accounts", "enable", "sara")
    monkeypatch.setattr("sys.stdin", io.StringIO("another-password-2\n"))
    people.ok("accounts", "password", "sara", "--password-stdin")
    with db.write() as s:
        accounts.verify_local(s, "sara", "another-password-2")


def test_account_mistakes_are_named(people: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    result = people("accounts", "create", "x", "--role", "viewer", "--password-stdin")
    assert result.code == 5 and "password: at least 10 characters" in result.err
    monkeypatch.setattr("sys.stdin", io.StringIO("a-long-password-1\n"))
    result = people("accounts", "create", "y", "--role", "liaison", "--password-stdin")
    assert result.code == 5 and "district" in result.err
    monkeypatch.setattr("sys.stdin", io.StringIO("a-long-password-1\n"))
    result = people("accounts", "create", "z", "--role", "liaison", "--district", "D9",
                    "--password-stdin")
    assert result.code == 3 and "D9" in result.err
    assert people("accounts", "disable", "ghost").code == NotFound.exit_code
