"""`python -m bench [--quick] [--json]`: run every benchmark, print the figures."""

from __future__ import annotations

import argparse
import asyncio
import json

from bench.report import as_json, as_table
from bench.run import FULL, QUICK, run_all


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help="smaller sizes: well under a minute"
    )
    parser.add_argument(
        "--json", action="store_true", help="one JSON object instead of the table"
    )
    args = parser.parse_args()

    figures = asyncio.run(run_all(QUICK if args.quick else FULL))
    if args.json:
        print(json.dumps(as_json(figures), indent=2))
    else:
        print(as_table(figures))


main()
