"""Chunked table writers: CSV (appended chunk by chunk), one Parquet file (one row group per chunk) or a folder of Parquet parts.

Every chunk of one table must have the same columns in the same order. Date columns arrive as `datetime64` and are written as
dates (`YYYY-MM-DD`) or, when named in `timestamps`, as timestamps (`YYYY-MM-DD HH:MM:SS`). Both formats go through Arrow's
writers (several times faster than pandas' CSV writer); CSV values are never quoted, so text must not contain commas, quotes
or line breaks (the simulator's vocabularies have none). Output is byte-for-byte
reproducible: no timestamps or host names are written.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

FORMATS = ("csv", "parquet")


def _arrow_schema(df: pd.DataFrame, timestamps: tuple[str, ...]):
    import pyarrow as pa

    fields = []
    for col in df.columns:
        s = df[col]
        if pd.api.types.is_datetime64_any_dtype(s):
            t = pa.timestamp("s") if col in timestamps else pa.date32()
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


def _arrow_table(df: pd.DataFrame, schema):
    import pyarrow as pa

    arrays = []
    for f in schema:
        v = df[f.name]
        if pa.types.is_date32(f.type):
            arr = pa.array(v.to_numpy().astype("datetime64[D]"), type=f.type, mask=v.isna().to_numpy())
        elif pa.types.is_timestamp(f.type):
            arr = pa.array(v.to_numpy().astype("datetime64[s]"), type=f.type, mask=v.isna().to_numpy())
        elif pa.types.is_string(f.type):
            arr = pa.array(v.to_numpy(dtype=object), type=f.type, from_pandas=True)
        else:
            arr = pa.array(v.to_numpy(), type=f.type, from_pandas=True)
        arrays.append(arr)
    return pa.Table.from_arrays(arrays, schema=schema)


class TableSink:
    """Append chunks of one table to `NAME.csv`, `NAME.parquet` or (partitioned) `NAME/part-NNNNN.parquet`."""

    def __init__(self, folder: Path, name: str, fmt: str, partitioned: bool = False, timestamps: tuple[str, ...] = ()):
        if fmt not in FORMATS:
            raise ValueError(f"format must be one of {FORMATS}; got {fmt!r}.")
        self.folder, self.name, self.fmt, self.partitioned, self.timestamps = Path(folder), name, fmt, partitioned, timestamps
        self.rows = 0
        self.parts = 0
        self._writer = None
        self._file = None
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
        import pyarrow.csv as pcsv
        import pyarrow.parquet as pq

        if self._schema is None:
            self._schema = _arrow_schema(df, self.timestamps)
        table = _arrow_table(df, self._schema)
        if self.fmt == "csv":
            if self._writer is None:
                self._file = open(self.path, "wb")
                self._file.write((",".join(self._schema.names) + "\n").encode("utf-8"))  # header unquoted on any pyarrow
                options = pcsv.WriteOptions(include_header=False, quoting_style="none")
                self._writer = pcsv.CSVWriter(self._file, self._schema, write_options=options)
            self._writer.write_table(table)
        elif self.partitioned:
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
        if self._file is not None:
            self._file.close()
            self._file = None
