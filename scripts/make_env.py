"""Write .env from .env.example, replacing every `generate` value with a new random secret."""

import secrets
import sys
from pathlib import Path


def main(source: str, target: str) -> None:
    lines = []
    for line in Path(source).read_text().splitlines():
        key, sep, value = line.partition("=")
        if sep and value == "generate":
            prefix = "whsec_" if "WEBHOOK" in key else ""
            line = f"{key}={prefix}{secrets.token_urlsafe(50)}"
        lines.append(line)
    Path(target).write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
