"""Running ``tick`` from the shell: once (cron) or in a loop (``make run``)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from flask import current_app

from portal import clock, idempotency
from portal.database import driver_message, is_unavailable, remove_session
from portal.extensions import db
from portal.sla.services import TickResult, tick

log = logging.getLogger(__name__)

#: a guard against a batch that keeps finding work (it cannot, but a loop must end)
MAX_BATCHES = 10_000


def run_once(batch: int = 500) -> TickResult:
    """Tick in batches of ``batch`` tasks, committing after each, until nothing is due.

    Committing per batch keeps the rows claimed by one runner few and short-lived, so
    another runner (cron on a second machine) works on other rows meanwhile.
    """
    total = TickResult()
    for _ in range(MAX_BATCHES):
        try:
            result = tick(db.session, now=clock.now(), limit=batch)
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
        total.add(result)
        if result.tasks < batch:
            break
    total.plugin_work = tick_plugins()
    forgotten = idempotency.purge_expired(db.session, now=clock.now())
    db.session.commit()
    if forgotten:
        log.info("forgot %s expired Idempotency-Keys", forgotten)
    return total


def tick_plugins() -> int:
    """Each enabled plugin's ``portal_tick``, committed one by one: a plugin that fails is
    logged and rolled back, and the others still run."""
    done = 0
    plugins = current_app.extensions["portal.plugins"]
    for impl in plugins.caller("portal_tick").get_hookimpls():
        arguments = {"session": db.session, "now": clock.now()}
        try:
            result = impl.function(*[arguments[name] for name in impl.argnames])
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("plugin %s failed in portal_tick", impl.plugin_name)
            continue
        done += result or 0
    return done


def run_forever(every: float, batch: int, echo: Callable[[str], None]) -> None:
    """Tick every ``every`` seconds; an error is logged and the loop goes on."""
    while True:
        started = time.monotonic()
        try:
            result = run_once(batch)
        except Exception as exc:
            if is_unavailable(exc):  # a restart or another writer: not a bug, just wait
                log.warning(
                    "database unavailable; ticking again in %s seconds: %s",
                    every,
                    driver_message(exc),
                )
            else:
                log.exception("tick failed; trying again in %s seconds", every)
        else:
            if result.tasks or result.uncovered or result.delivered or result.plugin_work:
                echo(f"tick: {result}")
        finally:
            remove_session(db.session)  # also when the database just went away
        time.sleep(max(0.0, every - (time.monotonic() - started)))
