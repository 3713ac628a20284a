"""Phones through sync: the built deck travels desktop -> Anki's own sync server -> "phone" and back.

Real parts only: the package built by the real CLI (session fixture `built_package`), Anki's sync
server (`python -m anki.syncserver` on 127.0.0.1, tests/anki_sync.py), two real `Collection`s in tmp
dirs. The desktop imports the deck (a few of its cards made due reviews) and full-uploads it with its
media; an empty phone collection full-downloads it and must hold the same notes, media bytes and
rendering. Cards answered on the phone then travel back with NORMAL syncs only (a full sync asked
for there would lose a real phone's or desktop's reviews) and show up in the desktop's revlog and in
`python -m addon.report`, by the numbers the answers imply.
"""
from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest
from anki.scheduler.v3 import CardAnswer

import anki_sync
from conftest import ROOT

PKG = "genai-interview-prep.apkg"
DECK = "GenAI Interview Prep"
REVIEWS = 3  # cards made due reviews on the desktop; the first is failed on the phone, the others passed
NEW = 5  # at least this many new cards answered on the phone
MAX_ANSWERS = 60
RENDER_SAMPLE = 6  # cards rendered per note type
MATURE_IVL = 21
REVLOG_SQL = "select id, cid, ease, ivl, lastIvl, factor, time, type from revlog where id > ? order by id"
BUCKETS = ("new", "learning", "young", "mature", "suspended", "buried")  # whichever the report has


@dataclass
class Trip:
    server: anki_sync.Server
    desktop_path: Path | None = None
    desktop: Collection | None = None  # None while closed (for the report)
    desktop_auth: object = None
    phone: Collection | None = None
    phone_auth: object = None
    review_cids: tuple[int, ...] = ()
    revlog_before: int = 0  # max revlog id on the desktop before the phone answered anything

    def open_desktop(self) -> Collection:
        if self.desktop is None:
            self.desktop = Collection(str(self.desktop_path))
        return self.desktop

    def close_desktop(self) -> None:
        if self.desktop is not None:
            self.desktop.close(downgrade=False)
            self.desktop = None


def open_collection(folder: Path) -> Collection:
    folder.mkdir(parents=True, exist_ok=True)
    return Collection(str(folder / "collection.anki2"))


def review_deck(col: Collection) -> str:
    """The subdeck with the most cards: where the phone studies."""
    names = [d.name for d in col.decks.all_names_and_ids() if d.name.startswith(DECK + "::")]
    assert names, "no topic subdecks imported"
    return max(names, key=lambda n: (len(col.find_cards(f'"deck:{n}"')), n))


@pytest.fixture(scope="module")
def trip(built_package, tmp_path_factory):
    """Desktop imported + full upload, phone full download; both open, the server running."""
    dist, _, _ = built_package
    base = tmp_path_factory.mktemp("sync")
    with anki_sync.sync_server(base / "server") as server:
        trip = Trip(server)
        try:
            desktop = trip.desktop = open_collection(base / "desktop")
            trip.desktop_path = Path(desktop.path)
            desktop.import_anki_package(ImportAnkiPackageRequest(
                package_path=str(dist / PKG),
                options=ImportAnkiPackageOptions(with_scheduling=True, with_deck_configs=True)))
            deck = review_deck(desktop)
            trip.review_cids = tuple(sorted(desktop.find_cards(f'"deck:{deck}" is:new'))[:REVIEWS])
            assert len(trip.review_cids) == REVIEWS
            desktop.sched.set_due_date(trip.review_cids, "0")  # due reviews (ivl 1), as after earlier study
            auth = trip.desktop_auth = anki_sync.login(desktop, server)
            out = desktop.sync_collection(auth, True)
            assert out.required == out.FULL_UPLOAD, out  # first sync of a collection to an empty server
            anki_sync.full_sync(desktop, auth, out, upload=True)
            again = anki_sync.normal_sync(desktop, auth)
            assert again.required == again.NO_CHANGES, again
            trip.revlog_before = desktop.db.scalar("select coalesce(max(id), 0) from revlog")

            phone = trip.phone = open_collection(base / "phone")
            trip.phone_auth = anki_sync.login(phone, server)
            out = phone.sync_collection(trip.phone_auth, True)
            assert out.required == out.FULL_DOWNLOAD, out  # an empty profile meeting a full server
            anki_sync.full_sync(phone, trip.phone_auth, out, upload=False)
            yield trip
        finally:
            trip.close_desktop()
            if trip.phone is not None:
                trip.phone.close(downgrade=False)


def media_bytes(col: Collection) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in Path(col.media.dir()).iterdir() if p.is_file()}


def test_phone_gets_the_whole_deck(trip, built_package):
    desktop, phone = trip.open_desktop(), trip.phone
    _, counts, _ = built_package
    assert phone.note_count() == desktop.note_count() == sum(counts.values()) - counts["retired"]
    assert phone.card_count() == desktop.card_count()
    assert sorted(phone.db.list("select guid from notes")) == sorted(desktop.db.list("select guid from notes"))

    # every media file a note refers to arrived with the same bytes (and nothing else is missing)
    ours, theirs = media_bytes(desktop), media_bytes(phone)
    referenced, with_media = set(), 0
    for nid in phone.find_notes(""):
        note = phone.get_note(nid)
        files = phone.media.files_in_str(note.mid, "\n".join(note.fields))
        referenced.update(files)
        with_media += bool(files)
    assert with_media >= counts["io"] + counts["figure"], "every image note shows an image"
    assert not referenced - set(theirs), f"missing on the phone: {sorted(referenced - set(theirs))[:5]}"
    assert all(theirs[name] == ours[name] for name in referenced)
    assert theirs == ours  # the whole media folder
    assert not phone.media.check().missing

    # the same rendering, a spread of cards of every note type in use
    kinds = 0
    for model in desktop.models.all():
        cids = sorted(desktop.find_cards(f'"mid:{model["id"]}"'))
        if not cids:
            continue
        kinds += 1
        step = max(1, len(cids) // RENDER_SAMPLE)
        for cid in cids[::step][:RENDER_SAMPLE]:
            ours_card, theirs_card = desktop.get_card(cid), phone.get_card(cid)
            q, a = ours_card.question(), ours_card.answer()
            assert q.strip() and a.strip(), (model["name"], cid)
            assert theirs_card.question() == q, (model["name"], cid)
            assert theirs_card.answer() == a, (model["name"], cid)
    assert kinds == sum(1 for k, n in counts.items() if n and k != "retired")  # stubs have no cards


def answer_on_phone(phone: Collection, review_cids: tuple[int, ...]) -> list[tuple[int, int, CardAnswer.Rating.V]]:
    """Study the review deck through the v3 scheduler until every prepared review and NEW new cards
    were answered: [(card id, card type before, rating)]. The first review is failed, the rest passed."""
    phone.decks.select(phone.decks.id_for_name(review_deck(phone)))
    answers: list[tuple[int, int, CardAnswer.Rating.V]] = []
    for _ in range(MAX_ANSWERS):
        done_reviews = {cid for cid, _, _ in answers if cid in review_cids}
        new = {cid for cid, kind, _ in answers if kind == 0}
        if len(done_reviews) == len(review_cids) and len(new) >= NEW:
            return answers
        queued = phone.sched.get_queued_cards(fetch_limit=1).cards
        assert queued, f"queue ran dry after {len(answers)} answers"
        qc = queued[0]
        card = phone.get_card(qc.card.id)
        rating = CardAnswer.AGAIN if card.id == review_cids[0] and card.type == 2 else CardAnswer.GOOD
        answers.append((card.id, card.type, rating))
        card.start_timer()
        phone.sched.answer_card(phone.sched.build_answer(card=card, states=qc.states, rating=rating))
    raise AssertionError(f"prepared reviews not reached in {MAX_ANSWERS} answers: {answers}")


def run_report(path: Path) -> dict[str, dict]:
    proc = subprocess.run([sys.executable, "-m", "addon.report", "--collection", str(path), "--json"],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return {t["tag"]: t for t in json.loads(proc.stdout)["topics"]}


def topics_of(col: Collection, cid: int) -> set[str]:
    """The report's topics a card counts for: each GenAI tag of its note and that tag's ancestors."""
    out = set()
    for tag in col.get_card(cid).note().tags:
        parts = tag.split("::")
        if parts[0] == "GenAI":
            out.update("::".join(parts[:i]) for i in range(1, len(parts) + 1))
    return out


def test_phone_reviews_come_back_by_normal_sync_and_reach_the_report(trip):
    phone = trip.phone
    trip.close_desktop()  # the report reads the collection with Anki closed
    before = run_report(trip.desktop_path)

    answers = answer_on_phone(phone, trip.review_cids)
    first: dict[int, tuple[int, CardAnswer.Rating.V]] = {}
    for cid, kind, rating in answers:
        first.setdefault(cid, (kind, rating))
    assert {k for k, _ in first.values()} == {0, 2}  # only new cards and the prepared reviews
    after_phone = {cid: phone.get_card(cid) for cid in first}
    times = Counter(cid for cid, _, _ in answers)
    for cid, (kind, rating) in first.items():  # what the ratings must have done, by the deck's options
        card = after_phone[cid]
        conf = phone.decks.config_dict_for_deck_id(card.did)
        if kind == 2 and rating == CardAnswer.AGAIN:
            assert card.type == (3 if conf["lapse"]["delays"] else 2), (cid, card.type)
        elif kind == 2:
            assert card.type == 2 and 1 < card.ivl < MATURE_IVL, (cid, card.type, card.ivl)
        elif times[cid] == 1:  # Good on a new card: the next learning step, or graduated if none
            assert card.type == (1 if len(conf["new"]["delays"]) > 1 else 2), (cid, card.type)
    phone_revlog = phone.db.all(REVLOG_SQL, trip.revlog_before)
    assert len(phone_revlog) == len(answers)

    out = anki_sync.normal_sync(phone, trip.phone_auth)
    assert out.required == out.NO_CHANGES, f"phone: a normal sync did not suffice ({out.required})"

    desktop = trip.open_desktop()
    out = anki_sync.normal_sync(desktop, trip.desktop_auth)
    assert out.required == out.NO_CHANGES, f"desktop: a normal sync did not suffice ({out.required})"
    assert desktop.db.all(REVLOG_SQL, trip.revlog_before) == phone_revlog
    assert not phone.db.scalar("select count() from revlog where usn = -1")  # all of them were sent
    for cid, card in after_phone.items():
        mine = desktop.get_card(cid)
        assert (mine.type, mine.queue, mine.ivl, mine.due) == (card.type, card.queue, card.ivl, card.due), cid
    assert not desktop.find_cards("is:suspended OR is:buried")  # the buckets below stay comparable
    trip.close_desktop()
    after = run_report(trip.desktop_path)

    # expected changes per topic, from the answers and the cards' states they led to
    want: dict[str, Counter] = {}
    for cid, (kind, rating) in first.items():
        card = after_phone[cid]
        delta = Counter()
        if kind == 2:  # a review of a card with an interval of >= 1 day: a true-retention review
            delta["reviews"] += 1
            delta["passed"] += rating != CardAnswer.AGAIN
            delta["young"] -= 1  # it was young (ivl 1) before
        else:
            delta["seen"] += 1
        if card.type in (1, 3):
            delta["learning"] += 1
        elif card.ivl < MATURE_IVL:
            delta["young"] += 1
        else:
            delta["mature"] += 1
        for topic in topics_of(phone, cid):
            want.setdefault(topic, Counter()).update(delta)
    assert set(want) and "GenAI" in want
    assert set(before) == set(after)
    for tag, t in after.items():
        b, w = before[tag], want.get(tag, Counter())
        got = {k: t[k] - b[k] for k in ("cards", "reviews", "passed", "learning", "young", "mature")}
        got["seen"] = sum(t[k] - b[k] for k in ("learning", "young", "mature"))
        assert got == {"cards": 0, "reviews": w["reviews"], "passed": w["passed"], "learning": w["learning"],
                       "young": w["young"], "mature": w["mature"], "seen": w["seen"]}, tag
        assert sum(t[k] for k in BUCKETS if k in t) == t["cards"], tag
    root = after["GenAI"]
    assert root["reviews"] - before["GenAI"]["reviews"] == REVIEWS
    assert root["passed"] - before["GenAI"]["passed"] == REVIEWS - 1
