"""The content database's schema: table definitions shared by the build and the Library.

Bump :data:`SCHEMA_VERSION` whenever a table or column the Library reads changes; the
Library refuses a file whose ``PRAGMA user_version`` is newer than it understands.
"""

from __future__ import annotations

#: Stored in ``PRAGMA user_version``.
#: 3: class ancestry, conditions, drafts, derived entries. 4: the search index is contentless
#: (``search`` holds no text; ``search_rows`` the hits' fields and names). 5: an article's citations
#: are stored as word-sized links (``<span class="cite">``, a link per number, to which the app
#: adds the reference as a tooltip), not as ``<sup class="cite">`` for the app to rewrite.
SCHEMA_VERSION = 5

#: Stored in ``PRAGMA application_id``: "ClnR". Tells ClinRef content from any other SQLite file.
APPLICATION_ID = 0x436C6E52

#: Column weights for bm25() over the search table: title, names, body.
SEARCH_WEIGHTS = (10.0, 20.0, 1.0)

#: Between the names in the search table's ``names`` column (brands, synonyms, an article's short
#: title and topic): the tokenizer skips it, and search splits on it to tell a whole name typed.
NAME_SEPARATOR = "; "

#: The search index's prefix indexes (FTS5 ``prefix=``). Search as you type sends each
#: keystroke's last word as a prefix, and for a prefix length with no index FTS5 merges the
#: postings of every term that starts with it before it returns a row. For one or two letters
#: nothing else will do (a one-letter prefix stands for thousands of terms: 0.4-0.7 s at 10,000
#: articles without its index). From three letters on db.library.search spells the prefix out
#: as an OR of the terms it stands for, from the vocabulary table, which FTS5 reads lazily. Each
#: prefix length costs 20-27 MB at 10,000 articles (the 1-10 kept before: 125 MB); see
#: bench/README.md for the measurements.
PREFIXES = "1 2"
#: FTS5 ``detail=``: "full" keeps the positions bm25 counts a term's occurrences by; "column"
#: would make the index a third of the size but rank every body match alike (measured: the
#: classes that recommend a drug fell below unrelated drugs in A-Z order).
DETAIL = "full"

# The search index (``search``) is a contentless FTS5 table: it holds the index and no copy of
# the text it indexes, which is kept once: an article's as its summary and HTML (articles), a
# drug's or a class's in search_rows.lead. A hit's title, kind and detail come from search_rows, its
# snippet from that text (db.library.snippets). Its prefix indexes: see PREFIXES.
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
-- One row for each thing a search can find; id is the search index's rowid, in the order a broad
-- search lists hits: treatments A-Z, classes in the editors' order, articles A-Z by title.
CREATE TABLE search_rows (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,              -- drug | class | article
    slug TEXT NOT NULL,
    title TEXT NOT NULL,
    names TEXT NOT NULL,             -- as indexed, NAME_SEPARATOR between them: search ranks whole names typed
    detail TEXT NOT NULL,
    lead TEXT NOT NULL               -- a drug's or class's text indexed as body; '' for an article (see articles)
);
CREATE VIRTUAL TABLE search USING fts5(
    title, names, body,
    content = '',
    tokenize = 'unicode61 remove_diacritics 2',
    detail = DETAIL,
    prefix = 'PREFIXES'
);
CREATE TABLE vocabulary (
    term TEXT PRIMARY KEY,
    documents INTEGER NOT NULL,
    first TEXT NOT NULL,
    length INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX vocabulary_by_shape ON vocabulary(first, length);
""".replace("'PREFIXES'", f"'{PREFIXES}'").replace("= DETAIL", f"= {DETAIL}")
