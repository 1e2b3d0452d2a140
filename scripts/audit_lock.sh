#!/usr/bin/env bash
# CI: pip-audit the pinned dependencies (requirements*.lock) against a public advisory source.
#
# Fails on a known vulnerability. When no advisory source answers (a machine that reaches only a
# package mirror), it says so plainly and does not fail: nothing was audited then.
# Installs pip-audit itself, into a throwaway venv, so it works on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
LOCKS=(requirements.lock requirements-dev.lock)
TOOLS=$(mktemp -d)
trap 'rm -rf "$TOOLS"' EXIT

skip() {
  echo "pip-audit: NOT AUDITED: $1"
  exit 0
}

"$PYTHON" -m venv "$TOOLS/venv"
"$TOOLS/venv/bin/pip" install --quiet --disable-pip-version-check "pip-audit>=2.7" 2>"$TOOLS/pip.log" \
  || { cat "$TOOLS/pip.log"; skip "pip-audit could not be installed (no package index reachable)."; }

# Which advisory source answers: PyPI's JSON API (a mirror serves packages, not this), else OSV.
# IVR_AUDIT_SERVICE=pypi|osv skips the probe (a machine whose proxy the probe cannot see).
service=${IVR_AUDIT_SERVICE:-}
[ -n "$service" ] || service=$("$TOOLS/venv/bin/python" - "${LOCKS[0]}" <<'EOF'
import json, re, sys, urllib.request

name, version = re.search(r"^([A-Za-z0-9._-]+)==(\S+)", open(sys.argv[1]).read(), re.M).groups()
probes = {
    "pypi": urllib.request.Request(f"https://pypi.org/pypi/{name}/{version}/json"),
    "osv": urllib.request.Request(
        "https://api.osv.dev/v1/query",
        data=json.dumps({"package": {"name": name, "ecosystem": "PyPI"}, "version": version}).encode(),
        headers={"Content-Type": "application/json"},
    ),
}
for service, probe in probes.items():
    try:
        with urllib.request.urlopen(probe, timeout=10) as answer:
            if answer.status == 200 and json.load(answer) is not None:
                print(service)
                break
    except Exception as error:  # any failure means: this source cannot be used here
        print(f"{service}: {error}", file=sys.stderr)
EOF
)
[ -n "$service" ] || skip "no advisory source reachable (neither PyPI's JSON API nor OSV answered)."

echo "pip-audit: auditing ${LOCKS[*]} against $service"
report="$TOOLS/report.json"
args=(--disable-pip --require-hashes --vulnerability-service "$service" --progress-spinner off)
for lock in "${LOCKS[@]}"; do args+=(--requirement "$lock"); done
status=0
"$TOOLS/venv/bin/pip-audit" "${args[@]}" --format json --output "$report" 2>"$TOOLS/audit.log" || status=$?
[ "$status" -eq 0 ] || cat "$TOOLS/audit.log"

# A package the source did not know was not audited: say which, rather than claim "no vulnerabilities".
"$TOOLS/venv/bin/python" - "$report" <<'EOF'
import json, sys

dependencies = json.load(open(sys.argv[1]))["dependencies"]
skipped = [d["name"] for d in dependencies if d.get("skip_reason")]
vulnerable = [d for d in dependencies if d.get("vulns")]
for dependency in vulnerable:
    for vuln in dependency["vulns"]:
        fixes = ", ".join(vuln["fix_versions"]) or "none yet"
        print(f"pip-audit: {dependency['name']} {dependency['version']}: {vuln['id']} (fixed in: {fixes})")
if skipped:
    print(f"pip-audit: NOT AUDITED ({len(skipped)} of {len(dependencies)} unknown to the source): "
          + ", ".join(skipped))
print(f"pip-audit: {len(dependencies) - len(skipped)} audited, {len(vulnerable)} vulnerable")
EOF
exit "$status"
