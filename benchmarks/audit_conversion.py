"""CPU cost of turning one 1,000-event audit log page into models.

Side by side in one process: stdlib ``json.loads`` of the bytes, our converter
(structure only, and loads + structure), and pyairtable 3.5's pydantic models.

    python benchmarks/audit_conversion.py
"""

from __future__ import annotations

import json
import random
import timeit
from datetime import UTC, datetime, timedelta
from typing import Any

from airtable_enterprise import AuditLogResponse
from airtable_enterprise._core.convert import converter

ACTOR_TYPES = ["user"] * 6 + ["formSubmission", "automation", "system", "sync", "anonymousUser"]


def page(n: int = 1000, seed: int = 0) -> bytes:
    rnd = random.Random(seed)
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    events: list[dict[str, Any]] = []
    for i in range(n):
        kind = rnd.choice(ACTOR_TYPES)
        actor: dict[str, Any] = {"type": kind}
        if kind == "user":
            user = f"usr{rnd.randrange(10**6):014d}"
            actor["user"] = {"id": user, "email": f"{user}@example.com", "name": "Jane Doe"}
        elif kind == "formSubmission":
            actor["viewId"] = f"viw{i:014d}"
        elif kind == "automation":
            actor["automationId"] = f"aut{i:014d}"
        context = {
            "actionId": f"act{i:014d}",
            "enterpriseAccountId": "entUBq2RGdihxl3vU",
            "baseId": "appLkNDICXNqxSDhG",
            "workspaceId": "wspmhESAta6clCCwF",
        }
        stamp = (t0 + timedelta(milliseconds=i * 1371)).isoformat(timespec="milliseconds")
        events.append(
            {
                "id": f"01FYFFDE39BDDBC0HW{i:08d}",
                "timestamp": stamp.replace("+00:00", "Z"),
                "action": "createBase",
                "actor": actor,
                "modelId": "appLkNDICXNqxSDhG",
                "modelType": "base",
                "payload": {"name": f"My base {i}"},
                "payloadVersion": "1.0",
                "context": context,
                "origin": {
                    "ipAddress": "1.2.3.4",
                    "userAgent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) Chrome/107.0",
                    "sessionId": "sesE3ulSADiRNhqAv",
                },
            }
        )
    return json.dumps({"events": events, "pagination": {"next": "x", "previous": None}}).encode()


def best_ms(fn: Any, number: int) -> float:
    return min(timeit.repeat(fn, number=number, repeat=9)) / number * 1000


def main() -> None:
    from pyairtable.models.audit import AuditLogResponse as PyAirtableResponse

    body = page()
    decoded = json.loads(body)
    loads = best_ms(lambda: json.loads(body), 20)
    structure = best_ms(lambda: converter.structure(decoded, AuditLogResponse), 20)
    ours = best_ms(lambda: converter.structure(json.loads(body), AuditLogResponse), 20)
    theirs = best_ms(lambda: PyAirtableResponse.model_validate(json.loads(body)), 5)
    print(f"page: 1,000 events, {len(body):,} bytes")
    print(f"json.loads                       {loads:7.2f} ms")
    print(f"ours: structure only             {structure:7.2f} ms  ({structure / loads:.2f}x loads)")
    print(f"ours: loads + structure          {ours:7.2f} ms  ({ours / loads:.2f}x loads)")
    print(f"pyairtable 3.5: loads + validate {theirs:7.2f} ms  ({theirs / ours:.2f}x ours)")


if __name__ == "__main__":
    main()
