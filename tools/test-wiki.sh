#!/usr/bin/env bash
# test-wiki.sh - throwaway MediaWiki (Debian's package, SQLite, PHP built-in server) on loopback.
#
#   test-wiki.sh install                    install the Debian packages if missing (tools/install-test-deps.sh)
#   test-wiki.sh start DIR PORT [DUMP.xml] fresh wiki in DIR, import DUMP, serve on 127.0.0.1:PORT;
#                                           prints the API URL (only that) on stdout
#   test-wiki.sh import DIR DUMP.xml       import another XML dump into a wiki (server may run)
#   test-wiki.sh edit DIR TITLE FILE [USER] [SUMMARY]   save FILE as a new revision of TITLE
#   test-wiki.sh stop DIR                  stop the server started for DIR
#
# Environment (all optional):
#   WIKI_NAME="Test Wiki"   site name; also the project namespace ("Wikipedia" gives "Wikipedia talk:")
#   WIKI_ADMIN=Admin  WIKI_PASS=Adminpass-12345
#   WIKI_EXTRA_SETTINGS=/path/extra.php   appended to LocalSettings.php via require_once
#   WIKI_LANG=en            content language (de, es, pl, ...): namespace names and date formats
#   WIKI_TIMEZONE=UTC       the wiki's local time zone for signatures, e.g. Europe/Berlin
#   WIKI_START_TIMEOUT=30   seconds to wait for the API
# Adapted from shared/tools/start-wiki.sh (a tested recipe); the tests run it from tests/wiki.py.
# DIR must not exist, be empty, or be a previous wiki made by this script (then it is wiped).
set -euo pipefail

MW=/usr/share/mediawiki
MARKER=.test-wiki

log() { printf '[test-wiki] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

pkgs_missing() {
    command -v php >/dev/null || return 0
    [ -f "$MW/maintenance/install.php" ] || return 0
    php -r 'foreach (["pdo_sqlite","intl","mbstring","xml","dom"] as $e) if (!extension_loaded($e)) exit(1);' || return 0
    return 1
}

cmd_install() { "$(dirname "$0")/install-test-deps.sh"; }

port_busy() { php -r '$s=@fsockopen("127.0.0.1",(int)$argv[1],$e,$m,0.5); exit($s?0:1);' "$1"; }

api_ok() { # $1 = api url
    php -r '$ctx=stream_context_create(["http"=>["timeout"=>2]]);
            $r=@file_get_contents($argv[1]."?action=query&meta=siteinfo&format=json",false,$ctx);
            exit(($r!==false && strpos($r,"\"generator\"")!==false)?0:1);' "$1"
}

maint() { # $1 = DIR, $2 = script, rest = args
    local dir=$1 script=$2; shift 2
    MW_CONFIG_FILE="$dir/LocalSettings.php" php "$MW/maintenance/$script.php" --conf "$dir/LocalSettings.php" "$@"
}

cmd_import() {
    local dir=$(realpath "$1") dump=$2
    [ -f "$dir/LocalSettings.php" ] || die "no wiki in $dir"
    [ -r "$dump" ] || die "cannot read dump $dump"
    local t0=$(date +%s%N)
    maint "$dir" importDump --quiet "$(realpath "$dump")" >&2
    log "imported $dump in $(( ($(date +%s%N) - t0) / 1000000 ))ms"
}

cmd_edit() {
    local dir=$(realpath "$1") title=$2 file=$3 user=${4:-${WIKI_ADMIN:-Admin}} summary=${5:-edit}
    [ -f "$dir/LocalSettings.php" ] || die "no wiki in $dir"
    maint "$dir" edit --user "$user" --summary "$summary" "$title" < "$file" >&2
}

# running, and not a zombie waiting for a parent that does not reap it (PID 1 in some containers)
alive() { [ -r "/proc/$1/status" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status"; }

cmd_stop() {
    local dir=$1 pid
    [ -f "$dir/server.pid" ] || { log "no server.pid in $dir (not running?)"; return 0; }
    pid=$(cat "$dir/server.pid")
    if [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q -- 'php.* -S 127.0.0.1:'; then
        kill "$pid"
        for _ in $(seq 50); do alive "$pid" || break; sleep 0.1; done
        alive "$pid" && kill -9 "$pid"
        log "stopped server pid $pid"
    else
        log "pid $pid is not our php server (already gone)"
    fi
    rm -f "$dir/server.pid"
}

cmd_start() {
    local dir=$1 port=$2 dump=${3:-}
    [[ $port =~ ^[0-9]+$ ]] || die "bad port: $port"
    [ -z "$dump" ] || [ -r "$dump" ] || die "cannot read dump $dump"
    pkgs_missing && die "MediaWiki/PHP not installed: run tools/install-test-deps.sh (as root)"

    # fresh directory (a previous wiki of ours there is stopped and wiped)
    local wipe=0
    if [ -e "$dir" ] && [ -n "$(ls -A "$dir" 2>/dev/null)" ]; then
        [ -f "$dir/$MARKER" ] || die "$dir is not empty and was not made by test-wiki.sh"
        cmd_stop "$dir"
        wipe=1
    fi
    port_busy "$port" && die "port $port on 127.0.0.1 is already in use"
    [ $wipe = 1 ] && rm -rf "$dir"
    mkdir -p "$dir"
    dir=$(realpath "$dir")
    touch "$dir/$MARKER"
    mkdir -p "$dir/data" "$dir/images" "$dir/cache" "$dir/tmp"

    local server="http://127.0.0.1:$port"
    local t0=$SECONDS
    MW_CONFIG_FILE="$dir/LocalSettings.php" php "$MW/maintenance/install.php" --quiet \
        --dbtype sqlite --dbpath "$dir/data" --dbname wiki \
        --confpath "$dir" --server "$server" --scriptpath "" \
        --lang "${WIKI_LANG:-en}" --skins Vector \
        --pass "${WIKI_PASS:-Adminpass-12345}" \
        "${WIKI_NAME:-Test Wiki}" "${WIKI_ADMIN:-Admin}" > "$dir/install.log" 2>&1 \
        || { cat "$dir/install.log" >&2; die "install.php failed"; }

    cat >> "$dir/LocalSettings.php" <<'EOF'

# ---- added by test-wiki.sh ----
$wgUploadDirectory = __DIR__ . '/images';
$wgCacheDirectory = __DIR__ . '/cache';
$wgTmpDirectory = __DIR__ . '/tmp';
$wgEnableEmail = false;
$wgEnableUploads = false;
$wgShowExceptionDetails = true;
// importDump.php: give revisions by unknown users a local account
// (otherwise they are attributed to "imported>Name")
$wgHooks['ImportHandleUnknownUser'][] = static function ( $name ) {
	User::createNew( $name );
	return false;
};
EOF
    echo "\$wgLocaltimezone = '${WIKI_TIMEZONE:-UTC}';" >> "$dir/LocalSettings.php"
    if [ -n "${WIKI_EXTRA_SETTINGS:-}" ]; then
        echo "require_once '$(realpath "$WIKI_EXTRA_SETTINGS")';" >> "$dir/LocalSettings.php"
    fi
    log "wiki created in $dir in $((SECONDS - t0))s"

    [ -n "$dump" ] && cmd_import "$dir" "$dump"

    # serve; setsid detaches it from the caller's process group / terminal
    MW_CONFIG_FILE="$dir/LocalSettings.php" setsid php -S "127.0.0.1:$port" -t "$MW" \
        > "$dir/server.log" 2>&1 < /dev/null &
    echo $! > "$dir/server.pid"

    local api="$server/api.php" deadline=$((SECONDS + ${WIKI_START_TIMEOUT:-30}))
    until api_ok "$api"; do
        if [ ! -e "/proc/$(cat "$dir/server.pid")" ]; then
            cat "$dir/server.log" >&2; die "server exited"
        fi
        [ $SECONDS -lt $deadline ] || { cmd_stop "$dir"; die "API did not answer in time"; }
        sleep 0.2
    done
    log "server pid $(cat "$dir/server.pid") on $server (log: $dir/server.log)"
    echo "$api"
}

usage() { sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

case ${1:-} in
    install) cmd_install ;;
    start)  [ $# -ge 3 ] || usage; cmd_start "$2" "$3" "${4:-}" ;;
    import) [ $# -eq 3 ] || usage; cmd_import "$2" "$3" ;;
    edit)   [ $# -ge 4 ] || usage; cmd_edit "$2" "$3" "$4" "${5:-}" "${6:-}" ;;
    stop)   [ $# -eq 2 ] || usage; cmd_stop "$2" ;;
    *) usage ;;
esac
