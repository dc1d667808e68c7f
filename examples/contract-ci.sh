#!/usr/bin/env bash
# A CI job: check that an APIMart API still honours the contract (openapi.yaml), and fail the build with
# a clear line when it does not. Run it as a CI step after `pip install 'apimart-midjourney[contract]'`:
#
#   APIMART_BASE_URL=http://127.0.0.1:4010 bash examples/contract-ci.sh   # a mock the job serves (make mock)
#   APIMART_BASE_URL=https://api.apimart.ai APIMART_API_KEY=sk-... bash examples/contract-ci.sh
#
# The suite paces itself to APIMART_RATE_LIMIT requests a second (default 1: about two minutes a run);
# raise it against a mock of your own (APIMART_RATE_LIMIT=50). Against the live API it never spends
# unless APIMART_ALLOW_SPEND=1. Reports (junit.xml for the CI's test tab, report.md, report.json) go to
# $REPORT_DIR, default reports/contract. Exit status as apimart-contract's: 0 the contract holds,
# 1 violations, 2 the suite could not run (configuration, target unreachable).
set -uo pipefail

base_url="${APIMART_BASE_URL:?set APIMART_BASE_URL to the API to check}"
report_dir="${REPORT_DIR:-reports/contract}"

apimart-contract --base-url "$base_url" --report-dir "$report_dir"
status=$?
case $status in
    0) echo "contract-ci: the contract holds at $base_url ($report_dir/report.md)" ;;
    1) echo "contract-ci: contract violations at $base_url: see $report_dir/report.md" >&2 ;;
    2) echo "contract-ci: the contract suite could not run against $base_url (see its message above)" >&2 ;;
    *) echo "contract-ci: apimart-contract ended with status $status" >&2 ;;
esac
exit "$status"
