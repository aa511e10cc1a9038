"""`make audit` (tools/audit.py) reads pip-audit's and bandit's JSON; these tests feed it
the shapes those tools print, so neither tool is needed here. The point of most of them:
a vulnerability database that could not be asked must never read as "no vulnerabilities".
"""
import json
import re

from app.config import PROJECT_DIR
from tools.audit import read_bandit, read_pip_audit, verdict

CLEAN = {"name": "flask", "version": "3.1.3", "vulns": []}
VULNERABLE = {"name": "jinja2", "version": "3.1.6",
              "vulns": [{"id": "GHSA-xxxx-0001", "fix_versions": ["3.1.7"],
                         "aliases": ["CVE-2099-0001"]}]}
NOT_FOUND = {"name": "alembic", "skip_reason": "Dependency not found on PyPI and could not be "
                                               "audited: alembic (1.20.1)"}


def pip_audit_output(*dependencies) -> str:
    return json.dumps({"dependencies": list(dependencies), "fixes": []})


def test_a_known_vulnerability_fails_the_audit(capsys):
    report = read_pip_audit("pypi", 1, pip_audit_output(CLEAN, VULNERABLE), "")
    assert report.vulnerable == ["jinja2 3.1.6: GHSA-xxxx-0001 (CVE-2099-0001); fixed in 3.1.7"]
    assert verdict(True, [report], require_vulndb=False) == 1
    assert "known vulnerabilities" in capsys.readouterr().out


def test_packages_the_database_did_not_know_are_not_counted_as_clean(capsys):
    report = read_pip_audit("pypi", 0, pip_audit_output(NOT_FOUND, NOT_FOUND), "")
    assert (report.audited, len(report.unaudited), report.complete) == (0, 2, False)
    assert verdict(True, [report], require_vulndb=False) == 0
    out = capsys.readouterr().out
    assert "NOT audited" in out and "passed" not in out


def test_an_unreachable_service_is_reported_with_its_reason():
    stderr = "Traceback (most recent call last):\n  ...\nConnectionError: api.osv.dev unknown\n"
    report = read_pip_audit("osv", 1, "", stderr)
    assert report.error == "ConnectionError: api.osv.dev unknown"
    assert not report.complete


def test_requiring_the_database_turns_the_warning_into_a_failure():
    report = read_pip_audit("osv", 1, "", "ConnectionError: no route\n")
    assert verdict(True, [report], require_vulndb=True) == 2


def test_one_service_answering_for_every_package_is_enough(capsys):
    unreachable = read_pip_audit("pypi", 0, pip_audit_output(NOT_FOUND), "")
    alembic = {"name": "alembic", "version": "1.20.1", "vulns": []}
    answered = read_pip_audit("osv", 0, pip_audit_output(CLEAN, alembic), "")
    assert verdict(True, [unreachable, answered], require_vulndb=True) == 0
    assert "audit passed" in capsys.readouterr().out


def test_code_findings_fail_even_when_the_dependencies_could_not_be_audited():
    report = read_pip_audit("osv", 1, "", "ConnectionError\n")
    assert verdict(False, [report], require_vulndb=False) == 1


def test_bandit_findings_and_unreadable_files_are_both_findings():
    output = json.dumps({
        "results": [{"filename": "app/x.py", "line_number": 3, "test_id": "B602",
                     "issue_severity": "HIGH", "issue_confidence": "HIGH",
                     "issue_text": "subprocess call with shell=True"}],
        "errors": [{"filename": "app/y.py", "reason": "syntax error"}],
        "metrics": {"_totals": {"nosec": 0, "skipped_tests": 4}}})
    findings, accepted = read_bandit(output)
    assert findings == ["app/x.py:3: B602 HIGH/HIGH subprocess call with shell=True",
                        "app/y.py: bandit could not read it: syntax error"]
    assert accepted == 4


def pins(name: str) -> dict[str, str]:
    lines = (PROJECT_DIR / name).read_text(encoding="utf-8").splitlines()
    found = [re.fullmatch(r"([A-Za-z0-9._-]+)==(\S+)", line) for line in lines
             if line and not line.startswith(("#", "-r"))]
    assert all(found), name
    return {re.sub(r"[-_.]+", "-", match[1]).lower(): match[2] for match in found}


def test_the_audit_tools_share_every_pin_with_the_app_and_tests():
    """They go into the same .venv: a different pin would change what the tests run on."""
    audit = pins("requirements-audit.txt")
    ours = pins("requirements.txt") | pins("requirements-test.txt")
    assert {"bandit", "pip-audit"} <= audit.keys()
    assert {name: version for name, version in audit.items()
            if ours.get(name, version) != version} == {}
