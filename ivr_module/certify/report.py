"""A certification run's outcomes as a plain-text table and as a JUnit XML report."""

from xml.etree import ElementTree

from .checks import Run


def table(run: Run) -> str:
    """The outcomes as a plain-text table, one line each, and a summary line."""
    rows = [("", "check", "expected", "got")]
    for outcome in run.outcomes:
        mark = "SKIP" if outcome.skipped else "PASS" if outcome.passed else "FAIL"
        rows.append((mark, f"{outcome.group}: {outcome.name}", outcome.expected, outcome.got))
    widths = [max(len(row[index]) for row in rows) for index in range(3)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row[:3], widths)) + "  " + row[3] for row in rows]
    passed = sum(outcome.passed for outcome in run.outcomes)
    skipped = sum(outcome.skipped for outcome in run.outcomes)
    lines.append(f"\n{passed} passed, {len(run.failed)} failed, {skipped} skipped")
    return "\n".join(lines)


def junit_xml(run: Run) -> bytes:
    """The outcomes as a JUnit XML report (one test case per outcome)."""
    suite = ElementTree.Element(
        "testsuite", name="ivr-certify", tests=str(len(run.outcomes)), failures=str(len(run.failed)),
        skipped=str(sum(outcome.skipped for outcome in run.outcomes)), errors="0",
    )
    for outcome in run.outcomes:
        case = ElementTree.SubElement(suite, "testcase", classname=f"ivr.certify.{outcome.group}", name=outcome.name)
        if outcome.skipped:
            ElementTree.SubElement(case, "skipped", message=outcome.expected)
        elif not outcome.passed:
            message = f"expected {outcome.expected!r}, got {outcome.got!r}"
            ElementTree.SubElement(case, "failure", message=message).text = message
    return ElementTree.tostring(suite, encoding="utf-8", xml_declaration=True)


def report(run: Run, junit: str | None, echo=print) -> int:
    """Print the table, write the JUnit file if asked; the exit status (1 if anything failed)."""
    echo(table(run))
    if junit:
        with open(junit, "wb") as handle:
            handle.write(junit_xml(run))
    return 1 if run.failed else 0
