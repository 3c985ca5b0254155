"""The canonical tables of the data contract (SPEC.md): names, required and optional columns, and each column's kind.

Kinds say how a raw text value is read in the prepare step (`features.io.prepare`):
`id` non-empty text (an 18-character unified social credit code is checked); `text` free text; `amount` a positive money
amount (`1,234,567.00`, `¥1234`, `12.5万`); `number` any number; `share` a number (percent or fraction); `date` / `datetime`;
`flag` 0/1 (yes/no, true/false, 是/否); `status` a bid status (valid / disqualified / withdrawn); `list` `;`-separated ids.

Numbers have plausible bounds (`LIMITS`, `limits`): a value outside them is a typing or export error, not data (a price
of 1e160 yuan would overflow every sum and square the screens take). The prepare step rejects a required value outside
them with the bound as its reason, and reads an optional one as missing. A table's `key` names the columns that identify
one row (a tender, a firm, an inspector): a second row with the same key and other values is rejected and reported.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Table:
    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    kinds: dict = field(default_factory=dict)
    # (column, referenced table, referenced column): rows whose value is not in the referenced table are rejected when it is present
    references: tuple[tuple[str, str, str], ...] = ()
    # columns that must hold a valid credit code when they have its 18-character form
    codes: tuple[str, ...] = ()
    # columns identifying one row: a later row with the same key and different values is rejected (a conflicting copy)
    key: tuple[str, ...] = ()

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional

    def kind(self, column: str) -> str:
        return self.kinds.get(column, "text")


METADATA_COLUMNS = ("ip", "mac", "device_id", "file_creator", "file_hash", "ca_serial", "deposit_account",
                    "project_manager_id", "agent_id")

TABLES: dict[str, Table] = {t.name: t for t in [
    Table("tenders", ("tender_id",),
          ("buyer_id", "region", "category", "procedure", "published_at", "deadline_at", "awarded_at", "reserve_price",
           "currency", "collusive", "n_bidders"),
          {"tender_id": "id", "published_at": "datetime", "deadline_at": "datetime", "awarded_at": "datetime",
           "reserve_price": "amount", "collusive": "flag", "n_bidders": "number"}, key=("tender_id",)),
    Table("bids", ("tender_id", "bidder_id", "price"),
          ("submitted_at", "is_winner", "status", *METADATA_COLUMNS, "collusive", "cartel_member", "anonymous"),
          {"tender_id": "id", "bidder_id": "id", "price": "amount", "submitted_at": "datetime", "is_winner": "flag",
           "status": "status", "collusive": "flag", "cartel_member": "flag", "anonymous": "flag"},
          references=(("tender_id", "tenders", "tender_id"),), codes=("bidder_id",)),
    Table("bid_items", ("tender_id", "bidder_id", "item_code", "unit_price"), ("quantity",),
          {"tender_id": "id", "bidder_id": "id", "item_code": "id", "unit_price": "amount", "quantity": "number"},
          references=(("tender_id", "tenders", "tender_id"),), codes=("bidder_id",)),
    Table("enterprises", ("enterprise_id",),
          ("name", "legal_rep_id", "established_on", "registered_capital", "industry", "region", "address", "phone", "status"),
          {"enterprise_id": "id", "established_on": "date", "registered_capital": "amount"},
          codes=("enterprise_id",), key=("enterprise_id",)),
    Table("shareholders", ("enterprise_id", "holder_id"), ("holder_type", "share"),
          {"enterprise_id": "id", "holder_id": "id", "share": "share"},
          references=(("enterprise_id", "enterprises", "enterprise_id"),), codes=("enterprise_id",)),
    Table("credit_events", ("enterprise_id", "occurred_on", "event_type"), ("severity", "amount", "source"),
          {"enterprise_id": "id", "occurred_on": "date", "event_type": "id", "severity": "number", "amount": "number"},
          references=(("enterprise_id", "enterprises", "enterprise_id"),), codes=("enterprise_id",)),
    Table("inspections", ("enterprise_id", "inspected_on", "department"),
          ("inspection_id", "inspector_ids", "result", "penalty"),
          {"enterprise_id": "id", "inspected_on": "date", "department": "id", "inspector_ids": "list", "penalty": "number"},
          references=(("enterprise_id", "enterprises", "enterprise_id"),), codes=("enterprise_id",)),
    Table("inspectors", ("inspector_id", "department"), ("name", "region", "capacity", "conflicts"),
          {"inspector_id": "id", "department": "id", "capacity": "number", "conflicts": "list"}, key=("inspector_id",)),
    Table("roster", ("enterprise_id", "department"), (),
          {"enterprise_id": "id", "department": "id"},
          references=(("enterprise_id", "enterprises", "enterprise_id"),), codes=("enterprise_id",)),
    Table("credit_labels", ("enterprise_id", "as_of", "label"), (),
          {"enterprise_id": "id", "as_of": "date", "label": "flag"},
          references=(("enterprise_id", "enterprises", "enterprise_id"),), codes=("enterprise_id",)),
]}

# Plausible bounds of numbers, by column (else by kind): (lowest, highest, why). Amounts are yuan: no tender, bid, item or
# registered capital reaches ten trillion (1e13; China's whole public procurement is about 3.5e12 a year).
LIMITS = {
    "amount": (0.0, 1e13, "above 1e13 yuan (ten trillion), more than a year of China's public procurement"),
    "number": (-1e13, 1e13, "beyond +-1e13, outside any count, quantity, severity or money amount of the data contract"),
    "share": (0.0, 100.0, "a share is between 0 and 1 (or a percent up to 100)"),
    "n_bidders": (0.0, 1e5, "more than 100,000 bidders in one tender"),
    "capacity": (0.0, 1e6, "more than a million visits per inspector"),
}


def limits(kind: str, column: str) -> tuple[float, float, str]:
    """(lowest, highest, reason) of a numeric column: its own bound when it has one, else its kind's."""
    return LIMITS.get(column) or LIMITS[kind]


# Load order: referenced tables first, so references can be checked against accepted rows.
ORDER = ("tenders", "enterprises", "bids", "bid_items", "shareholders", "credit_events", "inspections", "inspectors",
         "roster", "credit_labels")

BID_STATUSES = {
    "valid": "valid", "有效": "valid", "ok": "valid", "accepted": "valid", "": "valid",
    "disqualified": "disqualified", "invalid": "disqualified", "rejected": "disqualified", "废标": "disqualified",
    "无效": "disqualified", "否决": "disqualified", "disqualify": "disqualified",
    "withdrawn": "withdrawn", "撤回": "withdrawn", "撤标": "withdrawn", "withdraw": "withdrawn",
}
