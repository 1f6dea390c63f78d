#!/usr/bin/env python3
"""Bank-statement import against the release binary, as an operator runs it.

    cargo build --release && python3 scripts/bench-statements.py [path/to/tollgate]

A fresh SQLite database is filled by `tollgate seed-demo` (120,000 accounts) so that it holds at least 10,000
payments awaiting review; a camt.053.001.08 statement with one credit for each of 10,000 of
them is written (90 % carrying the customer's reference, 5 % with a bank fee deducted, 5 %
with the reference missing, found by payer name and amount) plus 500 debits; then
`tollgate statements import` is timed, first import and re-import. The ceiling, measured in
the same run: the same binary's `tollgate migrate` on the same, already migrated database —
starting the process and opening the database, with nothing to do. Reports seconds, lines
per second, and the import as a multiple of that floor. Not a test: nothing is asserted.
"""
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

LINES = 10_000
BIN = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.environ.get("CARGO_TARGET_DIR", "target"), "release", "tollgate")


def run(db_url, *args):
    env = dict(os.environ, TOLLGATE_DATABASE_URL=db_url, TOLLGATE_LOG="warn")
    started = time.perf_counter()
    out = subprocess.run([BIN, *args], env=env, capture_output=True, text=True)
    took = time.perf_counter() - started
    if out.returncode != 0:
        sys.exit(f"{' '.join(args)} failed: {out.stderr}")
    return took, out.stdout


def entry(n, amount, currency, credit, payer, text):
    ind, party = ("CRDT", "Dbtr") if credit else ("DBIT", "Cdtr")
    whole, cents = divmod(amount, 100)
    return (f'<Ntry><Amt Ccy="{currency}">{whole}.{cents:02d}</Amt><CdtDbtInd>{ind}</CdtDbtInd>'
            f"<Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>{time.strftime('%Y-%m-%d')}</Dt></BookgDt>"
            f"<AcctSvcrRef>B{n}</AcctSvcrRef><NtryDtls><TxDtls><Refs><TxId>T{n}</TxId></Refs>"
            f"<RltdPties><{party}><Pty><Nm>{payer}</Nm></Pty></{party}></RltdPties>"
            f"<RmtInf><Ustrd>{text}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>\n")


def statement(pending):
    currency = pending[0][2]
    parts = []
    for n, (ref, amount, cur, name, number) in enumerate(pending[:LINES]):
        if n % 20 == 0:
            parts.append(entry(n, amount - 150, cur, True, name, f"Invoice {number}"))
        elif n % 20 == 1:
            parts.append(entry(n, amount, cur, True, name, "monthly subscription"))
        else:
            parts.append(entry(n, amount, cur, True, name, f"Payment {ref} thank you"))
    for n in range(500):
        parts.append(entry(LINES + n, 1234, currency, False, "Supplier Ltd", "Invoice 77"))
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>'
            '<GrpHdr><MsgId>BENCH</MsgId><CreDtTm>2026-12-03T00:00:00</CreDtTm></GrpHdr>'
            '<Stmt><Id>BENCH-1</Id><CreDtTm>2026-12-03T00:00:00</CreDtTm><Acct><Id><IBAN>'
            f'DE89370400440532013000</IBAN></Id><Ccy>{currency}</Ccy></Acct>\n'
            + "".join(parts) + "</Stmt></BkToCstmrStmt></Document>\n")


def main():
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "bench.db")
        url = f"sqlite://{path}"
        seed, _ = run(url, "seed-demo", "--accounts", str(LINES * 12))
        db = sqlite3.connect(path)
        pending = db.execute(
            "SELECT p.manual_reference, p.amount, p.currency, a.name, i.invoice_number "
            "FROM payments p JOIN accounts a ON a.id = p.account_id "
            "JOIN invoices i ON i.id = p.invoice_id "
            "WHERE p.status = 'pending_approval' ORDER BY p.id").fetchall()
        db.close()
        if len(pending) < LINES:
            sys.exit(f"only {len(pending)} pending payments after seeding")
        file = os.path.join(tmp, "statement.xml")
        with open(file, "w") as f:
            f.write(statement(pending))
        floor = statistics.median(run(url, "migrate")[0] for _ in range(5))
        first, report = run(url, "statements", "import", file)
        again, _ = run(url, "statements", "import", file)
        lines = LINES + 500
        print(f"binary: {BIN}")
        print(f"seeded {LINES * 12} demo accounts ({len(pending)} pending payments) in {seed:.1f} s")
        print(f"statement: {lines} lines ({LINES} credits, 500 debits), "
              f"{os.path.getsize(file) / 1e6:.1f} MB")
        print(report.strip())
        print(f"floor (tollgate migrate, nothing to do, median of 5): {floor:.3f} s")
        print(f"first import:  {first:.2f} s  ({lines / first:,.0f} lines/s, "
              f"{first / floor:.1f}x the floor, {first / 5:.0%} of the 5 s budget)")
        print(f"re-import:     {again:.2f} s  ({again / floor:.1f}x the floor)")


if __name__ == "__main__":
    main()
