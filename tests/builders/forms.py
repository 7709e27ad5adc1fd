"""Ground truth and builders for the two forms, in many encodings.

A *spec* (``CEMatrixSpec`` / ``ReferralSpec``) says what a practitioner meant
to record; a ``Variant`` says how their copy of the template records it (tick
encoding, label wording, layout, merged and nested cells, tracked changes,
placeholders, date format). ``build_*`` turns the pair into .docx bytes and
``expected`` turns the spec into the subset of the ``hoth-intake parse --json``
object (SPEC.md "Interfaces") that any correct parser must produce, whatever
the variant. ``diff_result`` compares a parse object against it.

Value conventions used by ``expected`` (and documented for the lead):
- levels are the ``parsers.results.Level`` values; exploitation types are the
  ``EXPLOITATION_TYPES`` values, compared as sorted lists;
- referral ``categories`` are compared as sets of ``slug(label)`` (lower case,
  "&" read as "and", runs of other characters as "_"), so a parser may return
  the label text in any case or a slug of it;
- free text (evidence, concerns, names) is compared after ``norm_text``;
- ``warnings_mention`` lists indicator keys for which some warning must name
  the key (underscores or spaces) because several levels were ticked;
  ``warnings_min`` is the least number of warnings (e.g. 1 for a .docm).

All names, addresses, phone numbers (Ofcom drama ranges) and e-mail domains
(``.example``) are fictional.
"""

from __future__ import annotations

import io
import random
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Callable, Sequence

from parsers.results import EXPLOITATION_TYPES, INDICATOR_KEYS
from tests.builders import wordml as w
from tests.builders.wordml import Block, Cell, Inline

LEVELS: tuple[str, ...] = ("none", "low", "moderate", "significant")
_RANK = {lvl: i for i, lvl in enumerate(LEVELS)}

TICK_ENCODINGS: tuple[str, ...] = (
    "content_control", "content_control_glyph_mismatch", "legacy_checked", "legacy_default",
    "legacy_checked_overrides_default", "glyph", "wingdings", "yes_text", "level_text",
    "glyph_before_label",
)
GLYPHS: tuple[str, ...] = ("\u2612", "\u2611", "\u2713", "\u2714", "X", "x")
LABEL_STYLES: tuple[str, ...] = ("template", "reworded", "upper")
LAYOUTS: tuple[str, ...] = ("appendix7", "pairs", "inline", "paragraphs")
EVIDENCE_STYLES: tuple[str, ...] = ("single", "continuation", "bullets", "nested_table")
TEXT_FIELDS: tuple[str, ...] = ("plain", "content_control", "content_control_block", "formtext")
EMPTY_FIELDS: tuple[str, ...] = ("blank", "placeholder", "formtext")
DATE_FORMATS: tuple[str, ...] = ("dmy_slash", "d_month_yyyy", "dmy_dots_short", "iso", "ordinal")

CHILD_FACTORS: tuple[str, ...] = (
    "Learning disabilities.", "Financially unsupported.", "Migrant /refugee /asylum seeker.",
    "Recent bereavement or loss or illness of a significant person in the child’s life.",
    "Unsure about sexual orientation or unable to disclose sexual orientation to their families.",
    "Young carer.",
)
FAMILY_FACTORS: tuple[str, ...] = (
    "Abuse / neglect in the family.",
    "Parental Substance misuse / criminal activity / criminal associations.",
    "Parental mental health.", "Adult sex work.", "Learning disabilities.",
)
REFERRAL_CATEGORIES: tuple[str, ...] = (
    "Physical abuse", "Emotional abuse", "Sexual abuse", "Neglect", "Domestic abuse",
    "Child exploitation / harm outside the home", "Parental mental health",
    "Parental substance misuse", "Child mental health / self-harm", "Other",
)


# --------------------------------------------------------------------------- specs

Indicators = dict[str, tuple[str | None, str | None]]


@dataclass
class CEMatrixSpec:
    """What the worker recorded on a CE Matrix. ``None`` means left empty."""

    stage: str = "Referral"
    worker_name: str | None = None
    worker_contact: str | None = None
    worker_agency: str | None = None
    assessment_date: date | None = None
    line_manager: str | None = None
    child_name: str | None = None
    aliases: list[str] = field(default_factory=list)
    dob: date | None = None
    age: int | None = None
    address: str | None = None
    agency_reference: str | None = None
    disability: str | None = None
    gender_identity: str | None = None
    ethnicity: str | None = None
    language: str | None = None
    legal_status: str | None = None
    gp: str | None = None
    known_to_police: bool | None = None
    known_to_yos: bool | None = None
    known_to_camhs: bool | None = None
    open_to_csc: bool | None = None
    school: str | None = None
    indicators: Indicators = field(default_factory=dict)
    # Further levels ticked in the same indicator, by mistake or indecision.
    extra_ticks: dict[str, tuple[str, ...]] = field(default_factory=dict)
    child_factors: list[str] = field(default_factory=list)
    family_factors: list[str] = field(default_factory=list)
    exploitation_types: list[str] = field(default_factory=list)
    voice_of_child: str | None = None
    parent_views: str | None = None
    suspects: str | None = None
    overall_level: str | None = None
    verification: str | None = None
    verification_date: date | None = None


@dataclass
class ReferralSpec:
    """What the referrer recorded on a Safeguarding Referral Form."""

    referrer_name: str | None = None
    referrer_role: str | None = None
    referrer_agency: str | None = None
    referrer_phone: str | None = None
    referrer_email: str | None = None
    referral_date: date | None = None
    child_name: str | None = None
    dob: date | None = None
    gender: str | None = None
    address: str | None = None
    school: str | None = None
    gp: str | None = None
    language: str | None = None
    interpreter: bool | None = None
    parents: list[tuple[str, str, str]] = field(default_factory=list)  # name, relationship, phone
    household: list[tuple[str, str, str]] = field(default_factory=list)  # name, relationship, age
    categories: list[str] = field(default_factory=list)
    concerns: str | None = None
    child_views: str | None = None
    parents_informed: bool | None = None
    why_not_informed: str | None = None
    consent: bool | None = None
    open_to_csc: bool | None = None
    other_agencies: str | None = None
    ce_matrix_attached: bool | None = None
    immediate_risk: bool | None = None


@dataclass(frozen=True)
class Variant:
    """How one agency's copy encodes the form.

    tick: one of TICK_ENCODINGS (``glyph`` uses ``glyph``, one of GLYPHS);
    labels: LABEL_STYLES; layout: LAYOUTS; evidence: EVIDENCE_STYLES;
    text_fields / empty_fields: how filled / empty text values are held;
    date_format: DATE_FORMATS; ``seed`` drives wording picks and shuffles.
    """

    tick: str = "content_control"
    glyph: str = "\u2612"
    labels: str = "template"
    layout: str = "appendix7"
    reorder: bool = False
    extra_rows: bool = False
    merged_cells: bool = False
    single_indicator_table: bool = False
    evidence: str = "single"
    tracked_changes: bool = False
    text_fields: str = "plain"
    empty_fields: str = "blank"
    date_format: str = "dmy_slash"
    docm: bool = False
    seed: int = 0

    @property
    def filename(self) -> str:
        return "form.docm" if self.docm else "form.docx"


# --------------------------------------------------------------------------- text helpers

_BULLETS = re.compile(r"(?m)^\s*(?:[\u2022\u25aa\u25e6\u00b7\u2023\u2043*]|-(?=\s))\s*")
_SEPARATORS = re.compile(r"[|\t\u00a0\u2002\u2003\u200b]")


def norm_text(text: str | None) -> str | None:
    """Text as compared: NFC, bullet markers and cell separators (``|``, tabs)
    dropped, whitespace collapsed. Empty becomes ``None``."""
    if text is None:
        return None
    text = unicodedata.normalize("NFC", text)
    text = _BULLETS.sub(" ", text)
    text = " ".join(_SEPARATORS.sub(" ", text).split())
    return text or None


def slug(label: str) -> str:
    """Case- and punctuation-free form of a label, for comparing category names."""
    text = label.lower().replace("&", " and ").replace("’", "'")
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")


def format_date(d: date, style: str) -> str:
    """A date as UK practitioners type it."""
    if style == "dmy_slash":
        return f"{d.day:02d}/{d.month:02d}/{d.year}"
    if style == "d_month_yyyy":
        return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"
    if style == "dmy_dots_short":
        return f"{d.day:02d}.{d.month:02d}.{d.year % 100:02d}"
    if style == "iso":
        return d.isoformat()
    if style == "ordinal":
        suffix = "th" if 11 <= d.day <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(d.day % 10, "th")
        return f"{d.day}{suffix} {_MONTHS[d.month - 1]} {d.year}"
    raise ValueError(f"unknown date format {style!r}")


def age_on(dob: date, when: date) -> int:
    return when.year - dob.year - ((when.month, when.day) < (dob.month, dob.day))


def highest(levels: Sequence[str | None]) -> str | None:
    known = [lvl for lvl in levels if lvl is not None]
    return max(known, key=_RANK.__getitem__) if known else None


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]


# --------------------------------------------------------------------------- wording

@dataclass(frozen=True)
class _Wording:
    template: str
    alternates: tuple[str, ...] = ()


_CE_FIELDS: dict[str, _Wording] = {
    "worker_name": _Wording("Named worker leading on the Risk Assessment",
                            ("Named worker", "Name of worker completing assessment", "Lead professional")),
    "worker_contact_agency": _Wording("Contact Details & Agency", ("Contact details and agency",)),
    "worker_contact": _Wording("Contact Details", ("Contact number / email", "Worker contact details")),
    "worker_agency": _Wording("Agency", ("Agency", "Worker's agency", "Organisation")),
    "assessment_date": _Wording("Date", ("Date of assessment", "Assessment date", "Date completed")),
    "line_manager": _Wording("Authorising line manager", ("Line manager", "Authorising manager")),
    "lm_contact": _Wording("Contact Details & Agency", ("Manager contact details",)),
    # Header cells shuffled: the manager's box must say whose it is (beside the worker it would be the worker's).
    "lm_contact_shuffled": _Wording("Manager contact details & agency", ("Manager contact details",)),
    "lm_date": _Wording("Date", ("Date authorised", "Date signed off")),
    "child_name": _Wording("Child’s full name (+ aliases)",
                           ("Young person's name", "Name of child/young person", "Child's name",
                            "Full name of child")),
    "aliases": _Wording("Aliases", ("Aliases", "Also known as", "AKA / other names")),
    "dob": _Wording("D.O.B.", ("Date of Birth", "DOB", "D.O.B")),
    "age": _Wording("Age", ("Age", "Current age")),
    "address": _Wording("Home Address and contact number", ("Address", "Home address & contact number")),
    "agency_reference": _Wording("Agency I.D. Reference Number",
                                 ("Agency reference", "Agency ID / reference no.")),
    "disability": _Wording("Disability", ("Disability / additional needs",)),
    "gender_identity": _Wording("Gender Identity", ("Gender",)),
    "ethnicity": _Wording("Ethnicity", ("Ethnic origin",)),
    "language": _Wording("Language", ("First language", "Language spoken")),
    "legal_status": _Wording("Child Legal Status", ("Legal status",)),
    "gp": _Wording("GP Details & contact number", ("GP details and contact number", "GP")),
    "known_to_police": _Wording("Known to Police", ("Known to police?",)),
    "known_to_yos": _Wording("Known to YOS", ("Known to Youth Offending Service",)),
    "known_to_camhs": _Wording("Known to CAMHS", ("Known to CAMHS?",)),
    "school": _Wording("Current School", ("School / education setting", "School")),
    "open_to_csc": _Wording("Open to Children’s Social Care",
                            ("Open to Children's Social Care?", "Currently open to Children's Social Care")),
    "evidence": _Wording("PROVIDE EVIDENCE (Mandatory)",
                         ("Evidence", "Evidence (mandatory)", "Provide evidence", "Evidence / analysis")),
    "level_of_risk": _Wording("Level of risk", ("Level of risk", "Risk level", "Assessed level")),
    "overall": _Wording("Overall Assessed Level of exploitation Risk",
                        ("Overall level of risk", "Assessed overall risk level", "Overall risk level")),
    "verification": _Wording("Line Manager/ Designated Child Protection lead verification",
                             ("Line manager / DSL verification", "Verified by line manager")),
    "verification_date": _Wording("Date agreed", ("Date agreed", "Date verified")),
    "voice": _Wording("Voice/views of the child or young person",
                      ("Voice of the child", "Views of the child / young person")),
    "parent_views": _Wording("Views of the parent / carer", ("Parent/carer views", "Views of parents & carers")),
    "suspects": _Wording("Information about suspects, vehicles and locations",
                         ("Suspects, vehicles & locations", "Information on suspects / vehicles / locations")),
    "exploitation": _Wording("Type of exploitation suspected (tick all that apply)",
                             ("Exploitation type(s) suspected", "Suspected type of exploitation")),
    "factors": _Wording("Other child(ren) & family factors to consider.",
                        ("Other child and family factors", "Child & family factors")),
    "family": _Wording("Family:", ("Family factors",)),
    "child": _Wording("Child:", ("Child factors",)),
}

_INDICATOR_NAMES: dict[str, _Wording] = {
    "family_peer_relationships": _Wording("Family and peer relationships",
                                          ("Family & Peer Relationships", "Family and Peer Relationships")),
    "accommodation": _Wording("Accommodation", ("Accommodation", "ACCOMMODATION / HOUSING")),
    "education": _Wording("Education", ("Education", "Education & Training")),
    "emotional_health": _Wording("Emotional Health", ("Emotional health", "Emotional Health & Wellbeing")),
    "experience_of_violence": _Wording("Experience of Violence",
                                       ("Experience of violence", "Experiences of Violence")),
    "missing_episodes": _Wording("Running away / going missing",
                                 ("Going missing / running away", "Running away or going missing",
                                  "Missing episodes")),
    "abusive_adults_unsafe_environments": _Wording(
        "Contact with abusive adults and / or unsafe environments",
        ("Contact with abusive adults & unsafe environments",
         "Contact with abusive adults and/or unsafe environments")),
    "controlled_substances": _Wording("Controlled Substances", ("Controlled substances",)),
    "coercion_control": _Wording("Coercion / control", ("Coercion and control", "Coercion & Control")),
    "rewards": _Wording("Rewards (Including online reward)",
                        ("Rewards", "Rewards (including online rewards)")),
    "sexual_health_relationships": _Wording("Sexual health & relationships",
                                            ("Sexual Health and Relationships",)),
    "social_networking": _Wording("Social Networking", ("Social networking", "Social networking / online")),
    "physical_risks": _Wording("Physical risks", ("Physical Risks",)),
    "engagement_with_services": _Wording("Engagement with services", ("Engagement with Services",)),
}

_LEVEL_LABELS = {
    "template": ("No risk identified", "Low", "Moderate", "Significant"),
    "reworded": ("No risk", "Low risk", "Moderate risk", "Significant risk"),
}
_OVERALL_LABELS = {
    "template": ("No exploitation concerns", "Low Risk", "Moderate Risk", "Significant Risk"),
    "reworded": ("No concerns", "Low", "Moderate", "Significant"),
}
_OVERALL_TEXT = (
    "Whilst there may be concerns for the welfare of the young person, the assessment indicates "
    "that there is no current risk of the young person being at risk of, or experiencing exploitation.",
    "The indicators and assessment raise some concerns that the young person is at risk of exploitation.",
    "The assessment indicates that the young person is vulnerable to exploitation, but that there are "
    "no immediate or urgent safeguarding concerns.",
    "Indicators, Assessment, Evidence, Disclosure suggests that the young person is being, or at "
    "significant risk of being criminally exploited.",
)
_EXPLOITATION_LABELS = {
    "cse": ("Child Sexual Exploitation (CSE)", "CSE"),
    "cce": ("Child Criminal Exploitation (CCE)", "CCE"),
    "county_lines": ("County Lines", "County lines"),
    "organised_crime": ("Organised Crime", "Organised Crime Groups"),
    "trafficking_modern_slavery": ("Trafficking / Modern Slavery", "Child Trafficking & Modern Day Slavery"),
    "online": ("Online", "Online exploitation"),
    "financial": ("Financial", "Financial exploitation"),
}

# Prompts from Appendix 7, abridged: real copies carry level words ("significant",
# "missing") inside descriptor text, which must not be read as values.
_DESCRIPTORS: dict[str, tuple[str, str, str, str]] = {
    "family_peer_relationships": (
        "No concerns identified in this area which relate to exploitation.",
        "Reduced contact with family or friends which is of concern.",
        "Parents fail to report missing episodes.",
        "Breakdown in family relationships / no contact."),
    "accommodation": (
        "No concerns identified in this area which relate to exploitation.",
        "Some accommodation concerns, but overall accommodation meets young person’s needs.",
        "The young person moves frequently or leads a transient existence.",
        "Intelligence to link young person to suspected trap houses."),
    "education": (
        "No concerns identified in this area which relate to exploitation.",
        "Some truanting but limited concerns.",
        "Noticeable change in attendance, performance or behaviour.",
        "Not engaged in education or employment or motivated to be."),
    "emotional_health": (
        "No concerns identified in this area which may relate to exploitation.",
        "Concerns regarding low mood.",
        "Low self-esteem or self-confidence, at times expression of despair.",
        "Previous suicide attempts."),
    "experience_of_violence": (
        "No concerns identified in this area which relate to exploitation.",
        "No known reported incidents, although some professional concerns.",
        "Abusive significant relationship.",
        "Unexplained physical injuries, whether sexual or otherwise."),
    "missing_episodes": (
        "Concerns relate to behaviours which fall within normal young person behaviour.",
        "Often comes home late or has incidents of absence without permission.",
        "Repeated episodes of running away or going missing or absent from placement.",
        "Frequently reported missing; located in separate force area."),
    "abusive_adults_unsafe_environments": (
        "Young person has a good understanding of exploitative or abusive behaviour.",
        "Associates with unknown adults or young people suspected to be at risk of exploitation.",
        "May have use of more than one mobile phone.",
        "Gang association either through relatives, peers or intimate relationships."),
    "controlled_substances": (
        "No concerns identified in this area which relate to exploitation.",
        "Mild use of substances which falls within normal experimental behaviour.",
        "Intelligence linking young person to drug supply.",
        "Intelligence suggesting county lines involvement."),
    "coercion_control": (
        "No concerns identified in this area which relate to exploitation.",
        "Some concerns about coercion or control within significant relationships.",
        "Appears to be ‘controlled’ or negatively influenced by others.",
        "Abduction or forced imprisonment."),
    "rewards": (
        "No concerns identified in this area which relate to exploitation.",
        "Some unaccounted for monies or goods (new clothes, mobile top-ups).",
        "Unaccounted for cash or goods, sim cards etc.",
        "Unexplained funding of meals, taxis, alcohol and tobacco."),
    "sexual_health_relationships": (
        "Is not sexually active and is aware of where to get support and advice.",
        "Young person is in an equal consensual relationship with a peer.",
        "Young person is not accessing sexual health services.",
        "Young person discloses sexual abuse."),
    "social_networking": (
        "No concerns identified in this area which relate to social networking.",
        "A high volume of friends or followers on social media platforms.",
        "Unknown adults initiating contact with young person via social media.",
        "Inadequate privacy settings; access to dating sites."),
    "physical_risks": (
        "No concerns identified in this area which relate to exploitation.",
        "No identified risk to others.",
        "Evidence of intimidation within peer group.",
        "Intelligence suggesting weapons or firearms possession."),
    "engagement_with_services": (
        "Concerns relate to behaviours which relate to normal young person behaviours.",
        "Lack of engagement, some difficulty in contacting the young person.",
        "Some engagement but sporadic contact, often misses appointments.",
        "Frequently not brought to medical appointments."),
}

_REFERRAL_FIELDS: dict[str, _Wording] = {
    "referrer_name": _Wording("Name of referrer", ("Your name", "Referrer name", "Referrer's name")),
    "referrer_role": _Wording("Role / job title", ("Job title", "Role")),
    "referrer_agency": _Wording("Agency / organisation", ("Organisation", "Agency", "Agency & team")),
    "referrer_phone": _Wording("Telephone number", ("Phone", "Contact telephone", "Tel. no.")),
    "referrer_email": _Wording("Email address", ("E-mail", "Secure email address")),
    "referral_date": _Wording("Date of referral", ("Date of referral", "Referral date")),
    "child_name": _Wording("Child’s name", ("Name of child/young person", "Young person's name",
                                           "Child's full name")),
    "dob": _Wording("Date of birth", ("DOB", "Date of Birth", "D.O.B.")),
    "gender": _Wording("Gender", ("Sex / gender",)),
    "address": _Wording("Address", ("Home address", "Child's address")),
    "school": _Wording("School / setting", ("School or education setting", "School")),
    "gp": _Wording("GP", ("GP practice", "GP details")),
    "language": _Wording("First language", ("Language spoken", "Main language")),
    "interpreter": _Wording("Interpreter required?", ("Is an interpreter needed?",)),
    "categories": _Wording("Category of concern (tick all that apply)",
                           ("Categories of concern", "Type of concern")),
    "concerns": _Wording("What has happened / what are you worried about?",
                         ("What has happened and what are you worried about?", "Details of concern",
                          "Reason for referral: what are you worried about?")),
    "child_views": _Wording("What does the child say? (child’s views)",
                            ("Child's views and wishes", "Voice of the child")),
    "parents_informed": _Wording("Are parents/carers aware of this referral?",
                                 ("Have parents or carers been informed of the referral?",
                                  "Parents & carers aware of referral?")),
    "why_not": _Wording("If no, why not?", ("If not, please explain why",)),
    "consent": _Wording("Has consent been given for this referral?", ("Consent given?",)),
    "open_to_csc": _Wording("Is the child open to Children’s Social Care?",
                            ("Is the child currently open to Children's Social Care?",
                             "Open to Children's Social Care?")),
    "other_agencies": _Wording("Other agencies involved", ("Other agencies involved with the family",)),
    "ce_matrix": _Wording("Is a CE Matrix attached?",
                          ("Child Exploitation Matrix attached?", "CE Matrix attached?")),
    "immediate_risk": _Wording("Is the child at immediate risk of harm?",
                               ("Is there an immediate risk to the child?", "Immediate risk?")),
}


# --------------------------------------------------------------------------- rendering

@dataclass
class _F:
    """One labelled field as rendered: text (or pre-rendered inline content)."""

    label: str
    value: str | Inline | None
    old: str | None = None  # earlier value shown as a tracked deletion


_BOX_GLYPHS = ("\u2612", "\u2611")
_EXTRA_FIELDS = (("Team", "Harbour Locality Team"), ("Allocated social worker", "Not allocated"),
                 ("Date of last contact", "See case notes"), ("Protective marking", "OFFICIAL-SENSITIVE"))


def _colon(label: str) -> str:
    """"Label: " for a value written after its label, without doubling punctuation."""
    return f"{label} " if label.rstrip("* ")[-1:] in ":?" else f"{label}: "


class _Render:
    """Encodes values, ticks and sections the way one variant's copy does."""

    def __init__(self, variant: Variant) -> None:
        self.v = variant
        self.rng = random.Random(variant.seed)
        self.yes_word = self.rng.choice(("Yes", "Y", "YES"))
        self.no_word = self.rng.choice(("", "No"))
        self.wing_char = self.rng.choice((w.WINGDINGS_TICK, w.WINGDINGS_BOX_X))
        # "Yes ☐ No ☒" (box after its label) only where every box is drawn.
        self.box_after = variant.tick.startswith(("content_control", "legacy")) and self.rng.random() < 0.5
        self.descending = variant.reorder and self.rng.random() < 0.5

    # ---- labels
    def label(self, wording: _Wording, *, numbered: str = "") -> str:
        style = self.v.labels
        if style == "template":
            return wording.template
        choices = wording.alternates or (wording.template,)
        text = self.rng.choice(choices)
        if style == "upper":
            text = self.rng.choice((wording.template, *choices)).upper()
        if text[-1:] not in "?:." and self.rng.random() < 0.5:
            text += self.rng.choice((":", ":", " *", "*:"))
        return numbered + text

    def level_labels(self, overall: bool = False) -> tuple[str, ...]:
        table = _OVERALL_LABELS if overall else _LEVEL_LABELS
        labels = table["template" if self.v.labels == "template" else "reworded"]
        return tuple(x.upper() for x in labels) if self.v.labels == "upper" else labels

    def indicator_heading(self, key: str, position: int) -> str:
        number = INDICATOR_KEYS.index(key) + 1
        name = _INDICATOR_NAMES[key]
        if self.v.labels == "template":
            return f"{number}.  Risk Indicator - {name.template}"
        text = self.rng.choice(name.alternates or (name.template,))
        if self.v.labels == "upper":
            text = text.upper()
        fmt = self.rng.choice(("{n}) {t}", "{n}. {t}", "{t}", "Risk indicator {n}: {t}", "{t}:"))
        return fmt.format(n=position + 1, t=text)

    # ---- text values
    def text(self, value: str | None, old: str | None = None) -> Inline:
        """A text value, inline, in this variant's encoding."""
        if not value:
            return self.empty()
        tracked = old is not None and self.v.tracked_changes
        content = w.tracked(old or "", value) if tracked else w.run(value)
        if self.v.text_fields.startswith("content_control"):
            return w.sdt_text_raw(content) if tracked else w.sdt_text(value)
        if self.v.text_fields == "formtext" and not tracked:
            return w.legacy_text(value)
        return Inline(content)

    def empty(self) -> Inline:
        if self.v.empty_fields == "placeholder":
            return w.sdt_text(None)
        if self.v.empty_fields == "formtext":
            return w.legacy_text(None)
        return Inline("")

    def cell_value(self, value: str | Inline | None, old: str | None = None) -> list[Block]:
        if isinstance(value, Inline):
            return [w.paragraph(value)]
        if self.v.text_fields == "content_control_block" and (old is None or not self.v.tracked_changes):
            if value:
                return [w.sdt_block([w.paragraph(value)])]
            if self.v.empty_fields == "placeholder":
                return [w.sdt_block([], placeholder=True)]
        return [w.paragraph(self.text(value, old))]

    def date(self, d: date | None) -> str | None:
        return format_date(d, self.v.date_format) if d else None

    # ---- ticks
    def box(self, ticked: bool) -> Inline:
        t = self.v.tick
        if t == "content_control":
            return w.sdt_checkbox(ticked)
        if t == "content_control_glyph_mismatch":
            return w.sdt_checkbox(ticked, shown=not ticked)
        if t == "legacy_checked":
            return w.legacy_checkbox(default=False, checked=True if ticked else None)
        if t == "legacy_default":
            return w.legacy_checkbox(default=ticked)
        if t == "legacy_checked_overrides_default":
            return w.legacy_checkbox(default=not ticked, checked=ticked)
        if t == "wingdings":
            if ticked:
                return w.wingdings(self.wing_char)
            return w.wingdings(w.WINGDINGS_BOX) if self.wing_char == w.WINGDINGS_BOX_X else Inline("")
        if t in ("glyph", "glyph_before_label"):
            if ticked:
                return w.glyph(self.v.glyph)
            return w.glyph(w.BALLOT_UNCHECKED) if self.v.glyph in _BOX_GLYPHS else Inline("")
        return w.run(self.yes_word) if ticked else (w.run(self.no_word) if self.no_word else Inline(""))

    def tick(self, ticked: bool, was: bool | None = None) -> Inline:
        """A tick box, or (with tracked changes) the edit from ``was`` to ``ticked``."""
        if was is None or was == ticked or not self.v.tracked_changes:
            return self.box(ticked)
        if self.v.tick.startswith("content_control"):
            # Word tracks the glyph swap inside the control; w14:checked holds the outcome.
            mismatch = self.v.tick == "content_control_glyph_mismatch"

            def shown(state: bool) -> Inline:
                return w.run(w.BALLOT_CHECKED if state != mismatch else w.BALLOT_UNCHECKED, font="MS Gothic")
            return w.sdt_checkbox(ticked, content=w.tracked(shown(was), shown(ticked)))
        return w.tracked(self.box(was), self.box(ticked))

    def labelled(self, label: str, ticked: bool, was: bool | None = None) -> Inline:
        """A tick and its label in one paragraph: "☒ Moderate" or "Moderate: Yes"."""
        box = self.tick(ticked, was)
        if self.v.tick in ("yes_text", "level_text"):
            return w.inline(_colon(label), box)
        if self.box_after:
            return w.inline(f"{label} ", box)
        return w.inline(box, " ", label) if box else w.inline(label)

    def yes_no(self, value: bool | None) -> Inline:
        if self.v.tick in ("yes_text", "level_text"):
            return self.text(None if value is None else ("Yes" if value else "No"))
        return w.inline(self.labelled("Yes", value is True), "     ", self.labelled("No", value is False))

    def tick_list(self, items: Sequence[tuple[str, bool]]) -> list[Block]:
        if self.v.layout == "paragraphs":
            return [w.paragraph(self.labelled(label, on)) for label, on in items]
        if self.v.layout == "inline" or self.v.tick == "glyph_before_label":
            cells: list[Inline] = [self.labelled(label, on) for label, on in items]
            per = 2 if self.v.layout == "inline" else 1
            rows = [cells[i:i + per] for i in range(0, len(cells), per)]
            return [w.table([[Cell(c) for c in row] for row in rows])]
        return [w.table([[label, self.box(on)] for label, on in items], widths=[7600, 2000])]

    # ---- labelled fields
    def fields(self, fields: list[_F], *, per_row: int = 1) -> list[Block]:
        fields = self._arrange(fields)
        layout = self.v.layout
        if layout == "paragraphs":
            return [w.paragraph(w.run(_colon(f.label), bold=True), self._inline(f)) for f in fields]
        if layout == "inline":
            cells = [Cell(w.paragraph(w.run(_colon(f.label), bold=True), self._inline(f))) for f in fields]
            return [w.table([cells[i:i + 2] for i in range(0, len(cells), 2)])]
        if layout == "appendix7" and per_row > 1:
            rows = []
            for i in range(0, len(fields), per_row):
                row: list[Cell] = []
                for f in fields[i:i + per_row]:
                    row += [Cell(f.label, bold=True, shade="D9E2F3"), Cell(self.cell_value(f.value, f.old))]
                rows.append(row)
            return [w.table(rows)]
        return [w.table([[Cell(f.label, bold=True, shade="D9E2F3"), Cell(self.cell_value(f.value, f.old))]
                         for f in fields], widths=[3600, 6000])]

    def header_rows(self, groups: list[list[_F]]) -> list[Block]:
        """Appendix 7's child details: a row of labels with the values in the row below."""
        if self.v.layout != "appendix7":
            return self.fields([f for g in groups for f in g])
        if self.v.reorder:
            groups = self.rng.sample(groups, len(groups))
        if self.v.extra_rows:
            groups = [*groups, [_F(label, value) for label, value in _EXTRA_FIELDS[:2]]]
        rows: list[list[Cell]] = []
        for group in groups:
            rows.append([Cell(f.label, bold=True, shade="D9E2F3") for f in group])
            rows.append([Cell(self.cell_value(f.value, f.old)) for f in group])
        return [w.table(rows)]

    def long_text(self, label: str, text: str | None, old_prefix: str | None = None) -> list[Block]:
        """A free-text box: label, then the text as paragraphs."""
        parts = _sentences(text) if text else []
        if not parts:
            paras = [w.paragraph(self.empty())]
        else:
            half = max(1, len(parts) // 2)
            paras = [self._para(" ".join(parts[:half]), old_prefix)]
            if parts[half:]:
                paras.append(self._para(" ".join(parts[half:])))
        if self.v.layout == "paragraphs":
            return [w.paragraph(label, bold=True), *paras]
        if self.v.layout == "pairs":
            return [w.table([[Cell(label, bold=True, shade="D9E2F3"), Cell(paras)]], widths=[3600, 6000])]
        return [w.table([[Cell(label, bold=True, shade="D9E2F3")], [Cell(paras)]])]

    def _para(self, text: str, old_prefix: str | None = None) -> Block:
        prefix = w.deleted(old_prefix) if old_prefix and self.v.tracked_changes else Inline("")
        if not text:
            return w.paragraph(prefix, self.empty())
        return w.paragraph(prefix, self.text(text))

    def _inline(self, f: _F) -> Inline:
        return f.value if isinstance(f.value, Inline) else self.text(f.value, f.old)

    def _arrange(self, fields: list[_F]) -> list[_F]:
        if self.v.reorder:
            fields = self.rng.sample(fields, len(fields))
        if self.v.extra_rows:
            fields = list(fields)
            for label, value in self.rng.sample(_EXTRA_FIELDS, 2):
                fields.insert(self.rng.randrange(len(fields) + 1), _F(label, value))
        return fields


# --------------------------------------------------------------------------- CE Matrix

def _tracked_indicator(spec: CEMatrixSpec) -> str | None:
    """The indicator whose level the worker changed with tracking on (one step up)."""
    for key in INDICATOR_KEYS:
        level = spec.indicators.get(key, (None, None))[0]
        if level not in (None, "none") and key not in spec.extra_ticks:
            return key
    return None


def _misspell(name: str) -> str:
    """A plausible typo of a name, for a tracked correction."""
    return re.sub(r"([aeiou])(?!.*[aeiou])", lambda m: "y" if m.group(1) != "y" else "i", name, count=1)


class _CEMatrix(_Render):
    def __init__(self, spec: CEMatrixSpec, variant: Variant) -> None:
        super().__init__(variant)
        self.spec = spec
        self.tracked_key = _tracked_indicator(spec) if variant.tracked_changes else None

    def build(self) -> list[Block]:
        return [*self.preamble(), *self.worker(), *self.child(), *self.indicators(), *self.factors(),
                *self.exploitation(), *self.views(), *self.overall(), *self.verification(), *self.timescales()]

    def preamble(self) -> list[Block]:
        s = self.spec
        stage = w.inline(*[x for st in ("Referral", "Review", "Final")
                           for x in (self.labelled(st, s.stage == st), "     ")])
        out: list[Block] = []
        if self.v.labels == "template":
            out += [w.heading("Appendix 7 Child Exploitation Referral Form"),
                    w.paragraph("All of the following information is required when there are concerns "
                                "regarding a child being at risk of /and or experiencing exploitation."),
                    w.paragraph("‘Child Exploitation’ includes:"),
                    w.bullet("Child Sexual Exploitation (CSE)"), w.bullet("Child Criminal Exploitation (CCE)"),
                    w.bullet("County Lines", level=1),
                    w.bullet("Children involved or living within or affected by Organised Crime Groups", level=1),
                    w.bullet("Child Trafficking and other forms of Modern Day Slavery")]
        title = "Child Exploitation Risk Assessment Information Form"
        out += [w.paragraph(stage), w.heading(title.upper() if self.v.labels == "upper" else title)]
        return out

    def worker(self) -> list[Block]:
        s, L = self.spec, _CE_FIELDS
        # With a combined "Contact Details & Agency" box an absent agency leaves the box empty.
        combined = ", ".join(x for x in (s.worker_contact, s.worker_agency) if x) if s.worker_agency else None
        if self.v.labels == "template":
            contact = [_F(self.label(L["worker_contact_agency"]), combined)]
        else:
            contact = [_F(self.label(L["worker_agency"]), s.worker_agency),
                       _F(self.label(L["worker_contact"]), s.worker_contact)]
        fields = [_F(self.label(L["worker_name"]), s.worker_name), *contact,
                  _F(self.label(L["assessment_date"]), self.date(s.assessment_date))]
        manager = [_F(self.label(L["line_manager"]), s.line_manager),
                   _F(self.label(L["lm_contact_shuffled" if self.v.reorder else "lm_contact"]), None),
                   _F(self.label(L["lm_date"]), self.date(s.assessment_date) if s.line_manager else None)]
        if self.v.layout == "appendix7":
            # Worker and manager each on one row, so the two "Date" boxes are told apart by row.
            return self.fields(fields, per_row=len(fields)) + self.fields(manager, per_row=3)
        return self.fields(fields + manager)

    def child(self) -> list[Block]:
        s, L = self.spec, _CE_FIELDS
        yn = {True: "Yes", False: "No", None: None}
        name = s.child_name
        aka = self.rng.choice(("aka", "AKA", "also known as", "a.k.a."))
        if self.v.labels == "template":
            aliases = f"({aka} {', '.join(s.aliases)})" if s.aliases else ""
            shown = f"{name or ''} {aliases}".strip() or None
            names = [_F(self.label(L["child_name"]), shown, old=_misspell(name) if name else None)]
        else:
            names = [_F(self.label(L["child_name"]), name, old=_misspell(name) if name else None),
                     _F(self.label(L["aliases"]), ", ".join(s.aliases) or None)]
        groups = [
            [*names, _F(self.label(L["dob"]), self.date(s.dob)),
             _F(self.label(L["age"]), str(s.age) if s.age is not None else None),
             _F(self.label(L["address"]), s.address), _F(self.label(L["agency_reference"]), s.agency_reference)],
            [_F(self.label(L["disability"]), s.disability), _F(self.label(L["gender_identity"]), s.gender_identity),
             _F(self.label(L["ethnicity"]), s.ethnicity), _F(self.label(L["language"]), s.language),
             _F(self.label(L["legal_status"]), s.legal_status)],
            [_F(self.label(L["gp"]), s.gp), _F(self.label(L["known_to_police"]), yn[s.known_to_police]),
             _F(self.label(L["known_to_yos"]), yn[s.known_to_yos]),
             _F(self.label(L["known_to_camhs"]), yn[s.known_to_camhs]), _F(self.label(L["school"]), s.school)],
            [_F(self.label(L["open_to_csc"]), yn[s.open_to_csc])],
        ]
        out = self.header_rows(groups)
        if self.v.extra_rows:
            out += [w.paragraph(w.run("Additional Information", bold=True)),
                    w.paragraph("The Child Exploitation Risk Assessment should be developed alongside any "
                                "other plan for the young person’s welfare.")]
        return out

    # ---- indicators
    def indicators(self) -> list[Block]:
        keys = list(INDICATOR_KEYS)
        if self.v.reorder:
            keys = self.rng.sample(keys, len(keys))
        intro = [w.heading("Professional Assessment of Safeguarding Risk Indicators", 2),
                 w.paragraph("*Please indicate a level of assessed risk against ALL the following 14 risk "
                             "indicators")]
        if self.v.layout in ("inline", "paragraphs"):
            body = [b for i, k in enumerate(keys) for b in self._indicator_flat(i, k)]
            return intro + body
        widths = [1900, 6000, 1700]
        if self.v.single_indicator_table:
            return intro + [w.table([r for i, k in enumerate(keys) for part in self._indicator_rows(i, k, True)
                                     for r in part], widths=widths)]
        out = intro
        for i, k in enumerate(keys):
            heading, levels, evidence = self._indicator_rows(i, k, self.v.merged_cells)
            if self.v.merged_cells:
                out.append(w.table(heading + levels + evidence, widths=widths))
            else:
                # Heading as a paragraph, levels and evidence as two plain tables: no spans anywhere.
                out += [w.paragraph(w.run(str(heading[0][0].content), bold=True), keep_next=True),
                        w.table(levels), w.table(evidence, widths=[1900, 7700])]
        return out

    def _ticks(self, key: str) -> tuple[set[str], set[str] | None]:
        level, _ = self.spec.indicators.get(key, (None, None))
        now = {lvl for lvl in (level, *self.spec.extra_ticks.get(key, ())) if lvl}
        if key != self.tracked_key or level is None:
            return now, None
        return now, {LEVELS[_RANK[level] - 1]}

    def _order(self) -> list[int]:
        return list(reversed(range(4))) if self.descending else list(range(4))

    def _level_value(self, key: str) -> tuple[str | None, str | None]:
        now, was = self._ticks(key)
        labels = self.level_labels()
        cur = labels[_RANK[next(iter(now))]] if now else None
        old = labels[_RANK[next(iter(was))]] if was else None
        if len(now) > 1:
            raise ValueError("level_text cannot record several levels for one indicator")
        return cur, old

    def _indicator_rows(self, i: int, key: str, spans: bool) -> tuple[list[list[Cell]], ...]:
        """(heading row, level rows, evidence rows) for one indicator: 3 columns (level |
        prompts | tick) with ``spans``, else plain rows the caller puts in separate tables."""
        now, was = self._ticks(key)
        labels = self.level_labels()
        tick_col = self.v.tick not in ("level_text", "glyph_before_label")
        heading = [[Cell(self.indicator_heading(key, i), span=3, bold=True, shade="F4B083")]]
        rows: list[list[Cell]] = []
        for r in self._order():
            lvl = LEVELS[r]
            prompts = [w.bullet(_DESCRIPTORS[key][r])]
            label: Cell = Cell(self.labelled(labels[r], lvl in now, (lvl in was) if was else None)
                               if self.v.tick == "glyph_before_label" else labels[r], bold=True)
            if not tick_col:
                rows.append([label, Cell(prompts, span=2 if spans else 1)])
            elif spans and self.v.merged_cells:
                tick = self.tick(lvl in now, (lvl in was) if was else None)
                rows.append([Cell(label.content, vmerge="restart", bold=True), Cell(prompts),
                             Cell(tick, vmerge="restart")])
                rows.append([Cell(vmerge="continue"), Cell(w.bullet("Consider whether the concern is current "
                                                                    "or historic.")), Cell(vmerge="continue")])
            else:
                rows.append([label, Cell(prompts), Cell(self.tick(lvl in now, (lvl in was) if was else None))])
        if self.v.tick == "level_text":
            cur, old = self._level_value(key)
            rows.append([Cell(self.label(_CE_FIELDS["level_of_risk"]), bold=True),
                         Cell(self.cell_value(cur, old), span=2 if spans else 1)])
        return heading, rows, self._evidence_rows(key, span=2 if spans else 1)

    def _evidence_parts(self, key: str) -> tuple[list[Block], list[list[Block]]]:
        """Evidence as (blocks of the evidence box, blocks of each continuation row)."""
        text = self.spec.indicators.get(key, (None, None))[1]
        if not text:
            if self.v.text_fields == "content_control_block" and self.v.empty_fields == "placeholder":
                return [w.sdt_block([], placeholder=True)], []
            return [w.paragraph(self.empty())], []
        s = _sentences(text)
        old = "Entered on the wrong child’s record. " if key == self.tracked_key else None
        first = [self._para(s[0], old)]
        rest: list[list[Block]] = []
        style = self.v.evidence
        if style == "single" or len(s) == 1:
            first = [self._para(" ".join(s), old)]
        elif style == "continuation":
            rest = [[self._para(" ".join(s[j:j + 2]))] for j in range(1, len(s), 2)]
        elif style == "bullets":
            first += [w.bullet(self.text(x)) for x in s[1:]]
        elif style == "nested_table" and len(s) >= 3:
            inner = s[1:-1]
            pairs = [inner[j:j + 2] + [""] * (2 - len(inner[j:j + 2])) for j in range(0, len(inner), 2)]
            first += [w.table([[Cell(a), Cell(b)] for a, b in pairs], total_width=5000),
                      self._para(s[-1])]
        else:
            first = [self._para(" ".join(s), old)]
        if self.v.text_fields == "content_control_block":
            first = [w.sdt_block(first)]
        return first, rest

    def _evidence_rows(self, key: str, span: int) -> list[list[Cell]]:
        first, rest = self._evidence_parts(key)
        label = self.label(_CE_FIELDS["evidence"])
        rows = [[Cell(label, bold=True, shade="FFF2CC"), Cell(first, span=span)]]
        return rows + [[Cell(None), Cell(blocks, span=span)] for blocks in rest]

    def _indicator_flat(self, i: int, key: str) -> list[Block]:
        """One indicator for the inline (one table, "Label: value" cells) and paragraphs layouts."""
        now, was = self._ticks(key)
        labels = self.level_labels()
        heading = self.indicator_heading(key, i)
        if self.v.tick == "level_text":
            cur, old = self._level_value(key)
            levels = [w.inline(w.run(_colon(self.label(_CE_FIELDS["level_of_risk"])), bold=True),
                               self.text(cur, old))]
        else:
            levels = [self.labelled(labels[r], LEVELS[r] in now, (LEVELS[r] in was) if was else None)
                      for r in self._order()]
        first, rest = self._evidence_parts(key)
        ev_label = self.label(_CE_FIELDS["evidence"])
        if self.v.layout == "paragraphs":
            return [w.paragraph(w.run(heading, bold=True), keep_next=True), *[w.paragraph(x) for x in levels],
                    w.paragraph(w.run(ev_label, bold=True)), *first, *[b for part in rest for b in part]]
        width = len(levels)
        rows = [[Cell(heading, span=width, bold=True, shade="F4B083")], [Cell(x) for x in levels],
                [Cell([w.paragraph(w.run(ev_label, bold=True)), *first], span=width)]]
        rows += [[Cell(part, span=width)] for part in rest]
        return [w.table(rows)]

    # ---- the rest of the form
    def factors(self) -> list[Block]:
        s, L = self.spec, _CE_FIELDS
        return [w.paragraph(w.run(self.label(L["factors"]), bold=True)),
                w.paragraph("(Please highlight if any are relevant.)"),
                w.paragraph(w.run(self.label(L["family"]), bold=True)),
                *self.tick_list([(f, f in s.family_factors) for f in FAMILY_FACTORS]),
                w.paragraph(w.run(self.label(L["child"]), bold=True)),
                *self.tick_list([(f, f in s.child_factors) for f in CHILD_FACTORS])]

    def exploitation(self) -> list[Block]:
        alt = 0 if self.v.labels == "template" else 1
        items = [(_EXPLOITATION_LABELS[k][alt], k in self.spec.exploitation_types) for k in EXPLOITATION_TYPES]
        if self.v.labels == "upper":
            items = [(label.upper(), on) for label, on in items]
        return [w.paragraph(w.run(self.label(_CE_FIELDS["exploitation"]), bold=True)), *self.tick_list(items)]

    def views(self) -> list[Block]:
        s, L = self.spec, _CE_FIELDS
        return [*self.long_text(self.label(L["voice"]), s.voice_of_child),
                *self.long_text(self.label(L["parent_views"]), s.parent_views),
                *self.long_text(self.label(L["suspects"]), s.suspects)]

    def overall(self) -> list[Block]:
        level = self.spec.overall_level
        heading = self.label(_CE_FIELDS["overall"])
        intro = [w.paragraph(w.run("What Next", bold=True)),
                 w.bullet("Please tick against your assessed level of risk and discuss this with your Team "
                          "Manager / designated Child Protection Lead.")]
        labels = self.level_labels(overall=True)
        if self.v.tick == "level_text":
            cur = labels[_RANK[level]] if level else None
            return intro + self.fields([_F(heading, cur)])
        order = self._order()
        if self.v.layout == "paragraphs":
            return intro + [w.paragraph(w.run(heading, bold=True))] + [
                w.paragraph(self.labelled(labels[r], LEVELS[r] == level)) for r in order]
        if self.v.layout == "inline":
            return intro + [w.table([[Cell(heading, span=4, bold=True)],
                                     [Cell(self.labelled(labels[r], LEVELS[r] == level)) for r in order]])]
        rows: list[list[Cell]] = [[Cell(heading, span=3, bold=True, shade="F4B083")]]
        for r in order:
            if self.v.tick == "glyph_before_label":
                rows.append([Cell(self.labelled(labels[r], LEVELS[r] == level), bold=True),
                             Cell(_OVERALL_TEXT[r], span=2)])
            else:
                rows.append([Cell(labels[r], bold=True), Cell(_OVERALL_TEXT[r]), Cell(self.box(LEVELS[r] == level))])
        return intro + [w.table(rows, widths=[2200, 5900, 1500])]

    def verification(self) -> list[Block]:
        s, L = self.spec, _CE_FIELDS
        fields = [_F(self.label(L["verification"]), s.verification),
                  _F(self.label(L["verification_date"]), self.date(s.verification_date))]
        return self.fields(fields, per_row=2)

    def timescales(self) -> list[Block]:
        if self.v.layout == "paragraphs":
            return []
        return [w.paragraph(w.run("Review timescales", bold=True)),
                w.table([["LOW RISK", "Durham 6 weekly", "At low risk work should be incorporated into the "
                          "child’s current care plan"],
                         ["MODERATE RISK", "Durham 4 weekly", "Forward this assessment form to ERASE (Child "
                          "Exploitation) Team"],
                         ["SIGNIFICANT RISK", "Durham 4 weekly", "Forward this assessment form to ERASE (Child "
                          "Exploitation) Team"]])]


def build_ce_matrix(spec: CEMatrixSpec, variant: Variant = Variant()) -> bytes:
    """A CE Matrix .docx (or .docm) recording ``spec`` the way ``variant`` does."""
    blocks = _CEMatrix(spec, variant).build()
    return w.package(w.document(blocks), macro_enabled=variant.docm, title="CE Matrix")


# --------------------------------------------------------------------------- Referral

class _Referral(_Render):
    def __init__(self, spec: ReferralSpec, variant: Variant) -> None:
        super().__init__(variant)
        self.spec = spec

    def build(self) -> list[Block]:
        s, L = self.spec, _REFERRAL_FIELDS
        lab = self.label
        title = "Safeguarding Referral Form"
        out: list[Block] = [
            w.heading(title.upper() if self.v.labels == "upper" else title),
            w.paragraph("First Contact Service. Please complete all sections and email the form to "
                        "firstcontact@durham.gov.uk. If a child is in immediate danger call 999."),
            w.heading("Section 1: Referrer details", 2),
            *self.fields([_F(lab(L["referrer_name"]), s.referrer_name), _F(lab(L["referrer_role"]), s.referrer_role),
                          _F(lab(L["referrer_agency"]), s.referrer_agency),
                          _F(lab(L["referrer_phone"]), s.referrer_phone),
                          _F(lab(L["referrer_email"]), s.referrer_email),
                          _F(lab(L["referral_date"]), self.date(s.referral_date))], per_row=2),
            w.heading("Section 2: Child / young person", 2),
            *self.fields([_F(lab(L["child_name"]), s.child_name,
                             old=_misspell(s.child_name) if s.child_name else None),
                          _F(lab(L["dob"]), self.date(s.dob)), _F(lab(L["gender"]), s.gender),
                          _F(lab(L["address"]), s.address), _F(lab(L["school"]), s.school),
                          _F(lab(L["gp"]), s.gp), _F(lab(L["language"]), s.language),
                          _F(lab(L["interpreter"]), self.yes_no(s.interpreter))], per_row=2),
            w.heading("Section 3: Parents / carers and household", 2),
            w.table([[Cell(h, bold=True) for h in ("Parent / carer name", "Relationship to child",
                                                    "Contact number")], *[list(p) for p in s.parents]]
                    if s.parents else [["Parent / carer name", "Relationship to child", "Contact number"],
                                       ["", "", ""]]),
            w.paragraph(w.run("Other household members", bold=True)),
            w.table([[Cell(h, bold=True) for h in ("Name", "Relationship", "Age")],
                     *([list(m) for m in s.household] or [["", "", ""]])]),
            w.heading("Section 4: Concerns", 2),
            w.paragraph(w.run(lab(L["categories"]), bold=True)),
            *self.tick_list([(c.upper() if self.v.labels == "upper" else c, c in s.categories)
                             for c in REFERRAL_CATEGORIES]),
            *self.long_text(lab(L["concerns"]), s.concerns, old_prefix="Concerns first raised last year. "),
            *self.long_text(lab(L["child_views"]), s.child_views),
            w.heading("Section 5: Consent and other information", 2),
            *self.fields([_F(lab(L["parents_informed"]), self.yes_no(s.parents_informed)),
                          _F(lab(L["why_not"]), s.why_not_informed),
                          _F(lab(L["consent"]), self.yes_no(s.consent)),
                          _F(lab(L["open_to_csc"]), self.yes_no(s.open_to_csc)),
                          _F(lab(L["other_agencies"]), s.other_agencies),
                          _F(lab(L["ce_matrix"]), self.yes_no(s.ce_matrix_attached)),
                          _F(lab(L["immediate_risk"]), self.yes_no(s.immediate_risk))]),
        ]
        return out


def build_referral(spec: ReferralSpec, variant: Variant = Variant()) -> bytes:
    """A Safeguarding Referral Form .docx recording ``spec`` the way ``variant`` does."""
    blocks = _Referral(spec, variant).build()
    return w.package(w.document(blocks), macro_enabled=variant.docm, title="Safeguarding Referral Form")


# --------------------------------------------------------------------------- expected results

def indicator_level(spec: CEMatrixSpec, key: str) -> str | None:
    level = spec.indicators.get(key, (None, None))[0]
    return highest([level, *spec.extra_ticks.get(key, ())])


def expected(spec: CEMatrixSpec | ReferralSpec, *, docm: bool = False) -> dict[str, Any]:
    """The part of the parse JSON object any correct parser must produce for ``spec``."""
    if isinstance(spec, ReferralSpec):
        return _expected_referral(spec, docm)
    levels = {k: indicator_level(spec, k) for k in INDICATOR_KEYS}
    evidence = {k: norm_text(spec.indicators.get(k, (None, None))[1]) for k in INDICATOR_KEYS}
    top = highest(list(levels.values()))
    missing = {path for path, value in (
        ("child.name", spec.child_name), ("child.dob", spec.dob), ("worker.name", spec.worker_name),
        ("worker.agency", spec.worker_agency), ("assessment_date", spec.assessment_date),
        ("overall_level", spec.overall_level)) if not value}
    missing |= {f"indicators.{k}.level" for k, v in levels.items() if v is None}
    missing |= {f"indicators.{k}.evidence" for k, v in evidence.items() if v is None}
    multi = sorted(k for k, extra in spec.extra_ticks.items() if extra)
    return {
        "form": "ce_matrix",
        "status": "parsed",
        "child": {"name": spec.child_name, "aliases": list(spec.aliases),
                  "dob": spec.dob.isoformat() if spec.dob else None,
                  "age": _age(spec.dob, spec.assessment_date, spec.age)},
        "indicators": {k: {"level": levels[k], "evidence": evidence[k]} for k in INDICATOR_KEYS},
        "overall_level": spec.overall_level,
        "effective_level": highest([spec.overall_level, top]),
        "exploitation_types": sorted(set(spec.exploitation_types)),
        "missing": sorted(missing),
        "warnings_mention": multi,
        "warnings_min": len(multi) + (1 if docm else 0),
    }


def _age(dob: date | None, on: date | None, written: int | None) -> int | None:
    return age_on(dob, on) if dob and on else written


def _expected_referral(spec: ReferralSpec, docm: bool) -> dict[str, Any]:
    missing = {path for path, value in (
        ("referrer.name", spec.referrer_name), ("referrer.agency", spec.referrer_agency),
        ("referrer.contact", spec.referrer_phone or spec.referrer_email), ("child.name", spec.child_name),
        ("child.dob", spec.dob), ("child.address", spec.address), ("concerns", spec.concerns)) if not value}
    if spec.parents_informed is None:
        missing.add("parents_informed")
    return {
        "form": "referral",
        "status": "parsed",
        "child": {"name": spec.child_name, "aliases": [],
                  "dob": spec.dob.isoformat() if spec.dob else None,
                  "age": _age(spec.dob, spec.referral_date, None)},
        "referrer": {"name": spec.referrer_name, "role": spec.referrer_role, "agency": spec.referrer_agency,
                     "phone": spec.referrer_phone, "email": spec.referrer_email},
        "concerns": norm_text(spec.concerns),
        "categories": sorted(slug(c) for c in spec.categories),
        "parents_informed": spec.parents_informed,
        "open_to_csc": spec.open_to_csc,
        "immediate_risk": spec.immediate_risk,
        "ce_matrix_attached": spec.ce_matrix_attached,
        "missing": sorted(missing),
        "warnings_mention": [],
        "warnings_min": 1 if docm else 0,
    }


def diff_result(actual: dict[str, Any], exp: dict[str, Any]) -> list[str]:
    """Every way a parse object departs from ``expected(...)``, one line each."""
    problems: list[str] = []

    def check(path: str, got: Any, want: Any) -> None:
        if got != want:
            problems.append(f"{path}: got {got!r}, expected {want!r}")

    check("form", actual.get("form"), exp["form"])
    check("status", actual.get("status"), exp["status"])
    child = actual.get("child") or {}
    check("child.name", norm_text(child.get("name")), norm_text(exp["child"]["name"]))
    check("child.aliases", sorted(norm_text(a) for a in child.get("aliases") or []),
          sorted(norm_text(a) for a in exp["child"]["aliases"]))
    check("child.dob", child.get("dob"), exp["child"]["dob"])
    check("child.age", child.get("age"), exp["child"]["age"])
    if exp["form"] == "ce_matrix":
        got_ind = actual.get("indicators") or {}
        for key, want in exp["indicators"].items():
            got = got_ind.get(key) or {}
            check(f"indicators.{key}.level", got.get("level"), want["level"])
            check(f"indicators.{key}.evidence", norm_text(got.get("evidence")), want["evidence"])
        check("overall_level", actual.get("overall_level"), exp["overall_level"])
        check("effective_level", actual.get("effective_level"), exp["effective_level"])
        check("exploitation_types", sorted(actual.get("exploitation_types") or []), exp["exploitation_types"])
    else:
        got_ref = actual.get("referrer") or {}
        for key, want in exp["referrer"].items():
            check(f"referrer.{key}", norm_text(got_ref.get(key)), norm_text(want))
        check("concerns", norm_text(actual.get("concerns")), exp["concerns"])
        check("categories", sorted(slug(c) for c in actual.get("categories") or []), exp["categories"])
        for key in ("parents_informed", "open_to_csc", "immediate_risk", "ce_matrix_attached"):
            check(key, actual.get(key), exp[key])
    check("missing", sorted(set(actual.get("missing") or [])), exp["missing"])
    warnings = [x.lower() for x in actual.get("warnings") or []]
    for key in exp["warnings_mention"]:
        if not any(key in x or key.replace("_", " ") in x for x in warnings):
            problems.append(f"warnings: none names {key!r} (several levels ticked); got {warnings!r}")
    if len(warnings) < exp["warnings_min"]:
        problems.append(f"warnings: expected at least {exp['warnings_min']}, got {warnings!r}")
    return problems


# --------------------------------------------------------------------------- sample data (fictional)

_FIRST = ("Jordan", "Kacey", "Tyler", "Demi-Leigh", "Callum", "Aimee", "Reece", "Skye", "Liam", "Mollie",
          "Ethan", "Jade", "Kyle", "Lacey", "Connor", "Paige", "Bradley", "Chloe", "Owen", "Niamh")
_LAST = ("Hetherington", "Blenkinsop", "Armstrong", "Featherstone", "Ridley", "Charlton", "Dodds",
         "Tweddle", "Robson", "Liddle", "Elliott", "Hutchinson", "Wardle", "Gowland", "O'Brien")
_ALIASES = ("JJ", "Kace", "Ty", "Smudge", "Little C", "Bear", "Rocky", "Sky")
_STREETS = ("Larchfield Terrace", "Brambleside Close", "Heatherlea Road", "Oakridge Avenue", "Kestrel Way",
            "Millburn Street", "Quarry View", "Ashgrove Court")
_TOWNS = ("Brambleside", "Oakridge", "Heatherlea", "Kettleburn", "Low Marsden", "Westerby Colliery")
_AGENCIES = ("Brambleside Academy", "Oakridge Youth Justice Service", "Heatherlea Medical Practice",
             "North Dales Housing Trust", "Riverside Youth Project", "Kettleburn School Nursing Team",
             "Westerby Early Help Team")
_ROLES = ("Designated Safeguarding Lead", "School Nurse", "Youth Worker", "Early Help Practitioner",
          "Housing Officer", "Family Worker")
_EVIDENCE: dict[str, tuple[str, ...]] = {
    "family_peer_relationships": ("Mum reports that communication at home has broken down since the summer.",
                                  "New friendship group of older peers who are not known to the family."),
    "accommodation": ("Lives with mum and two younger siblings in a two bedroom flat.",
                      "Has stayed overnight at an address in another town that the family cannot name."),
    "education": ("Attendance has dropped to 61% this term with most absences on Mondays and Fridays.",
                  "Excluded for two days in January for bringing a knife onto the school site."),
    "emotional_health": ("Presents as withdrawn and tearful in lessons.",
                         "Referred to the school counsellor after disclosing low mood."),
    "experience_of_violence": ("Arrived at school with bruising to the face and would not say how it happened.",
                               "Witnessed domestic abuse at home before the age of ten."),
    "missing_episodes": ("Reported missing three times since January and found each time in another force area.",
                         "Returns home late most evenings and will not say where they have been."),
    "abusive_adults_unsafe_environments": ("Seen getting into cars driven by unknown adult males.",
                                           "Has been seen at an address linked to drug supply."),
    "controlled_substances": ("Smells of cannabis most mornings.",
                              "Found with a quantity of wraps and cash which they could not explain."),
    "coercion_control": ("Receives frequent calls during the school day and becomes anxious when they are missed.",
                         "Says they owe money to an older male and have to do jobs for him."),
    "rewards": ("Has two mobile phones and new designer trainers with no explanation.",
                "Regularly has taxis paid for by unknown people."),
    "sexual_health_relationships": ("Has attended the sexual health clinic twice this term.",
                                    "In a relationship with a male thought to be 19."),
    "social_networking": ("Uses several social media accounts with large numbers of unknown followers.",
                          "Has been sent images by an adult they met online."),
    "physical_risks": ("Involved in a fight outside a takeaway in the town centre.",
                       "Police intelligence suggests access to a bladed article."),
    "engagement_with_services": ("Missed the last three appointments with the youth worker.",
                                 "Engages well with the school nurse but refuses other support."),
}
_GENERIC = ("Information shared by the school DSL on 12/02/2025.", "Discussed with mum who shares these concerns.",
            "Current concern rather than historic.", "Worker assesses this area as moderate given the above.",
            "Police intelligence log reference is held by the safeguarding team.")


def _person(rng: random.Random) -> str:
    return f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"


def _address(rng: random.Random) -> str:
    return (f"{rng.randint(1, 120)} {rng.choice(_STREETS)}, {rng.choice(_TOWNS)}, "
            f"ZZ99 {rng.randint(1, 9)}{rng.choice('ABDEFGHJ')}{rng.choice('LNPQRSTU')}")


def _phone(rng: random.Random) -> str:
    return rng.choice((f"01632 960{rng.randint(0, 999):03d}", f"07700 900{rng.randint(0, 999):03d}"))


def _email(rng: random.Random, name: str) -> str:
    first, last = name.lower().replace("'", "").split(" ", 1)
    return f"{first}.{last.replace(' ', '')}@{rng.choice(('brambleside', 'oakridge', 'northdales'))}.example"


def _maybe(rng: random.Random, value: Any, p_empty: float) -> Any:
    return None if rng.random() < p_empty else value


def _evidence(rng: random.Random, key: str) -> str:
    picked = list(_EVIDENCE[key]) + rng.sample(_GENERIC, rng.randint(0, 3))
    return " ".join(rng.sample(picked, len(picked)))


def sample_ce_matrix(seed: int, *, multi_ticks: bool = True, p_empty: float = 0.1) -> CEMatrixSpec:
    """A plausible, fictional CE Matrix; some fields and indicators left empty."""
    rng = random.Random(seed)
    assessed = date(2025, 1, 6) + (date(2025, 11, 28) - date(2025, 1, 6)) * rng.random()
    dob = date(rng.randint(2008, 2016), rng.randint(1, 12), rng.randint(1, 28))
    indicators: Indicators = {}
    for key in INDICATOR_KEYS:
        level = rng.choices(LEVELS, weights=(2, 3, 3, 2))[0]
        indicators[key] = (_maybe(rng, level, p_empty), _maybe(rng, _evidence(rng, key), p_empty))
    extra: dict[str, tuple[str, ...]] = {}
    if multi_ticks and rng.random() < 0.3:
        key = rng.choice([k for k, (lvl, _) in indicators.items() if lvl not in (None, "none")] or ["education"])
        level = indicators[key][0] or "moderate"
        indicators[key] = (level, indicators[key][1])
        extra[key] = (LEVELS[_RANK[level] - 1],)
    worker = _person(rng)
    has_dob = rng.random() >= p_empty
    return CEMatrixSpec(
        stage=rng.choice(("Referral", "Review", "Final")),
        worker_name=_maybe(rng, worker, p_empty), worker_contact=_phone(rng),
        worker_agency=_maybe(rng, rng.choice(_AGENCIES), p_empty),
        assessment_date=_maybe(rng, assessed, p_empty / 2), line_manager=_person(rng),
        child_name=_maybe(rng, _person(rng), p_empty / 2),
        aliases=rng.sample(_ALIASES, rng.choice((0, 0, 1, 2))),
        dob=dob if has_dob else None, age=age_on(dob, assessed),
        address=_address(rng), agency_reference=f"REF-{rng.randint(10000, 99999)}",
        disability=rng.choice(("None known", "ADHD", "Learning disability", "Autism (diagnosed 2019)")),
        gender_identity=rng.choice(("Male", "Female", "Non-binary")),
        ethnicity=rng.choice(("White British", "Mixed White and Black Caribbean", "Polish", "Bangladeshi")),
        language=rng.choice(("English", "English", "Polish", "Arabic")),
        legal_status=rng.choice(("None", "Child in Need", "Child Protection Plan", "Looked After (s20)")),
        gp=f"{rng.choice(_TOWNS)} Surgery, {_phone(rng)}",
        known_to_police=rng.choice((True, False)), known_to_yos=rng.choice((True, False, None)),
        known_to_camhs=rng.choice((True, False)), open_to_csc=rng.choice((True, False, None)),
        school=f"{rng.choice(_TOWNS)} {rng.choice(('Academy', 'Secondary School', 'Primary School'))}",
        indicators=indicators, extra_ticks=extra,
        child_factors=rng.sample(CHILD_FACTORS, rng.randint(0, 2)),
        family_factors=rng.sample(FAMILY_FACTORS, rng.randint(0, 2)),
        exploitation_types=sorted(rng.sample(EXPLOITATION_TYPES, rng.randint(0, 3))),
        voice_of_child=rng.choice(("Says they are fine and do not need any help.",
                                   "Told their teacher they feel scared of the people they owe money to.")),
        parent_views=rng.choice(("Mum is worried and wants support.", "Dad feels the school is overreacting.")),
        suspects=f"Older male known as '{rng.choice(('Deano', 'Mack', 'Tiny'))}', silver hatchback seen near "
                 f"{rng.choice(_STREETS)}.",
        overall_level=_maybe(rng, rng.choice(LEVELS), 0.15),
        verification=_person(rng), verification_date=assessed,
    )


def sample_referral(seed: int, *, p_empty: float = 0.1) -> ReferralSpec:
    """A plausible, fictional Safeguarding Referral Form; some fields left empty."""
    rng = random.Random(seed)
    referred = date(2025, 1, 6) + (date(2025, 11, 28) - date(2025, 1, 6)) * rng.random()
    referrer = _person(rng)
    child_last = rng.choice(_LAST)
    informed = _maybe(rng, rng.random() < 0.75, p_empty)
    concerns = " ".join(rng.sample([s for pool in rng.sample(list(_EVIDENCE.values()), 3) for s in pool], 4))
    cats = rng.sample(REFERRAL_CATEGORIES[:-1], rng.randint(1, 3))
    return ReferralSpec(
        referrer_name=_maybe(rng, referrer, p_empty), referrer_role=rng.choice(_ROLES),
        referrer_agency=_maybe(rng, rng.choice(_AGENCIES), p_empty),
        referrer_phone=_maybe(rng, _phone(rng), 0.3), referrer_email=_maybe(rng, _email(rng, referrer), 0.3),
        referral_date=referred,
        child_name=_maybe(rng, f"{rng.choice(_FIRST)} {child_last}", p_empty / 2),
        dob=_maybe(rng, date(rng.randint(2008, 2019), rng.randint(1, 12), rng.randint(1, 28)), p_empty),
        gender=rng.choice(("Male", "Female")), address=_maybe(rng, _address(rng), p_empty),
        school=f"{rng.choice(_TOWNS)} Academy", gp=f"{rng.choice(_TOWNS)} Surgery",
        language=rng.choice(("English", "Polish", "Arabic")), interpreter=rng.choice((True, False)),
        parents=[(f"{rng.choice(_FIRST)} {child_last}", rng.choice(("Mother", "Father", "Stepfather")),
                  _phone(rng))],
        household=[(f"{rng.choice(_FIRST)} {child_last}", "Sibling", str(rng.randint(2, 15)))],
        categories=cats, concerns=_maybe(rng, concerns, p_empty),
        child_views=rng.choice(("Does not want mum to know.", "Says they are scared to go home.")),
        parents_informed=informed,
        why_not_informed="Informing dad may increase the risk to the child." if informed is False else None,
        consent=rng.choice((True, False, None)), open_to_csc=rng.choice((True, False, None)),
        other_agencies=rng.choice(("School nurse, CAMHS", "Youth Justice Service", None)),
        ce_matrix_attached=rng.choice((True, False, None)), immediate_risk=rng.choice((True, False, None)),
    )


def with_overrides(spec: CEMatrixSpec | ReferralSpec, **changes: Any) -> Any:
    """A copy of ``spec`` with some fields changed (for focused tests)."""
    return replace(spec, **changes)


def with_main_part(data: bytes, change: Callable[[bytes], bytes]) -> bytes:
    """The same package with its main part (word/document.xml) rewritten by ``change``."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            body = source.read(item.filename)
            target.writestr(item, change(body) if item.filename == "word/document.xml" else body)
    return out.getvalue()
