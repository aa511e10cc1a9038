"""`make audit`: bandit over our own code, then pip-audit over every pinned dependency.

Exit status 1 means something needs fixing: a bandit finding, or a pinned package with a
known vulnerability. A vulnerability database that cannot be reached is not a finding
about the code, so by default it does not fail the run (CI must not go red only because
its network is closed). It must not look like success either: the run then says loudly
that the dependencies were NOT audited, and why. With CASUSBANK_REQUIRE_VULNDB=1 that case
exits with status 2 instead (for a release check on a machine with internet access).

pip-audit reads the requirement files as they are (`--disable-pip --no-deps`): every pin
is exact, so no environment is built and what is audited is exactly what is installed.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
REQUIREMENTS = ("requirements.txt", "requirements-test.txt", "requirements-audit.txt")
# pip-audit's default database first (PyPI's JSON API), OSV when that cannot be used.
SERVICES = ("pypi", "osv")
# Vulnerability id -> why it does not affect Casusbank (repeated in the README).
ACCEPTED_VULNERABILITIES: dict[str, str] = {}

# The served code: every bandit check; an accepted finding carries `# nosec BXXX  # why`.
SERVED_CODE = ("app", "migrations")
# Run only by developers, on throwaway instances, with input they wrote themselves.
DEVELOPER_CODE = ("tools", "bench")
DEVELOPER_SKIPS = {
    "B101": "asserts check a measurement's own results; nothing relies on them under -O",
    "B105": "fixed passwords and keys belong to throwaway benchmark instances",
    "B106": "fixed passwords and keys belong to throwaway benchmark instances",
    "B310": "URLs opened are the bench's own server on loopback, built in the code",
    "B311": "seeded random makes query mixes reproducible; it never makes a secret",
    "B404": "subprocess starts our own servers and workers",
    "B603": "every command is a fixed argv list without a shell",
    "B608": "SQL is built from module constants against the benchmark's own database",
}
REQUIRE_VULNDB = "CASUSBANK_REQUIRE_VULNDB"


@dataclass
class DependencyReport:
    """What one vulnerability service said about the pinned packages."""

    service: str
    audited: int = 0
    vulnerable: list[str] = field(default_factory=list)
    unaudited: list[str] = field(default_factory=list)
    error: str = ""

    @property
    def complete(self) -> bool:
        return not self.error and not self.unaudited


def _run(argv: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(argv, capture_output=True, text=True, check=False, cwd=PROJECT)


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


def read_pip_audit(service: str, returncode: int, stdout: str, stderr: str) -> DependencyReport:
    """Sort pip-audit's JSON into vulnerable, audited and unaudited packages.

    "Dependency not found on PyPI" is what pip-audit reports when the database answers
    404 for a version, which is also how a closed or partial mirror looks: such a package
    counts as unaudited, never as clean. No JSON at all means the service failed
    (pip-audit exits 1 with a traceback); its last line says why.
    """
    try:
        dependencies = json.loads(stdout)["dependencies"]
    except (ValueError, KeyError, TypeError):
        return DependencyReport(service, error=_last_line(stderr or stdout))
    report = DependencyReport(service)
    for dependency in dependencies:
        name = f"{dependency['name']} {dependency.get('version', '')}".strip()
        if "skip_reason" in dependency:
            report.unaudited.append(f"{name}: {dependency['skip_reason']}")
            continue
        report.audited += 1
        for vulnerability in dependency.get("vulns", []):
            fixed = ", ".join(vulnerability.get("fix_versions", [])) or "no fixed version"
            aliases = ", ".join(vulnerability.get("aliases", []))
            report.vulnerable.append(f"{name}: {vulnerability['id']}"
                                     + (f" ({aliases})" if aliases else "")
                                     + f"; fixed in {fixed}")
    if returncode != 0 and not report.vulnerable:
        report.error = _last_line(stderr)
    return report


def _pip_audit(extra: list[str]) -> subprocess.CompletedProcess:
    argv = [sys.executable, "-m", "pip_audit", "--disable-pip", "--no-deps",
            "--progress-spinner", "off", "--desc", "off", "-f", "json"]
    for requirements in REQUIREMENTS:
        argv += ["-r", requirements]
    for vulnerability in ACCEPTED_VULNERABILITIES:
        argv += ["--ignore-vuln", vulnerability]
    return _run(argv + extra)


def audit_dependencies(osv_url: str | None) -> list[DependencyReport]:
    """Ask each service in turn until one audits every package or finds a vulnerability.

    A dry run first: it reads the requirement files without any network, so a file
    pip-audit cannot read (an unpinned line, a typo) fails here instead of passing for a
    closed network.
    """
    dry = _pip_audit(["--dry-run"])
    if dry.returncode != 0:
        raise SystemExit(f"pip-audit cannot read the requirement files: {_last_line(dry.stderr)}")
    reports = []
    for service in SERVICES:
        extra = ["-s", service, "--timeout", "20"]
        if service == "osv" and osv_url:
            extra += ["--osv-url", osv_url]
        done = _pip_audit(extra)
        reports.append(read_pip_audit(service, done.returncode, done.stdout, done.stderr))
        if reports[-1].complete or reports[-1].vulnerable:
            break
    return reports


def read_bandit(stdout: str) -> tuple[list[str], int]:
    """Findings as `path:line: id severity/confidence text`, and how many `# nosec` hid."""
    report = json.loads(stdout)
    findings = [f"{issue['filename']}:{issue['line_number']}: {issue['test_id']} "
                f"{issue['issue_severity']}/{issue['issue_confidence']} {issue['issue_text']}"
                for issue in report["results"]]
    findings += [f"{error['filename']}: bandit could not read it: {error['reason']}"
                 for error in report["errors"]]
    totals = report["metrics"]["_totals"]
    return findings, int(totals.get("nosec", 0)) + int(totals.get("skipped_tests", 0))


def run_bandit(targets: tuple[str, ...], skips: dict[str, str]) -> bool:
    argv = [sys.executable, "-m", "bandit", "-c", "pyproject.toml", "-q", "-f", "json", "-r",
            *[target for target in targets if (PROJECT / target).is_dir()]]
    if skips:
        argv += ["--skip", ",".join(skips)]
    done = _run(argv)
    try:
        findings, accepted = read_bandit(done.stdout)
    except (ValueError, KeyError):
        raise SystemExit(f"bandit failed: {_last_line(done.stderr)}") from None
    scope = " ".join(f"{target}/" for target in targets)
    print(f"== bandit: {scope}" + (f" (skipped: {', '.join(skips)})" if skips else
                                   " (every check)"))
    for finding in findings:
        print(f"   {finding}")
    print(f"   {len(findings)} finding(s); {accepted} accepted in the code with `# nosec`")
    return not findings


def _unaudited_summary(unaudited: list[str]) -> str:
    """One line per reason instead of one per package: "not found" x 79 says it all."""
    reasons: dict[str, list[str]] = {}
    for line in unaudited:
        name, _, reason = line.partition(": ")
        reasons.setdefault(reason.split(":")[0], []).append(name)
    return "; ".join(f"{reason} ({len(names)}: {', '.join(names[:3])}"
                     + (", ..." if len(names) > 3 else "") + ")"
                     for reason, names in reasons.items())


def _print_dependencies(reports: list[DependencyReport]) -> None:
    print(f"== pip-audit: the pins in {', '.join(REQUIREMENTS)}")
    for report in reports:
        if report.error:
            print(f"   {report.service}: the service failed: {report.error}")
            continue
        print(f"   {report.service}: {report.audited} package(s) audited, "
              f"{len(report.vulnerable)} known vulnerability(ies), "
              f"{len(report.unaudited)} package(s) NOT audited")
        for line in report.vulnerable:
            print(f"   VULNERABLE {line}")
        if report.unaudited:
            print(f"   not audited: {_unaudited_summary(report.unaudited)}")
    for vulnerability, reason in ACCEPTED_VULNERABILITIES.items():
        print(f"   accepted {vulnerability}: {reason}")


def verdict(code_clean: bool, reports: list[DependencyReport], require_vulndb: bool) -> int:
    """The exit status, with a last line that never calls an unaudited run a success."""
    vulnerable = any(report.vulnerable for report in reports)
    audited = any(report.complete for report in reports)
    code = "code clean" if code_clean else "CODE FINDINGS"
    if vulnerable:
        print(f"audit FAILED: {code}; known vulnerabilities in pinned dependencies")
        return 1
    if not audited:
        print("!! DEPENDENCIES NOT AUDITED: no vulnerability database (" + ", ".join(SERVICES)
              + ") answered for every package; see the reasons above.")
        if os.environ.get("GITHUB_ACTIONS") == "true":
            print("::warning title=make audit::dependencies not audited (no vulnerability "
                  "database reachable)")
        status = 1 if not code_clean else 2 if require_vulndb else 0
        how = "" if require_vulndb else f" (a warning; {REQUIRE_VULNDB}=1 makes it fail)"
        print(f"audit {'FAILED' if status else 'INCOMPLETE'}: {code}; "
              f"dependencies NOT audited{how}")
        return status
    print(f"audit {'passed' if code_clean else 'FAILED'}: {code}; "
          "no known vulnerabilities in pinned dependencies")
    return 0 if code_clean else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--osv-url", help="an OSV API mirror (POST /v1/query) to use "
                        "instead of api.osv.dev")
    options = parser.parse_args(argv)
    code_clean = run_bandit(SERVED_CODE, {})
    code_clean = run_bandit(DEVELOPER_CODE, DEVELOPER_SKIPS) and code_clean
    reports = audit_dependencies(options.osv_url)
    _print_dependencies(reports)
    return verdict(code_clean, reports, os.environ.get(REQUIRE_VULNDB) == "1")


if __name__ == "__main__":
    sys.exit(main())
