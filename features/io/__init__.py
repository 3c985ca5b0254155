"""Reading and writing tables: raw files decoded (`read`), typed and validated (`prepare`, `schema`, `codes`, `uscc`), a dataset's
tables found and loaded (`dataset`), side tables and their cells (`side_tables`), and exports (`export`, `sheets`, and `plots` for pictures of data)."""
