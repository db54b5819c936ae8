"""Short histories and small queues: the Israeli bank's February by service type.

    .venv/bin/python benchmarks/forecast_by_type.py

`../shared/data/anonymous_bank_1999/february_1999_arrivals_15min_by_type.csv`
holds four weeks of arrivals per 15 minutes for six call types, from 5 calls a
day (PE, English service) to 770 (PS, regular). With so little history the
backtest scores the last two weeks (each fold trains on the two or three
weeks before it), one-week horizon, at 15 and 60 minutes. It checks what the
main benchmark cannot: the choice and the intervals when there are too few
weeks for inner refits, and counts so small that most intervals hold 0-2
calls. Per type it prints the WAPE of auto beside its default (the ensemble),
the historic average (of the 2-3 weeks there are) and seasonal naive, and
auto's bias and 80/95% coverage. WAPE above 1 on the smallest types is the
nature of counts that are mostly 0 or 1 per interval, not a fault.
"""

from __future__ import annotations

import io
import sys
import time
import warnings
from pathlib import Path

import pandas as pd
from threadpoolctl import threadpool_limits

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from forecasting.backtest import backtest  # noqa: E402
from forecasting.calendar import DayCalendar  # noqa: E402
from forecasting.history import aggregate, queue_series, read_history_csv  # noqa: E402
from forecasting.models import AUTO_DEFAULT, AutoModel, auto_candidates  # noqa: E402

DATA = REPO.parent / "shared" / "data" / "anonymous_bank_1999" / "february_1999_arrivals_15min_by_type.csv"
ZONE = "UTC"  # local wall-clock times as written
WEEKS = 2


def main() -> None:
    warnings.simplefilter("ignore")
    pd.set_option("display.width", 200)
    raw = pd.read_csv(DATA).rename(columns={"type": "queue"})
    history = read_history_csv(io.StringIO(raw.to_csv(index=False)), ZONE)
    with threadpool_limits(1):
        for interval in (15, 60):
            frame, rows, started = aggregate(history, interval), [], time.monotonic()
            for queue in sorted(frame["queue"].unique()):
                y = queue_series(frame, queue)
                candidates = auto_candidates(DayCalendar())
                table = backtest(y, [*candidates, AutoModel(candidates, default=AUTO_DEFAULT)], WEEKS).table
                rows.append({
                    "type": queue, "calls_per_day": y.sum() / y.index.normalize().nunique(),
                    "auto_wape": table.loc["auto", "wape"], "ensemble_wape": table.loc["ensemble", "wape"],
                    "ha_wape": table.loc["historic_average", "wape"],
                    "snaive_wape": table.loc["seasonal_naive", "wape"],
                    "bias": table.loc["auto", "bias"], "cov80": table.loc["auto", "coverage80"],
                    "cov95": table.loc["auto", "coverage95"],
                })
            seconds = time.monotonic() - started
            print(f"\n== February 1999 by type, {interval} min, last {WEEKS} weeks ({seconds:.1f} s)")
            print(pd.DataFrame(rows).to_string(index=False, float_format=lambda v: f"{v:.3f}"))


if __name__ == "__main__":
    main()
