-- PostgreSQL's twin compresses the outbox's rows with lz4. SQLite does not
-- compress values, so there is nothing to do here; the file keeps the two
-- engines' migrations numbered alike.
SELECT 1
