"""The three intake templates, defined once: the implementation plan, the yearly submission
and the corrective action plan.

Everything else derives from here: the CSV and XLSX templates shipped in ``templates/``
(``python -m ingest.intake.templates`` regenerates them; a test checks the committed copies),
the header mapping (Latvian or English headers accepted), and the validation of each cell.

Counts may be a whole number, *not provided* (empty, "nav norādīts", "not provided") or *not
applicable* ("n/a", "nav attiecināms", "not applicable") — three different states, never 0.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Cell states of a count.
VALUE = "value"
NOT_PROVIDED = "not_provided"
NOT_APPLICABLE = "not_applicable"
NOT_PROVIDED_TOKENS = frozenset({"", "nav noradits", "not provided", "nav zinams", "-"})
NOT_APPLICABLE_TOKENS = frozenset({"n/a", "na", "nav attiecinams", "not applicable", "x"})


@dataclass(frozen=True)
class Column:
    key: str
    header_en: str
    header_lv: str
    kind: str  # code | text | year | count | email | date | bool | service_key | choice | ids
    required: bool
    help_en: str
    help_lv: str
    choices: tuple[tuple[str, str, str], ...] = ()  # (value, English, Latvian) of a choice


@dataclass(frozen=True)
class Template:
    name: str
    title_en: str
    title_lv: str
    columns: tuple[Column, ...]
    row_key: tuple[str, ...]  # a value may appear once per file

    @property
    def keys(self) -> list[str]:
        return [c.key for c in self.columns]

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


PLAN = Template(
    name="plan",
    title_en="E-service implementation plan: forecasts per e-service",
    title_lv="E-pakalpojumu ieviešanas plāns: prognozes katram e-pakalpojumam",
    row_key=("service_key",),
    columns=(
        Column("institution_code", "Institution code", "Iestādes kods", "code", True,
               "Short code of the institution, e.g. VDI.", "Iestādes īsais kods, piem., VDI."),
        Column("institution_name", "Institution name", "Iestādes nosaukums", "text", True,
               "Official name.", "Oficiālais nosaukums."),
        Column("project_id", "Project id", "Projekta identifikators", "code", True,
               "Identifier of the funded project.", "Finansētā projekta identifikators."),
        Column("project_end_year", "Project end year", "Projekta beigu gads", "year", True,
               "Last year of the project.", "Projekta pēdējais gads."),
        Column("base_year", "Base year", "Bāzes gads", "year", True,
               "First year of the five-year monitoring window (project end year + 1).",
               "Piecu gadu uzraudzības perioda pirmais gads (projekta beigu gads + 1)."),
        Column("forecast_year", "Forecast year", "Prognozes gads", "year", True,
               "Year in which the forecasts were made.", "Gads, kurā prognozes sagatavotas."),
        Column("service_key", "Service key", "Pakalpojuma atslēga", "service_key", True,
               "<institution>-<nn>, e.g. VDI-07; stays the same when names change.",
               "<iestāde>-<nn>, piem., VDI-07; nemainās, ja mainās nosaukums."),
        Column("portal_service_code", "Portal service code", "Portāla pakalpojuma kods", "code",
               False, "latvija.lv code such as EP72, if known.",
               "latvija.lv kods, piem., EP72, ja zināms."),
        Column("service_name", "Service name", "Pakalpojuma nosaukums", "text", True,
               "Name of the e-service.", "E-pakalpojuma nosaukums."),
        Column("forecast_total_users", "Forecast total users per year",
               "Prognozētais kopējais lietotāju skaits gadā", "count", True,
               "Users of the service per year, all channels.",
               "Pakalpojuma lietotāji gadā visos kanālos."),
        Column("forecast_e_users", "Forecast e-service users per year",
               "Prognozētais e-pakalpojuma lietotāju skaits gadā", "count", True,
               "Users of the e-service per year.", "E-pakalpojuma lietotāji gadā."),
        # Kept for up-front intentions (what the project promised); dated, measurable
        # corrective activities go in the action plan (ACTION_PLAN), which has an id per
        # activity that yearly submissions can name.
        Column("planned_activities", "Planned promotion activities",
               "Plānotās popularizēšanas aktivitātes", "text", False,
               "What the project promised to do to promote the e-service (free text, undated); "
               "dated corrective activities go in the action plan.",
               "Ko projekts apņēmās darīt e-pakalpojuma popularizēšanai (brīvs teksts, bez "
               "datuma); datētas korektīvās aktivitātes — rīcības plānā."),
    ),
)  # fmt: skip

CHANNEL_COUNTS = (
    "electronic_requests", "assisted_vpvkac", "in_person", "paper_post", "phone", "other_channels",
)  # fmt: skip

SUBMISSION = Template(
    name="submission",
    title_en="Yearly indicator submission: actual use per e-service",
    title_lv="Gada rādītāju iesniegums: faktiskā lietošana katram e-pakalpojumam",
    row_key=("service_key",),
    columns=(
        Column("institution_code", "Institution code", "Iestādes kods", "code", True,
               "Short code of the institution, e.g. VDI.", "Iestādes īsais kods, piem., VDI."),
        Column("reporting_year", "Reporting year", "Pārskata gads", "year", True,
               "Calendar year the figures describe.", "Kalendārais gads, par kuru ir dati."),
        Column("submitter_name", "Submitter name", "Iesniedzēja vārds, uzvārds", "text", True,
               "Who prepared the figures.", "Kas sagatavoja datus."),
        Column("submitter_email", "Submitter e-mail", "Iesniedzēja e-pasts", "email", False,
               "For questions about the figures (missing: accepted with a warning).",
               "Jautājumiem par datiem (ja nav: pieņem ar brīdinājumu)."),
        Column("service_key", "Service key", "Pakalpojuma atslēga", "service_key", True,
               "As in the implementation plan, e.g. VDI-07.",
               "Kā ieviešanas plānā, piem., VDI-07."),
        Column("total_users", "Total users", "Kopējais lietotāju skaits", "count", True,
               "All requests / documents in the year, all channels (paper + electronic).",
               "Visi pieprasījumi / dokumenti gadā visos kanālos (papīra + elektroniski)."),
        Column("electronic_requests", "Electronic requests", "Elektroniskie pieprasījumi", "count",
               True, "Electronic requests as the institution counts them (portal, website, API).",
               "Elektroniskie pieprasījumi pēc iestādes uzskaites (portāls, tīmekļvietne, API)."),
        Column("assisted_vpvkac", "Assisted (VPVKAC)", "Ar palīdzību (VPVKAC)", "count", False,
               "Through state and municipal customer service centres.",
               "Valsts un pašvaldību vienotajos klientu apkalpošanas centros."),
        Column("in_person", "In person", "Klātienē", "count", False,
               "At the institution's office.", "Iestādes klientu apkalpošanā klātienē."),
        Column("paper_post", "Paper / post", "Papīrā / pa pastu", "count", False,
               "Paper documents and post.", "Papīra dokumenti un pasts."),
        Column("phone", "Phone", "Pa tālruni", "count", False, "By phone.", "Pa tālruni."),
        Column("other_channels", "Other channels", "Citi kanāli", "count", False,
               "Anything else.", "Citi kanāli."),
        Column("activities_done", "Promotion activities carried out",
               "Veiktās popularizēšanas aktivitātes", "text", False,
               "What was done this year to promote the e-service.",
               "Kas šogad darīts e-pakalpojuma popularizēšanai."),
        Column("activity_ids", "Action plan activity ids", "Rīcības plāna aktivitāšu ID",
               "ids", False,
               "Ids of the action plan's activities carried out (done) this year, separated "
               "by ';', e.g. VDI-RP2017-01.",
               "Šogad paveikto rīcības plāna aktivitāšu identifikatori, atdalīti ar ';', "
               "piem., VDI-RP2017-01."),
        Column("received_date", "Received date", "Saņemšanas datums", "date", False,
               "Only for historic submissions: when the authority received them (YYYY-MM-DD).",
               "Tikai vēsturiskiem iesniegumiem: kad iestāde tos saņēma (GGGG-MM-DD)."),
        Column("received_date_is_approximate", "Received date is approximate",
               "Saņemšanas datums ir aptuvens", "bool", False,
               "yes when the received date is an estimate.", "jā, ja datums ir aptuvens."),
        Column("notes", "Notes", "Piezīmes", "text", False, "Anything the reader should know.",
               "Cita svarīga informācija."),
    ),
)  # fmt: skip

# The categories of the recommended measures (value, English, Latvian).
ACTIVITY_TYPES = (
    ("communication", "public communication", "sabiedrības informēšana"),
    ("training", "staff training", "darbinieku apmācība"),
    ("regulation", "regulation making e-use mandatory, cheaper or faster",
     "regulējums, kas e-lietošanu padara obligātu, lētāku vai ātrāku"),
    ("cooperation", "cooperation with other institutions", "sadarbība ar citām iestādēm"),
    ("manuals", "manuals", "lietošanas pamācības"),
    ("data_exchange", "inter-institution electronic data exchange",
     "starpiestāžu elektroniskā datu apmaiņa"),
    ("other", "other", "cits"),
)  # fmt: skip

ACTION_PLAN = Template(
    name="action_plan",
    title_en="Corrective action plan: activities per e-service",
    title_lv="Rīcības plāns: korektīvās aktivitātes katram e-pakalpojumam",
    row_key=("activity_id",),
    columns=(
        Column("institution_code", "Institution code", "Iestādes kods", "code", True,
               "Short code of the institution, e.g. VDI.", "Iestādes īsais kods, piem., VDI."),
        Column("service_key", "Service key", "Pakalpojuma atslēga", "service_key", True,
               "As in the implementation plan, e.g. VDI-07.",
               "Kā ieviešanas plānā, piem., VDI-07."),
        Column("activity_id", "Activity id", "Aktivitātes ID", "code", True,
               "<institution>-<your id>, e.g. VDI-RP2017-01; keep it when the plan is sent "
               "again, and name it in the yearly submission when the activity is done.",
               "<iestāde>-<jūsu ID>, piem., VDI-RP2017-01; saglabājiet to, sūtot plānu atkārtoti, "
               "un norādiet gada iesniegumā, kad aktivitāte paveikta."),
        Column("activity", "Activity", "Aktivitāte", "text", True,
               "What will be done.", "Kas tiks darīts."),
        Column("activity_type", "Activity type", "Aktivitātes veids", "choice", True,
               "One of: " + "; ".join(en for _, en, _ in ACTIVITY_TYPES) + ".",
               "Viens no: " + "; ".join(lv for _, _, lv in ACTIVITY_TYPES) + ".",
               choices=ACTIVITY_TYPES),
        Column("start_date", "Start date", "Sākuma datums", "date", True,
               "When the activity starts (YYYY-MM-DD).", "Kad aktivitāte sākas (GGGG-MM-DD)."),
        Column("start_date_is_approximate", "Start date is approximate",
               "Sākuma datums ir aptuvens", "bool", False,
               "yes when the start date is an estimate.", "jā, ja datums ir aptuvens."),
        Column("end_date", "End date", "Beigu datums", "date", False,
               "When it should be done (YYYY-MM-DD); empty when ongoing.",
               "Kad tai jābūt paveiktai (GGGG-MM-DD); tukšs, ja pastāvīga."),
        Column("responsible_unit", "Responsible unit", "Atbildīgā struktūrvienība", "text",
               False, "Who carries it out.", "Kas to īsteno."),
        Column("notes", "Notes", "Piezīmes", "text", False, "Anything the reader should know.",
               "Cita svarīga informācija."),
    ),
)  # fmt: skip

TEMPLATES = {t.name: t for t in (PLAN, SUBMISSION, ACTION_PLAN)}


def normalise_header(name: str) -> str:
    plain = unicodedata.normalize("NFKD", name.replace("\ufeff", ""))
    plain = "".join(c for c in plain if not unicodedata.combining(c)).strip().lower()
    return re.sub(r"[^a-z0-9]+", "_", plain).strip("_")


def header_lookup(template: Template) -> dict[str, str]:
    """Normalised header (English, Latvian or the key itself) → column key."""
    lookup: dict[str, str] = {}
    for col in template.columns:
        for spelling in (col.key, col.header_en, col.header_lv):
            lookup[normalise_header(spelling)] = col.key
    return lookup


def detect_template(headers: list[str]) -> Template | None:
    """The template whose required columns the headers name, or None."""
    for template in (SUBMISSION, PLAN, ACTION_PLAN):
        lookup = header_lookup(template)
        named = {lookup.get(normalise_header(h)) for h in headers}
        if all(c.key in named for c in template.columns if c.required):
            return template
    return None


def count_state(text: str | None) -> str:
    """VALUE, NOT_PROVIDED or NOT_APPLICABLE for a count cell's text."""
    token = normalise_header(text or "").replace("_", " ")
    raw = (text or "").strip().lower()
    if raw in NOT_APPLICABLE_TOKENS or token in NOT_APPLICABLE_TOKENS:
        return NOT_APPLICABLE
    if raw in NOT_PROVIDED_TOKENS or token in NOT_PROVIDED_TOKENS:
        return NOT_PROVIDED
    return VALUE


def choice_value(column: Column, text: str) -> str | None:
    """The choice's value for a cell written as the value, its English or its Latvian label
    (case, diacritics and punctuation ignored), or None."""
    wanted = normalise_header(text)
    for value, en, lv in column.choices:
        if wanted in (normalise_header(value), normalise_header(en), normalise_header(lv)):
            return value
    return None
