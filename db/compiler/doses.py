"""Dose ranges as the sources write them: ``LOW-HIGH UNIT/PER``, matched exactly as written."""

from __future__ import annotations

import re

from db.model import DoseRange

DOSE = re.compile(
    r"^(?P<low>\d+(?:\.\d+)?)-(?P<high>\d+(?:\.\d+)?) (?P<unit>mg|g|mcg|IU|units)/(?P<per>day|dose|kg/day)$"
)


def appears_as_written(dose: str, text: str) -> bool:
    """True when ``dose`` stands in ``text`` as a whole: "5-10 mg/day" is not in "2.5-10 mg/day"."""
    return re.search(rf"(?<![\w.]){re.escape(dose)}(?![\w/])", text) is not None


def parse_dose(text: str) -> DoseRange | None:
    """Parse ``LOW-HIGH UNIT/PER`` (e.g. ``500-3000 mg/day``); None when it does not parse."""
    match = DOSE.match(text.strip())
    if not match:
        return None
    low, high = float(match["low"]), float(match["high"])
    if low > high:
        return None
    return DoseRange(low, high, match["unit"], match["per"], text.strip())
