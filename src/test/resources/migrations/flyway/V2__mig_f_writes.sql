-- The same function now writes: lsnwait must forget what it proved of it before the next call relies on it.
CREATE OR REPLACE FUNCTION mig_f() RETURNS bigint LANGUAGE sql VOLATILE
  AS 'INSERT INTO mig_note (text) VALUES (''by mig_f'') RETURNING id';
