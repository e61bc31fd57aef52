-- An export's transaction: read only, and its statements bounded by the exports' own
-- timeout (observatory_core::database::EXPORT_STATEMENT_TIMEOUT) rather than the
-- server's 30 s, since a slow client reads a whole layer at its own pace.
BEGIN READ ONLY;
SET LOCAL statement_timeout = '15min';
