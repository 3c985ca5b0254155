"""How many planted cartel tenders and how many honest tenders of a simulated city carry each red flag.

    riskmodels data simulate --out /tmp/city --scale tiny --seed 1
    python benchmarks/flags_on_city.py /tmp/city

Reads DIR (canonical tables) and DIR/truth/tenders.csv (collusive 0/1), runs `collusion flags` with the default settings,
prints one line per flag and for the groups 'legal' (A34, A40.x, A39), 'documentary' (without A39) and without A40.2 too."""
from __future__ import annotations

import sys
import time

import pandas as pd

from features.io.dataset import load_dataset
from features.evidence.flags import collusion_flags, flagged_tenders
from features.core.settings import Settings


def main(directory: str) -> None:
    t0 = time.perf_counter()
    settings = Settings()
    ds = load_dataset(directory, settings, tables=["tenders", "bids", "bid_items", "enterprises", "shareholders"])
    evidence, _ = collusion_flags(ds.tables, settings.flags)
    seconds = time.perf_counter() - t0
    truth = pd.read_csv(f"{directory}/truth/tenders.csv", dtype=str)
    cartel = set(truth.loc[truth["collusive"] == "1", "tender_id"])
    honest = set(truth.loc[truth["collusive"] == "0", "tender_id"])
    legal = [c for c in settings.flags.enabled if c.startswith("A")]
    strong = [c for c in legal if c not in ("A39", "A40.2")]
    groups = [[c] for c in settings.flags.enabled] + [legal, [c for c in legal if c != "A39"], strong]
    print(f"{directory}: {len(cartel)} cartel tenders, {len(honest)} honest tenders; {len(evidence)} findings in {seconds:.1f}s")
    print(f"{'flags':<44} {'cartel':>14} {'honest':>14}")
    for codes in groups:
        f = flagged_tenders(evidence, codes)
        name = (",".join(codes) if len(codes) < 4 else "legal (all)" if "A39" in codes
                else "legal, documentary (no A39)" if "A40.2" in codes else "legal, documentary without A40.2 agent")
        print(f"{name:<44} {len(f & cartel):>5} ({len(f & cartel) / max(len(cartel), 1):>5.1%}) "
              f"{len(f & honest):>5} ({len(f & honest) / max(len(honest), 1):>5.1%})")


if __name__ == "__main__":
    main(sys.argv[1])
