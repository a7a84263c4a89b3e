"""Conditions: every class, article and recommendation belongs to one.

An entry that names no condition belongs to the default one, the first in conditions.toml;
a class's parent is of its own condition (so a class view and its inheritance stay within the
condition), and a recommendation's condition is its class's.
"""

from __future__ import annotations

from dataclasses import replace

from db.compiler.tree import ContentSources, relative
from db.errors import Problem


def assign_conditions(sources: ContentSources, problems: list[Problem]) -> None:
    """Give every entry its condition (its own or the default) and report the ones that do not fit."""
    if not sources.conditions:
        return
    default = sources.conditions[0].slug
    known: dict[str, str] = {}
    for condition in sources.conditions:
        if condition.slug in known:
            problems.append(Problem(condition.file, condition.line, f"duplicate condition slug {condition.slug!r}"))
        known.setdefault(condition.slug, condition.name)
    names = ", ".join(sorted(known))

    def check(file: str, line: int, slug: str) -> None:
        if slug not in known:
            problems.append(
                Problem(file, line, f"unknown condition {slug!r}: one of {names}, or add it to conditions.toml")
            )

    sources.classes = [replace(c, condition=c.condition or default) for c in sources.classes]
    for cls in sources.classes:
        check(cls.file, cls.line, cls.condition)
    class_condition = {c.slug: c.condition for c in sources.classes}
    for cls in sources.classes:
        parent = class_condition.get(cls.parent)
        if parent is not None and parent != cls.condition:
            problems.append(
                Problem(
                    cls.file,
                    cls.line,
                    f"class {cls.slug!r} is of condition {cls.condition!r} but its parent {cls.parent!r} is of "
                    f"{parent!r}: a class's parent must be of its own condition",
                )
            )
    for article in sources.articles:
        article.condition = article.condition or default
        check(relative(article.path, sources.root), 1, article.condition)
    recommendations = []
    for rec in sources.recommendations:
        of_class = class_condition.get(rec.class_slug, "")
        if rec.condition:
            check(rec.file, rec.line, rec.condition)
            if of_class and rec.condition != of_class:
                problems.append(
                    Problem(
                        rec.file,
                        rec.line,
                        f"condition {rec.condition!r} is not the condition of class {rec.class_slug!r} "
                        f"({of_class!r}): leave it out, or fix the class",
                    )
                )
        recommendations.append(replace(rec, condition=of_class or rec.condition or default))
    sources.recommendations = recommendations
    articles = {a.slug: a.condition for a in sources.articles}
    for condition in sources.conditions:
        if condition.overview and condition.overview not in articles:
            problems.append(
                Problem(condition.file, condition.line, f"overview article {condition.overview!r} does not exist")
            )
        elif condition.overview and articles[condition.overview] != condition.slug:
            problems.append(
                Problem(
                    condition.file,
                    condition.line,
                    f"overview article {condition.overview!r} is of condition {articles[condition.overview]!r}",
                )
            )
