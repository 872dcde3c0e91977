"""Load for one scenario at a time: ``BENCH_SCENARIO`` names it, the host is the server.

Scenarios are ``<server>-<path>``: ``portal-``, ``bare-`` (tests/bench/bare.py) and
``admin-`` (Flask-Admin, tests/bench/flask_admin_app.py) for the reads, portal and bare
for the writes. Portal users log in once through the real login form (CSRF token
included) and then request their page in a loop; the others need no login. Each user
takes a store of its own; deciders take distinct stores (the portal's the first half,
the bare endpoint's the second), so no two users ever decide the same file.
"""

from __future__ import annotations

import itertools
import os
import random
import re
from collections.abc import Iterator

import gevent
from locust import FastHttpUser, constant, task

from tests.bench.naming import (
    FIRST_STORE,
    MEMBER_ACCOUNTS_PER_STORE,
    PASSWORD,
    manager_id,
    manager_login,
    member_mobile,
    member_user_id,
    pending_file_ids,
)

SCENARIO = os.environ["BENCH_SCENARIO"]
SERVER, _, PATH = SCENARIO.partition("-")
STORES = int(os.environ["BENCH_STORES"])
PER_STORE = int(os.environ["BENCH_PER_STORE"])
PENDING = int(os.environ["BENCH_PENDING"])
USERS = int(os.environ["BENCH_USERS"])
SECONDS = int(os.environ["BENCH_SECONDS"])
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
NAMES = ("张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄勇")
#: users in the order they start; registrations in the order they are sent
_users = itertools.count()
_registrations = itertools.count(1)
_ready = itertools.count(1)


class Visitor(FastHttpUser):
    wait_time = constant(0)

    def on_start(self) -> None:
        self.number = next(_users)
        self.store = FIRST_STORE + self.number % STORES
        self.member = random.randrange(MEMBER_ACCOUNTS_PER_STORE)
        self.files = self._files() if PATH == "decide" else iter(())
        self.csrf = ""
        if SERVER == "portal":
            self._sign_in()
        self._measure_once_all_are_in()

    def _sign_in(self) -> None:
        if PATH == "notices":
            self._log_in(member_mobile(self.store, self.member))
        elif PATH != "register":
            self._log_in(manager_login(self.store))
        self.csrf = self._csrf("/register" if PATH == "register" else "/vip/review")

    def _measure_once_all_are_in(self) -> None:
        """Logins (argon2) and CSRF pages are set-up, not load: the figures start when the
        last user is ready, and the run ends ``SECONDS`` later."""
        if next(_ready) == USERS:
            runner = self.environment.runner
            assert runner is not None
            runner.stats.reset_all()
            gevent.spawn_later(SECONDS, runner.quit)

    def _files(self) -> Iterator[int]:
        """Pending files for this user alone: its own stores in its half of the stores."""
        half = STORES // 2
        if SERVER == "portal":  # the manager decides in their own store only
            self.store = FIRST_STORE + self.number % half
            stores = range(self.store, self.store + 1)
        else:
            stores = range(FIRST_STORE + half + self.number, FIRST_STORE + STORES, USERS)
        return itertools.chain.from_iterable(
            ((s, f) for f in pending_file_ids(STORES, PENDING, s)) for s in stores
        )

    def _csrf(self, path: str) -> str:
        token = CSRF.search(self.client.get(path, name="csrf").text or "")
        return token.group(1) if token else ""

    def _log_in(self, login: str) -> None:
        data = {"login": login, "password": PASSWORD, "csrf_token": self._csrf("/login")}
        self.client.post("/login", data=data, name="login")

    @task
    def visit(self) -> None:
        getattr(self, f"_{PATH}")()

    def _queue(self) -> None:
        url = {
            "portal": "/vip/review",
            "bare": f"/bare/queue?store={self.store}",
            "admin": f"/admin/vipfile/?flt0_store_equals={self.store}&flt1_status_equals=submitted",
        }[SERVER]
        self.client.get(url, name=SCENARIO)

    def _lookup(self) -> None:
        mobile = member_mobile(self.store, random.randrange(PER_STORE))
        url = {
            "portal": f"/members?store={self.store}&contact={mobile[3:]}",  # as typed: 139...
            "bare": f"/bare/lookup?store={self.store}&mobile=%2B{mobile[1:]}",
            "admin": f"/admin/member/?flt0_store_equals={self.store}"
            f"&flt1_mobile_equals=%2B{mobile[1:]}",
        }[SERVER]
        self.client.get(url, name=SCENARIO)

    def _notices(self) -> None:
        user = member_user_id(STORES, self.store, self.member)
        url = {
            "portal": "/notifications",
            "bare": f"/bare/notices?user={user}",
            "admin": f"/admin/notification/?flt0_user_equals={user}&flt1_channel_equals=portal",
        }[SERVER]
        self.client.get(url, name=SCENARIO)

    def _register(self) -> None:
        n = next(_registrations)
        prefix = "+8615" if SERVER == "portal" else "+8616"  # never the same number twice
        data = {
            "full_name": NAMES[n % len(NAMES)],
            "mobile": f"{prefix}{n:09d}",
            "email": "",
            "store_id": str(self.store),
            "password": f"{PASSWORD}-{n}",
            "password_confirm": f"{PASSWORD}-{n}",
            "consent": "y",
            "csrf_token": self.csrf,
        }
        path = "/register" if SERVER == "portal" else "/bare/register"
        self._expect(path, data, ok=(302,) if SERVER == "portal" else (200,))

    def _decide(self) -> None:
        store, file_id = next(self.files, (self.store, 0))
        if SERVER == "portal":
            data = {"decision": "approve", "version": "1", "reason": "", "csrf_token": self.csrf}
            self._expect(f"/vip/files/{file_id}/decide", data, ok=(302,))
        else:
            data = {"actor": str(manager_id(store)), "store": str(store), "version": "1"}
            self._expect(f"/bare/decide/{file_id}", data, ok=(200,))

    def _expect(self, path: str, data: dict[str, str], ok: tuple[int, ...]) -> None:
        """POST without following the redirect; anything but ``ok`` counts as a failure."""
        with self.client.post(
            path, data=data, name=SCENARIO, allow_redirects=False, catch_response=True
        ) as answer:
            if answer.status_code not in ok:
                answer.failure(f"{answer.status_code}")
