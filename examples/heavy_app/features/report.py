"""Tabular summaries (2% of requests)."""
import pandas as pd


def summary_frame(rows) -> "pd.DataFrame":
    frame = pd.DataFrame(rows)
    return frame.groupby("team", as_index=False)["amount"].sum().sort_values("team")
