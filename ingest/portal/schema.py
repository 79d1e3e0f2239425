"""One schema for a portal statistics row, and every spelling of it we accept.

Exports come with Latvian or English headers and channel names; this module maps all of them
to one set of canonical names. The SQL that validates rows receives the channel aliases from
here, so there is a single list to extend.

Two kinds of export share it: *daily* (or monthly) counts, one row per service, period and
sub-channel (:data:`REQUIRED`), and *transaction-level* exports, one line per transaction
(:data:`TRANSACTION_REQUIRED`), which the loader counts into daily rows
(:mod:`ingest.portal.transactions`).
"""

from __future__ import annotations

import re
import unicodedata

REQUIRED = ("portal_service_code", "institution_code", "period", "channel", "request_count")
OPTIONAL = ("service_name", "period_grain", "is_synthetic")
CANONICAL = REQUIRED + OPTIONAL
# A transaction-level export: its day is the Europe/Riga day of the timestamp.
TRANSACTION_REQUIRED = ("timestamp", "portal_service_code", "institution_code", "channel")
TRANSACTION_OPTIONAL = ("is_synthetic",)

# Accepted header spellings, compared after normalise_header() (lower case, no diacritics,
# words joined by "_").
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "portal_service_code": (
        "portal_service_code", "service_code", "code", "service_id", "eservice_code",
        "kods", "pakalpojuma_kods", "e_pakalpojuma_kods", "pakalpojuma_identifikators",
    ),
    "institution_code": (
        "institution_code", "institution", "authority_code",
        "iestade", "iestades_kods", "iestades_kodols",
    ),
    "period": (
        "period", "period_start", "date", "month", "day",
        "periods", "perioda_sakums", "datums", "menesis", "diena",
    ),
    "channel": (
        "channel", "sub_channel", "subchannel", "electronic_channel",
        "kanals", "apakskanals", "apakskanāls", "e_kanals",
    ),
    "request_count": (
        "request_count", "requests", "count", "number_of_requests",
        "skaits", "pieprasijumi", "pieprasijumu_skaits",
    ),
    "service_name": (
        "service_name", "name", "eservice_name",
        "nosaukums", "pakalpojuma_nosaukums", "e_pakalpojuma_nosaukums", "pakalpojums",
    ),
    "period_grain": ("period_grain", "grain", "granularity", "granularitate", "perioda_veids"),
    "is_synthetic": ("is_synthetic", "synthetic", "sintetisks", "sintetiski_dati"),
    "timestamp": (
        "timestamp", "time", "datetime", "date_time", "transaction_time", "created_at",
        "laiks", "laika_zimogs", "datums_un_laiks", "datums_laiks", "transakcijas_laiks",
    ),
}  # fmt: skip

# Electronic sub-channels of the domain hierarchy (domain.md) and their spellings.
CHANNELS = ("portal", "institution_website", "api_e_address")
CHANNEL_ALIASES: dict[str, tuple[str, ...]] = {
    "portal": ("portal", "latvija.lv", "latvija_lv", "www.latvija.lv", "portals", "valsts portals"),
    "institution_website": (
        "institution_website", "website", "web", "institution website",
        "iestades timeklvietne", "iestades majaslapa", "timeklvietne", "majaslapa",
    ),
    "api_e_address": (
        "api_e_address", "api", "e-address", "e_address", "e-adrese", "e_adrese", "api / e-adrese",
        "api/e-adrese", "eadrese",
    ),
}  # fmt: skip


def strip_diacritics(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def normalise_header(name: str) -> str:
    """``'Pieprasījumu skaits'`` → ``'pieprasijumu_skaits'``; ``'\\ufeffKods'`` → ``'kods'``."""
    plain = strip_diacritics(name.replace("\ufeff", "")).strip().lower()
    return re.sub(r"[^a-z0-9]+", "_", plain).strip("_")


def normalise_channel(name: str) -> str:
    """Channel spelling as compared against :data:`CHANNEL_ALIASES` (lower case, no diacritics)."""
    return re.sub(r"\s+", " ", strip_diacritics(name).strip().lower())


_HEADER_LOOKUP = {
    normalise_header(alias): canonical
    for canonical, aliases in HEADER_ALIASES.items()
    for alias in aliases
}


def kind_of(columns: set[str]) -> str:
    """The kind of export a header describes: ``"transactions"`` (one line per transaction)
    for a timestamp with neither a period nor a count, else ``"daily"`` (a period column
    wins: the timestamp is then ignored)."""
    if "timestamp" in columns and not {"period", "request_count"} & columns:
        return "transactions"
    return "daily"


def canonical_header(name: str) -> str | None:
    """The canonical column a header names, or None for a column we do not know."""
    return _HEADER_LOOKUP.get(normalise_header(name))


def channel_alias_pairs() -> tuple[list[str], list[str]]:
    """(spellings, canonical channels) as two parallel lists, for the validating SQL."""
    spellings: list[str] = []
    channels: list[str] = []
    for canonical, aliases in CHANNEL_ALIASES.items():
        for alias in {normalise_channel(a) for a in (canonical, *aliases)}:
            spellings.append(alias)
            channels.append(canonical)
    return spellings, channels
