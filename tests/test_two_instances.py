"""Two app instances (gunicorn, two workers each, on two ports) against one PostgreSQL database,
as behind a load balancer: the same people scanned at both at once are counted once, both
instances give the same live totals, and rate limits are shared through Redis
(RATELIMIT_STORAGE_URI), while an unreachable Redis does not take the pages down."""

from __future__ import annotations

import datetime as dt
import os
import random
import socket
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import redis
import requests

from tests.conftest import TEST_DB, TEST_PASSWORD, create_pg_database

pytestmark = pytest.mark.skipif(
    TEST_DB != "postgresql", reason="several app processes need a database server"
)

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
REDIS_HOST = "127.0.0.1"
PUBLIC_LIMIT = 5  # per hour: the window cannot roll over during the test
PEOPLE = 30


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Instance:
    """One `gunicorn wsgi:app` on 127.0.0.1 with its own environment; stopped by the test."""

    def __init__(self, env: dict, log: Path, workers: int = 2):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self._log_file = open(log, "wb")  # noqa: SIM115  (closed in stop)
        self.process = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "wsgi:app",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(workers),
                "--threads",
                "4",
                "--timeout",
                "60",
            ],
            cwd=ROOT,
            env=env,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"gunicorn stopped:\n{self.log.read_text()[-3000:]}")
            try:
                if requests.get(f"{self.url}/healthz", timeout=10).status_code == 200:
                    return
            except requests.RequestException:  # not listening yet, or a worker still booting
                pass
            time.sleep(0.2)
        raise AssertionError(f"gunicorn did not answer:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self._log_file.close()


def free_redis_db() -> int:
    """A Redis database nobody uses on this server (empty), for this run's counters."""
    for number in range(8, 16):
        if redis.Redis(host=REDIS_HOST, db=number).dbsize() == 0:
            return number
    pytest.skip("no empty Redis database among 8-15")


def seed(database_url: str) -> dict:
    """A district's opening ceremony today, delegates, a check-in staff account's API token."""
    from app import create_app
    from app.checkin.tokens import create_token
    from app.extensions import db
    from app.units.models import Role
    from tests.factories import Factories

    application = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "two-instances-secret",
            "RATELIMIT_ENABLED": False,
            "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
        }
    )
    with application.app_context():
        make = Factories(db, TEST_PASSWORD)
        office, event, people = make.make_todays_ceremony(
            2 * PEOPLE, unit_name="Phòng GD&ĐT quận Đống Đa", group_name="Cấp phường"
        )
        staff = make.make_user(office, Role.CHECKIN_STAFF)
        _row, token = create_token(staff, "two instances")
        db.session.commit()
        world = {
            "event_id": event.id,
            "people": [(person.id, person.token) for person in people],
            "headers": {"Authorization": f"Bearer {token}"},
        }
        db.session.remove()
        db.engine.dispose()
    return world


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    """Two instances on one freshly migrated database, limits in a Redis database of their
    own; everything stopped, dropped and flushed afterwards."""
    tmp = tmp_path_factory.mktemp("two-instances")
    database_url, drop = create_pg_database("llw_two")
    redis_db = free_redis_db()
    env = {
        **os.environ,
        "APP_ENV": "development",
        "DATABASE_URL": database_url,
        "SECRET_KEY": "two-instances-secret",
        "INSTANCE_PATH": str(tmp),
        "RATELIMIT_ENABLED": "true",
        "RATELIMIT_STORAGE_URI": f"redis://{REDIS_HOST}:6379/{redis_db}",
        "PUBLIC_RATE_LIMIT": f"{PUBLIC_LIMIT} per hour",
        "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
    }
    instances: list[Instance] = []
    try:
        subprocess.run(
            [str(BIN / "flask"), "--app", "wsgi", "db", "upgrade"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            timeout=120,
        )
        world = seed(database_url)
        instances = [Instance(env, tmp / f"gunicorn-{n}.log") for n in "ab"]
        for instance in instances:
            instance.wait_ready()
        yield {**world, "instances": instances, "env": env, "tmp": tmp}
    finally:
        for instance in instances:
            instance.stop()
        redis.Redis(host=REDIS_HOST, db=redis_db).flushdb()
        drop()


def totals(instance: Instance, world: dict) -> dict:
    response = requests.get(
        f"{instance.url}/api/v1/events/{world['event_id']}/totals",
        headers=world["headers"],
        timeout=30,
    )
    assert response.status_code == 200, response.text[:500]
    return response.json()


def test_the_same_people_scanned_at_both_instances_at_once_are_counted_once(deployment):
    world = deployment
    a, b = world["instances"]
    people = world["people"][:PEOPLE]
    url = f"/api/v1/events/{world['event_id']}/checkins"
    scanners = 12  # six phones on each instance, each scanning everybody in its own order
    start = threading.Barrier(scanners)

    def phone(n: int) -> list[tuple[int, int, str]]:
        instance = (a, b)[n % 2]
        order = random.Random(n).sample(people, len(people))
        answers = []
        with requests.Session() as session:
            start.wait(timeout=60)
            for person_id, token in order:
                response = session.post(
                    instance.url + url,
                    json={"code": token, "device_id": f"phone-{n}"},
                    headers=world["headers"],
                    timeout=30,
                )
                answers.append((person_id, response.status_code, response.json()["outcome"]))
        return answers

    with ThreadPoolExecutor(max_workers=scanners) as pool:
        answers = [a for phone_answers in pool.map(phone, range(scanners)) for a in phone_answers]

    assert len(answers) == scanners * PEOPLE
    assert {status for _id, status, _outcome in answers} <= {200, 201}
    firsts = sorted(person_id for person_id, _status, outcome in answers if outcome == "ok")
    assert firsts == sorted(person_id for person_id, _token in people)  # each person once
    assert sum(outcome == "already" for *_rest, outcome in answers) == (scanners - 1) * PEOPLE
    seen_by_a, seen_by_b = totals(a, world), totals(b, world)
    assert seen_by_a == seen_by_b
    assert seen_by_a["checked_in_invitees"] == PEOPLE
    assert seen_by_a["persons"] == PEOPLE


def test_offline_batches_synced_at_both_instances_at_once_count_each_person_once(deployment):
    """Two phones that scanned the same people offline, in opposite orders, sync through
    different instances at the same moment: no deadlock, no error, each person once."""
    world = deployment
    a, b = world["instances"]
    people = world["people"][PEOPLE:]
    url = f"/api/v1/events/{world['event_id']}/checkins/batch"
    scanned_at = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    before = totals(a, world)["checked_in_invitees"]

    def batch(order):
        items = [
            {"client_uuid": str(uuid.uuid4()), "code": token, "scanned_at": scanned_at}
            for _id, token in order
        ]
        return {"device_id": f"phone-{uuid.uuid4().hex[:6]}", "items": items}

    start = threading.Barrier(2)

    def sync(instance_and_batch):
        instance, body = instance_and_batch
        start.wait(timeout=60)
        return requests.post(instance.url + url, json=body, headers=world["headers"], timeout=60)

    jobs = [(a, batch(people)), (b, batch(list(reversed(people))))]
    with ThreadPoolExecutor(max_workers=2) as pool:
        responses = list(pool.map(sync, jobs))
    assert [response.status_code for response in responses] == [200, 200]
    outcomes = [r["outcome"] for response in responses for r in response.json()["results"]]
    assert outcomes.count("ok") == outcomes.count("already") == PEOPLE
    assert totals(a, world) == totals(b, world)
    assert totals(b, world)["checked_in_invitees"] == before + PEOPLE


def test_a_public_pages_rate_limit_is_shared_by_the_instances(deployment):
    world = deployment
    a, b = world["instances"]
    _id, token = world["people"][0]
    statuses = []
    for instance in (a, b) * 4:  # alternating, as a load balancer would
        response = requests.get(f"{instance.url}/i/{token}", timeout=30)
        statuses.append((instance.port, response.status_code))
    codes = [status for _port, status in statuses]
    assert codes == [200] * PUBLIC_LIMIT + [429] * (8 - PUBLIC_LIMIT)
    # Instance b refused its third request after serving only two: it counted a's too.
    served_by_b = [status for port, status in statuses if port == b.port]
    assert served_by_b[:3] == [200, 200, 429]


def test_an_unreachable_redis_does_not_take_the_pages_down(deployment):
    """Limits fall back to the worker's own memory (RATELIMIT_IN_MEMORY_FALLBACK_ENABLED):
    pages keep answering and a limit still holds in each worker."""
    world = deployment
    env = {**world["env"], "RATELIMIT_STORAGE_URI": f"redis://{REDIS_HOST}:{free_port()}/0"}
    instance = Instance(env, world["tmp"] / "gunicorn-no-redis.log", workers=1)
    try:
        instance.wait_ready()
        _id, token = world["people"][1]
        codes = [
            requests.get(f"{instance.url}/i/{token}", timeout=30).status_code
            for _ in range(PUBLIC_LIMIT + 2)
        ]
    finally:
        instance.stop()
    assert codes == [200] * PUBLIC_LIMIT + [429, 429]
