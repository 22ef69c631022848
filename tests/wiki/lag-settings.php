<?php
// Test wikis only (tests/faultproxy.py): a request carrying the X-Test-Database-Lag header sees
// that many seconds of database lag, so MediaWiki answers its own maxlag error (with Retry-After
// and X-Database-Lag) to requests whose maxlag is lower. Without the header, nothing changes.
$wgHooks['ApiMaxLagInfo'][] = static function ( &$lagInfo ) {
	$lag = $_SERVER['HTTP_X_TEST_DATABASE_LAG'] ?? '';
	if ( ctype_digit( $lag ) ) {
		$lagInfo = [ 'host' => 'db-replica-test', 'lag' => (int)$lag, 'type' => 'db' ];
	}
};
