"""Generate deterministic, fictional diplomatic cables with their expected parse fields.

Everything here is invented: posts, people, countries and events. The cables follow the
real telegram layout (routing header, banner, E.O., TAGS, SUBJECT, REF, numbered and marked
paragraphs, page-break lines, signature) so that parser property tests and the 10k/250k
benchmarks of the store, ingest and app exercise realistic text.

Public interface:

- ``make_cable(seed, ...) -> GeneratedCable``: one cable; same seed and options, same cable.
- ``to_markdown(plain)`` / ``to_html(plain, cable_id)``: the archive's other two renderings
  (see ../shared/corpus/README.md).
- ``write_inbox(folder, n, seed=0, renderings=("txt",))``: fill a folder with n cables, fast.
- ``cables()``: a hypothesis strategy of ``GeneratedCable`` (hypothesis imported lazily).

IDs are unique across seeds 0 <= seed < 12,000,000 (the serial is derived from the seed).
"""

from __future__ import annotations

import copy
import datetime as _dt
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

_T = TypeVar("_T")

__all__ = [
    "CLASSIFICATIONS",
    "OFFICES",
    "PRECEDENCES",
    "GeneratedCable",
    "cables",
    "make_cable",
    "render",
    "to_html",
    "to_markdown",
    "write_inbox",
]

PRECEDENCES = ("FLASH", "IMMEDIATE", "PRIORITY", "ROUTINE")
"""Precedence values, as the parser reports them."""

CLASSIFICATIONS = (
    "UNCLASSIFIED",
    "UNCLASSIFIED//FOR OFFICIAL USE ONLY",
    "LIMITED OFFICIAL USE",
    "CONFIDENTIAL",
    "SECRET",
)
"""Classification values the generator writes (as the parser reports them)."""

_CLASS_ALIASES = {
    "U": "UNCLASSIFIED",
    "UNCLAS": "UNCLASSIFIED",
    "SBU": "UNCLASSIFIED//FOR OFFICIAL USE ONLY",
    "LOU": "LIMITED OFFICIAL USE",
    "C": "CONFIDENTIAL",
    "S": "SECRET",
}

_PROSIGN = {"FLASH": "Z", "IMMEDIATE": "O", "PRIORITY": "P", "ROUTINE": "R"}
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Office:
    """A fictional originating office."""

    fm: str
    """The FM line, e.g. ``AMEMBASSY VALMORA``."""
    short: str
    """The office as written in the banner and page-break lines, e.g. ``VALMORA``."""
    routing: str
    """Its routing indicator, e.g. ``RUEHVM``."""
    origin_label: str
    """The archive page's Origin column, e.g. ``Embassy Valmora``."""
    country: str
    adjective: str
    tag: str
    """The country's two-letter TAGS code (fictional)."""
    capital: str


def _office(kind: str, city: str, routing: str, country: str, adj: str, tag: str) -> Office:
    label = {"AMEMBASSY": "Embassy", "AMCONSUL": "Consulate", "USMISSION": "Mission"}[kind]
    return Office(
        fm=f"{kind} {city}",
        short=city,
        routing=routing,
        origin_label=f"{label} {city.title()}",
        country=country,
        adjective=adj,
        tag=tag,
        capital=city.title(),
    )


OFFICES: tuple[Office, ...] = (
    _office("AMEMBASSY", "VALMORA", "RUEHVQ", "Valmora", "Valmoran", "VQ"),
    _office("AMEMBASSY", "KESTRIN", "RUEHKQ", "the Kestrin Republic", "Kestrini", "KQ"),
    _office("AMEMBASSY", "PORT SALVEN", "RUEHPX", "Salvenia", "Salvenian", "XS"),
    _office("AMEMBASSY", "TARVESH", "RUEHTQ", "Tarvesh", "Tarveshi", "TQ"),
    _office("AMEMBASSY", "MIRANGO", "RUEHMQ", "Mirango", "Mirangan", "MQ"),
    _office("AMEMBASSY", "BRASKOV", "RUEHBQ", "Braskovia", "Braskovian", "BQ"),
    _office("AMEMBASSY", "ALTAVERA", "RUEHAQ", "Altavera", "Altaveran", "AQ"),
    _office("AMEMBASSY", "NOVA KARSK", "RUEHNQ", "Karskaya", "Karskayan", "NQ"),
    _office("AMEMBASSY", "DUNMARREN", "RUEHDQ", "Dunmarra", "Dunmarran", "DQ"),
    _office("AMEMBASSY", "ELSBURG", "RUEHEQ", "Elsland", "Elslandic", "EQ"),
    _office("AMEMBASSY", "LUMERA", "RUEHLQ", "Lumera", "Lumeran", "LQ"),
    _office("AMEMBASSY", "KORVATH", "RUEHKV", "Korvath", "Korvathi", "KV"),
    _office("AMEMBASSY", "SAN TEODORO", "RUEHSQ", "Teodoria", "Teodorian", "SQ"),
    _office("AMEMBASSY", "QASR AL MINA", "RUEHQM", "Minaya", "Minayan", "QM"),
    _office("AMEMBASSY", "ORVANGE", "RUEHOQ", "Orvange", "Orvangese", "OQ"),
    _office("AMEMBASSY", "HALDEVIK", "RUEHHQ", "Haldevia", "Haldevian", "HQ"),
    _office("AMEMBASSY", "ZEMBARA", "RUEHZQ", "Zembara", "Zembaran", "ZQ"),
    _office("AMEMBASSY", "CASTELLON DEL MAR", "RUEHCQ", "Castellonia", "Castellonian", "CQ"),
    _office("AMEMBASSY", "IRIVANE", "RUEHIQ", "Irivane", "Irivanian", "IQ"),
    _office("AMEMBASSY", "TOLMAREK", "RUEHTM", "Tolmarek", "Tolmareki", "TM"),
    _office("AMEMBASSY", "BELOVAR NOVI", "RUEHBV", "Belovaria", "Belovarian", "BV"),
    _office("AMEMBASSY", "ANKORRA", "RUEHAK", "Ankorra", "Ankorran", "AK"),
    _office("AMEMBASSY", "SELVANA", "RUEHSV", "Selvana", "Selvanan", "SV"),
    _office("AMEMBASSY", "MAROVICA", "RUEHMV", "Marovia", "Marovian", "MV"),
    _office("AMEMBASSY", "PELLACOR", "RUEHPQ", "Pellacor", "Pellacoran", "PQ"),
    _office("AMEMBASSY", "VESTRA", "RUEHVS", "Vestra", "Vestran", "VS"),
    _office("AMEMBASSY", "GARNOSH", "RUEHGQ", "Garnosh", "Garnoshi", "GQ"),
    _office("AMEMBASSY", "OSTRAVEL", "RUEHOV", "Ostravelia", "Ostravelian", "OV"),
    _office("AMCONSUL", "KESTRIN NORTH", "RUEHKN", "the Kestrin Republic", "Kestrini", "KQ"),
    _office("AMCONSUL", "LOWER MIRANGO", "RUEHLM", "Mirango", "Mirangan", "MQ"),
    _office("AMCONSUL", "PORT HESKETH", "RUEHPH", "Salvenia", "Salvenian", "XS"),
    _office("AMCONSUL", "ALDERSHAVEN", "RUEHAH", "Elsland", "Elslandic", "EQ"),
    _office("USMISSION", "USCORAL GENEVRA", "RUEHGV", "Genevra", "Genevran", "GX"),
    _office("AMEMBASSY", "TIRAVELLE", "RUEHTV", "Tiravelle", "Tiravellan", "TX"),
    _office("AMEMBASSY", "KALDERAN", "RUEHKD", "Kalderan", "Kalderani", "KX"),
    _office("AMEMBASSY", "NUREVA", "RUEHNV", "Nureva", "Nurevan", "NX"),
    _office("AMEMBASSY", "SORRENZA", "RUEHSZ", "Sorrenza", "Sorrenzan", "SZ"),
    _office("AMEMBASSY", "BARRADOS", "RUEHBD", "Barrados", "Barradan", "BX"),
    _office("AMEMBASSY", "ELMARRA", "RUEHEL", "Elmarra", "Elmarran", "EX"),
    Office(
        fm="SECSTATE WASHDC",
        short="STATE",
        routing="RUEHC",
        origin_label="Secretary of State",
        country="the region",
        adjective="regional",
        tag="XX",
        capital="Washington",
    ),
)
"""Fictional offices; the index of an office is ``seed % len(OFFICES)``."""

_STATE = OFFICES[-1]

_FIRST = (
    "Anselm", "Brisa", "Corvin", "Dalia", "Emeric", "Farah", "Gideon", "Halina", "Ivo", "Jorun",
    "Kaveh", "Liesel", "Matthias", "Nadira", "Oskar", "Petra", "Quentin", "Rasa", "Soren",
    "Talia", "Umberto", "Vesna", "Wendel", "Ximena", "Yusuf", "Zorana", "Aurel", "Bettina",
    "Cosmin", "Dragana", "Elif", "Florin", "Greta", "Hamid", "Ilona", "Janek", "Katarin",
    "Luka", "Mirela", "Nikolai",
)  # fmt: skip
_LAST = (
    "Aldova", "Brenner", "Castellan", "Dravik", "Esterhaz", "Falkor", "Grunwald", "Halloran",
    "Ivanek", "Jessup", "Karamov", "Lindqvist", "Marchetti", "Novakar", "Orlen", "Petrosyan",
    "Quillan", "Radulescu", "Sarkany", "Tomasek", "Urbanek", "Varga-Lind", "Wexley", "Yarrow",
    "Zeller", "Abernathy", "Belko", "Corrado", "Delacroix-Vey", "Emberly", "Fennick", "Gorsky",
    "Hartvig", "Imbrey", "Jovanic", "Kessler", "Larkspur", "Mondragon", "Nestorov", "Okafor",
)  # fmt: skip
_US_FIRST = (
    "Ellen",
    "Marcus",
    "Dana",
    "Robert",
    "Patricia",
    "Thomas",
    "Karen",
    "Gregory",
    "Alison",
    "David",
    "Renee",
    "Jonathan",
    "Linda",
    "Michael",
    "Sara",
    "William",
)
_US_LAST = (
    "Whitcombe",
    "Delaney",
    "Prescott",
    "Hargrove",
    "Okonkwo",
    "Lindgren",
    "Baptiste",
    "Ferreira",
    "Caldwell",
    "Ashby",
    "Nakamura",
    "Sorensen",
    "Pemberton",
    "Vasquez",
    "McAllister",
    "Greaves",
    "Thornbury",
    "Kowalczyk",
    "Abernathy",
    "Rutledge",
)
_CLASSIFIER_TITLES = (
    "Ambassador", "Charge d'Affaires", "DCM", "Political Counselor", "PolCouns",
    "Economic Counselor", "Acting Political Counselor", "Pol/Econ Chief", "Deputy Chief of Mission",
)  # fmt: skip
_REASONS = ("1.4 (b) and (d)", "1.4 b/d", "1.4(b),(d)", "1.4 (b), (c) and (d)", "1.4(d)")
_MINISTRIES = (
    "Foreign Minister", "Interior Minister", "Finance Minister", "Defense Minister",
    "Energy Minister", "Deputy Foreign Minister", "Minister of Trade", "Minister of Health",
    "Central Bank Governor", "National Security Advisor", "Speaker of Parliament",
    "Minister of Justice", "Agriculture Minister", "Chief of the General Staff",
)  # fmt: skip
_PARTIES = (
    "National Renewal Party",
    "Civic Alliance",
    "Union for Progress",
    "Green Harbor List",
    "People's Front",
    "Social Democratic Movement",
    "Liberty and Labor bloc",
)
_TOPIC_TAGS = {
    "election": ("PGOV", "PREL", "KDEM"),
    "energy": ("ENRG", "EPET", "ECON"),
    "security": ("PTER", "ASEC", "PINS"),
    "trade": ("ETRD", "ECON", "EINV"),
    "migration": ("PREF", "SMIG", "PHUM"),
    "rights": ("PHUM", "PGOV", "KJUS"),
    "military": ("MARR", "MOPS", "PREL"),
    "health": ("TBIO", "KHLS", "SOCI"),
    "consular": ("CASC", "ASEC", "KOCI"),
    "visit": ("OVIP", "PREL", "PGOV"),
    "maritime": ("PBTS", "EWWT", "PREL"),
    "finance": ("EFIN", "ECON", "PGOV"),
    "cyber": ("KCIP", "CVIS", "ECON"),
    "drought": ("EAGR", "EAID", "SENV"),
}

_SUBJECTS: dict[str, tuple[str, ...]] = {
    "election": (
        "{ADJ} ELECTION COMMISSION DELAYS {MONTH} VOTE AMID BALLOT DISPUTE",
        "{PARTY} WINS FIRST ROUND IN {CAPITAL}; RUNOFF SET FOR {MONTH}",
        "OPPOSITION BOYCOTT THREATENS {ADJ} PARLIAMENTARY ELECTIONS",
        "{COUNTRY}: CAMPAIGN OPENS WITH VIOLENCE IN THE PROVINCES",
    ),
    "energy": (
        "{ADJ} GAS PIPELINE DEAL STALLS OVER TRANSIT FEES",
        "{COUNTRY} ANNOUNCES REVIEW OF FOREIGN OIL CONCESSIONS",
        "POWER SHORTAGES IN {CAPITAL} FUEL PROTESTS",
    ),
    "security": (
        "BOMBING AT {CAPITAL} MARKET; EMBASSY PERSONNEL ACCOUNTED FOR",
        "{ADJ} POLICE DISRUPT PLOT AGAINST TRANSIT HUB",
        "RSO ASSESSMENT: RISING THREAT ALONG THE NORTHERN BORDER",
    ),
    "trade": (
        "{ADJ} TARIFF HIKE ON U.S. POULTRY: DEMARCHE DELIVERED",
        "{COUNTRY} SEEKS EARLY HARVEST IN TRADE FRAMEWORK TALKS",
        "CUSTOMS DELAYS AT PORT OF {CAPITAL} HIT U.S. EXPORTERS",
    ),
    "migration": (
        "SURGE OF MIGRANTS AT {ADJ} SOUTHERN CROSSINGS",
        "{COUNTRY} TIGHTENS ASYLUM RULES AHEAD OF WINTER",
    ),
    "rights": (
        "JOURNALIST DETAINED IN {CAPITAL}; FAMILY SEEKS EMBASSY HELP",
        "{ADJ} COURT UPHOLDS BAN ON OPPOSITION NEWSPAPER",
        "NGO LAW PASSES FIRST READING IN {ADJ} PARLIAMENT",
    ),
    "military": (
        "{ADJ} NAVY REQUESTS EXPANDED JOINT EXERCISE FOR {MONTH}",
        "{COUNTRY} DEFENSE REVIEW: PROCUREMENT PRIORITIES AND GAPS",
    ),
    "health": (
        "CHOLERA OUTBREAK IN {ADJ} NORTHERN PROVINCES",
        "{COUNTRY} HEALTH MINISTRY REPORTS VACCINE SHORTFALL",
    ),
    "consular": (
        "ARREST OF U.S. CITIZEN IN {CAPITAL}: CONSULAR ACCESS DENIED",
        "WELFARE AND WHEREABOUTS: U.S. HIKERS MISSING NEAR {ADJ} BORDER",
    ),
    "visit": (
        "SCENESETTER FOR DEPUTY SECRETARY'S VISIT TO {COUNTRY}",
        "{ADJ} PRESIDENT PREVIEWS {MONTH} VISIT TO WASHINGTON",
    ),
    "maritime": (
        "FISHING FLEET STANDOFF IN THE {ADJ} STRAIT",
        "{COUNTRY} PROTESTS SURVEY VESSEL IN DISPUTED WATERS",
    ),
    "finance": (
        "{ADJ} CENTRAL BANK RAISES RATES TO DEFEND CURRENCY",
        "BANKING SECTOR STRAIN IN {COUNTRY}: DEPOSIT FLIGHT CONTINUES",
    ),
    "cyber": (
        "RANSOMWARE ATTACK HALTS {ADJ} CUSTOMS SYSTEMS",
        "{COUNTRY} DRAFT DATA LAW WORRIES U.S. FIRMS",
    ),
    "drought": (
        "DROUGHT CUTS {ADJ} GRAIN HARVEST BY A THIRD",
        "{COUNTRY} APPEALS FOR FOOD AID AS RIVER LEVELS FALL",
    ),
}

_SENTENCES: dict[str, tuple[str, ...]] = {
    "election": (
        "{PERSON}, a senior figure in the {PARTY}, told PolOff on {DATE} that the election "
        "commission had yet to publish final voter rolls for three provinces.",
        "Observers from regional organizations reported long queues but few irregularities "
        "in the capital.",
        "The {PARTY} has threatened to withdraw its candidates if the commission does not "
        "reopen registration.",
        "Turnout in the first round was estimated at {PCT} percent, down sharply from the "
        "last national vote.",
        "Contacts expect the ruling coalition to lose its majority in the lower house.",
    ),
    "energy": (
        "The {MINISTRY} said the government would not sign the transit agreement until the "
        "fee schedule is renegotiated.",
        "Rolling blackouts have affected {PCT} percent of households in {CAPITAL} this month.",
        "Industry contacts warned that the concession review could delay new drilling for "
        "at least two years.",
        "A consortium including one U.S. firm has invested heavily in the offshore block.",
    ),
    "security": (
        "Local police confirmed {NUM} dead and dozens injured in the blast on {DATE}.",
        "RSO has accounted for all chief-of-mission personnel and their dependents.",
        "The {MINISTRY} blamed a little-known militant group operating near the border.",
        "Post has reviewed its security posture and restricted travel to the old city.",
        "Security services arrested {NUM} suspects in overnight raids.",
    ),
    "trade": (
        "The {MINISTRY} argued that the tariff increase was a temporary safeguard measure.",
        "U.S. exporters estimate losses of {NUM} million dollars if the measure stays in "
        "place through the year.",
        "EconOff delivered the demarche on {DATE} and urged notification to the trade body.",
        "Customs clearance times at the main port have doubled since the new system went live.",
    ),
    "migration": (
        "Border authorities registered more than {NUM} thousand arrivals in the past month.",
        "Reception centers near the southern crossings are at twice their capacity.",
        "The {MINISTRY} said new rules would shorten appeal deadlines for rejected claims.",
    ),
    "rights": (
        "{PERSON}, an editor at an independent weekly, was detained on {DATE} on charges of "
        "spreading false information.",
        "Human rights groups describe the draft law as the most restrictive in a decade.",
        "The court ruling cannot be appealed, according to defense lawyers.",
        "PolOff attended the hearing along with diplomats from several like-minded missions.",
    ),
    "military": (
        "The {MINISTRY} said the navy hoped to expand the joint exercise to include "
        "amphibious training.",
        "The defense review identifies air defense and coastal surveillance as the main gaps.",
        "Procurement plans depend on a budget that parliament has not yet approved.",
    ),
    "health": (
        "The health ministry confirmed {NUM} cases and several deaths in three districts.",
        "Clinics in the affected provinces report shortages of oral rehydration salts.",
        "International partners have pledged emergency funding, but disbursement is slow.",
    ),
    "consular": (
        "The U.S. citizen, a {AGE}-year-old engineer, was arrested on {DATE} at the airport.",
        "Authorities have not yet granted consular access despite two diplomatic notes.",
        "ConOff spoke with the family, who have given Privacy Act waivers.",
    ),
    "visit": (
        "Your visit comes at a moment of cautious optimism in the bilateral relationship.",
        "The {MINISTRY} will raise the stalled aviation agreement and visa wait times.",
        "{PERSON} is likely to press for a firm date for the next strategic dialogue.",
    ),
    "maritime": (
        "Coast guard vessels from both sides have shadowed the fishing fleet for {NUM} days.",
        "The {MINISTRY} summoned the neighboring ambassador to protest the incursion.",
        "Fishing cooperatives in the coastal provinces have called for naval escorts.",
    ),
    "finance": (
        "The central bank raised its policy rate by {NUM} hundred basis points on {DATE}.",
        "Deposit outflows from mid-sized banks have accelerated for three straight weeks.",
        "The {MINISTRY} insisted that the currency peg would hold.",
    ),
    "cyber": (
        "The attack disabled customs clearance systems for {NUM} days.",
        "Officials have not publicly attributed the intrusion but privately blame a criminal "
        "group.",
        "U.S. firms worry that the draft law's data localization rules would raise costs.",
    ),
    "drought": (
        "Reservoir levels stand at {PCT} percent of the seasonal average.",
        "The agriculture ministry projects a grain shortfall of {NUM} thousand tons.",
        "Farmers' unions have called for debt relief and emergency seed distribution.",
    ),
}

_GENERIC = (
    "{PERSON}, the {ADJ} {MINISTRY}, met the Ambassador on {DATE}.",
    "He said the government remained committed to close cooperation with the United States.",
    "She noted that the cabinet would take up the issue at its next session.",
    "Several contacts described the atmosphere in {CAPITAL} as tense but calm.",
    "Press coverage has been limited, and the government has made no public statement.",
    "The Ambassador underscored U.S. interest in a transparent process.",
    "XXXXXXXXXXXX told us that the decision had been taken by a small circle of advisors.",
    "Opposition leaders dismissed the announcement as a delaying tactic.",
    "Post will continue to monitor developments and report septel.",
    "Regional diplomats share our assessment of the situation.",
    "{PERSON} described the mood inside the ruling party as nervous ahead of the budget vote.",
    "The {MINISTRY} said he had briefed the President personally on {DATE}.",
    "Business leaders in {CAPITAL} have so far reacted cautiously.",
    "Other diplomatic missions have received similar messages from the {MINISTRY}.",
    "{PERSON} acknowledged that the government had been slow to explain its decision.",
    "State media carried only a brief item on the meeting.",
    "The Embassy's public statement on {DATE} was widely reported in the local press.",
    "Several ministers are said to disagree privately with the new line.",
    "{PERSON} cautioned that provincial officials often ignore instructions from {CAPITAL}.",
    "The DCM raised the matter again with the {MINISTRY}'s chief of staff on {DATE}.",
    "We have heard conflicting accounts of who took the final decision.",
    "Parliamentary committees are expected to hold hearings later this month.",
    "The {ADJ} side presented a non-paper, which Post has forwarded by e-mail.",
    "Officials stressed that the measures were temporary and would be reviewed in {MONTH}.",
    "{PERSON} said the President would make a televised address within days.",
    "Local analysts see the move as aimed mainly at a domestic audience.",
)
_STATE_SUBJECTS = (
    "DEMARCHE REQUEST: {ADJ} POSITION ON {TOPIC}",
    "GUIDANCE FOR POSTS ON {TOPIC} IN {COUNTRY}",
    "REPORTING REQUEST: HOST GOVERNMENT VIEWS ON {TOPIC}",
    "{COUNTRY}: WASHINGTON'S READOUT AND NEXT STEPS ON {TOPIC}",
)
_STATE_GENERIC = (
    "The Department remains concerned about recent developments in {COUNTRY}.",
    "Washington agencies have reviewed the latest reporting from Embassy {CAPITAL}.",
    "The {ADJ} government has not yet responded to our earlier approach.",
    "The Department's assessment is that {COUNTRY} is unlikely to change course soon.",
    "Like-minded partners share our concerns and have made similar approaches.",
    "The Deputy Secretary discussed the issue with the {ADJ} {MINISTRY} on {DATE}.",
    "Background on the issue is available on the Department's classified website.",
    "Regional bureaus are coordinating an interagency review of the options.",
    "Press guidance on the issue is being prepared separately.",
    "The {ADJ} Ambassador in Washington was called in on {DATE}.",
    "Our objective is a transparent process that the region can accept.",
    "The issue is likely to come up at the regional ministerial in {MONTH}.",
)
_COMMENTS = (
    "Comment: The government appears to be buying time rather than changing course. End Comment.",
    "Comment: We expect the issue to come to a head before the end of the year. End Comment.",
    "Comment: {PERSON}'s remarks track closely with what we have heard from other "
    "contacts. End Comment.",
)
_NEGATIVES = (
    "The {MINISTRY} asked that the United States consider additional support for the "
    "program; the Ambassador made no commitment.",
    "{PERSON} requested that the Embassy share the draft text, which we declined to do "
    "pending Washington review.",
    "The opposition has requested a meeting with the visiting delegation.",
    "This cable is for information only; no action is requested of the Department.",
    "The {ADJ} government has requested observer status at the regional forum.",
)
_ACTIONS = (
    "ACTION REQUEST: Embassy requests that the Department provide updated talking points on "
    "{TOPIC} before {DEADLINE}.",
    "Post requests that Department convey our concerns on {TOPIC} to the {ADJ} Ambassador "
    "in Washington.",
    "Action request: Post would appreciate Department guidance on {TOPIC} by {DEADLINE}.",
    "Department please advise whether Post may share the assessment on {TOPIC} with "
    "{ADJ} authorities.",
    "Embassy requests guidance on how to respond to the {ADJ} request on {TOPIC}.",
)
_STATE_ACTIONS = (
    "ACTION REQUEST: Posts are requested to deliver the points in this cable to host "
    "government officials at the appropriate level and report any response by {DEADLINE}.",
    "Action request: Embassy {CAPITAL} is requested to raise {TOPIC} with the {MINISTRY} "
    "and report the response.",
)
_POINTERS = (
    "See action request in paragraph {N}.",
    "This is an action request; see para {N}.",
    "Action request in paragraph {N}.",
)
_TOPIC_PHRASES = {
    "election": "the electoral calendar",
    "energy": "the pipeline transit agreement",
    "security": "the security situation",
    "trade": "the tariff dispute",
    "migration": "border management",
    "rights": "the detained journalist",
    "military": "the joint exercise",
    "health": "the outbreak response",
    "consular": "the detained U.S. citizen",
    "visit": "the visit program",
    "maritime": "the fisheries standoff",
    "finance": "the banking sector",
    "cyber": "the customs system intrusion",
    "drought": "food assistance",
}
_HEADINGS = (
    "Background",
    "Meeting with the Minister",
    "Reaction in the Capital",
    "Next Steps",
    "The View from the Provinces",
    "Economic Fallout",
)
_CORRECTIONS = ("(TEXT)", "- TEXT OF PARA {N}", "(TEXT OF PARA {N})", "- CORRECTED FIGURES")

_WRAP = 64


@dataclass(slots=True)
class GeneratedCable:
    """A generated cable: its renderings' source text and the fields a parser should read.

    Dict-valued fields use the JSON shapes of spec/parse-json.md.
    """

    seed: int
    id: str
    transmission_id: str
    precedence: str
    niact: bool
    classification: str
    caveats: list[str]
    captions: list[str]
    dtg: str
    origin: str
    origin_label: str
    to: list[dict[str, Any]]
    info: list[dict[str, Any]]
    subject: str
    cable_tags: list[str]
    references: list[dict[str, Any]]
    classified_by: str | None
    reasons: str | None
    declassify_on: str | None
    corrected: bool
    sections: int
    """How many sections the cable has (1 when it is not split)."""
    section: dict[str, int] | None
    """The whole-cable text's banner section: ``{"number": 1, "of": n}`` or None."""
    sections_present: list[int]
    """Sections the whole-cable text holds: ``[1..n]``, or ``[]`` when it is not split."""
    paragraphs: list[dict[str, Any]]
    summary: str | None
    action_paragraphs: list[int]
    signers: list[str]
    plain: str
    """The whole cable as one plain-text file (every section, with page-break lines)."""
    section_texts: list[str] = field(default_factory=list)
    """One plain text per section as delivered separately (``[plain]`` when not split)."""
    section_paragraphs: list[list[int]] = field(default_factory=list)
    """The paragraph numbers each of ``section_texts`` holds."""

    @property
    def action_requests(self) -> list[dict[str, Any]]:
        """Expected ``action_requests`` in the parse-json shape."""
        texts = {p["number"]: p["text"] for p in self.paragraphs}
        return [{"paragraph": n, "text": texts[n]} for n in self.action_paragraphs]

    def expected(self) -> dict[str, Any]:
        """The expected parse of ``plain``: the parse-json fields this generator knows (a copy)."""
        return copy.deepcopy(
            {
                "id": self.id,
                "transmission_id": self.transmission_id,
                "precedence": self.precedence,
                "niact": self.niact,
                "dtg": self.dtg,
                "origin": self.origin,
                "to": self.to,
                "info": self.info,
                "classification": self.classification,
                "caveats": self.caveats,
                "corrected": self.corrected,
                "cable_tags": self.cable_tags,
                "subject": self.subject,
                "references": self.references,
                "classified_by": self.classified_by,
                "reasons": self.reasons,
                "declassify_on": self.declassify_on,
                "section": self.section,
                "sections_present": self.sections_present,
                "paragraphs": self.paragraphs,
                "summary": self.summary,
                "action_paragraphs": self.action_paragraphs,
                "signers": self.signers,
            }
        )

    def section_expected(self, index: int) -> dict[str, Any]:
        """Expected fields of ``section_texts[index]`` (0-based) delivered as its own file."""
        number = index + 1
        paras = set(self.section_paragraphs[index])
        exp = self.expected()
        exp["paragraphs"] = [p for p in self.paragraphs if p["number"] in paras]
        exp["action_paragraphs"] = [n for n in self.action_paragraphs if n in paras]
        if self.sections > 1:
            exp["section"] = {"number": number, "of": self.sections}
            exp["sections_present"] = [number]
            if number != 1:
                exp["summary"] = None
                exp["references"] = []
                exp["classified_by"] = None
                exp["reasons"] = None
            if number != self.sections:
                exp["signers"] = []
        return exp


# --------------------------------------------------------------------------- text helpers


def _wrap(text: str, width: int = _WRAP) -> list[str]:
    """Greedy word wrap at ``width`` columns (a regex: much faster than textwrap).

    A word that would look like a paragraph or list number at the start of a line (``30.``,
    ``B.``, ``(C)``, ``--``) is kept on the line of the word before it, and the last line
    keeps at least three words when it can, so that the wrapped text stays unambiguous.
    """
    pattern = _WRAPPERS.get(width)
    if pattern is None:
        pattern = _WRAPPERS[width] = re.compile(rf"(\S.{{0,{width - 1}}})(?:\s+|$)|(\S+)\s*")
    if "  " in text or "\n" in text or "\t" in text:
        text = " ".join(text.split())
    glued = _GLUE.sub("\x01", text.strip())
    lines = [a or b for a, b in pattern.findall(glued)]
    # A lone word or two on the last line could pass for a signature ("SUMMARY."): pull
    # a word down from the line before.
    if len(lines) >= 2 and len(lines[-1].split()) < 3:
        head, _, word = lines[-2].rpartition(" ")
        if head and len(word) + 1 + len(lines[-1]) <= width:
            lines[-2:] = [head, f"{word} {lines[-1]}"]
    return [line.replace("\x01", " ") for line in lines]


_GLUE = re.compile(r" (?=(?:\d{1,3}[.)]|[A-Za-z][.)]|\([A-Za-z0-9]{1,3}\)|-+|o)(?:\s|$))")
_WRAPPERS: dict[int, re.Pattern[str]] = {}


class _Rng(random.Random):
    """random.Random with cheaper choice/randint/randrange (one ``random()`` call each)."""

    def choice(self, seq: Sequence[_T]) -> _T:  # type: ignore[override]
        return seq[int(self.random() * len(seq))]

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def randrange(self, start: int, stop: int | None = None, step: int = 1) -> int:
        if stop is None:
            return int(self.random() * start)
        return start + int(self.random() * (stop - start))


class _Filler:
    """Fills template slots for one cable."""

    def __init__(
        self,
        rng: _Rng,
        office: Office,
        when: _dt.datetime,
        topic: str,
        generic: tuple[str, ...] = (),
    ) -> None:
        self.rng = rng
        self.office = office
        """The country the cable is about (for a Department cable, its first addressee)."""
        self.when = when
        self.topic = topic
        self.generic = generic or _GENERIC
        self.people = [f"{rng.choice(_FIRST)} {rng.choice(_LAST)}" for _ in range(3)]
        self.pool: list[str] = []

    def date(self) -> str:
        """A day shortly before the cable was sent, e.g. ``March 3``."""
        day = self.when - _dt.timedelta(days=int(self.rng.random() * 13))
        return f"{_MONTH_NAMES[day.month - 1]} {day.day}"

    def deadline(self) -> str:
        """A day shortly after the cable was sent."""
        day = self.when + _dt.timedelta(days=3 + int(self.rng.random() * 12))
        return f"{_MONTH_NAMES[day.month - 1]} {day.day}"

    def sentence(self) -> str:
        """The next sentence of this cable, drawn without repeats while the pool lasts."""
        if not self.pool:
            self.pool = [*_SENTENCES[self.topic], *self.generic]
            self.rng.shuffle(self.pool)
        return self.fill(self.pool.pop())

    def fill(self, template: str, **extra: str) -> str:
        """Fill the ``{SLOT}`` fields of a template; only the slots present draw values."""
        if "{" not in template:
            return template

        def value(m: re.Match[str]) -> str:
            name = m.group(1)
            if name in extra:
                return extra[name]
            return self._slot(name)

        return _SLOT.sub(value, template)

    def _slot(self, name: str) -> str:
        rng = self.rng
        office = self.office
        if name == "ADJ":
            return office.adjective
        if name == "COUNTRY":
            return office.country
        if name == "CAPITAL":
            return office.capital
        if name == "PARTY":
            return rng.choice(_PARTIES)
        if name == "MINISTRY":
            return rng.choice(_MINISTRIES)
        if name == "PERSON":
            return rng.choice(self.people)
        if name == "DATE":
            return self.date()
        if name == "DEADLINE":
            return self.deadline()
        if name == "MONTH":
            return _MONTH_NAMES[int(rng.random() * 12)]
        if name == "PCT":
            return str(12 + int(rng.random() * 63))
        if name == "NUM":
            return str(2 + int(rng.random() * 39))
        if name == "AGE":
            return str(24 + int(rng.random() * 44))
        if name == "TOPIC":
            return _TOPIC_PHRASES[self.topic]
        raise KeyError(name)


_SLOT = re.compile(r"\{([A-Z]+)\}")


def _normalise_classification(value: str | None) -> tuple[str | None, list[str]]:
    if value is None:
        return None, []
    value = value.upper().strip()
    caveats: list[str] = []
    if value.endswith("//NOFORN"):
        value = value[: -len("//NOFORN")]
        caveats = ["NOFORN"]
    value = _CLASS_ALIASES.get(value, value)
    if value not in CLASSIFICATIONS:
        raise ValueError(f"unknown classification {value!r}")
    if caveats and value not in ("CONFIDENTIAL", "SECRET"):
        raise ValueError("NOFORN only with CONFIDENTIAL or SECRET")
    return value, caveats


def _banner_word(classification: str, rng: random.Random) -> str:
    if classification == "CONFIDENTIAL":
        return "C O N F I D E N T I A L"
    if classification == "SECRET":
        return "S E C R E T"
    if classification == "LIMITED OFFICIAL USE":
        return "LIMITED OFFICIAL USE"
    return "UNCLAS"


def _zn_line(classification: str) -> str:
    if classification == "SECRET":
        return "ZNY SSSSS ZZH"
    if classification == "CONFIDENTIAL":
        return "ZNY CCCCC ZZH"
    return "ZNR UUUUU ZZH"


def _markings(classification: str, caveats: list[str], rng: random.Random) -> tuple[str, ...]:
    """Paragraph markings for a classification, most restrictive first."""
    if classification == "SECRET":
        if caveats:
            return (rng.choice(("S/NF", "S//NF")), "S", "C", "U")
        return ("S", "C", "U")
    if classification == "CONFIDENTIAL":
        if caveats:
            return (rng.choice(("C/NF", "C//NF")), "C", "U")
        return ("C", "SBU", "U")
    if classification == "UNCLASSIFIED//FOR OFFICIAL USE ONLY":
        return ("SBU", "U")
    if classification == "LIMITED OFFICIAL USE":
        return ("SBU", "U")
    return ("U",)


# --------------------------------------------------------------------------- the generator


def _uid(seed: int) -> tuple[Office, int, int]:
    """Office, two-digit year and serial, injective in seed for 0 <= seed < 12,000,000."""
    n = len(OFFICES)
    office = OFFICES[seed % n]
    k = (seed // n) % 300_000
    yy = 24 + k % 3
    slot = k // 3
    jitter = ((seed * 2654435761) >> 11) % 8
    base = 40 + (seed % n * 37 + yy * 101) % 360  # the same for one office and year
    serial = base + slot * 8 + jitter
    return office, yy, serial


def make_cable(
    seed: int,
    *,
    precedence: str | None = None,
    niact: bool | None = None,
    classification: str | None = None,
    sections: int = 1,
    action: bool | None = False,
    pointer: bool | None = None,
    corrected: bool = False,
    references: int | None = None,
    paragraphs: int | None = None,
    pilcrow: bool = True,
    variants: bool = False,
) -> GeneratedCable:
    """Generate one fictional cable, deterministically from ``seed`` and the options.

    Args:
        seed: any non-negative int; also fixes the ID (office, year, serial).
        precedence: FLASH, IMMEDIATE, PRIORITY or ROUTINE; random when None.
        niact: make the action addressee NIACT IMMEDIATE (forces precedence IMMEDIATE);
            random (rare) for IMMEDIATE cables when None.
        classification: one of CLASSIFICATIONS, an alias (U, SBU, LOU, C, S), optionally
            with ``//NOFORN`` (C and S only); random when None.
        sections: how many sections (>= 1); the whole text holds them all with page-break
            lines, and ``section_texts`` has one separately delivered text per section.
        action: include an action-request paragraph (True), none (False, the default), or
            decide at random, about one cable in four (None).
        pointer: when there is an action request, point to it from the summary; random when
            None.
        corrected: produce the CORRECTED COPY of the cable ``make_cable(seed, ...)`` gives
            (same ID and DTG, a CORRECTED COPY line, one paragraph reworded).
        references: how many REF entries (0-4); random when None.
        paragraphs: how many numbered paragraphs (>= 2); random when None.
        pilcrow: number paragraphs ``¶1.`` as the archive text does; ``1.`` when False.
        variants: also vary the surface forms real cables use, drawn from a separate random
            stream so that the expected fields stay the same as without: TAGS with commas
            or without a colon, ``SUBJ:``, REF letters as ``A)`` or ``(A)``, DECL dates as
            YYYY/MM/DD, ``EO 13526 DECL:``, ``CLASSIFIED BY: name, title; REASON: ...``,
            NOFORN on the banner line.

    Returns:
        The cable text(s) and the expected fields.
    """
    if seed < 0:
        raise ValueError("seed must be >= 0")
    if sections < 1:
        raise ValueError("sections must be >= 1")
    rng = _Rng(seed)
    office, yy, serial = _uid(seed)
    year = 2000 + yy
    cable_id = f"{yy:02d}{office.short.replace(' ', '')}{serial}"

    # Precedence and classification.
    if niact:
        precedence = "IMMEDIATE"
    prec = precedence.upper() if precedence else rng.choices(PRECEDENCES, (1, 4, 5, 6))[0]
    if prec not in PRECEDENCES:
        raise ValueError(f"unknown precedence {precedence!r}")
    is_niact = bool(niact) if niact is not None else (prec == "IMMEDIATE" and rng.random() < 0.2)
    if classification is None:
        cls = rng.choices(CLASSIFICATIONS, (2, 2, 1, 4, 3))[0]
        caveats = ["NOFORN"] if cls in ("CONFIDENTIAL", "SECRET") and rng.random() < 0.3 else []
    else:
        cls_n, caveats = _normalise_classification(classification)
        assert cls_n is not None
        cls = cls_n
    classified = cls in ("CONFIDENTIAL", "SECRET")

    # Date-time group (never later than October 2026).
    month = rng.randint(1, 10 if year == 2026 else 12)
    day = rng.randint(1, 28)
    hour, minute = rng.randrange(24), rng.randrange(60)
    when = _dt.datetime(year, month, day, hour, minute, tzinfo=_dt.UTC)
    dtg_iso = when.strftime("%Y-%m-%dT%H:%M:00Z")
    dtg_line = f"{day:02d}{hour:02d}{minute:02d}Z {_MONTHS[month - 1]} {yy:02d}"
    julian = when.timetuple().tm_yday

    topic = rng.choice(tuple(_SUBJECTS))
    if office is _STATE:
        # A Department cable is about the country of its first action addressee.
        focus = OFFICES[rng.randrange(len(OFFICES) - 1)]
        filler = _Filler(rng, focus, when, topic, _STATE_GENERIC)
        subject = filler.fill(rng.choice(_STATE_SUBJECTS)).upper()
    else:
        focus = office
        filler = _Filler(rng, office, when, topic)
        subject = filler.fill(rng.choice(_SUBJECTS[topic])).upper()
    # Choices for a corrected copy come from their own generator, so that the corrected copy
    # of a cable is the same cable plus its corrections.
    crng = _Rng(seed * 31 + 7) if corrected else rng
    mark_subject = corrected and crng.random() < 0.3
    subject_text = f"{subject} - CORRECTED COPY" if mark_subject else subject
    subject_exp = " ".join(subject_text.split())

    tags = list(dict.fromkeys([*rng.sample(_TOPIC_TAGS[topic], 2), focus.tag]))
    if rng.random() < 0.3:
        tags.insert(rng.randrange(len(tags)), rng.choice(("PREL", "PGOV", "ECON", "KPAO")))
        tags = list(dict.fromkeys(tags))

    # Addressees.
    to: list[dict[str, Any]] = []
    info: list[dict[str, Any]] = []
    tser = f"{rng.randrange(10000):04d}"
    to_prec = "NIACT IMMEDIATE" if is_niact else (None if prec == "ROUTINE" else prec)
    if office is _STATE:
        others = [o for o in OFFICES[:-1] if o is not focus]
        posts = [focus, *rng.sample(others, rng.randint(0, 2))]
        for p in posts:
            to.append(_addr(p.routing, p.fm, to_prec, f"{rng.randrange(10000):04d}"))
    else:
        to.append(_addr("RUEHC", "SECSTATE WASHDC", to_prec, tser))
        others = rng.sample([o for o in OFFICES[:-1] if o is not office], rng.randint(0, 3))
        info_prec = {"FLASH": "IMMEDIATE", "IMMEDIATE": "PRIORITY"}.get(prec)
        for o in others:
            info.append(_addr(o.routing, o.fm, info_prec, f"{rng.randrange(10000):04d}"))
        if rng.random() < 0.4:
            info.append(_addr("RHEHNSC", "NSC WASHDC", info_prec, None))
    # Routing indicators of relay stations (line 2).
    relays = " ".join(sorted({a["routing"] for a in to + info if a["routing"]}))
    prosign = _PROSIGN[prec]
    header = [
        f"VZCZCXRO{rng.randrange(10000):04d}",
        f"{prosign}{prosign} {relays}".rstrip(),
        f"DE {office.routing} #{serial % 10000:04d}/01 {julian:03d}{hour:02d}{minute:02d}",
        _zn_line(cls)
        + (f" (CCY AD{crng.randrange(16**6):06X} MSI{crng.randrange(10**4)})" if corrected else ""),
        f"{prosign} {dtg_line}",
        f"FM {office.fm}",
    ]
    for i, a in enumerate(to):
        header.append(("TO " if i == 0 else "") + _addr_line(a))
    for i, a in enumerate(info):
        header.append(("INFO " if i == 0 else "") + _addr_line(a))
    transmission_id = header[0]

    # Classification-dependent front matter.
    marks = _markings(cls, caveats, rng)
    classified_by = reasons = declassify_on = None
    eo = rng.choice(("E.O. 13526", "E.O. 13526", "E.O. 12958"))
    if classified:
        decl_year = year + 10
        declassify_on = f"{decl_year}-{month:02d}-{day:02d}"
        eo_line = f"{eo}: DECL: {month:02d}/{day:02d}/{decl_year}"
        first, last = rng.choice(_US_FIRST), rng.choice(_US_LAST)
        initial = rng.choice("ABCDEFGHJKLMNPRSTW")
        classified_by = f"{first} {initial}. {last}"
        reasons = rng.choice(_REASONS)
        title = rng.choice(_CLASSIFIER_TITLES)
        if rng.random() < 0.5:
            cb_line = f"Classified By: {title} {classified_by} for reasons {reasons}."
        else:
            cb_line = f"Classified By: {title} {classified_by}, reasons {reasons}."
    else:
        eo_line = f"{eo}: N/A"
        cb_line = None
    captions = ["SIPDIS"]

    # References.
    n_refs = references if references is not None else rng.choices((0, 1, 2, 3), (4, 3, 2, 1))[0]
    refs: list[dict[str, Any]] = []
    ref_lines: list[str] = []
    for i in range(min(n_refs, 4)):
        letter = "ABCD"[i] if n_refs > 1 else None
        kind = rng.random()
        if kind < 0.15:
            text = (
                f"EMAIL {rng.choice(_US_LAST).upper()}-{rng.choice(_US_LAST).upper()} "
                f"{rng.randint(1, 12):02d}/{rng.randint(1, 28):02d}/{year}"
            )
            rid = None
        else:
            ref_office = office if kind < 0.6 else rng.choice((_STATE, *OFFICES[:5]))
            rserial = (
                rng.randint(1, max(2, serial - 1))
                if ref_office is office
                else rng.randint(1, 180000 if ref_office is _STATE else 2500)
            )
            if kind < 0.4:
                ryy = yy
                text = f"{ref_office.short} {rserial}"
            else:
                ryy = rng.choice((yy, yy - 1))
                text = f"{ryy:02d} {ref_office.short} {rserial}"
            rid = f"{ryy:02d}{ref_office.short.replace(' ', '')}{rserial}"
        refs.append({"letter": letter, "id": rid, "text": text})
        if letter is None:
            ref_lines.append(f"REF: {text}")
        elif i == 0:
            ref_lines.append(f"REF: {letter}. {text}")
        else:
            mark = "¶" if rng.random() < 0.5 else ""
            ref_lines.append(f"     {mark}{letter}. {text}")

    # Paragraphs.
    n_paras = paragraphs if paragraphs is not None else rng.randint(3, 9)
    n_paras = max(2, n_paras, sections + 1)
    has_action = (
        action if action is not None else rng.random() < (0.6 if office is _STATE else 0.25)
    )
    action_at = rng.randint(2, n_paras) if has_action else None
    has_pointer = bool(has_action) and (pointer if pointer is not None else rng.random() < 0.5)
    has_summary = has_pointer or (n_paras >= 4 and rng.random() < 0.7)
    negative_at = None
    if rng.random() < 0.4:
        candidates = [n for n in range(2, n_paras + 1) if n != action_at]
        negative_at = rng.choice(candidates) if candidates else None
    corrected_at = crng.randint(2, n_paras) if corrected else None

    para_exp: list[dict[str, Any]] = []
    para_lines: list[list[str]] = []
    summary_text: str | None = None
    for num in range(1, n_paras + 1):
        marking = marks[0] if num == 1 or rng.random() < 0.6 else rng.choice(marks)
        sentences: list[str] = []
        if num == 1 and has_summary:
            said = [filler.sentence() for _ in range(rng.randint(2, 3))]
            if has_pointer:
                said.append(rng.choice(_POINTERS).format(N=action_at))
            summary_text = " ".join(said)
            if rng.random() < 0.5:
                sentences = ["Summary:", *said, "End Summary."]
            else:
                sentences = ["SUMMARY.", *said, "END SUMMARY."]
        else:
            sentences = [filler.sentence() for _ in range(rng.randint(2, 4))]
            if num == action_at:
                acts = _STATE_ACTIONS if office is _STATE else _ACTIONS
                sentences.append(filler.fill(rng.choice(acts)))
            elif num == negative_at:
                sentences.append(filler.fill(rng.choice(_NEGATIVES)))
            if num == n_paras and rng.random() < 0.5 and num != action_at:
                sentences = [filler.fill(rng.choice(_COMMENTS), PERSON=filler.people[0])]
        if num == corrected_at:
            asof = when - _dt.timedelta(days=crng.randint(1, 5))
            sentences.append(
                f"Figures in this paragraph are as of {_MONTH_NAMES[asof.month - 1]} {asof.day}."
            )
        text = " ".join(sentences)
        lead = f"¶{num}." if pilcrow else f"{num}."
        para_lines.append(_wrap(f"{lead} ({marking}) {text}"))
        para_exp.append({"number": num, "marking": marking, "text": text})

    signer = rng.choice(_US_LAST).upper()
    if office is _STATE:
        signer = rng.choice(("HALLORAN", "WEXLEY", "PEMBERTON"))

    # Which paragraphs each section holds (whole paragraphs, roughly even).
    # Surface variants (a separate stream: they never change the expected fields).
    tags_line = "TAGS: " + " ".join(tags)
    subject_key = "SUBJECT: "
    noforn_on_banner = False
    if variants:
        vr = _Rng(seed * 131 + 11)
        form = vr.random()
        if form < 0.25:
            tags_line = "TAGS: " + ", ".join(tags)
        elif form < 0.35:
            tags_line = "TAGS " + ", ".join(tags)
        if vr.random() < 0.1:
            subject_key = "SUBJ: "
        style = vr.choice(("A.", "A)", "(A)"))
        if style != "A." and len(refs) > 1:
            for i, ref in enumerate(refs):
                mark = f"{ref['letter']})" if style == "A)" else f"({ref['letter']})"
                ref_lines[i] = f"{'REF: ' if i == 0 else '     '}{mark} {ref['text']}"
        if classified and declassify_on:
            form = vr.random()
            y, m, d = declassify_on.split("-")
            if form < 0.2:
                eo_line = f"{eo}: DECL: {y}/{m}/{d}"
            elif form < 0.3:
                eo_line = f"{eo.replace('E.O. ', 'EO ')} DECL: {m}/{d}/{y}"
            if vr.random() < 0.25:
                cb_line = f"CLASSIFIED BY: {classified_by}, {title}; REASON: {reasons}"
        noforn_on_banner = bool(caveats) and vr.random() < 0.3

    per = [n_paras * i // sections for i in range(sections + 1)]
    section_paras = [list(range(per[i] + 1, per[i + 1] + 1)) for i in range(sections)]

    banner_word = _banner_word(cls, rng)
    correction = crng.choice(_CORRECTIONS).format(N=corrected_at) if corrected else ""
    subject_lines = _wrap(subject_key + subject_text)
    section_starts = {paras[0] for paras in section_paras if paras}
    headings = {
        n: rng.choice(_HEADINGS)
        for n in range(3, n_paras + 1)
        if rng.random() < 0.12 and n not in section_starts
    }

    def front(section_no: int) -> list[str]:
        sec = f"SECTION {section_no:02d} OF {sections:02d} " if sections > 1 else ""
        banner = f"{banner_word} {sec}{office.short} {serial:06d}"
        lines = [f"{banner} NOFORN" if noforn_on_banner else banner, ""]
        if corrected:
            lines += [f"C O R R E C T E D C O P Y {correction}", ""]
        if caveats and not noforn_on_banner:
            lines += ["NOFORN", ""]
        if cls == "UNCLASSIFIED//FOR OFFICIAL USE ONLY":
            lines += [("SENSITIVE" if serial % 2 else "SENSITIVE BUT UNCLASSIFIED"), ""]
        lines += ["SIPDIS", ""]
        lines += [eo_line, tags_line, *subject_lines, ""]
        return lines

    def paragraph_block(num: int) -> list[str]:
        out: list[str] = []
        if num in headings:
            out += [headings[num], "-" * len(headings[num]), ""]
        out += [*para_lines[num - 1], ""]
        return out

    def head_for(section_no: int) -> list[str]:
        h = list(header)
        h[2] = (
            f"DE {office.routing} #{serial % 10000:04d}/{section_no:02d} "
            f"{julian:03d}{hour:02d}{minute:02d}"
        )
        return h

    def page_break(k: int) -> str:
        return f"{office.short[:10]} {serial:08d} {k:03d} OF {sections:03d}"

    # The whole cable, as an archive file holds it.
    body: list[str] = front(1)
    if ref_lines:
        body += [*ref_lines, ""]
    if cb_line:
        body += [*_wrap(cb_line), ""]
    for k, paras in enumerate(section_paras, start=1):
        for j, num in enumerate(paras):
            block = paragraph_block(num)
            if k > 1 and j == 0:
                lines = para_lines[num - 2] if num >= 2 else []
                # The page break lands inside the previous paragraph when it is long enough.
                if len(lines) >= 3 and rng.random() < 0.5:
                    cut = rng.randint(1, len(lines) - 1)
                    start = len(body) - 1 - len(lines)
                    body[start:] = [*lines[:cut], "", page_break(k), "", *lines[cut:], ""]
                else:
                    body += [page_break(k), "", ""]
            body += block
    body += ["", signer]
    plain = "\n".join(header) + "\n\n" + "\n".join(body).rstrip("\n") + "\n"

    # Each section as a separate delivery.
    section_texts: list[str] = []
    if sections == 1:
        section_texts = [plain]
    else:
        for k, paras in enumerate(section_paras, start=1):
            sbody = front(k)
            if k == 1:
                if ref_lines:
                    sbody += [*ref_lines, ""]
                if cb_line:
                    sbody += [*_wrap(cb_line), ""]
            for num in paras:
                sbody += paragraph_block(num)
            if k == sections:
                sbody += ["", signer]
            text = "\n".join(head_for(k)) + "\n\n" + "\n".join(sbody).rstrip("\n") + "\n"
            section_texts.append(text)

    return GeneratedCable(
        seed=seed,
        id=cable_id,
        transmission_id=transmission_id,
        precedence=prec,
        niact=is_niact,
        classification=cls,
        caveats=caveats,
        captions=captions,
        dtg=dtg_iso,
        origin=office.fm,
        origin_label=office.origin_label,
        to=to,
        info=info,
        subject=subject_exp,
        cable_tags=tags,
        references=refs,
        classified_by=classified_by,
        reasons=reasons,
        declassify_on=declassify_on,
        corrected=corrected,
        sections=sections,
        section={"number": 1, "of": sections} if sections > 1 else None,
        sections_present=list(range(1, sections + 1)) if sections > 1 else [],
        paragraphs=para_exp,
        summary=summary_text,
        action_paragraphs=[action_at] if action_at else [],
        signers=[signer],
        plain=plain,
        section_texts=section_texts,
        section_paragraphs=section_paras,
    )


def _addr(routing: str | None, name: str, prec: str | None, serial: str | None) -> dict[str, Any]:
    precedence = "IMMEDIATE" if prec == "NIACT IMMEDIATE" else prec
    return {
        "routing": routing,
        "name": name,
        "precedence": precedence,
        "serial": serial,
        "excluded": [],
        "_written": prec,
    }


def _addr_line(a: dict[str, Any]) -> str:
    parts = [f"{a['routing']}/{a['name']}" if a["routing"] else a["name"]]
    written = a.pop("_written")
    if written:
        parts.append(written)
    if a["serial"]:
        parts.append(a["serial"])
    return " ".join(parts)


# --------------------------------------------------------------------------- renderings

_PARA_MARK = re.compile(r"¶([0-9]{1,4}|[A-Z])\.")
_TAGS_LINE = re.compile(r"^TAGS:[ \t]*(.*)$")
_PAGE_BREAK = re.compile(r"^[A-Z][A-Z .'-]* \d{8} \d{3}(?:\.\d+)? OF \d{3}$")
_MD_NEW_LINE = re.compile(
    r"""^(?:¶|\d{1,3}\.(?!\d)|[A-Z][.)]\s|\([A-Z]\)\s|[-*o•]\s|-{2,}|={2,}
        |E\.\s?O\.|EO\s|TAGS\b|SUBJ|REF\b|REFS?:|CLASSIFIED\s+BY|Classified\s+[Bb]y|DECL
        |SIPDIS|NOFORN|SENSITIVE|UNCLAS|C\sO\sN|S\sE\sC|CORRECTED|C\sO\sR)""",
    re.VERBOSE,
)
_SHORT = 40
_SIGNATURE = re.compile(r"^[A-Z][A-Z'-]+(?:[ /][A-Z][A-Z'-]+)?$")
_UNDERLINE = re.compile(r"^[-=_ ]{3,}$")


def _split_header(plain: str) -> tuple[list[str], list[str]]:
    """Split plain text into the first block (routing header or note) and the body lines."""
    lines = plain.replace("\r\n", "\n").rstrip("\n").split("\n")
    try:
        blank = lines.index("")
    except ValueError:
        blank = len(lines)
    first = lines[:blank]
    looks_like_header = bool(first) and (
        first[0].startswith(("VZCZC", "This record", "PAGE "))
        or any(line.startswith(("FM ", "DE ")) for line in first)
    )
    if not looks_like_header:
        return [], lines
    body = lines[blank:]
    while body and body[0] == "":
        body.pop(0)
    return first, body


def to_markdown(plain: str) -> str:
    """Render plain telegram text as the archive's Markdown export.

    Two leading blank lines; the header block kept line by line; in the body, leading
    spaces dropped, wrapped lines joined so that each paragraph is one line, one blank line
    between paragraphs, paragraph markers as ``[¶1.](#)``, TAGS words as ``[PGOV](#)``; no
    final newline.

    Args:
        plain: the plain-text rendering (as in ../shared/corpus/plain).

    Returns:
        The Markdown rendering.
    """
    header, body = _split_header(plain)
    last = max((i for i, x in enumerate(body) if x.strip()), default=-1)
    out: list[str] = []
    prev: str | None = None  # the previous body line within the current block
    for i, raw in enumerate(body):
        line = raw.strip()
        if i == last and _SIGNATURE.match(line):
            prev = None
        if not line:
            if out and out[-1] != "":
                out.append("")
            prev = None
            continue
        join = (
            prev is not None
            and not _MD_NEW_LINE.match(line)
            and not _UNDERLINE.match(prev)
            and not _PAGE_BREAK.match(prev)
            and not _PAGE_BREAK.match(line)
            and not (len(prev) < _SHORT and prev[-1] in ".:?!)")
        )
        if join:
            out[-1] = f"{out[-1]} {line}"
        else:
            out.append(line)
        prev = line
    while out and out[-1] == "":
        out.pop()
    md_body = []
    for line in out:
        m = _TAGS_LINE.match(line)
        if m and "," not in line:
            line = "TAGS: " + " ".join(f"[{w}](#)" for w in m.group(1).split())
        md_body.append(_PARA_MARK.sub(r"[¶\1.](#)", line))
    parts = ["", ""]
    if header:
        parts += [*header, ""]
    return "\n".join(parts + md_body)


_HTML_CLASS = {
    "UNCLASSIFIED": (5, "unclassified"),
    "UNCLASSIFIED//FOR OFFICIAL USE ONLY": (6, "unclassified//fouo"),
    "LIMITED OFFICIAL USE": (7, "limited official use"),
    "CONFIDENTIAL": (1, "confidential"),
    "CONFIDENTIAL//NOFORN": (2, "confidential//noforn"),
    "SECRET": (3, "secret"),
    "SECRET//NOFORN": (4, "secret//noforn"),
}

_HTML_PAGE = """<?xml version='1.0' encoding='utf-8' ?>
<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" \
"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html lang='en' xml:lang='en' xmlns='http://www.w3.org/1999/xhtml'>
<head>
<title>Cable Viewer</title>
<link href='/static/css/cables.css' rel='stylesheet' type='text/css' />
</head>
<body>
<div class='main'>
<div class='pane big'>
<h3>Viewing cable {id}, {title}</h3>
<table class='cable'>
<tr>
<th>Reference ID</th>
<th>Created</th>
<th>Released</th>
<th>Classification</th>
<th>Origin</th>
</tr>
<tr>
<td>
<a href='/cable/{yyyy}/{mm}/{id}.html'>{id}</a>
</td>
<td>
<a href='/date/{yyyy}-{mm}_0.html'>{created}</a>
</td>
<td>
<a href='/reldate/{rel_day}_0.html'>{released}</a>
</td>
<td>
<a href='/classification/{class_no}_0.html' title='{class_title}'>{classification}</a>
</td>
<td>
<a href='/origin/{origin_no}_0.html'>{origin}</a>
</td>
</tr>
</table>
<code><pre>{header}</pre></code>
<code><pre>{body}</pre></code>
</div>
</div>
</body>
</html>
"""

_DTG_RE = re.compile(r"^[ZOPR](?: [ZOPR])? (\d{2})(\d{2})(\d{2})Z ([A-Z]{3}) (\d{2})\b", re.M)
_FM_RE = re.compile(r"^FM (.+)$", re.M)


def _guess_classification(body: list[str]) -> str:
    text = "\n".join(body[:12])
    if "S E C R E T" in text or re.search(r"^SECRET\b", text, re.M):
        cls = "SECRET"
    elif "C O N F I D E N T I A L" in text or re.search(r"^CONFIDENTIAL\b", text, re.M):
        cls = "CONFIDENTIAL"
    elif re.search(r"^LIMITED OFFICIAL USE\b", text, re.M):
        cls = "LIMITED OFFICIAL USE"
    elif re.search(r"^SENSITIVE\b", text, re.M):
        cls = "UNCLASSIFIED//FOR OFFICIAL USE ONLY"
    else:
        cls = "UNCLASSIFIED"
    if cls in ("SECRET", "CONFIDENTIAL") and re.search(r"^NOFORN\b", text, re.M):
        cls += "//NOFORN"
    return cls


def to_html(
    plain: str,
    cable_id: str,
    *,
    classification: str | None = None,
    origin: str | None = None,
    created: str | None = None,
    released: str | None = None,
) -> str:
    """Render plain telegram text as the archive's cable-viewer page.

    A minimal but faithful page: the metadata table (Reference ID, Created, Released,
    Classification, Origin), then the header and the body each in ``<code><pre>``, newlines
    written as ``&#x000A;`` (body lines keep the page's trailing space), paragraph markers as
    ``<a id='par1' href='#par1'>¶</a>1.`` and TAGS words linked. Like the archive, text is
    not entity-escaped.

    Args:
        plain: the plain-text rendering.
        cable_id: the Reference ID for the table.
        classification: the table's classification (e.g. ``SECRET//NOFORN``); read from the
            banner when None.
        origin: the table's origin label (e.g. ``Embassy Valmora``); from the FM line when None.
        created: ``YYYY-MM-DD HH:MM``; from the DTG when None.
        released: ``YYYY-MM-DD HH:MM``; a fixed release date when None.

    Returns:
        The HTML page.
    """
    header, body = _split_header(plain)
    text = plain.replace("\r\n", "\n")
    if created is None:
        m = _DTG_RE.search(text)
        if m:
            day, hh, mi, mon, yy = m.groups()
            month = _MONTHS.index(mon) + 1 if mon in _MONTHS else 1
            century = 2000 if int(yy) <= 30 else 1900
            created = f"{century + int(yy)}-{month:02d}-{day} {hh}:{mi}"
        else:
            created = "2025-01-01 00:00"
    if released is None:
        released = "2026-11-20 09:00"
    if origin is None:
        m = _FM_RE.search(text)
        origin = m.group(1).strip().title().replace("Amembassy", "Embassy") if m else "Unknown"
        origin = origin.replace("Amconsul", "Consulate").replace("Usmission", "Mission")
    cls = classification or _guess_classification(body)
    class_no, class_title = _HTML_CLASS.get(cls, (8, cls.lower()))
    subject = ""
    for line in body:
        if line.startswith(("SUBJECT:", "SUBJ:")):
            subject = line.split(":", 1)[1].strip()
            break
    body_html: list[str] = []
    for line in body:
        m = _TAGS_LINE.match(line)
        if m and "," not in line:
            words = " ".join(f"<a href='/tag/{w}_0.html'>{w}</a>" for w in m.group(1).split())
            body_html.append(f"TAGS: {words}")
            continue
        line = _PARA_MARK.sub(
            lambda mm: f"<a id='par{mm[1]}' href='#par{mm[1]}'>¶</a>{mm[1]}.", line
        )
        body_html.append(line + " " if line else line)
    if body_html:
        body_html[-1] = body_html[-1].rstrip(" ")
    return _HTML_PAGE.format(
        id=cable_id,
        title=subject,
        yyyy=created[:4],
        mm=created[5:7],
        created=created,
        released=released,
        rel_day=released[:10],
        class_no=class_no,
        class_title=class_title,
        classification=cls,
        origin_no=sum(map(ord, origin)) % 300,
        origin=origin,
        header="&#x000A;".join(header),
        body="&#x000A;".join(body_html),
    )


# --------------------------------------------------------------------------- bulk and hypothesis


def write_inbox(
    folder: Path,
    n: int,
    *,
    seed: int = 0,
    renderings: tuple[str, ...] = ("txt",),
    sections: int = 1,
) -> list[Path]:
    """Write n generated cables into ``folder`` (created if needed), fast.

    Cable i is ``make_cable(seed + i, sections=sections, action=None)`` (about one cable in
    four carries an action request); with several renderings, cable i is written in
    ``renderings[i % len(renderings)]`` (``txt``, ``md`` or ``html``), so each cable appears
    once. With ``sections > 1`` every cable is written as one file per section
    (``<ID>-<k>.<ext>``).

    Args:
        folder: the inbox folder.
        n: how many cables.
        seed: the first seed.
        renderings: file kinds to rotate through.
        sections: sections per cable, each delivered as its own file when > 1.

    Returns:
        The paths written, in order.
    """
    for kind in renderings:
        if kind not in ("txt", "md", "html"):
            raise ValueError(f"unknown rendering {kind!r}")
    folder.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for i in range(n):
        cable = make_cable(seed + i, sections=sections, action=None)
        kind = renderings[i % len(renderings)]
        texts = cable.section_texts if sections > 1 else [cable.plain]
        for k, text in enumerate(texts, start=1):
            name = cable.id if sections == 1 else f"{cable.id}-{k}"
            path = folder / f"{name}.{kind}"
            if kind == "md":
                data = to_markdown(text)
            elif kind == "html":
                data = to_html(
                    text, cable.id, classification=_table_class(cable), origin=cable.origin_label
                )
            else:
                data = text
            path.write_bytes(data.encode("utf-8"))
            paths.append(path)
    return paths


def _table_class(cable: GeneratedCable) -> str:
    if cable.caveats:
        return f"{cable.classification}//{'//'.join(cable.caveats)}"
    return cable.classification


def render(cable: GeneratedCable, kind: str, text: str | None = None) -> str:
    """One rendering (``txt``, ``md`` or ``html``) of ``text`` (default: the whole cable)."""
    text = cable.plain if text is None else text
    if kind == "md":
        return to_markdown(text)
    if kind == "html":
        return to_html(
            text, cable.id, classification=_table_class(cable), origin=cable.origin_label
        )
    if kind == "txt":
        return text
    raise ValueError(f"unknown rendering {kind!r}")


def cables(**fixed: Any) -> Any:
    """A hypothesis strategy of ``GeneratedCable``; keyword arguments fix make_cable options.

    Hypothesis is imported here, so this module imports without it.
    """
    from hypothesis import strategies as st

    options: dict[str, Any] = {
        "precedence": st.sampled_from((None, *PRECEDENCES)),
        "classification": st.sampled_from(
            (*CLASSIFICATIONS, "SECRET//NOFORN", "CONFIDENTIAL//NOFORN")
        ),
        "sections": st.integers(1, 4),
        "action": st.booleans(),
        "corrected": st.booleans(),
        "pilcrow": st.booleans(),
        "variants": st.booleans(),
    }
    options.update({k: st.just(v) for k, v in fixed.items()})
    return st.builds(make_cable, st.integers(0, 11_999_999), **options)
