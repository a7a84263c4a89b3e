"""The content database's schema: table definitions shared by the build and the Library.

Bump :data:`SCHEMA_VERSION` whenever a table or column the Library reads changes; the
Library refuses a file whose ``PRAGMA user_version`` is newer than it understands.
"""

from __future__ import annotations

#: Stored in ``PRAGMA user_version``.
SCHEMA_VERSION = 3

#: Stored in ``PRAGMA application_id``: "ClnR". Tells ClinRef content from any other SQLite file.
APPLICATION_ID = 0x436C6E52

#: Column weights for bm25() over the search table: title, names, body.
SEARCH_WEIGHTS = (10.0, 20.0, 1.0)

#: Between the names in the search table's ``names`` column (brands, synonyms, an article's short
#: title and topic): the tokenizer skips it, and search splits on it to tell a whole name typed.
NAME_SEPARATOR = "; "

# The search index keeps prefix indexes of 1 to 10 letters: search as you type sends each
# keystroke's last word as a prefix, and for a prefix length with no index FTS5 merges the
# postings of every term that starts with it before it can return a row: 2-40 ms for a common
# word at 10,000 articles (see bench/README.md). They cost about a fifth of the file's size.
TABLES = """
CREATE TABLE manifest (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE articles (
    slug TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    short_title TEXT NOT NULL,
    topic TEXT NOT NULL,
    updated TEXT NOT NULL,
    review_status TEXT NOT NULL,
    summary TEXT NOT NULL,
    source TEXT NOT NULL,
    html TEXT NOT NULL,
    sections TEXT NOT NULL,          -- JSON list of section headings
    quirks TEXT NOT NULL,            -- JSON list of source quirks, as recorded by the editors
    draft INTEGER NOT NULL DEFAULT 0, -- 1: not reviewed; only in a build made with --include-drafts
    condition TEXT NOT NULL DEFAULT '' REFERENCES conditions(slug)
);
CREATE TABLE conditions (
    slug TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    overview TEXT NOT NULL,          -- article slug, '' for none
    position INTEGER NOT NULL
);
CREATE TABLE article_references (
    article_slug TEXT NOT NULL REFERENCES articles(slug),
    number INTEGER NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    publication TEXT NOT NULL,
    year INTEGER,
    listed INTEGER NOT NULL,
    note TEXT NOT NULL,
    PRIMARY KEY (article_slug, number)
);
CREATE TABLE treatments (
    slug TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,              -- drug | drug group | non-drug
    mechanism TEXT NOT NULL,
    dose_text TEXT,
    dose_low REAL,
    dose_high REAL,
    dose_unit TEXT,
    dose_per TEXT,
    dose_context TEXT NOT NULL,      -- for what the source gives the range ('' when no dose)
    dose_article TEXT REFERENCES articles(slug),
    dose_citations TEXT NOT NULL     -- JSON list of citation numbers
);
CREATE TABLE treatment_names (
    treatment_slug TEXT NOT NULL REFERENCES treatments(slug),
    name TEXT NOT NULL,
    kind TEXT NOT NULL,              -- generic | brand | synonym
    PRIMARY KEY (treatment_slug, kind, name)
);
CREATE TABLE classes (
    slug TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    category TEXT NOT NULL,
    parent TEXT NOT NULL,
    synonyms TEXT NOT NULL,          -- JSON list
    description TEXT NOT NULL,
    position INTEGER NOT NULL,
    condition TEXT NOT NULL DEFAULT '' REFERENCES conditions(slug)
);
CREATE TABLE recommendations (
    id INTEGER PRIMARY KEY,
    treatment_slug TEXT NOT NULL REFERENCES treatments(slug),
    class_slug TEXT NOT NULL REFERENCES classes(slug),
    role TEXT NOT NULL,
    role_rank INTEGER NOT NULL,
    dose_text TEXT,
    dose_low REAL,
    dose_high REAL,
    dose_unit TEXT,
    dose_per TEXT,
    note TEXT NOT NULL,
    article_slug TEXT NOT NULL REFERENCES articles(slug),
    citations TEXT NOT NULL,         -- JSON list of citation numbers; [] = uncited in source
    derived INTEGER NOT NULL DEFAULT 0,  -- 1: the editors' inference from the cited statements, not said by them
    condition TEXT NOT NULL DEFAULT '' REFERENCES conditions(slug)  -- that of its class
);
-- Every class with each of its ancestors, itself included at depth 0, written once by the build
-- so that a class view finds what applies to it (its subclasses, its ancestors) with a join.
CREATE TABLE class_ancestors (
    class_slug TEXT NOT NULL REFERENCES classes(slug),
    ancestor_slug TEXT NOT NULL REFERENCES classes(slug),
    depth INTEGER NOT NULL,
    PRIMARY KEY (class_slug, ancestor_slug)
) WITHOUT ROWID;
CREATE INDEX class_ancestors_by_ancestor ON class_ancestors(ancestor_slug, class_slug);
-- The sidebar's list of articles, answered from this index alone: without it, listing them read
-- every article's row, HTML and all (40 MB at 10,000 articles; 0.45 s from a cold disk).
CREATE INDEX articles_by_topic ON articles(topic COLLATE NOCASE, short_title COLLATE NOCASE, slug, title, updated);
CREATE INDEX recommendations_by_class ON recommendations(class_slug, role_rank);
CREATE INDEX recommendations_by_treatment ON recommendations(treatment_slug);
CREATE TABLE mentions (
    treatment_slug TEXT NOT NULL REFERENCES treatments(slug),
    article_slug TEXT NOT NULL REFERENCES articles(slug),
    PRIMARY KEY (treatment_slug, article_slug)
) WITHOUT ROWID;
CREATE VIRTUAL TABLE search USING fts5(
    kind UNINDEXED, slug UNINDEXED, title, names, body, detail UNINDEXED,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '1 2 3 4 5 6 7 8 9 10'
);
CREATE TABLE vocabulary (
    term TEXT PRIMARY KEY,
    documents INTEGER NOT NULL,
    first TEXT NOT NULL,
    length INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX vocabulary_by_shape ON vocabulary(first, length);
"""
