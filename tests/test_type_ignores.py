"""Every ``# type: ignore`` names its error code (mypy refuses one without: ignore-without-code) and says
why beside it, so that a reader knows what the checker could not see."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IGNORE = re.compile(r"#\s*type:\s*ignore(?P<codes>\[[^\]]*\])?(?P<rest>.*)$")
REASON = re.compile(r"^\s+#\s*\S.{5,}")  # "  # why", at least a few words


def bad_ignores(text: str) -> list[str]:
    bad = []
    for number, line in enumerate(text.splitlines(), start=1):
        found = IGNORE.search(line)
        if found and not (found["codes"] and REASON.match(found["rest"])):
            bad.append(f"{number}: {line.strip()}")
    return bad


def test_the_rule_is_read_as_meant():
    assert bad_ignores("x = f()  # type: ignore[misc]  # a mixin: the next class has it") == []
    assert bad_ignores("x = f()  # type: ignore") != []
    assert bad_ignores("x = f()  # type: ignore[misc]") != []
    assert bad_ignores("x = f()  # type: ignore  # because") != []


def test_every_type_ignore_has_a_code_and_a_reason():
    offenders = []
    for folder in ("hotline", "config"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            offenders += [f"{path.relative_to(ROOT)}:{bad}" for bad in bad_ignores(path.read_text(encoding="utf-8"))]
    assert offenders == [], "a type: ignore without [code] and a reason:\n" + "\n".join(offenders)
