"""A month's dossier records (raw/hoso/YYYY-MM.csv|.xlsx|.parquet): read, checked, counted.

    records, problems = read_records(path, "raw/hoso/2025-10.parquet", "2025-10", registry)
    records.digitization, records.payments, records.overdue, records.timeliness

The reader of the `dossiers` source (`cchc.sources`), registered in
`cchc.load.READERS` and called through the parsed-month cache
(`cchc.cache.read_cached`): a big month is read and counted once. The file is
read in batches (`cchc.dossier_files`), each batch parsed and checked
(`cchc.dossier_parse`) and counted (`cchc.dossier_counts`); only the counts
and the overdue dossiers are kept, so memory does not grow with the file.

Errors (the month is not read): a missing column, a header written twice, a
blank or repeated MaHoSo, a unit that is not in units.csv (with the closest
names), a date that cannot be read, a finish before the reception, a flag
that is not 0/1, a channel outside 1–3, an overdue dossier without its field.
Each kind of error is given once with its first rows and "… and N more".
Warnings: records that fall outside the month (received after it, or finished
before it), a file without a record.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cchc.dataset import ERROR, TIMELINESS_COLUMNS as _TIMELINESS, WARNING, Problem
from cchc.dossier_counts import COUNTS, combine, count_records, month_days
from cchc.dossier_files import READ, RecordsFileError, open_records, prefetched
from cchc.dossier_parse import Issues, UnitResolver, as_array, blank, parse_channel, parse_dates, parse_flag
from cchc.registry import Registry

#: The columns of `Records.timeliness` (per unit; rows for every registry unit).
TIMELINESS_COLUMNS = _TIMELINESS[1:]


@dataclass
class Records:
    """The figures one month's records bring, shaped as the workbook's (`cchc.workbook.MonthData`)."""

    digitization: pd.DataFrame  # code, received, received_digitized, resolved, resolved_digitized
    payments: pd.DataFrame  # code, payment_total, payment_online
    overdue: pd.DataFrame  # dossier, code, field, procedure, deadline, returned, excused, reason, basis, row
    timeliness: pd.DataFrame  # TIMELINESS_COLUMNS: the counts behind on_time_rate and online_share
    records: int  # rows counted
    sha256: str
    has_payments: bool = True  # the file has the columns CoPhi and DuocThanhToanTrucTuyen

    def figures(self) -> dict[str, bool]:
        """What records bring: digitisation, overdue dossiers and (with their two columns) payments;
        never reports; nothing without a record."""
        has = self.records > 0
        return {"digitization": has, "payments": has and self.has_payments, "overdue": has, "reports": False}


def file_sha256(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def read_records(path: Path, file: str, month: str, registry: Registry) -> tuple[Records | None, list[Problem]]:
    """Read, check and count one month's records file: (its figures or None when in error, problems)."""
    try:
        sha = file_sha256(path)
        form = open_records(path)
    except OSError as exc:
        return None, [Problem(ERROR, f"cannot read the file: {exc.strerror or exc}", file)]
    except RecordsFileError as exc:
        return None, [Problem(ERROR, str(exc), file)]
    issues = Issues(file, form.sheet)
    header = form.header
    for name, first, second in header.duplicates:
        issues.file_problem(ERROR, f"two columns are {name}: '{first}' and '{second}'; keep one", column=second)
    for name in header.missing:
        issues.file_problem(ERROR, f"missing column {name} (headers are matched without case or accents)", column=name)
    if issues.has_errors:
        return None, issues.problems()

    resolver = UnitResolver(registry)
    codes = list(registry.units["code"])
    parts, dossiers, dossier_rows = [], [], []
    outside = {"after": 0, "before": 0}
    rows_read = 0
    try:
        for batch in prefetched(form.batches()):
            parsed = _parse(batch, header, resolver, issues, codes)
            if parsed is None:
                continue
            frame, dossier = parsed
            rows_read += len(frame)
            dossiers.append(dossier)
            dossier_rows.append(frame["row"].to_numpy())
            _outside(frame, month, outside)
            if not issues.has_errors:
                part = count_records(frame, month)
                _overdue_fields(part.overdue, issues, header.written("TenLinhVuc"))
                parts.append(part)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, OSError) as exc:
        issues.file_problem(ERROR, f"the file cannot be read past a damaged part: {str(exc).splitlines()[0]}; "
                                   "export it again (CSV: UTF-8, one record per line)")
    resolver.report(issues, header.written("DonViXuLy"))
    _duplicates(dossiers, dossier_rows, issues, header.written("MaHoSo"))
    first, last = month_days(month)
    if outside["after"]:
        issues.file_problem(WARNING, f"{outside['after']:,} records received after {last}: not counted in {month}",
                            column=header.written("NgayTiepNhan"))
    if outside["before"]:
        issues.file_problem(WARNING, f"{outside['before']:,} records finished before {first}: not counted in {month}",
                            column=header.written("NgayKetThucXuLy"))
    if rows_read == 0 and not issues.has_errors:
        issues.file_problem(WARNING, f"the file has no record: it brings no figure for {month}")
    if issues.has_errors:
        return None, issues.problems()
    total = combine(parts, codes)
    for c in ("dossier", "field", "procedure"):  # texts trimmed on the few overdue rows, not on every record
        total.overdue[c] = (pd.Series(total.overdue[c], dtype=object).fillna("").astype(str)
                            .str.normalize("NFC").str.strip().to_numpy(dtype=object))
    units = total.units.reset_index()
    return Records(
        digitization=units[["code", *COUNTS[:4]]].copy(),
        payments=units[["code", *COUNTS[4:6]]].copy(),
        overdue=total.overdue,
        timeliness=units[TIMELINESS_COLUMNS].copy(),
        records=rows_read,
        sha256=sha,
        has_payments=header.payments,
    ), issues.problems()


def _arrow_text(values) -> pd.Series:
    """Arrow text as a pandas Series without copying the strings (trimmed later, on the overdue rows only)."""
    values = as_array(values)
    if not pa.types.is_string(values.type):
        values = values.cast(pa.string())
    return pd.Series(pd.arrays.ArrowExtensionArray(values))


def _parse(batch, header, resolver: UnitResolver, issues: Issues, codes: list[str]
           ) -> tuple[pd.DataFrame, pa.Array] | None:
    """One batch parsed and checked (problems logged): the frame `count_records` takes and the
    dossier codes; None when every row is blank."""
    cols = batch.columns
    empty = blank(cols["MaHoSo"])
    empty_code = empty.copy()
    if empty.any():  # rows with every cell blank, among those without a dossier code
        for c in READ:
            if c in cols and c != "MaHoSo":
                empty &= blank(cols[c])
    if empty.all():
        return None
    if empty.any():  # blank rows (a totals gap, the sheet's tail) are no records
        keep = pa.array(~empty)
        cols = {c: as_array(a).filter(keep) for c, a in cols.items()}
        rows = batch.rows[~empty]
        empty_code = empty_code[~empty]
    else:
        rows = batch.rows
    w = header.written

    dossier = as_array(cols["MaHoSo"])
    if not pa.types.is_string(dossier.type):
        dossier = dossier.cast(pa.string())
    no_code = empty_code
    issues.error("MaHoSo is blank: every record needs its dossier code", w("MaHoSo"), rows[no_code],
                 [""] * int(no_code.sum()))
    unit = resolver.resolve(cols["DonViXuLy"], rows)
    received, bad_r = parse_dates(cols["NgayTiepNhan"], rows, issues, w("NgayTiepNhan"))
    due, bad_d = parse_dates(cols["NgayHenTra"], rows, issues, w("NgayHenTra"))
    finished, bad_f = parse_dates(cols["NgayKetThucXuLy"], rows, issues, w("NgayKetThucXuLy"))
    for name, days, bad in (("NgayTiepNhan", received, bad_r), ("NgayHenTra", due, bad_d)):
        missing = np.isnat(days) & ~bad
        issues.error("missing date: every record needs it", w(name), rows[missing], [""] * int(missing.sum()))
    before = finished < received  # NaT compares False
    if before.any():
        idx = np.flatnonzero(before)
        values = cols["NgayKetThucXuLy"].take(pa.array(idx[:5])).to_pylist()
        recv = cols["NgayTiepNhan"].take(pa.array(idx[:5])).to_pylist()
        issues.error("impossible date: finished before it was received", w("NgayKetThucXuLy"), rows[idx],
                     [f"{v} (received {r})" for v, r in zip(values, recv)])
    flags = {name: parse_flag(cols[col], rows, issues, w(col))[0] if col in cols else np.zeros(len(rows), bool)
             for name, col in (("digitized", "HoSoCoThanhPhanSoHoa"), ("result_digitized", "DaSoHoaKetQua"),
                               ("fee", "CoPhi"), ("paid_online", "DuocThanhToanTrucTuyen"))}
    channel, _ = parse_channel(cols["KenhThucHien"], rows, issues, w("KenhThucHien"))
    frame = pd.DataFrame({
        "code": pd.Categorical.from_codes(np.where(unit < 0, -1, unit), categories=codes),
        "received": received.astype("datetime64[s]"),
        "due": due.astype("datetime64[s]"),
        "finished": finished.astype("datetime64[s]"),
        "channel": channel,
        **flags,
        "dossier": _arrow_text(dossier),
        "field": _arrow_text(cols["TenLinhVuc"]),
        "procedure": _arrow_text(cols["TenTTHC"]) if "TenTTHC" in cols else "",
        "row": rows,
    })
    return frame, dossier


def _outside(frame: pd.DataFrame, month: str, outside: dict) -> None:
    first, last = month_days(month)
    received = frame["received"].to_numpy().astype("datetime64[D]")
    finished = frame["finished"].to_numpy().astype("datetime64[D]")
    outside["after"] += int((received > last).sum())
    outside["before"] += int((finished < first).sum())


def _overdue_fields(overdue: pd.DataFrame, issues: Issues, column: str) -> None:
    no_field = overdue["field"].map(lambda v: v is None or not str(v).strip()).to_numpy(dtype=bool)
    issues.error("TenLinhVuc is blank on an overdue dossier: the letter names the field of each",
                 column, overdue["row"].to_numpy()[no_field], overdue["dossier"].to_numpy()[no_field])


def _duplicates(dossiers: list[pa.Array], rows: list[np.ndarray], issues: Issues, column: str) -> None:
    """An error for every repeat of a dossier code (its first occurrence is fine)."""
    if not dossiers:
        return
    codes = pa.chunked_array(dossiers, pa.string())
    if len(pc.unique(codes)) == len(codes):
        return  # the usual case, at the cost of one hash of the codes
    enc = pc.dictionary_encode(codes).combine_chunks()
    indices = enc.indices.to_numpy(zero_copy_only=False)
    counts = np.bincount(indices, minlength=len(enc.dictionary))
    if len(counts) == 0 or counts.max() <= 1:
        return
    all_rows = np.concatenate(rows)
    repeated = counts[indices] > 1
    first_seen = np.zeros(len(indices), dtype=bool)
    _, first = np.unique(indices, return_index=True)
    first_seen[first] = True
    again = repeated & ~first_seen
    blank_code = (pc.equal(enc.dictionary, "").to_numpy(zero_copy_only=False))[indices]
    again &= ~blank_code  # blank codes have their own error
    if again.any():
        first_row = np.full(len(enc.dictionary), -1, dtype="int64")
        first_row[indices[first]] = all_rows[first]
        idx = np.flatnonzero(again)
        values = [f"{enc.dictionary[int(i)].as_py()}" for i in indices[idx[:5]]]
        issues.error("repeated MaHoSo: each dossier code may appear once in the file", column, all_rows[idx],
                     values + [""] * (len(idx) - len(values)))
