"""Sessions, CSRF and the sign-in limit, over plain HTTP against a real ``muniops serve``
(a collector of its own: the failed sign-ins here must not lock out the other tests)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator

import httpx
import pytest
from sqlmodel import select

from muniops.inventory.models import AuditEntry, RepairTicket
from muniops.inventory.models.pm import PmState, PmTask
from muniops.inventory.models.web import WebSession
from muniops.lab.collector import RunningCollector, running_collector
from muniops.lab.web_city import PASSWORDS, seed, write_config
from tests.web.conftest import store


def _collector(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningCollector]:
    folder = tmp_path_factory.mktemp("websec")
    seed(folder).dispose()
    with running_collector(write_config(folder, sign_in_limit=3,
                                        sign_in_window_minutes=10)) as collector:
        yield collector


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningCollector]:
    yield from _collector(tmp_path_factory)


@pytest.fixture
def locked_city(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningCollector]:
    """A collector of its own: the address it locks out is every test's address."""
    yield from _collector(tmp_path_factory)


class Browser:
    """A client that keeps cookies as a browser on http://127.0.0.1 does (Chromium sends
    Secure cookies to a loopback address; httpx's jar would not)."""

    def __init__(self, base: str) -> None:
        self.http = httpx.Client(base_url=base, follow_redirects=False, timeout=30)
        self.cookies: dict[str, str] = {}
        self.set_cookie: list[str] = []

    def request(self, method: str, url: str, **kw: object) -> httpx.Response:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        response = self.http.request(method, url, headers=headers, **kw)  # type: ignore[arg-type]
        for raw in response.headers.get_list("set-cookie"):
            self.set_cookie.append(raw)
            name, _, rest = raw.partition("=")
            value = rest.split(";", 1)[0].strip('"')
            if "Max-Age=0" in raw or not value:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return response

    def csrf(self, url: str) -> str:
        found = re.search(r'name="csrf" value="([^"]+)"', self.request("GET", url).text)
        assert found, f"no CSRF field on {url}"
        return found.group(1)

    def sign_in(self, user: str, password: str | None = None) -> httpx.Response:
        token = self.csrf("/web/sign-in")
        return self.request("POST", "/web/sign-in", data={
            "username": user, "password": password or PASSWORDS[user], "csrf": token})


def test_session_cookie_is_secure_httponly_samesite_and_stored_hashed(city) -> None:
    b = Browser(city.url)
    response = b.sign_in("tech")
    assert response.status_code == 303 and response.headers["location"] == "/web/"
    cookie = next(c for c in b.set_cookie if c.startswith("muniops_session="))
    for attribute in ("Secure", "HttpOnly", "SameSite=lax", "Path=/web"):
        assert attribute.lower() in cookie.lower(), cookie
    plain = b.cookies["muniops_session"]
    db = store(city)
    with db.read() as s:
        hashes = set(s.exec(select(WebSession.token_hash)))
    db.dispose()
    assert hashlib.sha256(plain.encode()).hexdigest() in hashes and plain not in hashes
    # signed out, the same cookie opens nothing
    token = b.csrf("/web/")
    assert b.request("POST", "/web/sign-out", data={"csrf": token}).status_code == 303
    stale = Browser(city.url)
    stale.cookies["muniops_session"] = plain
    assert stale.request("GET", "/web/").headers["location"].startswith("/web/sign-in")


def test_every_form_needs_the_sessions_csrf_token(city) -> None:
    db = store(city)
    with db.read() as s:
        task = s.exec(select(PmTask).where(PmTask.asset_id == 1)).first()
        assert task is not None
        task_id = task.id
    b = Browser(city.url)
    assert b.sign_in("tech").status_code == 303
    good = b.csrf(f"/web/pm/{task_id}")
    other = Browser(city.url)
    assert other.sign_in("admin").status_code == 303
    foreign = other.csrf("/web/")  # valid, but for another session
    for token in ("", "0" * 64, foreign):
        response = b.request("POST", f"/web/pm/{task_id}",
                             data={"csrf": token, "action": "skip", "skip_reason": "x"})
        assert response.status_code == 403, token
        assert "The form expired" in response.text
    for url in ("/web/assets/1/retire", "/web/preferences",
                "/web/unknown/aa:bb:cc:00:11:22/ignore"):
        assert b.request("POST", url, data={"csrf": foreign, "lang": "fa",
                                            "calendar": "jalali"}).status_code == 403, url
    with db.read() as s:
        assert s.get(PmTask, task_id).state in (PmState.DUE, PmState.OVERDUE)  # type: ignore[union-attr]
    # with the right token the same form goes through
    response = b.request("POST", f"/web/pm/{task_id}",
                         data={"csrf": good, "action": "skip", "skip_reason": "room locked"})
    assert response.status_code == 303
    with db.read() as s:
        assert s.get(PmTask, task_id).state == PmState.SKIPPED  # type: ignore[union-attr]
    db.dispose()
    # the sign-in form has its own token, bound to a cookie set with the form
    bare = Browser(city.url)
    response = bare.request("POST", "/web/sign-in", data={
        "username": "tech", "password": PASSWORDS["tech"], "csrf": "made-up"})
    assert response.status_code == 403 and "muniops_session" not in bare.cookies


def test_viewer_may_read_but_not_change(city) -> None:
    b = Browser(city.url)
    assert b.sign_in("viewer").status_code == 303
    page = b.request("GET", "/web/assets/2")
    assert page.status_code == 200 and "PC-2" in page.text and "/retire" not in page.text
    token = b.csrf("/web/")
    response = b.request("POST", "/web/assets/2/retire", data={"csrf": token})
    assert response.status_code == 403


def test_next_never_leaves_the_site(city) -> None:
    b = Browser(city.url)
    token = b.csrf("/web/sign-in")
    response = b.request("POST", "/web/sign-in", data={
        "username": "tech", "password": PASSWORDS["tech"], "csrf": token,
        "next": "//evil.example/web/"})
    assert response.headers["location"] == "/web/"


def test_failed_sign_ins_are_limited(locked_city) -> None:
    """Three failures for a name within the window: the fourth attempt is refused before
    the password is checked, even the right one; the refusals are in the audit log."""
    b = Browser(locked_city.url)
    for _ in range(3):
        assert b.sign_in("liaison1", "guess-guess-guess").status_code == 401
    refused = b.sign_in("liaison1")
    assert refused.status_code == 429
    seconds = int(re.search(r"Try again in (\d+) seconds", refused.text).group(1))  # type: ignore[union-attr]
    assert 0 < seconds <= 600
    assert "muniops_session" not in b.cookies
    # the address is limited too: another name from the same address waits as well
    assert Browser(locked_city.url).sign_in("viewer").status_code == 429
    db = store(locked_city)
    with db.read() as s:
        refusals = s.exec(select(AuditEntry).where(
            AuditEntry.action == "web.sign_in_refused")).all()
    db.dispose()
    assert [e.actor for e in refusals] == ["web:liaison1"] * 3


def test_a_refused_photo_leaves_the_visit_unrecorded(city) -> None:
    """The record, the repair ticket and the photo are one step: a file that is not an
    image is refused with its reason and nothing of the visit is written."""
    db = store(city)
    with db.read() as s:
        task = s.exec(select(PmTask).where(PmTask.asset_id == 4)).first()  # SW-1
        assert task is not None
        task_id = task.id
    b = Browser(city.url)
    assert b.sign_in("tech").status_code == 303
    token = b.csrf(f"/web/pm/{task_id}")
    response = b.request("POST", f"/web/pm/{task_id}", data={
        "csrf": token, "action": "done", "by": "R. Ahmadi", "result_1": "not_ok",
        "note_1": "fan noisy", "repair": "1"},
        files={"photo": ("photo.jpg", b"#!/bin/sh\necho not an image\n", "image/jpeg")})
    assert response.status_code == 422 and "not a JPEG, PNG or WebP image" in response.text
    with db.read() as s:
        assert s.get(PmTask, task_id).state in (PmState.DUE, PmState.OVERDUE)  # type: ignore[union-attr]
        assert not s.exec(select(RepairTicket)).all()
    db.dispose()


def test_labels_of_another_districts_asset_are_not_found(city) -> None:
    b = Browser(city.url)
    assert b.sign_in("liaison1").status_code == 303
    assert b.request("GET", "/web/labels.pdf", params={"tags": "PC-3"}).status_code == 404
    assert b.request("GET", "/web/labels.pdf",
                     params={"site": "District 2 Office"}).status_code == 404
