"""The store's tables, as an ordered list of migrations.

``MIGRATIONS[i]`` takes a store from schema version ``i`` to ``i + 1``; version 1 is the
initial schema. A migration is a tuple of single SQL statements (not a script), so that all of
them run inside the one transaction that `migrate` opens: ``executescript`` would commit first.
To change the schema, append a migration; never edit one that has shipped.
"""

from __future__ import annotations

import sqlite3

from stratlens.errors import StoreError

_V1: tuple[str, ...] = (
    """CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    )""",
    """CREATE TABLE runs (
        run_id          TEXT PRIMARY KEY,
        created_at      TEXT NOT NULL,
        model           TEXT NOT NULL,
        model_args      TEXT NOT NULL,          -- JSON object, secrets redacted
        suite           TEXT,
        games           TEXT NOT NULL,          -- JSON list of game ids
        protocol        TEXT NOT NULL,
        opponent        TEXT NOT NULL,
        episodes        INTEGER NOT NULL,
        seed            INTEGER NOT NULL,
        package_version TEXT NOT NULL,
        config          TEXT NOT NULL           -- JSON object, secrets redacted
    )""",
    """CREATE TABLE episodes (
        episode_id     TEXT PRIMARY KEY,
        run_id         TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
        game_id        TEXT NOT NULL,
        role           INTEGER NOT NULL,        -- the player the subject controls
        idx            INTEGER NOT NULL,
        seed           INTEGER NOT NULL,
        status         TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed')),
        returns        TEXT,                    -- JSON list, one return per player
        subject_payoff REAL,
        error          TEXT,
        started_at     TEXT NOT NULL,
        finished_at    TEXT
    )""",
    "CREATE INDEX episodes_run ON episodes(run_id, status)",
    """CREATE TABLE decisions (
        id                INTEGER PRIMARY KEY AUTOINCREMENT,
        episode_id        TEXT NOT NULL REFERENCES episodes(episode_id) ON DELETE CASCADE,
        run_id            TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
        step              INTEGER NOT NULL,
        player            INTEGER NOT NULL,
        agent             TEXT NOT NULL CHECK (agent IN ('subject', 'opponent')),
        model             TEXT NOT NULL,
        action            INTEGER,
        action_label      TEXT,
        legal_actions     TEXT NOT NULL,        -- JSON object {"id": "label"}
        parse_status      TEXT NOT NULL,
        raw_output        TEXT NOT NULL,
        reasoning         TEXT NOT NULL,
        attempts          INTEGER NOT NULL,
        prompt_tokens     INTEGER NOT NULL,
        completion_tokens INTEGER NOT NULL,
        reasoning_tokens  INTEGER NOT NULL,
        cost_usd          REAL NOT NULL,
        latency_s         REAL NOT NULL,
        logprobs          TEXT,                 -- JSON, when the agent returned logprobs
        error             TEXT,
        UNIQUE (episode_id, step, player)
    )""",
    "CREATE INDEX decisions_run ON decisions(run_id)",
    "CREATE INDEX decisions_episode ON decisions(episode_id)",
    """CREATE TABLE profiles (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        model      TEXT NOT NULL,
        runs       TEXT NOT NULL,               -- JSON list of the run ids profiled
        game_id    TEXT,                        -- NULL: over all games of the runs
        method     TEXT NOT NULL,               -- the classifier or fit that labelled
        label      TEXT,                        -- the style assigned
        scores     TEXT NOT NULL,               -- JSON object, style -> score
        n          INTEGER NOT NULL,            -- decisions or traces used
        created_at TEXT NOT NULL
    )""",
    "CREATE INDEX profiles_model ON profiles(model, method)",
    """CREATE TABLE fits (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        model      TEXT NOT NULL,
        runs       TEXT NOT NULL,               -- JSON list of the run ids fitted
        game_id    TEXT,                        -- NULL: pooled over games
        method     TEXT NOT NULL,               -- e.g. 'tqre', 'qre', 'style_mixture'
        params     TEXT NOT NULL,               -- JSON object of fitted parameters
        loglik     REAL,
        n          INTEGER NOT NULL,
        created_at TEXT NOT NULL
    )""",
    "CREATE INDEX fits_model ON fits(model, method)",
    """CREATE TABLE cache (
        key        TEXT PRIMARY KEY,            -- a hash of the request
        value      TEXT NOT NULL,               -- the response, serialised
        created_at TEXT NOT NULL
    )""",
)

# Version 2: what the analysis computes from the decisions, kept so that it is computed once.
_V2: tuple[str, ...] = (
    """CREATE TABLE trace_labels (
        decision_id INTEGER NOT NULL REFERENCES decisions(id) ON DELETE CASCADE,
        classifier  TEXT NOT NULL,              -- e.g. 'offline@<corpus hash>', 'judge:<model>'
        label       TEXT NOT NULL,
        scores      TEXT NOT NULL,              -- JSON object, label -> probability
        evidence    TEXT NOT NULL,              -- the span that decided
        created_at  TEXT NOT NULL,
        PRIMARY KEY (decision_id, classifier)
    )""",
    """CREATE TABLE analysis_cache (
        key        TEXT PRIMARY KEY,            -- kind + run id + code version, hashed
        kind       TEXT NOT NULL,               -- e.g. 'metrics', 'structure'
        run_id     TEXT REFERENCES runs(run_id) ON DELETE CASCADE,
        value      TEXT NOT NULL,               -- JSON
        created_at TEXT NOT NULL
    )""",
    "CREATE INDEX analysis_cache_run ON analysis_cache(run_id, kind)",
)

# Version 3: whether a decision's answer came from the response cache (older rows: 0, unknown).
_V3: tuple[str, ...] = ("ALTER TABLE decisions ADD COLUMN cached INTEGER NOT NULL DEFAULT 0",)

# Version 4: episodes have an owner while they are played (a lease: see `_ownership`), and a
# decision's reasoning is stored once: as a span into ``raw_output`` where it is a part of it
# (``reasoning`` becomes a column computed from the span or ``reasoning_text``). The sizes
# given and the bytes the store cut (``truncated``) are recorded; older rows: NULL and 0.
_V4: tuple[str, ...] = (
    "ALTER TABLE episodes ADD COLUMN owner TEXT",
    "ALTER TABLE episodes ADD COLUMN owner_host TEXT",
    "ALTER TABLE episodes ADD COLUMN owner_pid INTEGER",
    "ALTER TABLE episodes ADD COLUMN lease_until REAL",  # epoch seconds; NULL: no lease
    "ALTER TABLE decisions RENAME COLUMN reasoning TO reasoning_text",
    "ALTER TABLE decisions ADD COLUMN reasoning_start INTEGER",
    "ALTER TABLE decisions ADD COLUMN reasoning_len INTEGER",
    "ALTER TABLE decisions ADD COLUMN raw_bytes INTEGER",
    "ALTER TABLE decisions ADD COLUMN reasoning_bytes INTEGER",
    "ALTER TABLE decisions ADD COLUMN truncated INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE decisions ADD COLUMN reasoning TEXT GENERATED ALWAYS AS (CASE WHEN "
    "reasoning_start IS NULL THEN reasoning_text "
    "ELSE substr(raw_output, reasoning_start + 1, reasoning_len) END) VIRTUAL",
)

# Version 5: no index of its own for a decision's episode: the UNIQUE (episode_id, step,
# player) key's index serves a lookup by episode, and each insert had to update both.
_V5: tuple[str, ...] = ("DROP INDEX IF EXISTS decisions_episode",)

MIGRATIONS: tuple[tuple[str, ...], ...] = (_V1, _V2, _V3, _V4, _V5)
SCHEMA_VERSION = len(MIGRATIONS)


def read_version(conn: sqlite3.Connection, where: str) -> int:
    """The schema version of an open store: 0 for an empty database.

    A database with tables but without ours is not a stratlens store (`StoreError`).
    """
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "meta" not in tables:
        if tables - {"sqlite_sequence"}:
            raise StoreError(f"{where} is an SQLite database but not a stratlens store")
        return 0
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    try:
        return int(row[0])
    except (TypeError, ValueError):
        raise StoreError(f"{where} has no valid schema_version; the store is damaged") from None


def check_version(version: int, where: str) -> None:
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{where} has schema version {version}, newer than this stratlens supports "
            f"({SCHEMA_VERSION}); upgrade stratlens to open it"
        )


def migrate(conn: sqlite3.Connection, where: str) -> int:
    """Bring the store up to `SCHEMA_VERSION`, all in one transaction; return the version.

    ``conn`` must be in autocommit mode (``isolation_level=None``). The version is read again
    under the write lock, so two processes opening a new file at once migrate it only once.
    """
    version = read_version(conn, where)
    check_version(version, where)
    if version == SCHEMA_VERSION:
        return version
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = read_version(conn, where)
        check_version(version, where)
        for statements in MIGRATIONS[version:]:
            for sql in statements:
                conn.execute(sql)
        conn.execute(
            "INSERT INTO meta(key, value) VALUES ('schema_version', ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (str(SCHEMA_VERSION),),
        )
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return SCHEMA_VERSION
