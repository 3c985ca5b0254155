"""A40.1 - Article 40(1): the bid documents of different bidders were made by the same unit or person.

Shown by the same file author, device, MAC address, upload IP or CA certificate on two bids of one tender. Values shared
by at least `generic_bidders` bidders of the dataset (an office network, a trading centre's terminals) and default authors
(`generic_values`, e.g. 'Administrator') are not evidence."""
from __future__ import annotations

from features.evidence.legal.base import LegalContext, generic_values, same_field_findings

CODE, ARTICLE = "A40.1", "Article 40(1)"
FIELDS = {"file_creator": "were made by the same file creator", "device_id": "were made on the same device",
          "mac": "were made on a machine with the same MAC address", "ip": "were uploaded from the same IP address",
          "ca_serial": "were signed with the same CA certificate"}


def compute(ctx: LegalContext) -> list[dict]:
    return same_field_findings(ctx, FIELDS, CODE, ARTICLE, "Article 40(1)", generic_values(ctx, FIELDS))
