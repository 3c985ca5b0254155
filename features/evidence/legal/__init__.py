"""Legal red flags: the collusion rules of the Regulations for the Implementation of the Bidding Law of the PRC
(招标投标法实施条例), one module per flag over one small interface (`base.py`) and the explicit list `LEGAL` below (add a module, then one line there).

| code | article | what the data can show |
|---|---|---|
| A34 | Art. 34 | two bidders in one tender share a legal representative (单位负责人为同一人), or one controls the other or one holder controls both (控股关系) |
| A40.1 | Art. 40(1) | bid documents of two bidders made by the same unit or person: same file author, device, MAC address, upload IP or CA certificate |
| A40.2 | Art. 40(2) | the same agent handles the bidding of two bidders (委托同一单位或者个人办理投标事宜) |
| A40.3 | Art. 40(3) | the same project manager is named by two bidders (项目管理成员为同一人) |
| A40.4 | Art. 40(4) | abnormally identical documents (same file hash, identically priced bill items, the same arithmetic slip) or regularly patterned prices (all bids in a progression) |
| A40.6 | Art. 40(6) | bid deposits paid from the same account (投标保证金从同一单位或者个人的账户转出) |
| A39 | Art. 39 | the pattern evidence behind collusion as defined there: an agreed winner (bid rotation R057, recurrent winner R053, 39(2)) and agreed prices (fixed price gaps R023, 39(1)) |

Art. 40(5) (documents mixed up between bidders) cannot be seen in the tables and is not flagged.
Each finding is a row with `code`, `article`, `level`, `tender_id`, `bidders`, `value` and `evidence`, a sentence an
investigator can cite ("Article 40(1): the bids of A and B in tender T were made by the same file creator 'X'").
"""
from __future__ import annotations

from features.evidence.legal import a34, a39, a40_1, a40_2, a40_3, a40_4, a40_6

LEGAL = {m.CODE: m for m in (a34, a40_1, a40_2, a40_3, a40_4, a40_6, a39)}
