"""The Safeguarding Referral Form (First Contact): referrer, child, concerns, yes/no answers.

Generic labels ("Name", "Address", "Date of birth") mean different people in
different sections, so they are read only inside their section; specific
labels ("Referrer's name", "Child's date of birth") anywhere.
"""

from __future__ import annotations

import re
from datetime import date

from parsers.people import (dob_warning, form_age, join_names, pointer, split_aliases, split_name, subject_child,
                            unreadable_date)
from parsers.dates import parse_age, parse_uk_date
from parsers.extract import Reader, clean, item_key
from parsers.labels import Profile, matches
from parsers.results import Child, FormType, ParseResult
from parsers.ticks import typed_ticks
from parsers.wordml import MARKERS, TICK_ON, Document

_YES_NO = ("parents_informed", "open_to_csc", "immediate_risk", "ce_matrix_attached", "consent")
_TEXTS = ("parents", "household", "other_agencies", "parents_not_informed_reason")


class _ReferralReader:
    def __init__(self, doc: Document, profile: Profile) -> None:
        self.reader = Reader(doc, profile)
        self.profile = profile
        self.ranges = self._section_ranges()

    def _section_ranges(self) -> dict[str, tuple[int, int]]:
        starts: list[tuple[int, str]] = []
        for name, spec in self.profile.sections.items():
            starts.extend((row, name) for row in self.reader.heading_rows(spec))
        headed = {name for _, name in starts}
        # A form without section headings: a section is the table (or the stretch of paragraphs)
        # holding one of its specific labels ("Referrer name", "Child's name"), from that label on.
        anchors = {name: row for name in self.profile.section_fields
                   if name not in headed and (row := self._anchor(name)) is not None}
        rows = self.reader.doc.rows
        starts.extend(self._unanchored(headed, anchors, [r for r, _ in starts]))
        limits: dict[str, int] = {}
        for name, at in anchors.items():
            others = [r for r, _ in starts] + [r for n, r in anchors.items() if n != name]
            start, end = _table_span(rows, at)
            # The table's rows above the label are the section's too, unless another section starts there.
            if any(start <= r < at for r in others):
                start = at
            starts.append((start, name))
            limits[name] = self._continued(name, end) if rows[at].table is not None else end
        starts.sort()
        ranges: dict[str, tuple[int, int]] = {}
        for n, (row, name) in enumerate(starts):
            end = min(starts[n + 1][0] if n + 1 < len(starts) else len(rows), limits.get(name, len(rows)))
            if name in ranges and ranges[name][1] == row and name in self.profile.section_fields:
                # The section's heading again ("Child details (continued)") with no other section between: one
                # section, whose generic labels ("D.O.B.") are read in both parts. (Not the concerns: their range
                # is the account, where a quoted question counts for less.)
                ranges[name] = (ranges[name][0], max(end, row))
            else:
                ranges.setdefault(name, (row, end))
        return ranges

    def _unanchored(self, headed: set[str], anchors: dict[str, int], starts: list[int]) -> list[tuple[int, str]]:
        """Sections with neither a heading nor a specific label that start the table another section is anchored
        in: two of their generic labels or more in its rows above that anchor ("Role", "Agency", "Telephone" above
        "Child's full name", the referrer's name row left out or labelled in words the profile does not know)."""
        rows = self.reader.doc.rows
        found = []
        for name, generic in self.profile.section_fields.items():
            if name in headed or name in anchors:
                continue
            for at in anchors.values():
                start, _ = _table_span(rows, at)
                if start < at and not any(start <= r < at for r in starts) and sum(
                        1 for spec in generic.values() if self.reader.find(spec, start, at, fuzzy=False)) >= 2:
                    found.append((start, name))
                    break
        return found

    def _continued(self, section: str, end: int) -> int:
        """Where a section anchored on its table ends: after the tables that directly follow it (blank
        paragraphs between) and hold only more of its own fields, one "Label | value" row each (the child's
        "D.O.B. | 03/04/2012" in a small table of its own), or a label's row over its value's (a web form's
        table per question)."""
        rows = self.reader.doc.rows
        generic = self.profile.section_fields.get(section, {}).values()
        own = [spec for key, spec in self.profile.fields.items() if key.startswith(section + ".")]
        others = [spec for key, spec in self.profile.fields.items() if "." in key and not key.startswith(section + ".")]
        heading = self.profile.sections.get(section)

        def leads_in(row) -> bool:  # a blank paragraph, or one naming the section or one of its fields
            text = row.cells[0].text if row.cells else ""
            return not text.strip() or any(matches(text, spec) for spec in (*own, *generic, *([heading] if heading else [])))

        while True:
            k = end
            while k < len(rows) and rows[k].table is None and leads_in(rows[k]):
                k += 1
            if k >= len(rows) or rows[k].table is None:
                return end
            first, last = _table_span(rows, k)
            for i in range(first, last):
                labels = [c.text for c in rows[i].cells if c.text.strip() and self.reader.is_label(c.text)]
                if (not labels and i > first and len(rows[i - 1].cells) == 1 and rows[i].depth == rows[first].depth) \
                        or self.reader.boxed(i):
                    continue  # the value under its label's row ("Organisation*" over "School", a label too)
                if len(labels) != 1 or rows[i].depth != rows[first].depth:
                    return end
                label = labels[0]
                if not any(matches(label, spec) for spec in (*generic, *own)) or any(matches(label, spec) for spec in others):
                    return end
            end = last

    def _anchor(self, section: str) -> int | None:
        """The row of the section's first specific label, if any; of several, the first of those whose table
        (or run of paragraphs) holds three of the section's fields or more, else the most ("Referrer: J. Smith"
        written above the form is not where the referrer's details are)."""
        specs = [spec for key, spec in self.profile.fields.items() if key.startswith(section + ".")]
        # (Not a label that is another label's value: "Role | GP" is no start of the child's details.)
        found = sorted({hit.row for spec in specs for hit in self.reader.labelled(spec)
                        if not self.reader.inside_value(hit)})
        if len(found) <= 1:
            return found[0] if found else None
        rows = self.reader.doc.rows
        specs += self.profile.section_fields.get(section, {}).values()

        def held(at: int) -> int:  # (with the tables that go on with the section: a web form's table a question)
            if rows[at].table is not None:
                start, end = _table_span(rows, at)
                end = self._continued(section, end)
            else:  # its run of paragraphs and answer boxes (up to eight rows), not a table of fields after it
                start = at
                end = next((k for k in range(at + 1, min(at + 8, len(rows)))
                            if rows[k].table is not None and len(rows[k].cells) >= 2), min(at + 8, len(rows)))
            return sum(1 for spec in specs if self.reader.find(spec, start, end, fuzzy=False))

        # The first that holds three or more: a CE Matrix pasted after the referral holds more of the child's
        # (gender, GP, school) in its own grid, but they are the matrix's.
        return max(found, key=lambda at: (min(held(at), 3), -at))

    def text(self, key: str, *, prose: bool = False) -> str | None:
        """A field's value: the specific labels in the field's section, then anywhere, then generic ones in the
        section."""
        section = key.split(".", 1)[0]
        if section in self.ranges:
            value, _ = self.reader.field(self.profile.fields.get(key), *self.ranges[section], prose=prose)
            if value:
                return value
        value, _ = self.reader.field(self.profile.fields.get(key), prose=prose)
        if value:
            return value
        spec = self.profile.section_fields.get(section, {}).get(key)
        if spec is not None and section in self.ranges:
            start, end = self.ranges[section]
            value, _ = self.reader.field(spec, start, end, not_people=section == "child", prose=prose)
        return value


    def yes_no(self, key: str, warnings: list[str]) -> bool | None:
        found = self.reader.answer(self.profile.fields.get(key), self.ranges.get("concern"),
                                   every=key == "immediate_risk")
        if key == "parents_informed" and found.answer is None and not found.both:
            stated = _stated_awareness(self.reader.doc)
            if stated is not None:
                return stated
        if found.both:
            if key == "immediate_risk":  # "☒ Yes ☒ No": a risk someone ticked routes by the higher (SPEC principle 2)
                warnings.append(f"{key}: both Yes and No are ticked; read as Yes")
                return True
            warnings.append(f"{key}: both Yes and No are ticked; read as no answer")
        if len(found.given) > 1 or (key == "immediate_risk" and len(found.anywhere) > 1):
            if key == "immediate_risk":  # conflicting risk signals route by the higher (SPEC principle 2), ticked or written
                warnings.append(f"{key}: the question is answered both Yes and No on the form; read as Yes")
                return True
            warnings.append(f"{key}: the question is answered both Yes and No on the form; the first answer is used")
        return found.answer

    def categories(self) -> list[str]:
        spec = self.profile.fields["categories"]
        hits = self.reader.find(spec)
        items = self.profile.tick_lists.get("categories", ())
        if not hits:
            return _labels(self.reader, items)
        names = {item.key: item.aliases[0] for item in items}
        rows = self.reader.doc.rows
        for hit in hits:  # a section heading may come first, the labelled list after it
            end = self._next_label_row(hit.row)
            labels = self.reader.ticked_labels(hit.row, end)
            if labels:
                return labels
            if any(m in cell.text for row in rows[hit.row:end] for cell in row.cells for m in MARKERS):
                return []  # a tick list with nothing ticked: no category, never its first item's words
            value = self.reader.value(hit)
            if value and not any(m in value for m in MARKERS) and len(value) <= 300:  # "Neglect, Domestic abuse"
                parts = [p.strip() for p in re.split(r"[;,\n]", clean(value)) if p.strip()]
                # A known category by any of its names; another short phrase as written; prose is no list.
                keyed = [(item_key(p, items), p) for p in parts]
                written = [names[key] if key else p for key, p in keyed if key or len(p.split()) <= 6]
                if written:
                    return written
        return []

    def _next_label_row(self, start: int) -> int:
        """Where a tick list under a label ends: the next known field label or section."""
        profile = self.profile
        stops = [len(self.reader.doc.rows)]
        for key, spec in profile.fields.items():
            if key == "categories":
                continue
            stops.extend(h.row for h in self.reader.find(spec, start + 1, start + 40))
        for spec in profile.sections.values():
            stops.extend(r for r in self.reader.heading_rows(spec) if r > start)
        return min(stops)


_AWARE = re.compile(r"\b(?:parents?|carers?|family)\b.*\b(?:aware|informed|told)\b", re.IGNORECASE)
_NEGATED = re.compile(r"\b(?:not|never)\b|n't\b", re.IGNORECASE)


def _stated_awareness(doc: Document) -> bool | None:
    """Consent written as statements, each with its box: "☒ I confirm the parents/carers are aware of this
    referral" (Yes), "☒ The parents/carers have NOT been informed because …" (No). Only a ticked statement
    answers; two that disagree answer nothing."""
    answers = set()
    for row in doc.rows:
        for cell in row.cells:
            for line in cell.text.split("\n"):
                line = typed_ticks(line.strip())  # "X I confirm the parents/carers are aware …"
                if line[:1] == TICK_ON and len(line) <= 300 and _AWARE.search(line):
                    answers.add(not _NEGATED.search(line))
    return answers.pop() if len(answers) == 1 else None


_EMAIL = re.compile(r"[^\s@<>(),;:/]+@[^\s@<>(),;:/]+\.[a-z]{2,}", re.IGNORECASE)
_PHONE = re.compile(r"(?:\+44\s?|\(?0)[\d\s()\-]{8,16}\d")


def _contact(text: str | None) -> tuple[str | None, str | None]:
    """A phone number and an email address written together in one contact cell."""
    if not text:
        return None, None
    email = _EMAIL.search(text)
    phone = _PHONE.search(_EMAIL.sub(" ", text))
    return (" ".join(phone.group(0).split()) if phone else None), (email.group(0) if email else None)


def _table_span(rows: list, at: int) -> tuple[int, int]:
    """[first, last + 1) of the rows of row ``at``'s table (its nested tables included);
    for a body paragraph, from it to the end of the document."""
    table = rows[at].table
    if table is None:
        return at, len(rows)
    start = at
    while True:  # up over the table's rows, and the tables nested in their cells
        k = start - 1
        while k >= 0 and rows[k].depth > rows[at].depth:
            k -= 1
        if k < 0 or rows[k].table != table:
            break
        start = k
    end = at
    while end < len(rows) and (rows[end].table == table or rows[end].depth > rows[at].depth):
        end += 1
    return start, end


def slug(label: str) -> str:
    """A category's stable key: its label lower-cased, punctuation as underscores."""
    text = label.lower().replace("&", " and ").replace("’", "'")
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


def _labels(reader: Reader, items: tuple) -> list[str]:
    """Without a "categories" label: the known category items that are ticked."""
    keys = reader.ticked_items(items)
    names = {item.key: item.aliases[0] for item in items}
    return [names[k] for k in keys]


def read_referral(doc: Document, profile: Profile, file: str, today: date) -> ParseResult:
    rr = _ReferralReader(doc, profile)
    result = ParseResult(file=file, form=FormType.REFERRAL)
    referrer = {k: rr.text(f"referrer.{k}") for k in ("name", "role", "agency", "phone", "email")}
    if referrer["phone"] and not referrer["email"] and "@" in referrer["phone"]:  # both in the phone cell
        referrer["phone"], referrer["email"] = _contact(referrer["phone"])
    if not referrer["phone"] or not referrer["email"]:  # "Contact details: 0191 123 4567 / jane@school.sch.uk"
        phone, email = _contact(rr.text("referrer.contact"))
        referrer["phone"] = referrer["phone"] or phone
        referrer["email"] = referrer["email"] or email
    if referrer["email"] and (address := _EMAIL.search(referrer["email"])):
        referrer["email"] = address.group(0)  # "mailto:jo@x.org", "Jo Bloggs <jo@x.org>": the address
    if referrer["phone"] and (number := _PHONE.search(referrer["phone"])):
        before = referrer["phone"][:number.start()].strip()
        if before.endswith(":"):
            referrer["phone"] = referrer["phone"][number.start():]  # "Mob: 07700 900123": the number on
    referral_date = parse_uk_date(rr.text("referrer.date"), today=today)
    result.child = _child(rr, referral_date, today, result.warnings)
    result.warnings.extend(dob_warning(result.child.dob, referral_date, today))
    answers = {key: rr.yes_no(key, result.warnings) for key in _YES_NO}
    categories = list(dict.fromkeys(slug(c) for c in rr.categories() if slug(c)))
    concerns = rr.reader.long_text(profile.fields.get("concerns"), every=True)  # answers in several boxes
    result.extra = {
        "referrer": referrer,
        "referral_date": referral_date.isoformat() if referral_date else None,
        "concerns": concerns,
        "categories": categories,
        **answers,
        **{key: rr.text(key, prose=True) for key in _TEXTS},
        "child_views": rr.reader.long_text(profile.fields.get("child_views")),
    }
    result.exploitation_types = []
    result.missing = _missing(result.child, referrer, concerns, answers["parents_informed"])
    return result


def _child(rr: _ReferralReader, referral_date: date | None, today: date, warnings: list[str]) -> Child:
    written = rr.text("child.name") or join_names(rr.text("child.forename"), rr.text("child.surname"))
    written = None if pointer(written) else written  # "See household table"
    listed = {} if written else subject_child(rr.reader.doc)  # only in the household table, marked as the subject
    name, aliases = split_name(written or listed.get("name"))
    alias_text = rr.text("child.aliases")
    if alias_text:
        aliases.extend(a for a in split_aliases(alias_text) if a not in aliases)
    dob_text = rr.text("child.dob") or listed.get("dob")
    dob = parse_uk_date(dob_text, today=today)
    warnings.extend(unreadable_date("child.dob", dob_text, dob))
    age = form_age(dob, referral_date, parse_age(rr.text("child.age")))
    details = {key: rr.text(f"child.{key}") for key in ("gender", "address", "school", "gp", "language")}
    details["address"] = details["address"] or listed.get("address")
    details["interpreter"] = rr.yes_no("child.interpreter", [])
    return Child(name=name, dob=dob, age=age, aliases=aliases, details=details)


def _missing(child: Child, referrer: dict, concerns: str | None, parents_informed: bool | None) -> list[str]:
    missing = []
    if not referrer["name"]:
        missing.append("referrer.name")
    if not referrer["agency"]:
        missing.append("referrer.agency")
    if not referrer["phone"] and not referrer["email"]:
        missing.append("referrer.contact")
    if not child.name:
        missing.append("child.name")
    if child.dob is None:
        missing.append("child.dob")
    if not child.details.get("address"):
        missing.append("child.address")
    if not concerns:
        missing.append("concerns")
    if parents_informed is None:
        missing.append("parents_informed")
    return missing
