"""The cats API under concurrency: two gunicorn instances on one moto bucket, many clients at once.

For a bounded time (CATS_LOAD_SECONDS, default 10) CATS_LOAD_CLIENTS threads (default 16) list, delete,
reset and fetch pictures on either instance with the API token, plus a few calls without it. No answer
may be a 5xx or a status the API does not document for the call; afterwards a reset brings all ten
pictures back on both instances. The request and error counts are printed.
"""

from __future__ import annotations

import os
import random
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

import pytest
import requests

from local.aws import Aws
from local.processes import Processes
from local.system import start_cats

LOAD_SECONDS = float(os.environ.get("CATS_LOAD_SECONDS", "10"))
CLIENTS = int(os.environ.get("CATS_LOAD_CLIENTS", "16"))
PICTURES = [f"{n}.jpg" for n in range(1, 11)]
API = "/cats/api"
# What each call may answer: any other status is an error, a 5xx above all.
ALLOWED = {
    "list": {200},
    "delete": {200, 404},
    "reset": {200},
    "picture": {200, 404},
    "no token": {401},
}
WEIGHTS = {"list": 40, "delete": 35, "reset": 8, "picture": 14, "no token": 3}


@dataclass
class Tally:
    statuses: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, operation: str, status: int, problem: str | None) -> None:
        with self.lock:
            self.statuses[(operation, status)] += 1
            if problem:
                self.errors.append(problem)

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())

    @property
    def server_errors(self) -> int:
        return sum(count for (_, status), count in self.statuses.items() if status >= 500)


def _client(urls: list[str], token: str, deadline: float, seed: int, tally: Tally) -> None:
    rng = random.Random(seed)
    session = requests.Session()
    auth = {"Authorization": f"Bearer {token}"}
    operations, weights = list(WEIGHTS), list(WEIGHTS.values())
    while time.monotonic() < deadline:
        base = rng.choice(urls)
        operation = rng.choices(operations, weights)[0]
        number = rng.randint(1, 10)
        method, path, headers = {
            "list": ("GET", f"{API}/list-pictures/", {}),
            "delete": ("POST", f"{API}/delete-pictures/{number}", auth),
            "reset": ("POST", f"{API}/reset-pictures/", auth),
            "picture": ("GET", f"/cats/pictures/{number}.jpg", {}),
            "no token": ("POST", f"{API}/delete-pictures/{number}", {}),
        }[operation]
        try:
            response = session.request(method, base + path, headers=headers, timeout=30)
        except requests.RequestException as error:
            tally.add(operation, 599, f"{method} {path}: {type(error).__name__}: {error}")
            continue
        problem = None
        if response.status_code not in ALLOWED[operation]:
            problem = f"{method} {base}{path}: {response.status_code} {response.text[:200]}"
        elif operation == "list":
            listed = list(response.json())
            if not set(listed) <= set(PICTURES) or listed != sorted(listed, key=lambda name: int(name[:-4])):
                problem = f"GET {base}{path}: not a listing of known pictures in order: {listed}"
        tally.add(operation, response.status_code, problem)
    session.close()


def _listing(url: str) -> list[str]:
    response = requests.get(f"{url}{API}/list-pictures/", timeout=10)
    response.raise_for_status()
    return list(response.json())


def test_two_instances_under_concurrent_clients_never_answer_5xx(
    processes: Processes, aws: Aws, capsys: pytest.CaptureFixture[str]
) -> None:
    bucket = f"cats-{uuid.uuid4().hex[:12]}"
    aws.client("s3").create_bucket(Bucket=bucket)
    token = uuid.uuid4().hex
    urls = [start_cats(processes, aws, bucket, token, name=f"cats-{index}") for index in (1, 2)]
    assert all(_listing(url) == PICTURES for url in urls)

    tally = Tally()
    started = time.monotonic()
    deadline = started + LOAD_SECONDS
    threads = [
        threading.Thread(target=_client, args=(urls, token, deadline, seed, tally), daemon=True)
        for seed in range(CLIENTS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        # Each client stops at the deadline; a request in flight then has its own 30 s timeout.
        thread.join(timeout=LOAD_SECONDS + 45)
    elapsed = time.monotonic() - started
    assert not any(thread.is_alive() for thread in threads), "a client thread did not finish"

    reset = requests.post(f"{urls[0]}{API}/reset-pictures/", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    final = {url: _listing(url) for url in urls}
    by_operation = Counter()
    for (operation, _), count in tally.statuses.items():
        by_operation[operation] += count
    with capsys.disabled():
        print(
            f"\ncats under load: {tally.requests} requests in {elapsed:.1f} s ({tally.requests / elapsed:.0f}/s), "
            f"2 instances, {CLIENTS} clients; 5xx: {tally.server_errors}; errors: {len(tally.errors)}; "
            f"by call: {dict(by_operation)}"
        )

    assert tally.server_errors == 0, tally.errors[:10]
    assert tally.errors == []
    # Every kind of call was exercised, deletes both succeeding and finding the picture gone.
    assert set(by_operation) == set(WEIGHTS)
    assert tally.statuses[("delete", 200)] and tally.statuses[("delete", 404)]
    assert reset.status_code == 200
    assert final == {url: PICTURES for url in urls}
