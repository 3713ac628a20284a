"""The published question-set shape (decks/schema.json) from a normalized or user set."""
from __future__ import annotations

SOURCE_KEYS = ("document", "number", "section", "question", "answer_html")


def export_set(qset: dict) -> dict:
    """Exactly the documented keys, in a stable order (extra keys are dropped, not invented)."""
    out = []
    for q in qset["questions"]:
        out.append({
            "id": q["id"],
            "question": q["question"],
            "answer_html": q["answer_html"],
            **({"key_points": list(q["key_points"])} if q.get("key_points") else {}),
            **({"corrections": [dict(c) for c in q["corrections"]]} if q.get("corrections") else {}),
            "topics": list(q["topics"]),
            "sources": [{k: s.get(k) for k in SOURCE_KEYS} for s in q.get("sources", [])],
            "related": list(q.get("related", [])),
            "figures": [{"ref": f["ref"], "caption": f.get("caption", ""), "source_url": f.get("source_url")}
                        for f in q.get("figures", [])],
        })
    retired = {"retired": list(qset["retired"])} if qset.get("retired") else {}
    return {"questions": out, **retired}
