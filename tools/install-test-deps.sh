#!/usr/bin/env bash
# install-test-deps.sh - install what the tests need from Debian: MediaWiki 1.39 and PHP (CLI,
# SQLite, intl, mbstring, xml) for the fetch tests, and chromium for the HTML report tests.
# Idempotent: returns at once when they are there.
# Needs root or sudo when something is missing. Adapted from shared/tools/start-wiki.sh.
set -euo pipefail

MW=/usr/share/mediawiki
log() { printf '[install-test-deps] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"
    elif command -v sudo >/dev/null; then sudo "$@"
    else die "need root (or sudo) to run: $*"; fi
}

missing() {
    command -v php >/dev/null || return 0
    [ -f "$MW/maintenance/install.php" ] || return 0
    php -r 'foreach (["pdo_sqlite","intl","mbstring","xml","dom"] as $e) if (!extension_loaded($e)) exit(1);' || return 0
    return 1
}

no_browser() { ! command -v chromium >/dev/null && ! command -v chromium-browser >/dev/null; }

if ! missing && ! no_browser; then log "MediaWiki, PHP and chromium already installed"; exit 0; fi
command -v apt-get >/dev/null || die "no apt-get: install MediaWiki 1.39, php-cli/sqlite3/intl/mbstring/xml and chromium by hand"
t0=$SECONDS
as_root apt-get update -qq >&2
if no_browser; then
    log "installing: chromium"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium >&2
fi
if ! missing; then log "installed in $((SECONDS - t0))s"; exit 0; fi
# The PHP packages carry the distribution's PHP version (php8.2-* on bookworm). php8.2-cgi is
# named explicitly, or apt satisfies "php8.2 -> libapache2-mod-php8.2 | php8.2-fpm | php8.2-cgi"
# with Apache's module; mini-httpd (45 kB) satisfies "mediawiki -> apache2 | httpd". Neither
# is used nor started: the tests serve the wiki with PHP's built-in server.
v=$(apt-cache show php-cli | sed -n 's/^Depends: php\([0-9][0-9.]*\)-cli.*/\1/p' | head -n1)
[ -n "$v" ] || die "cannot tell the PHP version from apt-cache show php-cli"
pkgs="mediawiki mini-httpd php$v-cli php$v-cgi php$v-sqlite3 php$v-intl php$v-mbstring php$v-xml"
log "installing: $pkgs"
# shellcheck disable=SC2086
if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $pkgs >&2; then
    log "minimal set failed; falling back to apt's default choice (pulls apache2, not started)"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        mediawiki php-cli php-sqlite3 php-intl php-mbstring php-xml >&2
fi
missing && die "MediaWiki or a PHP extension is still missing after the install"
log "installed in $((SECONDS - t0))s"
