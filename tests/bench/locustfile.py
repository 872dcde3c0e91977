"""Load for one scenario at a time: ``BENCH_SCENARIO`` names it, the host is the server.

Portal users log in once through the real login form (CSRF token included) and then
request their page in a loop; bare users hit the baseline endpoints with no login.
"""

from __future__ import annotations

import os
import random
import re

from locust import FastHttpUser, constant, task

from tests.bench.naming import FIRST_STORE, PASSWORD, manager_login, member_mobile

SCENARIO = os.environ["BENCH_SCENARIO"]
STORES = int(os.environ["BENCH_STORES"])
PER_STORE = int(os.environ["BENCH_PER_STORE"])
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


class Visitor(FastHttpUser):
    wait_time = constant(0)

    def on_start(self) -> None:
        self.store = FIRST_STORE + random.randrange(STORES)
        if SCENARIO.startswith("portal-"):
            page = self.client.get("/login").text
            token = CSRF.search(page)
            self.client.post(
                "/login",
                data={
                    "login": manager_login(self.store),
                    "password": PASSWORD,
                    "csrf_token": token.group(1) if token else "",
                },
                name="login",
            )

    @task
    def visit(self) -> None:
        mobile = member_mobile(self.store, random.randrange(PER_STORE))[3:]  # as typed: 139...
        if SCENARIO == "portal-queue":
            self.client.get("/vip/review", name=SCENARIO)
        elif SCENARIO == "bare-queue":
            self.client.get(f"/bare/queue?store={self.store}", name=SCENARIO)
        elif SCENARIO == "portal-lookup":
            self.client.get(f"/members?store={self.store}&contact={mobile}", name=SCENARIO)
        elif SCENARIO == "bare-lookup":
            self.client.get(f"/bare/lookup?store={self.store}&mobile=%2B86{mobile}", name=SCENARIO)
