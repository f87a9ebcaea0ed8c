CREATE TABLE mig_note (id bigserial PRIMARY KEY, text text NOT NULL);

-- Reads only: lsnwait's catalog proves it, and an auto-commit call of it makes no token.
CREATE FUNCTION mig_f() RETURNS bigint LANGUAGE sql STABLE AS 'SELECT count(*) FROM mig_note';
