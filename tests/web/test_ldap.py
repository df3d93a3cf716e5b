"""Signing in with the city's directory: Debian's slapd on 127.0.0.1 with a throwaway
directory, a real ``muniops serve`` whose ``web.ldap`` maps groups to roles."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlmodel import select

from muniops.inventory.models import Role
from muniops.inventory.models.web import WebAccount
from muniops.lab import slapd
from muniops.lab.collector import RunningCollector, running_collector
from muniops.lab.web_city import seed, write_config
from tests.web.conftest import sign_in, store
from tests.web.test_security import Browser

PEOPLE = {"ali": "ali-directory-pw", "zeynep": "zeynep-directory-pw",
          "guest": "guest-directory-pw"}
GROUPS = {"it-technicians": ["ali"], "liaison-d1": ["zeynep"], "staff": ["guest"]}


@pytest.fixture(scope="module")
def directory_city(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningCollector]:
    if not slapd.available():
        pytest.skip("slapd is not installed (scripts/debian-packages.txt)")
    folder = tmp_path_factory.mktemp("webldap")
    seed(folder).dispose()
    with slapd.running_slapd(PEOPLE, GROUPS) as d:
        ldap = {"url": d.url, "user_dn": f"uid={{username}},ou=people,{d.suffix}",
                "group_base": f"ou=groups,{d.suffix}",
                "roles": {d.group_dn("it-technicians"): "technician"},
                "liaisons": {d.group_dn("liaison-d1"): "D1"}}
        with running_collector(write_config(folder, ldap=ldap)) as collector:
            yield collector


def test_directory_user_signs_in_with_the_role_of_their_group(directory_city, desktop
                                                               ) -> None:
    sign_in(desktop, directory_city.url, "ali", PEOPLE["ali"])
    assert desktop.url == f"{directory_city.url}/web/"
    assert "ali · technician" in desktop.locator(".who").inner_text()
    assert "PC-1" in desktop.locator("#tasks").inner_text()
    db = store(directory_city)
    with db.read() as s:
        account = s.exec(select(WebAccount).where(WebAccount.username == "ali")).one()
    db.dispose()
    assert (account.source, account.role, account.password_hash) == ("ldap", Role.TECHNICIAN,
                                                                       None)


def test_directory_liaison_gets_their_district_only(directory_city) -> None:
    b = Browser(directory_city.url)
    assert b.sign_in("zeynep", PEOPLE["zeynep"]).status_code == 303
    page = b.request("GET", "/web/district")
    assert page.status_code == 200 and "District D1" in page.text
    assert b.request("GET", "/web/assets/3").status_code == 404  # PC-3 is in D2


def test_directory_refuses_wrong_password_and_unmapped_groups(directory_city) -> None:
    b = Browser(directory_city.url)
    assert b.sign_in("ali", "not-his-password").status_code == 401
    assert b.sign_in("guest", PEOPLE["guest"]).status_code == 401  # in no mapped group
    assert b.sign_in("nobody", "whatever-password").status_code == 401
    # a local account still signs in with its own password
    assert b.sign_in("tech", "tech-password-1").status_code == 303


def test_an_empty_password_is_never_an_anonymous_bind(directory_city) -> None:
    b = Browser(directory_city.url)
    token = b.csrf("/web/sign-in")
    response = b.request("POST", "/web/sign-in",
                         data={"username": "ali", "password": "", "csrf": token})
    assert response.status_code == 401 and "muniops_session" not in b.cookies
