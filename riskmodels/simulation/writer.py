"""Chunked table writers: CSV (appended chunk by chunk), one Parquet file (one row group per chunk) or a folder of Parquet parts.

Every chunk of one table must have the same columns in the same order. Date columns arrive as `datetime64` and are written as
`YYYY-MM-DD` (dates) or `YYYY-MM-DD HH:MM:SS` (timestamps) in CSV, as timestamps in Parquet. Output is byte-for-byte
reproducible: no timestamps or host names are written.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

FORMATS = ("csv", "parquet")


def _csv_frame(df: pd.DataFrame, timestamps: tuple[str, ...]) -> pd.DataFrame:
    out = {}
    for col in df.columns:
        s = df[col]
        if pd.api.types.is_datetime64_any_dtype(s):
            unit = "s" if col in timestamps else "D"
            v = np.datetime_as_string(s.to_numpy().astype(f"datetime64[{unit}]"), unit=unit)
            v = np.char.replace(v, "T", " ") if unit == "s" else v
            out[col] = pd.Series(v, index=df.index).where(s.notna().to_numpy(), "")
        else:
            out[col] = s
    return pd.DataFrame(out, index=df.index)


def _arrow_schema(df: pd.DataFrame):
    import pyarrow as pa

    fields = []
    for col in df.columns:
        s = df[col]
        if pd.api.types.is_datetime64_any_dtype(s):
            t = pa.timestamp("s")
        elif pd.api.types.is_bool_dtype(s):
            t = pa.bool_()
        elif pd.api.types.is_integer_dtype(s):
            t = pa.int64()
        elif pd.api.types.is_float_dtype(s):
            t = pa.float64()
        else:
            t = pa.string()
        fields.append(pa.field(col, t))
    return pa.schema(fields)


class TableSink:
    """Append chunks of one table to `NAME.csv`, `NAME.parquet` or (partitioned) `NAME/part-NNNNN.parquet`."""

    def __init__(self, folder: Path, name: str, fmt: str, partitioned: bool = False, timestamps: tuple[str, ...] = ()):
        if fmt not in FORMATS:
            raise ValueError(f"format must be one of {FORMATS}; got {fmt!r}.")
        self.folder, self.name, self.fmt, self.partitioned, self.timestamps = Path(folder), name, fmt, partitioned, timestamps
        self.rows = 0
        self.parts = 0
        self._writer = None
        self._schema = None
        self._columns = None

    @property
    def path(self) -> Path:
        if self.fmt == "csv":
            return self.folder / f"{self.name}.csv"
        return self.folder / (self.name if self.partitioned else f"{self.name}.parquet")

    def write(self, df: pd.DataFrame) -> None:
        if self._columns is None:
            self._columns = list(df.columns)
        elif list(df.columns) != self._columns:
            raise ValueError(f"{self.name}: chunk columns {list(df.columns)} differ from {self._columns}.")
        if self.fmt == "csv":
            first = self.parts == 0
            _csv_frame(df, self.timestamps).to_csv(self.path, mode="w" if first else "a", header=first, index=False,
                                                   lineterminator="\n")
        else:
            import pyarrow as pa
            import pyarrow.parquet as pq

            frame = df.copy()
            for col in frame.columns:
                if pd.api.types.is_datetime64_any_dtype(frame[col]):
                    frame[col] = frame[col].astype("datetime64[s]")
            if self._schema is None:
                self._schema = _arrow_schema(frame)
            table = pa.Table.from_pandas(frame, schema=self._schema, preserve_index=False).replace_schema_metadata(None)
            if self.partitioned:
                self.path.mkdir(parents=True, exist_ok=True)
                pq.write_table(table, self.path / f"part-{self.parts:05d}.parquet", compression="zstd")
            else:
                if self._writer is None:
                    self._writer = pq.ParquetWriter(self.path, self._schema, compression="zstd")
                self._writer.write_table(table)
        self.rows += len(df)
        self.parts += 1

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
