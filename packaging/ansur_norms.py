"""Norm rows (``resources/anthropometry/norms.csv``) from the ANSUR II per-soldier tables.

ANSUR II, the 2012 US Army Anthropometric Survey (Gordon CC et al. 2014, NATICK/TR-15/007; public
domain): one row per soldier, measurements in millimetres. The two public CSVs (not shipped:
2 MB and 1 MB; where they were read and their MD5s are in ``resources/anthropometry/SOURCES.md``)
give, per ``DODRace`` (1 White, 2 Black, 4 Asian) and sex, the mean and sample SD (ddof 1) of
the columns in ``COLUMNS``.

Usage (from the repository root)::

    python packaging/ansur_norms.py "ANSUR II MALE Public.csv" "ANSUR II FEMALE Public.csv" \\
        [--out rows.csv]

prints (or writes) the rows in ``norms.csv``'s format, population by population; the rows
``norms.csv`` does not take (``SKIPPED``, see SOURCES.md) are left out.
"""

from __future__ import annotations

import argparse
import csv
import io
import logging
import statistics
import sys
from pathlib import Path

log = logging.getLogger("ansur_norms")

#: ANSUR II column -> our measurement (``measurements.csv``).
COLUMNS = {
    "headlength": "head_length",  # g-op
    "headbreadth": "head_width",  # eu-eu
    "bizygomaticbreadth": "face_width",  # zy-zy
    "mentonsellionlength": "face_height",  # sellion (~ n) to menton
    "earlength": "ear_length",  # sa-sba
    "earbreadth": "ear_width",  # pra-pa
}
#: DODRace code -> our population.
POPULATIONS = {"1": "us_white", "2": "us_black", "4": "us_asian"}
#: (population, measurement) rows not written: the Kenyan table (``virdi2019``) fits the same
#: african corner; ANSUR's Black zy-zy is 7 % (men) / 4 % (women) wider than the Kenyan one, and
#: its face-height SD (6.7 mm) cannot hold beside the Kenyan n-sn and sn-me SDs (SOURCES.md).
SKIPPED = {("us_black", "face_width"), ("us_black", "face_height")}
SOURCE = "gordon2014"
FIELDS = ("population", "sex", "measurement", "mean", "sd", "ages", "source")


def read_table(path: Path) -> list[dict[str, str]]:
    """The rows of one ANSUR II CSV (the male file is Latin-1: accented birth places)."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    for row in rows:  # the female file spells the id column SubjectId, the male subjectid
        missing = [c for c in (*COLUMNS, "DODRace", "Age", "Gender") if c not in row]
        if missing:
            raise ValueError(f"{path}: no column(s) {', '.join(missing)}")
    return rows


def norm_rows(tables: dict[str, list[dict[str, str]]]) -> list[dict[str, str]]:
    """norms.csv rows, population by population then measurement then sex ({sex: rows})."""
    ages = [int(r["Age"]) for rows in tables.values() for r in rows]
    span = f"{min(ages)}-{max(ages)}"
    out = []
    for code, population in POPULATIONS.items():
        for column, measurement in COLUMNS.items():
            if (population, measurement) in SKIPPED:
                continue
            for sex, rows in tables.items():
                values = [float(r[column]) for r in rows if r["DODRace"] == code]
                out.append({"population": population, "sex": sex, "measurement": measurement,
                            "mean": f"{statistics.fmean(values):.1f}",
                            "sd": f"{statistics.stdev(values):.1f}", "ages": span,
                            "source": SOURCE})
                log.info("%s %s %s: n=%d", population, sex, measurement, len(values))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="norms.csv rows from the ANSUR II tables.")
    parser.add_argument("male", type=Path, help="ANSUR II MALE Public.csv")
    parser.add_argument("female", type=Path, help="ANSUR II FEMALE Public.csv")
    parser.add_argument("--out", type=Path, help="write the rows here (default: print them)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    rows = norm_rows({"male": read_table(args.male), "female": read_table(args.female)})
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, FIELDS, lineterminator="\n")
    writer.writerows(rows)
    if args.out is None:
        sys.stdout.write(buffer.getvalue())
    else:
        args.out.write_text(buffer.getvalue(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
