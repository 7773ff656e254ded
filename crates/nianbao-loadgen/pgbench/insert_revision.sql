-- One pgbench transaction: insert one revision-like row carrying the ~9 KB interchange JSON of
-- the demo report (the same size the storage service writes per submission), with the same
-- unique indexes as the revisions table. This is PostgreSQL's own insert ceiling on this machine.
INSERT INTO bench_revisions (office_id, year, number, checksum, request_id, content, findings, created_at)
SELECT :client_id, 2023, nextval('bench_number'), md5(random()::text) || md5(random()::text),
       'pgbench-' || :client_id || '-' || md5(random()::text), body, '[]', now()
FROM bench_payload;
