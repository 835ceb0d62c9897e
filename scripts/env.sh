# Shared settings for the project's scripts. Source it; every value can be
# overridden from the environment to point at an existing cluster or database.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export ROOT
# Git-ignored, cached between runs: built tools and local data.
export TOOLS_DIR="${TOOLS_DIR:-$ROOT/.tools}"
export DATA_DIR="${DATA_DIR:-$ROOT/.data}"

# Pinned tool versions. The Temporal CLI is built from the Go module proxy;
# v1.5.1 is the newest release whose go.mod has no local `replace` (v1.9.x
# replaces ./cliext, which the proxy does not serve), so `go install` works.
export TEMPORAL_CLI_VERSION="${TEMPORAL_CLI_VERSION:-v1.5.1}"
export TEMPORAL_CLI="${TEMPORAL_CLI:-$TOOLS_DIR/temporal-cli-$TEMPORAL_CLI_VERSION/temporal}"
# The time-skipping test server from Maven Central (io.temporal:temporal-test-server).
export TEMPORAL_TEST_SERVER_VERSION="${TEMPORAL_TEST_SERVER_VERSION:-1.38.0}"
export TEMPORAL_TEST_SERVER="${TEMPORAL_TEST_SERVER:-$TOOLS_DIR/temporal-test-server-$TEMPORAL_TEST_SERVER_VERSION/temporal-test-server}"
# The production Temporal server (issue 16): built from the Go module proxy; its go.mod asks
# for a newer Go than the machine's, which GOTOOLCHAIN=auto fetches through the proxy too.
export TEMPORAL_SERVER_VERSION="${TEMPORAL_SERVER_VERSION:-v1.32.2}"
export TEMPORAL_SERVER="${TEMPORAL_SERVER:-$TOOLS_DIR/temporal-server-$TEMPORAL_SERVER_VERSION/temporal-server}"
export TEMPORAL_SQL_TOOL="${TEMPORAL_SQL_TOOL:-$TOOLS_DIR/temporal-server-$TEMPORAL_SERVER_VERSION/temporal-sql-tool}"
# Its Web UI for cluster mode: the UI server module (the one the CLI embeds for the dev server).
export TEMPORAL_UI_VERSION="${TEMPORAL_UI_VERSION:-v2.42.1}"
export TEMPORAL_UI="${TEMPORAL_UI:-$TOOLS_DIR/temporal-ui-$TEMPORAL_UI_VERSION/temporal-ui}"
# Schemathesis from PyPI, in its own venv: the test suite fuzzes the API against its OpenAPI document.
export SCHEMATHESIS_VERSION="${SCHEMATHESIS_VERSION:-4.32.5}"
export SCHEMATHESIS="${SCHEMATHESIS:-$TOOLS_DIR/schemathesis-$SCHEMATHESIS_VERSION/bin/schemathesis}"
# promtool (Prometheus 3.x; its Go module versions are v0.3xx): checks and unit-tests ops/alerts/*.yml.
export PROMTOOL_VERSION="${PROMTOOL_VERSION:-v0.316.0}"
export PROMTOOL="${PROMTOOL:-$TOOLS_DIR/promtool-$PROMTOOL_VERSION/promtool}"

export L2L_PG_HOST="${L2L_PG_HOST:-127.0.0.1}"
export L2L_PG_PORT="${L2L_PG_PORT:-5432}"
export L2L_DB_USER="${L2L_DB_USER:-l2l}"
export L2L_DB_PASSWORD="${L2L_DB_PASSWORD:-l2l}"
export DATABASE_URL="${DATABASE_URL:-postgresql://$L2L_DB_USER:$L2L_DB_PASSWORD@$L2L_PG_HOST:$L2L_PG_PORT/l2l}"

export TEMPORAL_ADDRESS="${TEMPORAL_ADDRESS:-127.0.0.1:7233}"
export TEMPORAL_NAMESPACE="${TEMPORAL_NAMESPACE:-default}"
export TEMPORAL_UI_PORT="${TEMPORAL_UI_PORT:-8233}"
export API_PORT="${API_PORT:-3000}"
export EXAMPLE_FORM_PORT="${EXAMPLE_FORM_PORT:-3001}"
# playwright-core drives Debian's chromium; never download a browser of its own.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

# The search attributes ops filter journeys by; keep in sync with
# workflows/search-attributes.ts (test/search-attributes.test.ts checks).
JOURNEY_SEARCH_ATTRIBUTES=(JourneyStage=Keyword CustomerOwner=Keyword DealerId=Keyword LeadSource=Keyword Market=Keyword)

log() { printf '\033[1;34m[l2l]\033[0m %s\n' "$*" >&2; }
