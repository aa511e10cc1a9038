"""What the worst Markdown bodies cost to render: a hostile mix at the maximum length.

    python -m bench.hostile_render [--length 100000] [--only NAME ...] [--json]
    python -m bench.hostile_render --before [--timeout 30]

A case body may be 100,000 characters, and it is rendered when it is saved, inside the
web request: a body that takes seconds ties up a worker, one that takes half a minute
is a 500 (gunicorn's WORKER TIMEOUT). Each family below is a pattern known to make
Python-Markdown, html.parser or bleach do more than linear work (nested brackets, link
addresses that never close, emphasis, quotes and lists inside one another, fences that
never close, raw HTML, abbreviations, …), plus plain text and this README as baselines.

For every family the bench times two things:

- **raw**: the pattern repeated to the full length, as an attacker would send it. The
  answer is a refusal (`markdown_problem`), and the time is what deciding that took.
- **tuned**: the most of the pattern that still passes the limits of
  app/markdown_limits.py, found by bisection, in one paragraph of the full length and in
  paragraphs of 10,000, 1,000 and 300 characters (the pattern first, plain words after,
  so every scan runs to the paragraph's end). This text is rendered: the time is the
  worst an accepted body can cost.

It prints every row and then the slowest refusal and the slowest accepted render.
`--before` instead renders the raw texts the way rendering.py did before the limits
(Markdown, bleach, plain text; no checks), each in a child process stopped after
`--timeout` seconds, which is how long a gunicorn worker gets.
"""
from __future__ import annotations

import argparse
import json
import subprocess  # nosec B404  # runs this same bench in a child, with a timeout
import sys
import time
from pathlib import Path

from app import markdown_limits, rendering

PARAGRAPH_SIZES = (None, 10_000, 1_000, 300)  # None: the whole text is one paragraph
FILLER = "de gemeente sprak met de bewoners over het peil van het water "
README = Path(__file__).resolve().parent.parent / "README.md"


def _fill(unit: str, length: int) -> str:
    return (unit * (length // max(len(unit), 1) + 1))[:length]


def _nested(opening: str, closing: str, middle: str = "a"):
    """k openings, a middle, k closings."""
    return lambda k: opening * k + middle + closing * k


def _numbered(template: str):
    return lambda k: "".join(template.format(i=i) for i in range(k))


# name: (raw text maker (length -> text), payload maker (k -> text) for the tuned runs)
FAMILIES = {
    "plain words": (lambda n: _fill(FILLER, n), None),
    "one line per word": (lambda n: _fill("woord\n", n), None),
    "paragraphs": (lambda n: _fill("a\n\n", n), lambda k: "a\n\n" * k),
    "list items": (lambda n: _fill("- a\n", n), lambda k: "- a\n" * k),
    "table rows": (lambda n: "|a|b|\n|-|-|\n" + _fill("|a|b|\n", n - 12),
                   lambda k: "|a|b|\n|-|-|\n" + "|a|b|\n" * k),
    "nested brackets": (lambda n: "[" * (n // 2) + "]" * (n // 2), _nested("[", "]")),
    "open brackets": (lambda n: "[" * n, lambda k: "[" * k),
    "[a]( never closed": (lambda n: _fill("[a](", n), lambda k: "[a](" * k),
    "[a](b \"c) quoted address": (lambda n: _fill('[a](b "c) ', n), lambda k: '[a](b "c) ' * k),
    "[a](< address": (lambda n: _fill("[a](<", n), lambda k: "[a](<" * k),
    "![a]( image": (lambda n: _fill("![a](", n), lambda k: "![a](" * k),
    "[a][ reference": (lambda n: _fill("[a][", n), lambda k: "[a][" * k),
    "nested parentheses": (lambda n: "[a](" + "(" * (n - 4), lambda k: "[a](" + "(" * k),
    "* run": (lambda n: "*" * n, lambda k: "*" * k),
    "*a run": (lambda n: _fill("*a", n), lambda k: "*a" * k),
    "*** around a": (lambda n: _fill("***a", n), lambda k: "***a" * k),
    "nested * runs": (lambda n: "*" * (n // 2) + "a" + "*" * (n // 2), _nested("*", "*")),
    "nested _ runs": (lambda n: "_" * (n // 2) + "a" + "_" * (n // 2), _nested("_", "_")),
    "nested *a _a emphasis": (lambda n: "*a _a " * (n // 12) + "a_ a* " * (n // 12),
                              _nested("*a _a ", "a_ a* ", "")),
    "*_ alternating": (lambda n: _fill("*_", n), lambda k: "*_" * k),
    "` runs": (lambda n: "`" * n, lambda k: "`" * k),
    "`a": (lambda n: _fill("`a", n), lambda k: "`a" * k),
    "growing ` runs": (lambda n: "".join("`" * i + "a" for i in range(1, int((2 * n) ** .5))),
                       lambda k: "".join("`" * i + "a" for i in range(1, k))),
    "< run": (lambda n: "<" * n, lambda k: "<" * k),
    "& run": (lambda n: "&" * n, lambda k: "&" * k),
    "&# run": (lambda n: _fill("&#", n), lambda k: "&#" * k),
    "<a never closed": (lambda n: _fill("<a", n), lambda k: "<a" * k),
    "<em> nested": (lambda n: _fill("<em>", n), lambda k: "<em>" * k),
    "<em><!-- --> comments": (lambda n: _fill("<em><!-- x -->", n),
                              lambda k: "<em><!-- x -->" * k),
    "<div> lines": (lambda n: _fill("<div>\n", n), lambda k: "<div>\n" * k),
    "<http:// autolinks": (lambda n: _fill("<http://", n), lambda k: "<http://" * k),
    "\\ run": (lambda n: "\\" * n, lambda k: "\\" * k),
    "\\* escapes": (lambda n: _fill("\\*", n), lambda k: "\\*" * k),
    "> run (quotes)": (lambda n: ">" * n, lambda k: ">" * k),
    "> > quotes": (lambda n: _fill("> ", n), lambda k: "> " * k),
    "1. 1. lists on a line": (lambda n: _fill("1. ", n), lambda k: "1. " * k),
    "> - quoted lists": (lambda n: _fill("> - ", n), lambda k: "> - " * k),
    "list staircase": (lambda n: "".join("    " * i + "- a\n" for i in range(int((n / 2) ** .5))),
                       lambda k: "".join("    " * i + "- a\n" for i in range(k))),
    "tight definitions": (lambda n: _fill("a\n: b\n", n), lambda k: "a\n: b\n" * k),
    "setext a / =": (lambda n: _fill("a\n=\n", n), lambda k: "a\n=\n" * k),
    "rules and text": (lambda n: _fill("---\na\n", n), lambda k: "---\na\n" * k),
    "# headings": (lambda n: _fill("# a\n", n), lambda k: "# a\n" * k),
    "hard breaks": (lambda n: _fill("a  \n", n), lambda k: "a  \n" * k),
    "``` fences": (lambda n: _fill("```\n", n), lambda k: "```\n" * k),
    "```a fences never closed": (lambda n: _fill("```a\n", n), lambda k: "```a\n" * k),
    "| run": (lambda n: "|" * n, lambda k: "|" * k),
    "wide table": (lambda n: "|" + "a|" * (n // 5) + "\n|" + "-|" * (n // 5) + "\n",
                   lambda k: "|" + "a|" * k + "\n|" + "-|" * k + "\n"),
    "link definitions": (lambda n: _fill("[a]: http://x\n", n), _numbered("[a{i}]: http://x\n")),
    "abbreviations": (lambda n: "".join(f"*[A{i}]: b\n" for i in range(n // 24)) + "\n"
                      + _fill("A1 woord ", n // 2), _numbered("*[A{i}]: b\n")),
    "hyphenated word a-a-a-": (lambda n: _fill("a-", n), lambda k: "a-" * k),
    "http:// a.a.a.": (lambda n: "http://" + _fill("a.", n - 7), None),
    "www. run": (lambda n: _fill("www.", n), None),
    "a@ run": (lambda n: _fill("a@", n), None),
}


def _tuned(payload, length: int, size: int | None) -> tuple[str, int]:
    """The text with the largest k whose paragraphs (payload(k) + filler) pass the
    limits, and that k (0 when even one is too much)."""
    size = size or length
    count = max(length // (size + 2), 1)

    def text(k: int) -> str:
        paragraph = payload(k)
        paragraph += _fill(FILLER, max(size - len(paragraph), 0))
        return "\n\n".join([paragraph] * count)[:length]

    low, high = 0, length
    while low < high:
        middle = (low + high + 1) // 2
        if len(payload(middle)) <= size and markdown_limits.markup_problem(text(middle)) is None:
            low = middle
        else:
            high = middle - 1
    return text(low), low


def _timed(source: str) -> tuple[float, str]:
    rendering._outcome.cache_clear()  # time the work, not the cache
    start = time.perf_counter()
    problem = rendering.markdown_problem(source)
    elapsed = time.perf_counter() - start
    return elapsed, problem.code if problem else "rendered"


def run(length: int, only: list[str]) -> dict:
    rows = []
    for name, (raw, payload) in FAMILIES.items():
        if only and name not in only:
            continue
        seconds, outcome = _timed(raw(length))
        rows.append({"family": name, "text": "raw", "chars": length, "k": None,
                     "outcome": outcome, "seconds": round(seconds, 4)})
        for size in PARAGRAPH_SIZES if payload else ():
            text, k = _tuned(payload, length, size)
            seconds, outcome = _timed(text)
            rows.append({"family": name, "text": f"tuned/{size or 'one'}", "chars": len(text),
                         "k": k, "outcome": outcome, "seconds": round(seconds, 4)})
        for row in rows[-(1 + len(PARAGRAPH_SIZES) * bool(payload)):]:
            print(f"{row['family']:28} {row['text']:12} k={str(row['k']):>6} "
                  f"{row['outcome']:20} {row['seconds']:8.3f} s", flush=True)
    readme = README.read_text(encoding="utf-8")
    baseline, outcome = _timed(readme)
    return {"rows": rows, "readme": {"chars": len(readme), "outcome": outcome,
                                     "seconds": round(baseline, 4)}}


def _summary(result: dict) -> dict:
    refused = [row for row in result["rows"] if row["outcome"] != "rendered"]
    rendered = [row for row in result["rows"] if row["outcome"] == "rendered"]
    worst = {"refused": max(refused, key=lambda row: row["seconds"], default=None),
             "rendered": max(rendered, key=lambda row: row["seconds"], default=None)}
    for label, row in worst.items():
        if row:
            print(f"slowest {label}: {row['seconds']:.3f} s ({row['family']}, {row['text']})")
    print(f"README.md ({result['readme']['chars']} chars, {result['readme']['outcome']}): "
          f"{result['readme']['seconds']:.3f} s")
    return worst


def _before_child(name: str, length: int) -> None:
    """In the child: the pipeline as it was, without the limits."""
    rendering._LimitDepth.run = lambda self, root: None
    source = FAMILIES[name][0](length)
    start = time.perf_counter()
    html = rendering._cleaner.clean(rendering._markdown_to_html(source))
    rendering.html_to_text(html)
    print(round(time.perf_counter() - start, 3))


def before(length: int, timeout: float, only: list[str]) -> dict:
    results = {}
    for name in FAMILIES:
        if only and name not in only:
            continue
        command = [sys.executable, "-m", "bench.hostile_render", "--child", name,
                   "--length", str(length)]
        try:
            done = subprocess.run(command, capture_output=True, text=True,  # nosec B603
                                  timeout=timeout, check=False)
            lines = done.stdout.split() or [done.stderr.strip().splitlines()[-1][:60]]
            results[name] = lines[-1]
        except subprocess.TimeoutExpired:
            results[name] = f"> {timeout:g} (stopped)"
        print(f"{name:28} {results[name]}", flush=True)
    return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--length", type=int, default=100_000)
    parser.add_argument("--only", nargs="*", default=[])
    parser.add_argument("--before", action="store_true")
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args(argv)
    if options.child:
        _before_child(options.child, options.length)
        return 0
    if options.before:
        result = before(options.length, options.timeout, options.only)
    else:
        result = run(options.length, options.only)
        result["worst"] = _summary(result)
    if options.json:
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
