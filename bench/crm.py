"""The local CRM's own figures (issue #8 item 5, reported apart from the pane's): search latency with
100 000 records in a module, and link throughput with 10 parallel users.

Measured through the add-in's own client (`mailconnector.crm.CrmClient`, under CPython with httpx's
default transport), so the requests are exactly the pane's: a search is its rows query, `count(*)`
and the reference-label round; a link is `mcupload` (start + chunks) then `mclink`.
"""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.flows import Progress, start_crm
from bench.site import ROOT

RECORDS = 100_000
SEARCH_TERMS = ("rossi", "bianchi", "mario", "neri", "example.it", "zzqx-nobody", "conti", "gallo")
# Users enabled for Mail Connector without a one-time code, and a Contact each may write to.
USERS = (
    ("anna", "mario.rossi@example.it"),
    ("marco", "john.smith@example.com"),
    ("sara", "giorgio.verdi@example.it"),
    ("admin", "mario.rossi@example.it"),
)
PARALLEL = 10
LINKS_EACH = 5
ATTACHMENT_BYTES = 200_000


def add_contacts(db: Path, count: int) -> None:
    """`count` more Contacts, written the way the CRM's own seed writes records."""
    sys.path.insert(0, str(ROOT))
    from server.crm.seed import FIRST_IT, LAST_IT, RecordWriter, pick, slug

    conn = sqlite3.connect(db)
    try:
        rng = random.Random(100)
        writer = RecordWriter(conn, rng)
        writer.next_crmid = conn.execute("SELECT max(crmid) FROM crmentity").fetchone()[0] + 1
        writer.numbers["Contacts"] = (
            conn.execute("SELECT number_next FROM modules WHERE name = 'Contacts'").fetchone()[0] - 1
        )
        owners = [row[0] for row in conn.execute("SELECT id FROM users")]
        for i in range(count):
            first, last = pick(rng, FIRST_IT), pick(rng, LAST_IT)
            writer.add(
                "Contacts",
                pick(rng, owners),
                {
                    "firstname": first,
                    "lastname": last,
                    "email": f"{slug(first)}.{slug(last)}.bulk{i}@example.it",
                },
            )
        writer.flush()
        conn.commit()
    finally:
        conn.close()


async def _signed_in(url: str, username: str, device: str) -> Any:
    from mailconnector.crm import CrmClient

    client = CrmClient(url)
    await client.login(username, f"{username}123", device=device)
    return client


async def _search_latency(url: str, runs: int) -> dict[str, Any]:
    client = await _signed_in(url, "admin", "bench-search")
    try:
        contacts = next(m for m in await client.modules() if m.name == "Contacts")
        await client.search(contacts, "warm up")
        times: list[float] = []
        totals: dict[str, int] = {}
        for _ in range(runs):
            for term in SEARCH_TERMS:
                start = time.perf_counter()
                result = await client.search(contacts, term)
                times.append((time.perf_counter() - start) * 1000)
                totals[term] = result.total
        count = await client.count("SELECT count(*) FROM Contacts;")
    finally:
        await client.aclose()
    times.sort()
    return {
        "contacts": count,
        "searches": len(times),
        "median_ms": statistics.median(times),
        "p95_ms": times[int(0.95 * (len(times) - 1))],
        "totals": totals,
    }


async def _link_throughput(url: str) -> dict[str, Any]:
    from mailconnector.models import LinkAttachment, LinkMessage

    clients = [await _signed_in(url, USERS[i % len(USERS)][0], f"bench-parallel-{i}") for i in range(PARALLEL)]
    latencies: list[float] = []

    async def one_user(i: int) -> None:
        client = clients[i]
        address = USERS[i % len(USERS)][1]
        (target, *_) = await client.suggest([address])
        for n in range(LINKS_EACH):
            start = time.perf_counter()
            data = os.urandom(ATTACHMENT_BYTES)
            upload = await client.upload(data, f"offer-{n}.bin", "application/octet-stream")
            message = LinkMessage.model_validate(
                {
                    "subject": f"Parallel {i}-{n}",
                    "body_text": "Bench.",
                    "from": {"name": "Bench", "address": address},
                    "date": datetime.now(UTC),
                    "messageid": f"<bench-{uuid.uuid4().hex}@example.it>",
                }
            )
            await client.link(target.id, message, [LinkAttachment.from_upload(upload)])
            latencies.append((time.perf_counter() - start) * 1000)

    start = time.perf_counter()
    try:
        await asyncio.gather(*(one_user(i) for i in range(PARALLEL)))
    finally:
        elapsed = time.perf_counter() - start
        for client in clients:
            await client.aclose()
    return {
        "users": PARALLEL,
        "links": len(latencies),
        "attachment_bytes": ATTACHMENT_BYTES,
        "seconds": elapsed,
        "links_per_second": len(latencies) / elapsed,
        "median_link_ms": statistics.median(latencies),
    }


def run_crm(runs: int, progress: Progress, records: int = RECORDS) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT / "addin"))
    workdir = Path(tempfile.mkdtemp(prefix="mc-bench-crm-"))
    crm = start_crm(workdir)  # creates and seeds the demo database
    crm.process.terminate()
    crm.process.wait(10)
    t0 = time.monotonic()
    add_contacts(workdir / "crm.sqlite3", records)
    progress(f"crm: {records:,} more Contacts written in {time.monotonic() - t0:.0f} s")
    crm = start_crm(workdir)
    try:
        search = asyncio.run(_search_latency(crm.url, runs))
        progress(f"crm: search over {search['contacts']:,} Contacts: median {search['median_ms']:.0f} ms")
        links = asyncio.run(_link_throughput(crm.url))
        progress(f"crm: {links['links']} links by {PARALLEL} parallel users: {links['links_per_second']:.1f}/s")
    finally:
        crm.process.terminate()
        crm.process.wait(10)
        shutil.rmtree(workdir, ignore_errors=True)
    return {"search": search, "links": links}
