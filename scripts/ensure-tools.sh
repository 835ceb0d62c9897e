#!/usr/bin/env bash
# Builds or fetches the tools into the git-ignored, cached $TOOLS_DIR:
#   - the Temporal CLI (dev server + Web UI), built with Go from the module proxy;
#   - the Java time-skipping test server, fetched from Maven Central;
#   - Schemathesis (the API fuzzer the tests run), in a venv from PyPI;
#   - chromium from Debian (the browser the web-form tests drive with playwright-core);
#   - the production Temporal server and its SQL tool, built with Go (cluster mode, issue 16);
#   - promtool, built with Go (the alert rules' unit tests).
# Both are reused when present. Set TEMPORAL_CLI / TEMPORAL_TEST_SERVER to use
# binaries you already have.
source "$(dirname "$0")/env.sh"

# Builds one Go command (module path@version) into the file `target`, with the Go toolchain its module asks for.
go_build_tool() {
  local target="$1" package="$2" out; out="$(dirname "$1")"
  command -v go >/dev/null || { log "Go is needed to build ${package%@*} (apt-get install golang or see go.dev)"; exit 1; }
  mkdir -p "$out/bin"
  GOTOOLCHAIN=auto GOBIN="$out/bin" GOFLAGS=-trimpath go install "$package"
  mv "$out/bin/$(basename "${package%@*}")" "$target"
}

ensure_temporal_cli() {
  if [[ -x "$TEMPORAL_CLI" ]]; then return; fi
  log "building Temporal CLI $TEMPORAL_CLI_VERSION from the Go module proxy (first time only, a few minutes)"
  go_build_tool "$TEMPORAL_CLI" "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_VERSION"
  "$TEMPORAL_CLI" --version >&2
}

# The production server and its SQL schema tool (cmd/server, cmd/tools/sql of go.temporal.io/server).
ensure_temporal_server() {
  if [[ -x "$TEMPORAL_SERVER" && -x "$TEMPORAL_SQL_TOOL" ]]; then return; fi
  command -v go >/dev/null || { log "Go is needed to build the Temporal server"; exit 1; }
  log "building Temporal server $TEMPORAL_SERVER_VERSION and its SQL tool from the Go module proxy (first time only, several minutes)"
  local out; out="$(dirname "$TEMPORAL_SERVER")"
  mkdir -p "$out/bin"
  GOTOOLCHAIN=auto GOBIN="$out/bin" GOFLAGS=-trimpath go install "go.temporal.io/server/cmd/server@$TEMPORAL_SERVER_VERSION" "go.temporal.io/server/cmd/tools/sql@$TEMPORAL_SERVER_VERSION"
  mv "$out/bin/sql" "$TEMPORAL_SQL_TOOL"
  mv "$out/bin/server" "$TEMPORAL_SERVER"
}

# The Web UI server for the production server (cluster mode of npm run dev).
ensure_temporal_ui() {
  if [[ -x "$TEMPORAL_UI" ]]; then return; fi
  log "building the Temporal Web UI server $TEMPORAL_UI_VERSION from the Go module proxy (first time only)"
  go_build_tool "$TEMPORAL_UI" "github.com/temporalio/ui-server/v2/cmd/server@$TEMPORAL_UI_VERSION"
}

# promtool, to check the alert rules and run their unit tests (ops/alerts/), built with Go.
ensure_promtool() {
  if [[ -x "$PROMTOOL" ]]; then return; fi
  log "building promtool $PROMTOOL_VERSION from the Go module proxy (first time only, about 6 minutes)"
  go_build_tool "$PROMTOOL" "github.com/prometheus/prometheus/cmd/promtool@$PROMTOOL_VERSION"
}

ensure_test_server() {
  if [[ -x "$TEMPORAL_TEST_SERVER" ]]; then return; fi
  command -v mvn >/dev/null && command -v java >/dev/null || { log "Java and Maven are needed for the time-skipping test server"; exit 1; }
  log "fetching temporal-test-server $TEMPORAL_TEST_SERVER_VERSION from Maven Central (first time only)"
  local dir; dir="$(dirname "$TEMPORAL_TEST_SERVER")"
  mkdir -p "$dir/lib"
  cat > "$dir/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
  <groupId>local.l2l</groupId><artifactId>temporal-test-server-runtime</artifactId><version>1</version>
  <dependencies><dependency><groupId>io.temporal</groupId><artifactId>temporal-test-server</artifactId>
    <version>$TEMPORAL_TEST_SERVER_VERSION</version></dependency></dependencies>
</project>
POM
  mvn -q -B -f "$dir/pom.xml" dependency:copy-dependencies -DoutputDirectory="$dir/lib" >&2
  # @temporalio/testing starts the executable as `<path> <port> [args]`.
  cat > "$TEMPORAL_TEST_SERVER.tmp" <<'SH'
#!/usr/bin/env bash
exec java -XX:+UseSerialGC -Xss1m -cp "$(dirname "$0")/lib/*" io.temporal.testserver.TestServer "$@"
SH
  chmod +x "$TEMPORAL_TEST_SERVER.tmp"
  mv "$TEMPORAL_TEST_SERVER.tmp" "$TEMPORAL_TEST_SERVER"
}

ensure_schemathesis() {
  local venv; venv="$(dirname "$(dirname "$SCHEMATHESIS")")"
  # The marker is written last, so an interrupted install is redone, not half-used.
  if [[ -x "$SCHEMATHESIS" && -f "$venv/.installed" ]]; then return; fi
  command -v python3 >/dev/null || { log "Python 3 is needed for Schemathesis (apt-get install python3)"; exit 1; }
  if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
    log "installing python3-venv from Debian packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
  fi
  log "installing Schemathesis $SCHEMATHESIS_VERSION from PyPI into $venv (first time only)"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION" >&2
  touch "$venv/.installed"
}

# The browser the web-form tests drive (playwright-core, no browser download): Debian's chromium.
ensure_chromium() {
  if [[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]]; then return; fi
  log "installing chromium from Debian packages (first time only; for the browser tests)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq chromium >/dev/null
}

case "${1:-all}" in
  cli) ensure_temporal_cli ;;
  test-server) ensure_test_server ;;
  schemathesis) ensure_schemathesis ;;
  chromium) ensure_chromium ;;
  cluster) ensure_temporal_cli; ensure_temporal_server ;;
  ui) ensure_temporal_ui ;;
  promtool) ensure_promtool ;;
  all) ensure_temporal_cli; ensure_test_server; ensure_schemathesis; ensure_chromium; ensure_temporal_server; ensure_promtool ;;
esac
