"""Typed results of reading one document: what `hoth-intake parse` prints.

Every document, readable or not, becomes exactly one ``ParseResult``; the JSON
shape produced by ``ParseResult.to_json`` is the contract in SPEC.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    PARSED = "parsed"
    UNREADABLE = "unreadable"
    ENCRYPTED = "encrypted"
    UNSUPPORTED = "unsupported"


class FormType(StrEnum):
    CE_MATRIX = "ce_matrix"
    REFERRAL = "referral"
    UNKNOWN = "unknown"


class Level(StrEnum):
    NONE = "none"
    LOW = "low"
    MODERATE = "moderate"
    SIGNIFICANT = "significant"

    @property
    def rank(self) -> int:
        return _LEVEL_RANK[self]

    @staticmethod
    def highest(levels: "list[Level | None]") -> "Level | None":
        known = [lvl for lvl in levels if lvl is not None]
        return max(known, key=lambda lvl: lvl.rank) if known else None


_LEVEL_RANK = {Level.NONE: 0, Level.LOW: 1, Level.MODERATE: 2, Level.SIGNIFICANT: 3}

INDICATOR_KEYS: tuple[str, ...] = (
    "family_peer_relationships",
    "accommodation",
    "education",
    "emotional_health",
    "experience_of_violence",
    "missing_episodes",
    "abusive_adults_unsafe_environments",
    "controlled_substances",
    "coercion_control",
    "rewards",
    "sexual_health_relationships",
    "social_networking",
    "physical_risks",
    "engagement_with_services",
)

EXPLOITATION_TYPES: tuple[str, ...] = (
    "cse",
    "cce",
    "county_lines",
    "organised_crime",
    "trafficking_modern_slavery",
    "online",
    "financial",
)


@dataclass
class Child:
    name: str | None = None
    dob: date | None = None
    age: int | None = None
    aliases: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "dob": self.dob.isoformat() if self.dob else None,
            "age": self.age,
            "aliases": list(self.aliases),
        }
        out.update(self.details)
        return out

    @property
    def initials(self) -> str | None:
        return initials(self.name)


@dataclass
class Indicator:
    level: Level | None = None
    evidence: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"level": self.level.value if self.level else None, "evidence": self.evidence}


@dataclass
class ParseResult:
    """One document's reading. ``extra`` carries form-specific JSON keys."""

    file: str
    form: FormType = FormType.UNKNOWN
    status: Status = Status.PARSED
    problem: str | None = None
    child: Child = field(default_factory=Child)
    indicators: dict[str, Indicator] = field(default_factory=dict)
    overall_level: Level | None = None
    effective_level: Level | None = None
    exploitation_types: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    # The other form in the same file (a referral with a CE Matrix pasted after it): read as a document too.
    companions: list["ParseResult"] = field(default_factory=list)

    @property
    def readable(self) -> bool:
        return self.status is Status.PARSED

    def documents(self) -> list["ParseResult"]:
        """This reading and the other forms the same file holds, each a document of the submission."""
        return [self, *self.companions]

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "file": self.file,
            "form": self.form.value,
            "status": self.status.value,
            "problem": self.problem,
            "child": self.child.to_json(),
        }
        if self.form is FormType.CE_MATRIX:
            out["indicators"] = {k: v.to_json() for k, v in self.indicators.items()}
            out["overall_level"] = _level_json(self.overall_level)
            out["effective_level"] = _level_json(self.effective_level)
        out["exploitation_types"] = list(self.exploitation_types)
        out["missing"] = list(self.missing)
        out["warnings"] = list(self.warnings)
        for key, value in self.extra.items():
            out.setdefault(key, value)
        if self.companions:
            out["also"] = [companion.to_json() for companion in self.companions]
            for companion in out["also"]:  # what only the other form asks (immediate risk, referrer, …)
                for key, value in companion.items():
                    out.setdefault(key, value)
        return out


def initials(name: str | None) -> str | None:
    """"Jane Smith-Jones" → "JSJ": all outbound mail may say of a child."""
    if not name:
        return None
    parts = [p for p in name.replace("-", " ").split() if p[:1].isalpha()]
    return "".join(p[0].upper() for p in parts) or None


def _level_json(level: Level | None) -> str | None:
    return level.value if level else None


def failed(file: str, status: Status, problem: str, warnings: list[str] | None = None) -> ParseResult:
    """A result for a document that could not be read as a form."""
    return ParseResult(file=file, status=status, problem=problem, warnings=list(warnings or []))
