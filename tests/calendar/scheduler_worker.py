"""One scheduler process for the multi-process tests: it builds the application once, then
runs the real `portal scheduler --once --now INSTANT` command for every instant it reads on
stdin, answering each with one JSON line. Several of these tick the same database at once,
which is what a deployment running several schedulers does, without starting a process per
tick."""

import json
import sys

from portal import create_app


def main() -> None:
    runner = create_app("testing").test_cli_runner()
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        result = runner.invoke(args=["scheduler", "--once", "--now", line.strip()])
        print(json.dumps({"code": result.exit_code, "output": result.output,
                          "error": repr(result.exception)}), flush=True)


if __name__ == "__main__":
    main()
