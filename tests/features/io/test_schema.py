"""features.io.schema: the canonical tables of the data contract are consistent with each other and with SPEC.md's kinds."""
from __future__ import annotations

from features.io.schema import BID_STATUSES, METADATA_COLUMNS, ORDER, TABLES

KINDS = {"id", "text", "amount", "number", "share", "date", "datetime", "flag", "status", "list"}


def test_every_table_is_loaded_once_after_the_tables_it_references():
    assert sorted(ORDER) == sorted(TABLES)
    for name, t in TABLES.items():
        assert t.name == name and not set(t.required) & set(t.optional)
        assert set(t.kinds) <= set(t.columns) and set(t.kinds.values()) <= KINDS
        assert set(t.codes) <= set(t.columns)
        for col, ref_table, ref_col in t.references:
            assert col in t.columns and ref_col in TABLES[ref_table].columns
            assert ORDER.index(ref_table) < ORDER.index(name), f"{name} is loaded before {ref_table}"


def test_kinds_default_to_text_and_bids_carry_the_metadata_the_flags_read():
    bids = TABLES["bids"]
    assert bids.required == ("tender_id", "bidder_id", "price") and bids.kind("price") == "amount"
    assert bids.kind("ip") == "text" and set(METADATA_COLUMNS) <= set(bids.optional)
    assert TABLES["credit_events"].kind("occurred_on") == "date" and TABLES["inspections"].kind("inspector_ids") == "list"


def test_bid_statuses_map_onto_the_three_canonical_values():
    assert set(BID_STATUSES.values()) == {"valid", "disqualified", "withdrawn"}
    assert BID_STATUSES["废标"] == "disqualified" and BID_STATUSES["撤回"] == "withdrawn" and BID_STATUSES[""] == "valid"
