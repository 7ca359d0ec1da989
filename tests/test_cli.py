"""The commands, through Flask's CLI runner, against the test database."""

import json
from pathlib import Path

import pytest

from matchmaker.services import importing
from matchmaker.services import profiles as profile_service
from matchmaker.services.accounts import authenticate

from .conftest import MENTORS, NEWCOMERS, profile

ROOT = Path(__file__).resolve().parent.parent


def write(tmp_path, name, data) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_seed_loads_the_demo_data(app, runner):
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    assert "created" in result.output
    with app.app_context():
        listing = profile_service.list_partnerships(per_page=500)
        items, total = listing.items, listing.total
    assert total >= 25
    assert {s for p in items for s in p.sectors} == {"po", "vo", "mbo", "so"}
    assert len({p.region for p in items}) >= 8
    assert all(p.contact_email.endswith("@example.org") for p in items)


def test_seed_twice_updates_instead_of_duplicating(runner):
    runner.invoke(args=["seed"])
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0
    assert "0 created" in result.output


def test_import_profiles_prints_counts(runner, tmp_path):
    path = write(tmp_path, "p.json", {"partnerships": MENTORS + NEWCOMERS})
    result = runner.invoke(args=["import-profiles", path])
    assert result.exit_code == 0, result.output
    assert "6 created, 0 updated" in result.output


def test_an_import_that_lost_a_race_says_so_and_how_to_recover(runner, tmp_path, monkeypatch):
    """What another writer created meanwhile (tests/test_races.py has the real race)."""

    def lost(document, progress=None):
        raise importing.ImportConflict(["nieuw-een", "nieuw-twee"])

    monkeypatch.setattr("matchmaker.services.importing.import_profiles", lost)
    path = write(tmp_path, "p.json", {"partnerships": NEWCOMERS})
    result = runner.invoke(args=["import-profiles", path])
    assert result.exit_code == 1
    assert "nieuw-een, nieuw-twee" in result.output and "run the import again" in result.output


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (
            {"partnerships": [profile(key="ok"), profile(key="slecht", mentor_capacity=99)]},
            "record 1 (key 'slecht'): mentor_capacity",
        ),
        (
            {"partnerships": [profile(key="ok"), profile(key="ok")]},
            "record 1 (key 'ok'): key: duplicate",
        ),
        (
            {"partnerships": [profile(key="ok", extra=1)]},
            "record 0 (key 'ok'): extra: unknown field",
        ),
        ({"wrong": []}, "unknown top-level field"),
    ],
)
def test_import_rejects_the_whole_file(app, runner, tmp_path, content, fragment):
    path = write(tmp_path, "bad.json", content)
    result = runner.invoke(args=["import-profiles", path])
    assert result.exit_code != 0
    assert fragment in result.output
    assert "nothing was written" in result.output
    with app.app_context():
        assert profile_service.list_partnerships().total == 0


def test_import_unreadable_files(runner, tmp_path):
    missing = runner.invoke(args=["import-profiles", str(tmp_path / "nope.json")])
    assert missing.exit_code != 0 and "not found" in missing.output
    broken = tmp_path / "broken.json"
    broken.write_text('{"partnerships": [', encoding="utf-8")
    result = runner.invoke(args=["import-profiles", str(broken)])
    assert result.exit_code != 0 and "not valid JSON" in result.output
    latin = tmp_path / "latin.json"
    latin.write_bytes('{"partnerships": [{"name": "Coördinatie"}]}'.encode("latin-1"))
    result = runner.invoke(args=["import-profiles", str(latin)])
    assert result.exit_code != 0 and "not UTF-8" in result.output


def test_export_to_stdout_and_file(runner, tmp_path):
    runner.invoke(args=["import-profiles", write(tmp_path, "p.json", {"partnerships": MENTORS})])
    out = runner.invoke(args=["export-profiles"])
    assert out.exit_code == 0
    exported = json.loads(out.output)
    assert [p["key"] for p in exported["partnerships"]] == sorted(p["key"] for p in MENTORS)
    target = tmp_path / "export.json"
    assert runner.invoke(args=["export-profiles", str(target)]).exit_code == 0
    assert json.loads(target.read_text(encoding="utf-8")) == exported


def test_export_then_import_into_an_empty_database_gives_the_same_profiles(app, runner, tmp_path):
    runner.invoke(args=["seed"])
    first = runner.invoke(args=["export-profiles"]).output
    path = write(tmp_path, "round.json", json.loads(first))
    from matchmaker.extensions import db

    with app.app_context():
        db.drop_all()
        db.create_all()
    result = runner.invoke(args=["import-profiles", path])
    assert result.exit_code == 0, result.output
    second = runner.invoke(args=["export-profiles"]).output
    assert json.loads(second) == json.loads(first)
    assert json.loads(first)["partnerships"][0]["contact"]["email"]


@pytest.fixture
def loaded(runner, tmp_path):
    runner.invoke(
        args=["import-profiles", write(tmp_path, "p.json", {"partnerships": MENTORS + NEWCOMERS})]
    )
    return runner


def test_suggest_text(loaded):
    result = loaded.invoke(args=["suggest", "nieuw-assessment", "--limit", "2"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "nieuw-assessment:"
    assert "beoordeling-west" in lines[1]


def test_suggest_json_shape(loaded):
    result = loaded.invoke(
        args=["suggest", "nieuw-assessment", "nieuw-starters", "--json", "--limit", "3"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert list(data) == ["nieuw-assessment", "nieuw-starters"]
    first = data["nieuw-assessment"][0]
    assert set(first) == {"key", "name", "score", "reasons", "evidence"}
    assert first["key"] == "beoordeling-west"
    assert 0 <= first["score"] <= 1
    assert all(isinstance(r, str) for r in first["reasons"]) and first["reasons"]
    assert len(data["nieuw-starters"]) <= 3
    assert data["nieuw-starters"][0]["key"] == "starters-oost"


def test_suggest_unknown_key(loaded):
    result = loaded.invoke(args=["suggest", "nieuw-assessment", "bestaat-niet", "--json"])
    assert result.exit_code != 0
    assert "unknown partnership key 'bestaat-niet'" in result.output


def test_evaluate_prints_scores_margins_and_categories(runner):
    result = runner.invoke(
        args=[
            "evaluate",
            str(ROOT / "eval/blind-a.json"),
            str(ROOT / "eval/blind-a-labels.json"),
            "--as-of",
            "2026",
        ]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert (
        lines[-1].startswith("hit@1")
        and "smallest margin" in lines[-1]
        and "decoys in top 3 0" in lines[-1]
    )
    assert any(line.strip().startswith("[english]") for line in lines)  # results per category
    assert any("margin" in line for line in lines[:-1])


def test_evaluate_baselines(runner):
    args = [
        "evaluate",
        str(ROOT / "eval/dev.json"),
        str(ROOT / "eval/dev-labels.json"),
        "--as-of",
        "2026",
        "--json",
    ]
    plain = json.loads(runner.invoke(args=[*args, "--baseline", "tfidf"]).output.splitlines()[-1])
    ours = json.loads(runner.invoke(args=args).output.splitlines()[-1])
    assert (
        plain["hit@1"] == 0.6 and ours["hit@1"] > plain["hit@1"]
    )  # the figure eval/README.md quotes


def test_evaluate_leaves_the_real_database_alone(app, runner, tmp_path):
    data = write(tmp_path, "d.json", {"partnerships": MENTORS + NEWCOMERS})
    labels = write(
        tmp_path, "l.json", {"nieuw-assessment": {"primary": "beoordeling-west", "acceptable": []}}
    )
    result = runner.invoke(args=["evaluate", data, labels, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["hit@1"] == 1.0
    with app.app_context():
        assert profile_service.list_partnerships().total == 0


def test_evaluate_labels_must_exist(runner, tmp_path):
    data = write(tmp_path, "d.json", {"partnerships": MENTORS})
    labels = write(tmp_path, "l.json", {"ghost": {"primary": "beoordeling-west"}})
    result = runner.invoke(args=["evaluate", data, labels])
    assert result.exit_code != 0 and "ghost" in result.output


@pytest.mark.parametrize(
    "labels, problem",
    [
        ([], "must be a JSON object"),
        ({"nieuw-assessment": "beoordeling-west"}, "nieuw-assessment: must be an object"),
        ({"nieuw-assessment": {}}, "nieuw-assessment.primary: must be a partnership key"),
        ({"nieuw-assessment": {"primary": "spook"}}, "nieuw-assessment.primary: 'spook' is not"),
        (
            {"nieuw-assessment": {"primary": "beoordeling-west", "acceptable": "starters-oost"}},
            "nieuw-assessment.acceptable: must be a list",
        ),
        (
            {"nieuw-assessment": {"primary": "beoordeling-west", "primry": "x"}},
            "nieuw-assessment.primry: unknown field",
        ),
        (
            {"nieuw-assessment": {"primary": "beoordeling-west"}, "_decoys": ["spook"]},
            "_decoys: 'spook' is not in the data",
        ),
        ({"_decoys": []}, "the labels name no newcomer"),
    ],
)
def test_evaluate_names_what_is_wrong_with_the_labels(runner, tmp_path, labels, problem):
    data = write(tmp_path, "d.json", {"partnerships": MENTORS + NEWCOMERS})
    result = runner.invoke(args=["evaluate", data, write(tmp_path, "l.json", labels)])
    assert result.exit_code == 1 and problem in result.output, result.output
    assert "Traceback" not in result.output


def test_evaluate_refuses_a_newcomer_labelled_with_itself(runner, tmp_path):
    data = write(tmp_path, "d.json", {"partnerships": MENTORS + NEWCOMERS})
    labels = write(tmp_path, "l.json", {"nieuw-assessment": {"primary": "nieuw-assessment"}})
    result = runner.invoke(args=["evaluate", data, labels])
    assert result.exit_code == 1 and "never suggested to itself" in result.output


def test_an_import_file_may_start_with_a_byte_order_mark(runner, tmp_path):
    path = tmp_path / "windows.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps({"partnerships": MENTORS}).encode())
    result = runner.invoke(args=["import-profiles", str(path)])
    assert result.exit_code == 0, result.output


def test_export_to_a_folder_that_does_not_exist_says_so(runner, tmp_path):
    result = runner.invoke(args=["export-profiles", str(tmp_path / "nope" / "x.json")])
    assert result.exit_code == 1 and "cannot write" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("now", ["0001-01-01T00:00", "9999-12-31T23:59:59+00:00"])
def test_worker_now_far_outside_any_round_is_refused(runner, now):
    result = runner.invoke(args=["worker", "--once", "--now", now])
    assert result.exit_code == 2 and "--now" in result.output


def test_worker_once_fails_when_its_round_breaks(runner, monkeypatch):
    """A cron job running --once must see a broken round (a running worker logs it and goes on)."""

    def broken(**_kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr("matchmaker.services.mail.deliver_due", broken)
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 1 and "the round failed: delivery: RuntimeError" in result.output


def test_create_admin_asks_for_the_password(app, runner):
    result = runner.invoke(
        args=["create-admin", "Beheer@Example.org"],
        input="lang genoeg wachtwoord\nlang genoeg wachtwoord\n",
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = authenticate("beheer@example.org", "lang genoeg wachtwoord")
        assert user is not None and user.is_admin


def test_create_admin_refuses_short_password(runner):
    result = runner.invoke(args=["create-admin", "a@example.org", "--password", "kort"])
    assert result.exit_code != 0
    assert "password" in result.output and "8" in result.output


def test_build_index(loaded):
    result = loaded.invoke(args=["build-index"])
    assert result.exit_code == 0 and "6 profiles" in result.output


def test_import_names_near_duplicate_mentors(runner, tmp_path):
    text = (
        "Wij hebben een jaarplanning voor het overleg tussen school en opleiding, met vaste data."
    )
    data = write(
        tmp_path,
        "d.json",
        {
            "partnerships": [
                profile(key="origineel", experiences=text),
                profile(key="kopie", experiences=text.replace("vaste", "vier")),
                *MENTORS,
            ]
        },
    )
    result = runner.invoke(args=["import-profiles", data])
    assert result.exit_code == 0, result.output
    assert "Near-duplicate experiences: kopie and origineel" in result.output
    assert "beoordeling-west" not in result.output.split("Near-duplicate", 1)[1]
