#!/usr/bin/python3
# schema_check.py SCHEMA FILE: check every line of FILE (JSON lines)
# against the JSON Schema SCHEMA (draft 2020-12) with python3-jsonschema,
# the reference implementation the project does not link: one line per
# event, "LINE valid" or "LINE invalid: why". Exit 0, or 2 when the schema
# itself is not a valid draft 2020-12 schema or a line is not JSON.
# tests/integration/t_events.sh compares its verdicts with
# `stockadectl events --validate`, which must agree.
import json
import sys

from jsonschema import Draft202012Validator, FormatChecker


def main():
    with open(sys.argv[1]) as f:
        schema = json.load(f)
    Draft202012Validator.check_schema(schema)
    v = Draft202012Validator(schema, format_checker=FormatChecker())
    with open(sys.argv[2]) as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line:
                continue
            try:
                ev = json.loads(line)
            except ValueError as e:
                print("%d not-json: %s" % (n, e))
                return 2
            errors = sorted(v.iter_errors(ev), key=lambda e: list(e.absolute_path))
            if errors:
                e = errors[0]
                print("%d invalid: %s: %s" % (n, "/".join(str(p) for p in e.absolute_path) or "(top)", e.message))
            else:
                print("%d valid" % n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
